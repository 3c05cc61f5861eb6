// The streams a hub holds open, supervised: one per Mastodon instance and tag its sources follow
// (several courses on one tag share it), and one Bluesky Jetstream for the learners of every course
// that follows a tag on Bluesky (jetstream.ts; its client reconnects and replays by itself). Every minute the wanted set is read again, so a new source
// gets its stream and a removed or paused one loses it. Each stream's loop:
// connect → catch up through REST from the source's cursor (what was missed while it was down) →
// apply events → on any end, wait (exponential backoff, capped, with jitter so a restarted instance
// is not hit by every hub at once) and connect again. While a stream is open its sources say so
// (`stream_live_at`, shown on the Manage page) and are polled only as the safety net; when it
// closes they are made due, so the poll covers the gap at once.
import { and, eq, inArray } from "drizzle-orm";
import { type Source, sources } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { describeError } from "../errors.js";
import { instanceOrigin } from "../social/mastodon/client.js";
import { type JetstreamSession, openJetstream, wantedJetstream } from "./jetstream.js";
import { runMastodonSse } from "./mastodon-sse.js";
import { type MastodonStreamTarget, runMastodonStream } from "./mastodon-stream.js";
import { makeDue, pollNow } from "./poll-now.js";

const RECONCILE_MS = 60_000;
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/** A session that lasted this long was healthy: the next failure starts the backoff again. */
const HEALTHY_MS = 60_000;
/** Streams held open to one instance at most (each tag is one connection). */
export const STREAMS_PER_INSTANCE = 4;
/** Streams held open in all. */
export const MAX_STREAMS = 100;

/** The wait before reconnect attempt `n` (0-based): 1 s, 2 s, 4 s … up to 5 min, times 0.5–1.5. */
export function backoffMs(attempt: number, random: () => number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt) * (0.5 + random());
}

