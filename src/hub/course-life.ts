// A course's life from its instructors' side: reopening an archived course, and keeping its sources'
// next polls within the bound of its life when that changes (dates saved, reopened), so a course
// that runs again is read within the hour, not when the archived schedule would have come round.
// Which life a course is in, and what bound it sets, is ingest's (src/ingest/course-life.ts).
import { and, count, eq, gt, inArray, sql } from "drizzle-orm";
import type { Config } from "../core/config.js";
import type { Db } from "../db/database.js";
import { type Course, courses, sources } from "../db/schema.js";
import { courseLife, pollBoundMinutes } from "../ingest/course-life.js";

/** Brings every healthy source of the course due within the bound of the course's life as it is now. */
export async function boundSourcePolls(
  db: Db,
  course: Pick<Course, "id" | "endsOn" | "archived">,
  config: Config,
  now: Date,
): Promise<void> {
  const until = new Date(now.getTime() + pollBoundMinutes(courseLife(course, now), config) * 60_000);
  await db
    .update(sources)
    .set({ nextPollAt: sql`min(${sources.nextPollAt}, ${until.getTime()})` })
    .where(and(eq(sources.courseId, course.id), eq(sources.status, "active"), eq(sources.failureCount, 0)));
}

/** Reopens an archived course: no end date, not archived; its sources are read within the hour again. */
export async function reopenCourse(db: Db, course: Course, config: Config, now: Date): Promise<Course> {
  const [reopened] = await db.update(courses).set({ endsOn: null, archived: false }).where(eq(courses.id, course.id)).returning();
  await boundSourcePolls(db, reopened!, config, now);
  return reopened!;
}

/** How many of the course's sources are failing now (the course navigation tells its managers). */
export async function failingSourceCount(db: Db, courseId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(sources)
    .where(and(eq(sources.courseId, courseId), inArray(sources.status, ["active", "gone"]), gt(sources.failureCount, 0)));
  return row?.n ?? 0;
}
