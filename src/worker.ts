// Cloudflare Workers entry point: the same app and ingest code over D1. The
// Cron Trigger does not poll feeds itself: it claims due sources and hands
// them to a Queue in small messages (src/ingest/poll/fanout.ts); the queue handler
// below polls each message's sources. One invocation on the free plan may make
// 50 subrequests and use 10 ms of CPU, and this keeps each one small. Without
// a queue binding (plain `wrangler dev`, or a deploy that did not create the
// queue) the cron handler polls one small batch itself. The push streams live in
// the StreamHub Durable Object below. The only file besides src/node.ts (and
// their small helpers, worker-websocket.ts and node-*.ts) that knows which
// runtime it is on.
import { createApp } from "./app.js";
import { loadConfig } from "./core/config.js";
import { jsonLog } from "./core/log.js";
import { openD1 } from "./db/d1.js";
import { adoptNamedSources } from "./hub/roster-people.js";
import type { PollDeps } from "./ingest/deps.js";
import { userAgent } from "./ingest/fetch/user-agent.js";
import { consumePollMessages, fanOutDueSources, type QueueMessage, queueSources } from "./ingest/poll/fanout.js";
import { fanOutRechecks } from "./ingest/poll/recheck-fanout.js";
import { type StreamSupervisor, superviseStreams } from "./ingest/push/streams.js";
import { checkPendingMentions, isMentionMessage, type MentionMessage } from "./ingest/push/webmention-check.js";
import { syncWebSub } from "./ingest/push/websub.js";
import { hubDeps } from "./jobs/hub-deps.js";
import { rekeyItems } from "./jobs/rekey.js";
import { ADOPT_PER_TICK, FOLLOWS_PER_TICK, ingestTick, MENTIONS_PER_TICK } from "./jobs/tick.js";
import { pollFollows } from "./pls/portability/follows.js";
import { fetchUpgradeWebSocket } from "./worker-websocket.js";

export interface WorkerEnv {
  DB: D1Database;
  /** Optional: the queue poll messages go through ([[queues.producers]] in wrangler.toml). */
  POLL_QUEUE?: Queue<WorkerMessage>;
  /** Optional: the Durable Object that holds the push streams ([[durable_objects.bindings]]). */
  STREAMS?: DurableObjectNamespace;
  [key: string]: unknown;
}

// Per consumer invocation: a message of POLL_MESSAGE_SIZE (10) feeds costs
// about 1 fetch + 2 D1 calls per feed (the course's tags are read once per
// course), ~31 subrequests, leaving room for redirects under the free plan's
// 50. At most 6 connections may be open at once per invocation.
// A cron tick claims and sends (1 D1 call + 1 sendBatch per 100 messages),
// then counts the items due for a re-check and sends re-check messages of
// RECHECK_MESSAGE_SIZE (15) items (1 count + 1 sendBatch); each such message's
// consumer makes 1 claim + up to 2 calls per item (HEAD, then its D1 update).
// RECHECK_BATCH_SIZE (8) is the inline re-check without a queue (4 there).
/** Items re-keyed per cron tick (src/jobs/rekey.ts): 200k items take about a week of ticks. */
const REKEY_PER_WORKER_TICK = 200;

const WORKER_DEFAULTS = { pollBatchSize: 500, pollConcurrency: 6, pollMessageSize: 10, recheckBatchSize: 8 };

// Built once per isolate and per env object, not per request.
const cache = new WeakMap<object, { deps: PollDeps; app: ReturnType<typeof createApp> }>();

function hubFor(env: WorkerEnv) {
  let hub = cache.get(env);
  if (!hub) {
    const log = jsonLog();
    const deps: PollDeps = hubDeps({
      db: openD1(env.DB),
      config: loadConfig(env, WORKER_DEFAULTS),
      log,
      fetch: (input, init) => fetch(input, init),
      now: () => new Date(),
    });
    // A push's poll (WebSub light ping, Webmention, XML-RPC ping) gets its own queue invocation.
    const queue = env.POLL_QUEUE;
    if (queue) {
      deps.queuePoll = (ids) => queueSources(deps, ids, (messages) => sendTo(queue, messages));
      deps.queueMention = async (mention) => {
        await queue.send({ v: 1, mention }, { contentType: "json" });
      };
    }
    if (deps.config.allowLoopbackFetch) log("warn", "config.loopback_fetch_allowed", {});
    hub = { deps, app: createApp(deps) };
    cache.set(env, hub);
  }
  return hub;
}

/** What the poll queue carries: polls and re-checks (fanout.ts), and Webmention checks. */
type WorkerMessage = QueueMessage | MentionMessage;

async function sendTo(queue: Queue<WorkerMessage>, messages: QueueMessage[]): Promise<void> {
  await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
}

/** The same deps, with every log line saying which handler wrote it. */
function via(deps: PollDeps, handler: "cron" | "queue"): PollDeps {
  return { ...deps, log: (level, msg, fields) => deps.log(level, msg, { via: handler, ...fields }) };
}