/** The Mastodon streams wanted now, by key (instance origin, tag, token). */
export async function wantedMastodonStreams(deps: Pick<PollDeps, "db">): Promise<Map<string, MastodonStreamTarget>> {
  const rows = await deps.db
    .select()
    .from(sources)
    .where(and(eq(sources.kind, "mastodon_tag"), eq(sources.status, "active")));
  const out = new Map<string, MastodonStreamTarget>();
  const perInstance = new Map<string, number>();
  for (const s of rows) {
    const tag = s.tag?.trim().replace(/^#+/, "").toLowerCase();
    let origin: string;
    try {
      origin = instanceOrigin(s.url).origin;
    } catch {
      continue;
    }
    if (!tag) continue;
    const key = `mastodon ${origin} #${tag} ${s.accessToken ? "token" : "anon"}`;
    const target = out.get(key);
    if (target) {
      target.sources.push(s);
      continue;
    }
    if ((perInstance.get(origin) ?? 0) >= STREAMS_PER_INSTANCE || out.size >= MAX_STREAMS) continue;
    perInstance.set(origin, (perInstance.get(origin) ?? 0) + 1);
    out.set(key, { instanceUrl: origin, tag, accessToken: s.accessToken, sources: [s] });
  }
  return out;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((ok) => {
    if (signal.aborted) return ok();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      ok();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Marks sources' stream live (or not); a stream that closes makes them due, unless `dueOnClose` is false. */
async function markLive(deps: PollDeps, ids: number[], live: boolean, dueOnClose = true): Promise<void> {
  if (!ids.length) return;
  await deps.db
    .update(sources)
    .set(live ? { streamLiveAt: deps.now() } : { streamLiveAt: null, ...(dueOnClose ? { nextPollAt: deps.now() } : {}) })
    .where(inArray(sources.id, ids));
}

interface Running {
  controller: AbortController;
  target: MastodonStreamTarget;
  live: boolean;
  done: Promise<void>;
}

export interface StreamSupervisor {
  /** Reads the wanted streams again now (also done every minute). */
  reconcile(): Promise<void>;
  /** The keys of the streams open right now. */
  open(): string[];
  /** Whether any stream is wanted (as of the last round). */
  wanted(): boolean;
  stop(): Promise<void>;
}

/** Starts holding the wanted streams. Needs `deps.webSocket`; without one it holds none. */
export function superviseStreams(deps: PollDeps, opts: { reconcileMs?: number } = {}): StreamSupervisor {
  const random = deps.random ?? Math.random;
  const running = new Map<string, Running>();
  /** Loops told to end, still finishing (their last writes): stop() waits for them. */
  const ending = new Set<Promise<void>>();
  let stopped = false;
  let jet: { session: JetstreamSession | null; live: boolean; ids: number[]; failures: number; retryAt: number } = {
    session: null,
    live: false,
    ids: [],
    failures: 0,
    retryAt: 0,
  };

  /** Opens, updates or ends the Jetstream session to match who should be carried. */
  const reconcileJetstream = async () => {
    const target = await wantedJetstream(deps);
    if (!target) {
      if (jet.session) await jet.session.close();
      jet = { ...jet, session: null, live: false, ids: [] };
      return;
    }
    const ids = [...new Set([...target.people.values()].flatMap((p) => p.sources.map((s) => s.id)))];
    if (jet.live && ids.length) await markLive(deps, ids, true, false);
    jet.ids = ids;
    if (jet.session) return jet.session.update(target);
    if (Date.now() < jet.retryAt) return;
    try {
      const session = await openJetstream(deps, target, (live) => {
        jet.live = live;
        void markLive(deps, jet.ids, live, false).catch(() => {});
        if (live) jet.failures = 0;
      });
      jet.session = session;
      // A session that ended by itself (a backlog) is opened again on a later round, from its cursor.
      void session.done.then(() => {
        if (jet.session === session) {
          jet.session = null;
          jet.retryAt = Date.now() + backoffMs(jet.failures++, random);
        }
      });
    } catch (err) {
      jet.retryAt = Date.now() + backoffMs(jet.failures++, random);
      deps.log("warn", "stream.failed", { stream: "jetstream", error: describeError(err) });
    }
  };

  const loop = async (key: string, entry: Running) => {
    const { signal } = entry.controller;
    let attempt = 0;
    // WebSocket first; an instance whose socket fails to open three times running gets Server-Sent Events.
    let transport: "websocket" | "sse" = "websocket";
    let unopened = 0;
    while (!signal.aborted) {
      const started = Date.now();
      const ids = () => entry.target.sources.map((s) => s.id);
      const run = transport === "websocket" ? runMastodonStream : runMastodonSse;
      let opened = false;
      try {
        await run(deps, entry.target, {
          signal,
          onOpen: () => {
            entry.live = true;
            opened = true;
            deps.log("info", "stream.open", { stream: key, transport, sources: ids() });
            // Whatever was posted while no stream was open comes through REST, from the cursor.
            void markLive(deps, ids(), true)
              .then(() => makeDue(deps, ids()))
              .then((due: Source[]) => pollNow(deps, due, "stream.catch_up"))
              .catch((err: unknown) => deps.log("error", "stream.catch_up_failed", { stream: key, error: String(err) }));
          },
        });
        if (!signal.aborted) deps.log("warn", "stream.closed", { stream: key });
      } catch (err) {
        if (!signal.aborted) deps.log("warn", "stream.failed", { stream: key, error: describeError(err), attempt });
      }
      if (entry.live) {
        entry.live = false;
        await markLive(deps, ids(), false).catch(() => {});
      }
      if (signal.aborted) break;
      unopened = opened ? 0 : unopened + 1;
      if (transport === "websocket" && unopened >= 3) {
        transport = "sse";
        deps.log("info", "stream.fallback", { stream: key, transport, note: "the WebSocket would not open: trying Server-Sent Events" });
      }
      if (Date.now() - started >= HEALTHY_MS) attempt = 0;
      const wait = backoffMs(attempt++, random);
      deps.log("info", "stream.reconnecting", { stream: key, inMs: Math.round(wait) });
      await sleep(wait, signal);
    }
  };

  const reconcileOnce = async () => {
    if (stopped || !deps.webSocket) return;
    await reconcileJetstream().catch((err: unknown) => deps.log("error", "jetstream.reconcile_failed", { error: String(err) }));
    const wanted = await wantedMastodonStreams(deps);
    for (const [key, entry] of running) {
      if (wanted.has(key)) continue;
      entry.controller.abort();
      running.delete(key);
      ending.add(entry.done);
      void entry.done.finally(() => ending.delete(entry.done));
      deps.log("info", "stream.ended", { stream: key, reason: "no source follows it any more" });
    }
    for (const [key, target] of wanted) {
      const entry = running.get(key);
      if (entry) {
        // Same stream, fresh rows (a new course on the tag); the heartbeat says it is alive.
        entry.target.sources = target.sources;
        if (entry.live)
          await markLive(
            deps,
            target.sources.map((s) => s.id),
            true,
          );
        continue;
      }
      const fresh: Running = { controller: new AbortController(), target, live: false, done: Promise.resolve() };
      fresh.done = loop(key, fresh);
      running.set(key, fresh);
    }
  };

  // One round at a time: two overlapping rounds would both open the same stream.
  let round: Promise<void> = Promise.resolve();
  const reconcile = () => {
    round = round.then(reconcileOnce, reconcileOnce);
    return round;
  };

  const timer = setInterval(() => {
    reconcile().catch((err: unknown) => deps.log("error", "stream.reconcile_failed", { error: String(err) }));
  }, opts.reconcileMs ?? RECONCILE_MS);
  timer.unref?.();
  reconcile().catch((err: unknown) => deps.log("error", "stream.reconcile_failed", { error: String(err) }));

  return {
    reconcile,
    wanted: () => running.size > 0 || jet.session !== null || jet.ids.length > 0,
    open: () => [...[...running].filter(([, r]) => r.live).map(([k]) => k), ...(jet.live ? ["jetstream"] : [])],
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round.catch(() => {});
      await jet.session?.close();
      for (const entry of running.values()) entry.controller.abort();
      await Promise.all([...[...running.values()].map((r) => r.done), ...ending]);
      running.clear();
    },
  };
}
