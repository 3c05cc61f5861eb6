// When a source's health turns: "broke" once it has failed BROKEN_AFTER_FAILURES times in a row
// (or its server said it is gone for good), "recovered" at the first success after that. One
// failure is often a blip (a timeout, a deploy), so it shows on the health line at once but only
// a streak is an event. The statement goes into the same batch as the source's own row: a crash
// before the batch writes neither, a re-run writes it once, and nothing is ever announced twice.
import type { Db } from "../../db/database.js";
import { type Source, sourceEvents } from "../../db/schema.js";
import type { Statement } from "./writes.js";

export const BROKEN_AFTER_FAILURES = 3;

/** True while a source counts as broken: the streak that made the "broke" event is still going. */
export function isBroken(source: Pick<Source, "failureCount" | "status">): boolean {
  return source.failureCount >= BROKEN_AFTER_FAILURES || source.status === "gone";
}

/** The event a failed poll makes, if this failure is the one that breaks the source. */
export function brokeEvent(db: Db, source: Source, at: Date, reason: string, gone: boolean): Statement | null {
  if (isBroken(source)) return null; // already announced
  if (source.failureCount + 1 < BROKEN_AFTER_FAILURES && !gone) return null;
  return db
    .insert(sourceEvents)
    .values({ sourceId: source.id, courseId: source.courseId, kind: "broke", at, detail: reason })
    .onConflictDoNothing();
}

/** The event a successful poll makes, if the source was broken until now. */
export function recoveredEvent(db: Db, source: Source, at: Date): Statement | null {
  if (!isBroken(source)) return null;
  return db.insert(sourceEvents).values({ sourceId: source.id, courseId: source.courseId, kind: "recovered", at }).onConflictDoNothing();
}

/** A health event as a list of statements to add to a batch (none when nothing turned). */
export function turned(event: Statement | null): Statement[] {
  return event ? [event] : [];
}
