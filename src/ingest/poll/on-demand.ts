// Polling at a person's request, outside the schedule: an instructor's "Poll all now" for a course,
// and a learner's "Check my blog now" for one of their own sources. Both claim with the same lease
// as a scheduled run, so a request never polls a source a run is polling (or the other way round).
// A learner may ask once a minute per source; "Poll all now" reads a message's worth of sources at
// once (POLL_MESSAGE_SIZE, so a Worker request stays inside its subrequests) and makes the rest
// due now, for the next tick.
import { and, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { type Source, sources } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { type PollSummary, type SourceOutcome, summarise } from "./outcome.js";
import { LEASE_MS, pollClaimed, pollSource } from "./poll.js";

/** A learner's "Check my blog now" waits this long after the source was last read. */
export const CHECK_AGAIN_AFTER_MS = 60_000;

const free = (now: Date) => or(isNull(sources.leaseUntil), lte(sources.leaseUntil, now));

export interface CoursePollNow extends PollSummary {
  /** Active sources left for the next tick (made due now). */
  queued: number;
}

/** Polls the course's active sources now: a message's worth at once, the rest made due now. */
export async function pollCourseNow(deps: PollDeps, courseId: number): Promise<CoursePollNow> {
  const started = Date.now();
  const now = deps.now();
  const active = and(eq(sources.courseId, courseId), eq(sources.status, "active"), free(now));
  const claimed = await deps.db
    .update(sources)
    .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(
      and(
        inArray(
          sources.id,
          deps.db
            .select({ id: sources.id })
            .from(sources)
            .where(active)
            // Never read first, then the longest unread.
            .orderBy(sql`${sources.lastPolledAt} is not null`, asc(sources.lastPolledAt), asc(sources.id))
            .limit(deps.config.pollMessageSize),
        ),
        free(now),
      ),
    )
    .returning();
  const queued = await deps.db.update(sources).set({ nextPollAt: now }).where(active).returning({ id: sources.id });
  const summary = summarise(await pollClaimed(deps, claimed), started);
  deps.log("info", "poll.course_now", { course: courseId, ...summary, queued: queued.length });
  return { ...summary, queued: queued.length };
}

export type CheckNow = { checked: true; outcome: SourceOutcome } | { checked: false; waitSeconds: number } | { checked: false; busy: true };

/**
 * A learner's "Check my blog now": polls the source if it was not read in the last minute and no
 * run holds it. The claim and the minute are one statement, so two quick clicks poll once.
 */
export async function checkSourceNow(deps: PollDeps, source: Source): Promise<CheckNow> {
  const now = deps.now();
  const recent = new Date(now.getTime() - CHECK_AGAIN_AFTER_MS);
  const [claimed] = await deps.db
    .update(sources)
    .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(
      and(
        eq(sources.id, source.id),
        eq(sources.status, "active"),
        free(now),
        or(isNull(sources.lastPolledAt), lte(sources.lastPolledAt, recent)),
      ),
    )
    .returning();
  if (!claimed) {
    if (source.lastPolledAt && source.lastPolledAt > recent) {
      return { checked: false, waitSeconds: Math.ceil((source.lastPolledAt.getTime() + CHECK_AGAIN_AFTER_MS - now.getTime()) / 1000) };
    }
    return { checked: false, busy: true };
  }
  return { checked: true, outcome: await pollSource(deps, claimed) };
}
