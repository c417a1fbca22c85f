/**
 * Queue names and their key prefix. The prefix is a hash tag per queue so all of one queue's keys
 * sit on one Redis Cluster slot, as BullMQ's Lua scripts require.
 */
export interface QueueNames {
  fold: string;
  workflow: string;
}

export const defaultQueueNames: QueueNames = { fold: 'fold', workflow: 'workflow' };

export const queuePrefix = (queue: string) => `{cs.q.${queue}}`;

/** The fetch queue lives beside the delivery queue (and is named after it): one role talks to the providers. */
export const mediaQueueName = (outboundQueue: string) => `${outboundQueue}.media`;
