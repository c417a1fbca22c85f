import { describe, expect, it } from 'vitest';
import { decideAgentStatus } from '../../../../src/domain/actions/index.ts';
import { roster, valid } from './given.ts';

describe('decideAgentStatus', () => {
  it('given an agent the workspace does not have, when a status change is decided, then it is refused with not_found', () => {
    const decision = decideAgentStatus({ roster }, { agent: 'ag_nobody', status: 'online' });

    expect(decision).toEqual({ ok: false, refusal: { code: 'not_found', message: 'agent ag_nobody not found' } });
  });

  it('given a configured agent, when going online is decided, then agent.status_changed carries no capacity', () => {
    const decision = decideAgentStatus({ roster }, { agent: 'ag_boris', status: 'online' });

    // Strictly: no `capacity` key at all (an undefined one would read as "left out" to some and not to others).
    expect(decision).toStrictEqual({ ok: true, event: { type: 'agent.status_changed', data: { agent: 'ag_boris', status: 'online' } } });
    if (decision.ok) expect(() => valid(decision.event)).not.toThrow();
  });

  it('given a configured agent, when opening more chat seats for the session is decided, then the override (and a reset to the configured one) is on the event', () => {
    const decision = decideAgentStatus({ roster }, { agent: 'ag_anna', status: 'away', capacity: { chat: 4, email: null } });

    expect(decision).toEqual({ ok: true, event: { type: 'agent.status_changed', data: { agent: 'ag_anna', status: 'away', capacity: { chat: 4, email: null } } } });
  });
});
