// Node entry point: the embedded default. One process, a local SQLite file
// (libSQL), node-cron polling. The only file besides src/worker.ts that knows
// which runtime it is on.

import { lookup } from "node:dns/promises";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerType, serve } from "@hono/node-server";
import cron from "node-cron";
import { createApp } from "./app.js";
import { loadConfig } from "./core/config.js";
import { jsonLog, type Log } from "./core/log.js";
import { openLibsql, tuneLocalFile } from "./db/libsql.js";
import { migrateLibsql } from "./db/migrate-libsql.js";
import type { PollDeps } from "./ingest/deps.js";
import { hubDeps } from "./jobs/hub-deps.js";
import { serialRunner } from "./jobs/runner.js";
import { ingestTick } from "./jobs/tick.js";
import { guardedFetch } from "./node-fetch.js";

export { guardedFetch, guardedLookup } from "./node-fetch.js";

export interface NodeHub {
  url: string;
  deps: PollDeps;
  pollNow(): Promise<"ran" | "skipped">;
  stop(): Promise<void>;
}

export const DEFAULT_DATABASE_URL = "file:./data/tributary.db";

/** For a `file:` URL, makes sure the folder exists. */
function prepareFile(url: string): void {
  if (!url.startsWith("file:")) return;
  const path = url.slice("file:".length);
  if (path && path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
}

export async function startNodeHub(env: NodeJS.ProcessEnv = process.env, log: Log = jsonLog()): Promise<NodeHub> {
  const config = loadConfig(env);
  const databaseUrl = env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  prepareFile(databaseUrl);
  const database = openLibsql(databaseUrl, env.DATABASE_AUTH_TOKEN);
  if (databaseUrl.startsWith("file:")) await tuneLocalFile(database.client);
  await migrateLibsql(database);
  if (config.allowLoopbackFetch)
    log("warn", "config.loopback_fetch_allowed", { note: "feeds on 127.0.0.1 may be fetched; never on a public hub" });

  const deps: PollDeps = hubDeps({
    db: database.db,
    config,
    log,
    fetch: guardedFetch(config),
    now: () => new Date(),
    resolveHost: async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address),
  });
  const app = createApp(deps);
  const runner = serialRunner(
    () => ingestTick(deps),
    (err) => log("error", "poll.crashed", { error: String(err).slice(0, 500) }),
  );
  const task = cron.schedule(
    config.pollCron,
    async () => {
      if ((await runner.run()) === "skipped") log("info", "poll.skipped_overlap", {});
    },
    { name: "poll", noOverlap: true },
  );

  const port = Number(env.PORT ?? 8787);
  const hostname = env.HOST?.trim() || "127.0.0.1";
  const server: ServerType = await new Promise((ok) => {
    const s = serve({ fetch: app.fetch, port, hostname }, () => ok(s));
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${boundPort}`;
  log("info", "hub.started", { url, database: databaseUrl.startsWith("file:") ? databaseUrl : "remote", pollCron: config.pollCron });
  void runner.run(); // poll what is due now rather than waiting for the first tick

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log("info", "hub.stopping", {});
      await task.stop();
      await new Promise<void>((ok) => server.close(() => ok()));
      await runner.idle(); // let an in-flight poll finish its writes
      database.client.close();
      log("info", "hub.stopped", {});
    })());
  return { url, deps, pollNow: () => runner.run(), stop };
}

// Run directly (`npm start`): start, and stop cleanly on SIGINT/SIGTERM.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const log = jsonLog();
  startNodeHub(process.env, log).then(
    (hub) => {
      const shutdown = () => hub.stop().then(() => process.exit(0));
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
    },
    (err) => {
      log("error", "hub.start_failed", { error: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
}
