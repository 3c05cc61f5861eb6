// A course's life, as polling and the course pages see it. A course runs from its creation until
// the day after its end date (or for ever, with no end date); after that it is archived, not dead:
// posts with its tag still arrive, only less often. The polling bound follows: while a course runs
// every healthy feed is read at least every POLL_ACTIVE_MAX_INTERVAL_MINUTES (a student who posts
// before class sees it in class), once archived at least every POLL_ARCHIVED_MAX_INTERVAL_MINUTES.
// A course whose start date is still to come counts as running: its instructor is setting it up.
import type { Config } from "../core/config.js";

export type CourseLife = "running" | "archived";

export interface CourseDates {
  /** ISO day (YYYY-MM-DD): the last day of the course, or null. */
  endsOn: string | null;
  /** Set by hand; archives the course whatever its dates say. */
  archived: boolean;
}

/** The UTC calendar day of an instant, as an ISO day. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function courseLife(course: CourseDates, now: Date): CourseLife {
  if (course.archived) return "archived";
  return course.endsOn !== null && course.endsOn < isoDay(now) ? "archived" : "running";
}

/** The slowest a healthy source of a course in this life is polled, in minutes. */
export function pollBoundMinutes(
  life: CourseLife,
  config: Pick<Config, "pollActiveMaxIntervalMinutes" | "pollArchivedMaxIntervalMinutes">,
): number {
  return life === "running" ? config.pollActiveMaxIntervalMinutes : config.pollArchivedMaxIntervalMinutes;
}
