// The Hono environment every route shares: dependencies plus per-request values.
import type { Person } from "../db/schema.js";
import type { Role } from "../hub/courses.js";
import type { PollDeps } from "../ingest/deps.js";

/** How a one-shot message looks and how a screen reader hears it: done, done-but, or failed. */
export type FlashTone = "ok" | "warn" | "error";
export interface Flash {
  message: string;
  tone: FlashTone;
}

export interface AppEnv {
  Variables: {
    deps: PollDeps;
    viewer: Person | null;
    csrf: string;
    flash: Flash | null;
    /** For a course page seen by someone who runs the course: how many of its sources are failing. */
    failingSources: number;
    /** For a course page seen signed in: the viewer's role in that course, or null when not a member. */
    courseRole: Role | null;
  };
}
