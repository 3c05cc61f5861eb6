// What the sources of one poll run share: their courses' tags, read once per
// course instead of once per feed (on Workers every D1 call is a subrequest),
// and a group commit for their writes (writes.ts). A lone "poll now" has no
// group and writes on its own. Once learners' new posts are committed, the
// after-poll hook hears of them (deps.afterPoll; on every runtime it makes them
// evidence in the learners' PLS portfolios): at the end of a run for a group
// (one call, which keeps a Worker invocation inside its subrequests), at once
// for a lone poll.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import type { Deps } from "../../db/deps.js";
import { courseTags } from "../../db/schema.js";
import type { LearnerPostWrite, PollDeps } from "../deps.js";
import { type Statement, type WriteGroup, writeGroup } from "./writes.js";

export interface PollRun {
  courseTags: Map<number, Promise<string[]>>;
  writes?: WriteGroup;
  /** Learners whose posts a group run committed, linked in finishRun. */
  learnerWrites?: LearnerPostWrite[];
}

export function newPollRun(db?: Db): PollRun {
  return { courseTags: new Map(), ...(db ? { writes: writeGroup(db) } : {}) };
}

/**
 * Writes one source's statements together: in the run's group commit, or as a batch of their own.
 * `learners` names the learners whose posts these statements store, for automatic PLS linking.
 */
export async function commit(
  deps: PollDeps,
  run: PollRun,
  statements: [Statement, ...Statement[]],
  learners?: LearnerPostWrite,
): Promise<unknown> {
  const done = await (run.writes ? run.writes.write(statements) : deps.db.batch(statements));
  if (learners?.personIds.length) {
    if (run.writes) {
      run.learnerWrites ??= [];
      run.learnerWrites.push(learners);
    } else await linkLearnerPosts(deps, [learners]);
  }
  return done;
}

/** Ends a group run: the after-poll hook hears of its learners' new posts. */
export async function finishRun(deps: PollDeps, run: PollRun): Promise<void> {
  const writes = run.learnerWrites ?? [];
  run.learnerWrites = [];
  if (writes.length) await linkLearnerPosts(deps, writes);
}

/** What follows a poll is a courtesy to the learners: its failure never fails the poll that stored the posts. */
async function linkLearnerPosts(deps: PollDeps, writes: LearnerPostWrite[]): Promise<void> {
  try {
    await deps.afterPoll(deps, writes);
  } catch (err) {
    deps.log("error", "poll.after_poll_failed", { error: String(err).slice(0, 300) });
  }
}

/** The course's tags, read once per run. */
export function tagsOf(deps: Deps, run: PollRun, courseId: number): Promise<string[]> {
  let tags = run.courseTags.get(courseId);
  if (!tags) {
    tags = deps.db
      .select({ tag: courseTags.tag })
      .from(courseTags)
      .where(eq(courseTags.courseId, courseId))
      .then((rows) => rows.map((r) => r.tag));
    // A failed read is not cached: the next source of the course tries again.
    tags.catch(() => run.courseTags.delete(courseId));
    run.courseTags.set(courseId, tags);
  }
  return tags;
}
