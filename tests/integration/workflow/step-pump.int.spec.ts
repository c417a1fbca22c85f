import { Queue } from 'bullmq';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import { stepMember, type PositionedTrigger } from '../../../src/projections/steps.ts';
import { carryOverSteps, moveLiveFold } from '../../../src/projections/live-assignment.ts';
import { controlKeys, projectionKeys } from '../../../src/projections/keys.ts';
import { redisConnection } from '../../../src/queues/connection.ts';
import { queuePrefix } from '../../../src/queues/names.ts';
import type { WorkflowJobData } from '../../../src/workflow/trigger-queue.ts';
import { stepPump } from '../../../src/workflow/step-pump.ts';
import { testConfig } from '../../support/engine.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const step = (conversation: string, offset: string): PositionedTrigger => ({
  trigger: { kind: 'triage', jobId: `triage-${conversation}`, conversationId: conversation, at: '2026-05-04T10:00:00.000Z' },
  tenant: 'acme',
  customer: 'cust-1',
  partition: 0,
  offset,
});

async function deployment() {
  const config = testConfig();
  const redis = redisConnection(config.redis.url, 'spec-step-pump');
  const queueName = `wf-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const queue = new Queue<WorkflowJobData>(queueName, { connection: redis, prefix: queuePrefix(queueName) });
  const oldNs = `old-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const newNs = `new-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  cleanups.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.del(controlKeys(config.instance).liveFold, projectionKeys(oldNs).steps, projectionKeys(newNs).steps);
    redis.disconnect();
  });
  // The live fold wrote in the old namespace; a rebuild moves it to the new one.
  await moveLiveFold(redis, config.instance, { namespace: oldNs, group: 'g-old' }, { namespace: oldNs, group: 'g-old' });
  return { config, redis, queue, oldNs, newNs };
}

describe('workflow steps across a rebuild', () => {
  it('given steps the old live fold committed just before it moved, the pump still turns them into jobs', async () => {
    const { config, redis, queue, oldNs, newNs } = await deployment();
    await redis.zadd(projectionKeys(oldNs).steps, 0, stepMember(step('cv_a', '10')));
    await moveLiveFold(redis, config.instance, { namespace: oldNs, group: 'g-old' }, { namespace: newNs, group: 'g-new' });
    await redis.zadd(projectionKeys(newNs).steps, 0, stepMember(step('cv_b', '11')));

    const pumped = await stepPump({ redis, instance: config.instance, fallbackNamespace: oldNs, queue }).pumpOnce();

    expect(pumped).toBe(2);
    expect((await queue.getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.id).sort()).toEqual(['triage-cv_a', 'triage-cv_b']);
    expect(await redis.zcard(projectionKeys(oldNs).steps)).toBe(0);
  });

  it('given steps not yet pumped in a namespace about to be dropped, they move to the live namespace, none lost and none doubled', async () => {
    const { redis, oldNs, newNs } = await deployment();
    await redis.zadd(projectionKeys(oldNs).steps, 0, stepMember(step('cv_a', '10')), 0, stepMember(step('cv_b', '11')));
    await redis.zadd(projectionKeys(newNs).steps, 0, stepMember(step('cv_b', '11')), 0, stepMember(step('cv_c', '12')));

    expect(await carryOverSteps(redis, projectionKeys(oldNs).steps, projectionKeys(newNs).steps)).toBe(2);

    expect(await redis.exists(projectionKeys(oldNs).steps)).toBe(0);
    const live = await redis.zrange(projectionKeys(newNs).steps, '0', '-1', 'WITHSCORES');
    expect(live).toEqual([stepMember(step('cv_a', '10')), '0', stepMember(step('cv_b', '11')), '0', stepMember(step('cv_c', '12')), '0']);
  });
});
