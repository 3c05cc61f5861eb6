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
import { defaultPublicUrl, isLoopbackBind, loadConfig } from "./core/config.js";
import { jsonLog, type Log } from "./core/log.js";
import { openLibsql, tuneLocalFile } from "./db/libsql.js";
import { migrateLibsql } from "./db/migrate-libsql.js";
import type { PollDeps } from "./ingest/deps.js";
import { type StreamSupervisor, superviseStreams } from "./ingest/push/streams.js";
import { hubDeps } from "./jobs/hub-deps.js";
import { serialRunner } from "./jobs/runner.js";
import { ingestTick } from "./jobs/tick.js";
import { guardedFetch } from "./node-fetch.js";
import { guardedWebSocket } from "./node-websocket.js";

export { guardedFetch, guardedLookup } from "./node-fetch.js";

export interface NodeHub {
  url: string;
  deps: PollDeps;
  pollNow(): Promise<"ran" | "skipped">;
  /** The push streams this process holds (null with STREAMS=off). */
  streams: StreamSupervisor | null;
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
  loadConfig(env); // a bad setting stops the start before anything listens
  const port = Number(env.PORT ?? 8787);
  const hostname = env.HOST?.trim() || "127.0.0.1";
  // Listen first, so an unset PUBLIC_URL can come from the port really bound (PORT=0 picks one).
  // Until the hub is ready, a request gets 503 with Retry-After.
  let handler: ((req: Request) => Response | Promise<Response>) | null = null;
  const server: ServerType = await new Promise((ok) => {
    const s = serve(
      {
        fetch: (req: Request) => (handler ? handler(req) : new Response("Starting", { status: 503, headers: { "retry-after": "1" } })),
        port,
        hostname,
      },
      () => ok(s),
    );
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${boundPort}`;
  try {
    return await startOn(env, log, server, url, defaultPublicUrl(hostname, boundPort), !isLoopbackBind(hostname), (h) => {
      handler = h;
    });
  } catch (err) {
    await new Promise<void>((ok) => server.close(() => ok()));
    throw err;
  }
}

async function startOn(
  env: NodeJS.ProcessEnv,
  log: Log,
  server: ServerType,
  url: string,
  fallbackUrl: string,
  publicBind: boolean,
  serveWith: (handler: (req: Request) => Response | Promise<Response>) => void,
): Promise<NodeHub> {
  const config = loadConfig(env, { publicUrl: fallbackUrl });
  if (!env.PUBLIC_URL?.trim() && publicBind)
    log("warn", "config.public_url_unset", {
      publicUrl: config.publicUrl,
      note: "PUBLIC_URL is not set: links, feed self links and grant links use this address; set PUBLIC_URL to the address people use",
    });
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
    webSocket: guardedWebSocket(config),
  });
  const app = createApp(deps);
  serveWith((req) => app.fetch(req));
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

  log("info", "hub.started", {
    url,
    publicUrl: config.publicUrl,
    database: databaseUrl.startsWith("file:") ? databaseUrl : "remote",
    pollCron: config.pollCron,
  });
  void runner.run(); // poll what is due now rather than waiting for the first tick
  // Mastodon hashtag streams, held in this process and supervised (ingest/push/streams.ts).
  const streams = config.streams ? superviseStreams(deps) : null;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log("info", "hub.stopping", {});
      await task.stop();
      await streams?.stop();
      await new Promise<void>((ok) => server.close(() => ok()));
      await runner.idle(); // let an in-flight poll finish its writes
      database.client.close();
      log("info", "hub.stopped", {});
    })());
  return { url, deps, pollNow: () => runner.run(), streams, stop };
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
