// What the sources of one poll run share: their courses' tags and life (running
// or archived, which bounds how long a feed may wait), read once per course
// instead of once per feed (on Workers every D1 call is a subrequest),
// and a group commit for their writes (writes.ts). A lone "poll now" has no
// group and writes on its own. Once learners' new posts are committed, the
// after-poll hook hears of them (deps.afterPoll; on every runtime it makes them
// evidence in the learners' PLS portfolios): at the end of a run for a group
// (one call, which keeps a Worker invocation inside its subrequests), at once
// for a lone poll.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import type { Deps } from "../../db/deps.js";
import { courses, courseTags } from "../../db/schema.js";
import { type CourseLife, courseLife } from "../course-life.js";
import type { LearnerPostWrite, PollDeps } from "../deps.js";
import { type Statement, type WriteGroup, writeGroup } from "./writes.js";

/** What polling needs of a course: its tags, and whether it runs or is archived. */
export interface CourseContext {
  tags: string[];
  life: CourseLife;
}

export interface PollRun {
  courses: Map<number, Promise<CourseContext>>;
  writes?: WriteGroup;
  /** Learners whose posts a group run committed, linked in finishRun. */
  learnerWrites?: LearnerPostWrite[];
}

export function newPollRun(db?: Db): PollRun {
  return { courses: new Map(), ...(db ? { writes: writeGroup(db) } : {}) };
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

/** The course's tags and life, read once per run (one query). */
export function courseOf(deps: Deps, run: PollRun, courseId: number): Promise<CourseContext> {
  let context = run.courses.get(courseId);
  if (!context) {
    context = deps.db
      .select({ endsOn: courses.endsOn, archived: courses.archived, tag: courseTags.tag })
      .from(courses)
      .leftJoin(courseTags, eq(courseTags.courseId, courses.id))
      .where(eq(courses.id, courseId))
      .then((rows) => ({
        tags: rows.flatMap((r) => (r.tag === null ? [] : [r.tag])),
        life: rows[0] ? courseLife(rows[0], deps.now()) : ("archived" as const),
      }));
    // A failed read is not cached: the next source of the course tries again.
    context.catch(() => run.courses.delete(courseId));
    run.courses.set(courseId, context);
  }
  return context;
}

/** The course's tags, read once per run. */
export async function tagsOf(deps: Deps, run: PollRun, courseId: number): Promise<string[]> {
  return (await courseOf(deps, run, courseId)).tags;
}
