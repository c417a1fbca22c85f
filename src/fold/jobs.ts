import type { AnyEvent } from '../../events/index.ts';

/** A fold job: one contiguous run of one partition's events, to fold into namespace `ns`. */
export interface FoldJobData {
  ns: string;
  topic: string;
  partition: number;
  /** Whether this fold asks for workflow jobs (live) or only rebuilds state (rebuild, replay). */
  triggers: boolean;
  events: Array<{ o: string; e: AnyEvent }>;
}

/** Same batch, same id: a re-sent batch joins the job already queued instead of adding another. */
export const foldJobId = (namespace: string, topic: string, partition: number, first: string, last: string) =>
  `${encodeURIComponent(namespace)}|${encodeURIComponent(topic)}|${partition}|${first}-${last}`;