export default {
  fetch(request, env, ctx) {
    return hubFor(env).app.fetch(request, env, ctx);
  },

  async scheduled(controller, env) {
    const deps = via(hubFor(env).deps, "cron");
    deps.log("info", "cron.tick", { cron: controller.cron, queue: Boolean(env.POLL_QUEUE) });
    const queue = env.POLL_QUEUE;
    if (!queue) {
      // No queue: one small batch inline, sized like one message, and fewer
      // re-checks, so this invocation stays inside its 50 subrequests.
      await ingestTick(deps, {
        pollLimit: deps.config.pollMessageSize,
        recheckLimit: Math.min(4, deps.config.recheckBatchSize),
        rekeyLimit: REKEY_PER_WORKER_TICK,
      });
      await wakeStreams(env, deps);
      return;
    }
    // Items written before post keys get theirs, a few hundred a tick (CPU: one URL parse each).
    await rekeyItems(deps, REKEY_PER_WORKER_TICK).catch((err: unknown) => {
      deps.log("error", "rekey.crashed", { error: String(err).slice(0, 500) });
    });
    await adoptNamedSources(deps.db, ADOPT_PER_TICK).catch((err: unknown) => {
      deps.log("error", "roster.adopt_crashed", { error: String(err).slice(0, 500) });
    });
    const send = (messages: QueueMessage[]) => sendTo(queue, messages);
    await fanOutDueSources(deps, send).catch((err: unknown) => {
      deps.log("error", "poll.crashed", { error: String(err).slice(0, 500) });
    });
    // Re-checks too go through the queue, each message with its own 50 subrequests (recheck-fanout.ts).
    if (deps.config.recheckBatchSize > 0) {
      await fanOutRechecks(deps, send).catch((err: unknown) => {
        deps.log("error", "recheck.crashed", { error: String(err).slice(0, 500) });
      });
    }
    // WebSub: a few subscription requests per tick (each one subrequest), renewals and endings included.
    await syncWebSub(deps).catch((err: unknown) => {
      deps.log("error", "websub.crashed", { error: String(err).slice(0, 500) });
    });
    // Webmentions whose check was cut short, or is due a retry (each one page fetch).
    await checkPendingMentions(deps, { limit: MENTIONS_PER_TICK }).catch((err: unknown) => {
      deps.log("error", "webmention.crashed", { error: String(err).slice(0, 500) });
    });
    // The streams' Durable Object: woken (or kept) here; its own alarm keeps it going between ticks.
    await wakeStreams(env, deps);
    // Learners' PLS following their items on other hubs: a few feeds per tick (FOLLOWS_PER_TICK).
    await pollFollows(deps, { limit: FOLLOWS_PER_TICK }).catch((err: unknown) => {
      deps.log("error", "follows.crashed", { error: String(err).slice(0, 500) });
    });
  },

  async queue(batch, env) {
    const deps = via(hubFor(env).deps, "queue");
    const mentions = batch.messages.filter((m) => isMentionMessage(m.body));
    for (const m of mentions) {
      try {
        await checkPendingMentions(deps, { id: (m.body as MentionMessage).mention });
        m.ack();
      } catch (err) {
        deps.log("error", "webmention.message_crashed", { error: String(err).slice(0, 300) });
        m.retry();
      }
    }
    await consumePollMessages(
      deps,
      batch.messages.filter((m) => !isMentionMessage(m.body)),
    );
  },
} satisfies ExportedHandler<WorkerEnv, WorkerMessage>;

async function wakeStreams(env: WorkerEnv, deps: PollDeps): Promise<void> {
  if (!env.STREAMS || !deps.config.streams) return;
  try {
    const stub = env.STREAMS.get(env.STREAMS.idFromName("streams"));
    await stub.fetch("https://streams.internal/reconcile", { method: "POST" });
  } catch (err) {
    deps.log("error", "streams.wake_failed", { error: String(err).slice(0, 300) });
  }
}

/** How often the object's alarm fires while a stream is wanted: it reconciles, and says the streams are alive. */
const STREAM_ALARM_MS = 60_000;

/**
 * The push streams on Workers (ingest/push/streams.ts, as on Node): one object holds every
 * outbound socket, opened with fetch's WebSocket upgrade (worker-websocket.ts). The cron tick
 * wakes it; while any stream is wanted its alarm fires every minute to reconcile (new sources,
 * learners who verified, streams that died) and to keep the sources' "stream live" marks fresh.
 * When none is wanted it closes everything and sets no alarm, so it goes idle and costs nothing.
 */
export class StreamHub {
  private supervisor: StreamSupervisor | null = null;

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: WorkerEnv,
  ) {}

  private async reconcile(): Promise<string[]> {
    const base = hubFor(this.env).deps;
    if (!base.config.streams) return [];
    if (!this.supervisor) {
      const deps: PollDeps = {
        ...base,
        log: (level, msg, fields) => base.log(level, msg, { via: "streams", ...fields }),
        webSocket: fetchUpgradeWebSocket((input, init) => fetch(input, init), userAgent(base.config.publicUrl)),
      };
      this.supervisor = superviseStreams(deps, { reconcileMs: STREAM_ALARM_MS });
    }
    await this.supervisor.reconcile();
    const wanted = this.supervisor.wanted();
    if (wanted) await this.state.storage.setAlarm(Date.now() + STREAM_ALARM_MS);
    else {
      await this.supervisor.stop();
      this.supervisor = null;
    }
    return this.supervisor?.open() ?? [];
  }

  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== "/reconcile") return new Response("Not found", { status: 404 });
    return Response.json({ open: await this.reconcile() });
  }

  async alarm(): Promise<void> {
    await this.reconcile();
  }
}
