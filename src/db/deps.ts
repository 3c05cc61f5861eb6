// What domain code is handed by the entry points (the core deps type). Nothing
// here knows which runtime it is on. It lives in db/, the first layer that knows
// the database's type; config and log come from core/.
import type { Config } from "../core/config.js";
import type { Log } from "../core/log.js";
import type { Db } from "./database.js";

export interface Deps {
  db: Db;
  config: Config;
  log: Log;
  /** The outbound fetch (global fetch in production; every call goes through src/ingest/fetch/). */
  fetch: typeof fetch;
  /** The clock, injectable so tests can move time. */
  now: () => Date;
  /**
   * DNS for the SSRF guard, where the runtime can resolve names itself (Node): every address a
   * host resolves to is checked before connecting. Workers have none (their fetch resolves).
   */
  resolveHost?: (host: string) => Promise<string[]>;
}
