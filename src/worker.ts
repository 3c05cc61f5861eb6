// Cloudflare Workers entry point: the same app and ingest code over D1, with a
// Cron Trigger polling due sources. The only file besides src/node.ts that
// knows which runtime it is on.
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { openD1 } from "./db/d1.js";
import { pollDueSources, type PollDeps } from "./ingest/poll.js";
import { jsonLog } from "./log.js";

export interface WorkerEnv {
  DB: D1Database;
  [key: string]: unknown;
}

// Workers' free plan allows 50 subrequests per invocation: one scheduled run
// takes at most this many sources unless POLL_BATCH_SIZE says otherwise.
const WORKER_DEFAULTS = { pollBatchSize: 20, pollConcurrency: 6 };

// Built once per isolate and per env object, not per request.
const cache = new WeakMap<object, { deps: PollDeps; app: ReturnType<typeof createApp> }>();

function hubFor(env: WorkerEnv) {
  let hub = cache.get(env);
  if (!hub) {
    const log = jsonLog();
    const deps: PollDeps = {
      db: openD1(env.DB),
      config: loadConfig(env, WORKER_DEFAULTS),
      log,
      fetch: (input, init) => fetch(input, init),
      now: () => new Date(),
    };
    if (deps.config.allowLoopbackFetch) log("warn", "config.loopback_fetch_allowed", {});
    hub = { deps, app: createApp(deps) };
    cache.set(env, hub);
  }
  return hub;
}

export default {
  fetch(request, env, ctx) {
    return hubFor(env).app.fetch(request, env, ctx);
  },
  async scheduled(controller, env) {
    const { deps } = hubFor(env);
    deps.log("info", "cron.tick", { cron: controller.cron });
    await pollDueSources(deps);
  },
} satisfies ExportedHandler<WorkerEnv>;
