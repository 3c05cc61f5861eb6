// Child process for the crash test: polls due sources of the database given on
// the command line, printing a line as each feed is stored, until it is killed.
import { loadConfig } from "../../src/core/config.js";
import { openLibsql } from "../../src/db/libsql.js";
import { pollDueSources } from "../../src/ingest/poll/poll.js";
import { hubDeps } from "../../src/jobs/hub-deps.js";

const database = openLibsql(`file:${process.argv[2]}`);
await database.client.execute("PRAGMA busy_timeout = 5000");
await pollDueSources(
  hubDeps({
    db: database.db,
    config: loadConfig({ ALLOW_LOOPBACK_FETCH: "true", POLL_CONCURRENCY: "2" }),
    log: (_level, msg) => {
      if (msg === "poll.done") console.log("stored");
    },
    fetch: globalThis.fetch,
    now: () => new Date(),
  }),
);
console.log("finished");
