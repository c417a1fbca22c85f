import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/collect.ts';
import { baseTenant, startWorkflowEngine, visitor } from './support.ts';

/**
 * Workflow steps decide on what the customer wrote while the log and the projections hold it
 * sealed: the steps' projection view opens it (docs/DESIGN.md, Personal data and erasure).
 */
let wf: Awaited<ReturnType<typeof startWorkflowEngine>>;

beforeAll(async () => {
  wf = await startWorkflowEngine(baseTenant, (c) => ({ ...c, privacy: { masterKeys: { m1: randomBytes(32).toString('base64') }, activeMasterKey: 'm1', keyCacheMs: 30_000, retentionSweepMs: 3_600_000, retentionGraceMs: 600_000 } }));
}, 90_000);

afterAll(async () => {
  await wf?.close();
});

describe('workflow steps with personal data sealed', () => {
  it('given a chat message naming a lawyer, sealed on the log, when triaged, then triage read the words and made it urgent', async () => {
    const conversation = await wf.chat(visitor('sealed'), 'I will call my lawyer about this');
    await eventually('triaged', async () => wf.ofType('conversation.triaged').some((e) => e.conversation === conversation));
    const received = wf.ofType('message.received').find((e) => `cv_${e.id}` === conversation)!;
    expect(received.data.text).toMatch(/^enc:v1:/);
    expect(received.data.handle).toMatch(/^enc:v1:/);
    expect(wf.ofType('conversation.triaged').find((e) => e.conversation === conversation)!.data.priority).toBe('urgent');
    const view = await wf.engine.api('GET', `/v1/conversations/${conversation}`);
    expect(view.body).toMatchObject({ transcript: [expect.objectContaining({ text: 'I will call my lawyer about this' })] });
  }, 60_000);
});
