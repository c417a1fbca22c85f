import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/** A raw input we refused, kept with the reason so nothing the provider sent is lost. */
export interface RejectedInput {
  tenant: string | null;
  provider: string;
  contentType: string | undefined;
  body: Buffer | string;
  reason: string;
  /** When we received it (the adapter's clock: this is not an event of the log). */
  receivedAt: string;
}

export interface RejectedInputSink {
  keep(input: RejectedInput): Promise<void>;
  close(): Promise<void>;
}

/** Writes refused raw inputs to the rejected-input topic, reason and provider in headers. */
export async function openRejectedInputSink(kafka: Kafka, topic: string): Promise<RejectedInputSink> {
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    async keep(input) {
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: `${input.tenant ?? '-'}/${input.provider}`,
            value: input.body,
            headers: {
              rejected_reason: input.reason.slice(0, 4000),
              rejected_provider: input.provider,
              rejected_tenant: input.tenant ?? '',
              rejected_content_type: input.contentType ?? '',
              rejected_at: input.receivedAt,
            },
          },
        ],
      });
    },
    close: () => producer.disconnect(),
  };
}
