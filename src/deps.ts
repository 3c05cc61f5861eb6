// What domain code is handed by the entry points. Nothing here knows which
// runtime it is on.
import type { Config } from "./config.js";
import type { Db } from "./db/database.js";
import type { Log } from "./log.js";

export interface Deps {
  db: Db;
  config: Config;
  log: Log;
  /** The outbound fetch (global fetch in production; every call goes through src/ingest/fetch.ts). */
  fetch: typeof fetch;
  /** The clock, injectable so tests can move time. */
  now: () => Date;
}
