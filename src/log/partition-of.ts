import { Partitioners, type PartitionMetadata } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();

/**
 * The partition a record with this key lands on among `partitions`: the producer's own default
 * partitioner (murmur2 of the key), as the event log appends. Who needs to find a customer's events
 * (the append probe, a customer's export) reads that partition only.
 */
export function partitionOf(topic: string, key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId): PartitionMetadata => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}
