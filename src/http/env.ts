// The Hono environment every route shares: dependencies plus per-request values.
import type { Person } from "../db/schema.js";
import type { PollDeps } from "../ingest/deps.js";

export interface AppEnv {
  Variables: {
    deps: PollDeps;
    viewer: Person | null;
    csrf: string;
    flash: string | null;
    /** For a course page seen by someone who runs the course: how many of its sources are failing. */
    failingSources: number;
  };
}
