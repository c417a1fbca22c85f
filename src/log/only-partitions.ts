import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * A partition assigner that hands these partitions of the topic to the group's first member and
 * nothing to any other. kafkajs reads a topic only through a consumer group; a reader of its own
 * (a probe's search, a replay's share) uses a group of its own with this assigner to read exactly
 * the partitions it wants. `name` tells the readers apart in the group's protocol.
 */
export function onlyPartitions(name: string, topic: string, partitions: readonly number[]): PartitionAssigner {
  return () => ({
    name,
    version: 1,
    protocol: ({ topics }) => ({ name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }),
    assign: async ({ members }) =>
      members.map((member, i) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { [topic]: i === 0 ? [...partitions] : [] }, userData: Buffer.alloc(0) }),
      })),
  });
}
