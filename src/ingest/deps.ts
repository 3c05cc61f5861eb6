// What the poller is handed: the core deps plus what only polling needs (a
// jitter source, social readers tests may swap) and the after-poll hook. The
// readers and fetchers themselves take the core deps type (src/db/deps.ts). Ingest knows nothing of the layers that build on it:
// what must follow a poll's writes (new learner posts become PLS evidence) comes
// in as `afterPoll`, built once by src/jobs/hub-deps.ts for every runtime.
import type { Deps } from "../db/deps.js";
import type { SocialKind, SocialReader } from "./social/post.js";

/** Learners a poll wrote posts for in one course, and when (the write's clock: new posts' firstSeenAt). */
export interface LearnerPostWrite {
  courseId: number;
  personIds: number[];
  at: Date;
}

/**
 * Work that follows a poll's committed writes, told which learners got new posts and handed the
 * run's own deps (its log, its database). Called once per group run (or at once for a lone poll);
 * a failure is logged by the poller and never fails the poll.
 */
export type AfterPoll = (deps: Deps, writes: LearnerPostWrite[]) => Promise<void>;

export interface PollDeps extends Deps {
  /** Jitter source for schedules; injectable so tests can pin it. */
  random?: () => number;
  /** Readers for social sources; the real ones (social/readers.ts) unless a test passes its own. */
  socialReaders?: Partial<Record<SocialKind, SocialReader>>;
  /** Required, so no runtime can forget it: src/jobs/hub-deps.ts is where it is made. */
  afterPoll: AfterPoll;
  /**
   * Optional: hands sources that must be polled now (a push said they changed) to a queue, so the
   * work has its own invocation (Workers' POLL_QUEUE). Without it they are polled in the background
   * of the request that learnt of the change (push/poll-now.ts).
   */
  queuePoll?: (sourceIds: number[]) => Promise<void>;
  /** Optional, likewise: hands a received Webmention's check to the queue (Workers). */
  queueMention?: (mentionId: number) => Promise<void>;
  /**
   * Optional: the WebSocket client streams use (Mastodon streaming, Bluesky Jetstream). The Node
   * entry point gives one whose DNS lookup refuses private addresses; without it, no stream runs.
   */
  webSocket?: new (
    url: string | URL,
    protocols?: string | string[],
  ) => WebSocket;
}
