import { describe, expect, it } from 'vitest';
import { applyEvent, emptyFold, noEffects, type CustomerFold } from '../../../src/domain/fold/customer-fold.ts';
import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';

/** Folds every event of a generated stream per customer with the given effects; the folds and what the effects gathered. */
function foldAll(keep: { transcript: boolean; triggers: boolean }) {
  const folds = new Map<string, CustomerFold>();
  const fx = noEffects(keep);
  for (const event of generateStream({ events: 5000, customers: 300, seed: 11, policy: defaultFoldPolicy, deliveryShare: 0.5 })) {
    const key = `${event.tenant}/${event.customer}`;
    let fold = folds.get(key);
    if (!fold) folds.set(key, (fold = emptyFold(event.tenant, event.customer)));
    applyEvent(fold, event, defaultFoldPolicy, fx);
  }
  return { folds, fx };
}

describe('the fold asked for fewer effects (a replay for a report)', () => {
  const all = foldAll({ transcript: true, triggers: true });
  const none = foldAll({ transcript: false, triggers: false });

  it('given a generated stream, folds every customer to the same state as with all effects', () => {
    expect(none.folds.size).toBe(all.folds.size);
    for (const [key, fold] of all.folds) expect(none.folds.get(key)).toEqual(fold);
  });

  it('builds no workflow jobs and no transcript lines, where the full fold built both', () => {
    expect(all.fx.triggers.length).toBeGreaterThan(1000);
    expect(all.fx.transcript.length).toBeGreaterThan(1000);
    expect(none.fx.triggers).toEqual([]);
    expect(none.fx.transcript).toEqual([]);
    expect(none.fx.applied).toBe(all.fx.applied);
    expect(none.fx.changedConversations).toEqual(all.fx.changedConversations);
  });

  it('keeps transcript lines alone when only they are asked for (cs conversation --as-of)', () => {
    const transcriptOnly = foldAll({ transcript: true, triggers: false });
    expect(transcriptOnly.fx.transcript).toEqual(all.fx.transcript);
    expect(transcriptOnly.fx.triggers).toEqual([]);
  });
});
