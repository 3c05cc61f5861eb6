// What the sources of one poll run share: their courses' tags, read once per
// course instead of once per feed (on Workers every D1 call is a subrequest),
// and a group commit for their writes (writes.ts). A lone "poll now" has no
// group and writes on its own.
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { courseTags } from "../db/schema.js";
import type { Deps } from "../deps.js";
import { writeGroup, type Statement, type WriteGroup } from "./writes.js";

export interface PollRun {
  courseTags: Map<number, Promise<string[]>>;
  writes?: WriteGroup;
}

export function newPollRun(db?: Db): PollRun {
  return { courseTags: new Map(), ...(db ? { writes: writeGroup(db) } : {}) };
}

/** Writes one source's statements together: in the run's group commit, or as a batch of their own. */
export function commit(deps: Deps, run: PollRun, statements: [Statement, ...Statement[]]): Promise<unknown> {
  return run.writes ? run.writes.write(statements) : deps.db.batch(statements);
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
