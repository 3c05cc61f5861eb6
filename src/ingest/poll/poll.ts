// Polls due feed sources: claim → fetch → parse → keep the course's tagged
// entries → upsert pointers → record the source's health and when to look
// next. One bad source never stops the others: each is polled inside its own
// try/catch and its error is written to its own row for people to see. A run
// fetches several feeds at once but only a few from any one host (hosts.ts).
import { and, asc, eq, gt, inArray, isNull, lte, or } from "drizzle-orm";
import type { Deps } from "../../db/deps.js";
import { type Source, sources, websubSubscriptions } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { discoverWebSub } from "../discover/websub.js";
import type { NormalisedEntry } from "../entry.js";
import { describeError, IngestError } from "../errors.js";
import { decodeBody } from "../fetch/decode.js";
import { safeFetch } from "../fetch/fetch.js";
import { type HostLimiter, hostLimiter, hostOf, mapPolitely } from "../fetch/hosts.js";
import { userAgent } from "../fetch/user-agent.js";
import { parseFeed } from "../parse/parse.js";
import { canonicalTags, matchCourseTags } from "../tags.js";
import { brokeEvent, recoveredEvent, turned } from "./health-events.js";
import { leavingStatements } from "./leaving.js";
import { type PollSummary, type SourceOutcome, summarise } from "./outcome.js";
import { commit, courseOf, finishRun, newPollRun, type PollRun } from "./run.js";
import {
  nextPollAfterFailure,
  nextPollAfterFetch,
  nextPollAfterUnchanged,
  PUSH_SAFETY_NET_MS,
  postDates,
  previousIntervalMs,
  retryAfterDate,
  scheduleSettings,
} from "./schedule.js";
import { pollSocialSource } from "./social.js";
import { crossPostLinks } from "./social-store.js";
import { dedupeByUrl, itemUpserts, movedPostUpdates, retaggedStatements, tombstonedUrls } from "./store.js";

export const LEASE_MS = 10 * 60_000;

export { PUSH_SAFETY_NET_MS } from "./schedule.js";

/** The next poll, pushed back to the safety net's pace when the hub delivers this feed's changes. */
async function withPush(deps: PollDeps, source: Source, nextPollAt: Date): Promise<Date> {
  // Only a feed that names a hub can be pushed: the others cost no query (on D1, a subrequest).
  if (!source.websubHub) return nextPollAt;
  const [live] = await deps.db
    .select({ id: websubSubscriptions.id })
    .from(websubSubscriptions)
    .where(
      and(
        eq(websubSubscriptions.sourceId, source.id),
        eq(websubSubscriptions.state, "active"),
        gt(websubSubscriptions.leaseExpiresAt, deps.now()),
      ),
    )
    .limit(1);
  const net = new Date(deps.now().getTime() + PUSH_SAFETY_NET_MS);
  return live && net > nextPollAt ? net : nextPollAt;
}

/**
 * Claims up to `limit` due sources for this run by setting a lease, so that two
 * overlapping runs (a slow cron tick, two Workers invocations) never poll the
 * same source at once. A crashed run's lease simply expires.
 */
export async function claimDueSources(deps: Deps, limit: number): Promise<Source[]> {
  const now = deps.now();
  const due = deps.db
    .select({ id: sources.id })
    .from(sources)
    .where(and(eq(sources.status, "active"), lte(sources.nextPollAt, now), or(isNull(sources.leaseUntil), lte(sources.leaseUntil, now))))
    .orderBy(asc(sources.nextPollAt))
    .limit(limit);
  const claimed = await deps.db
    .update(sources)
    .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(and(inArray(sources.id, due), or(isNull(sources.leaseUntil), lte(sources.leaseUntil, now))))
    .returning();
  return claimed.sort((a, b) => a.nextPollAt.getTime() - b.nextPollAt.getTime());
}

/**
 * Claims these sources (when active and not already claimed), for a poll that cannot wait for the
 * next run: a push told us they changed. Same lease as a run's claim, so the two never overlap.
 */
export async function claimSources(deps: Deps, ids: number[]): Promise<Source[]> {
  if (!ids.length) return [];
  const now = deps.now();
  return deps.db
    .update(sources)
    .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(
      and(
        inArray(sources.id, ids.slice(0, 90)),
        eq(sources.status, "active"),
        or(isNull(sources.leaseUntil), lte(sources.leaseUntil, now)),
      ),
    )
    .returning();
}

/**
 * Polls one source of any kind. A feed is fetched and parsed here; a Mastodon
 * or Bluesky tag is read by its reader (social.ts). Either way a failure
 * lands on the source's own row, with backoff, and is never thrown.
 */
export async function pollSource(deps: PollDeps, source: Source, run: PollRun = newPollRun()): Promise<SourceOutcome> {
  const started = Date.now();
  try {
    if (source.kind === "feed") return await pollFeed(deps, source, run, started);
    return await pollSocialSource(deps, source, run, started);
  } catch (err) {
    return recordFailure(deps, source, err, started);
  }
}

async function pollFeed(deps: PollDeps, source: Source, run: PollRun, started: number): Promise<SourceOutcome> {
  const { db, config, log } = deps;
  const random = deps.random ?? Math.random;
  const res = await safeFetch(source.url, {
    fetch: deps.fetch,
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.fetchMaxBytes,
    userAgent: userAgent(config.publicUrl),
    allowLoopback: config.allowLoopbackFetch,
    etag: source.etag,
    lastModified: source.lastModified,
    resolveHost: deps.resolveHost,
  });
  const now = deps.now();
  const healthy = {
    leaseUntil: null,
    lastPolledAt: now,
    lastSuccessAt: now,
    lastStatusCode: res.status,
    failureCount: 0,
    lastError: null,
    lastErrorCode: null,
    ...(res.permanentUrl ? { url: res.permanentUrl } : {}),
  };
  if (res.notModified) {
    const { life } = await courseOf(deps, run, source.courseId);
    const nextPollAt = await withPush(
      deps,
      source,
      nextPollAfterUnchanged(now, previousIntervalMs(source), scheduleSettings(deps, life), random),
    );
    await commit(deps, run, [
      db
        .update(sources)
        .set({ ...healthy, nextPollAt })
        .where(eq(sources.id, source.id)),
      ...turned(recoveredEvent(db, source, now)),
    ]);
    log("info", "poll.unchanged", { source: source.id, ms: Date.now() - started });
    return { sourceId: source.id, ok: true, notModified: true, entries: 0, stored: 0 };
  }
  const xml = decodeBody(res.bytes, res.contentType);
  const feed = await parseFeed(xml, res.url);
  // Whether the feed names a WebSub hub, for push (the poll stays the safety net).
  const websub = discoverWebSub(res.url, res.link, xml);
  if (websub.hub && websub.hub !== source.websubHub) log("info", "websub.discovered", { source: source.id, hub: websub.hub });
  const { life } = await courseOf(deps, run, source.courseId);
  const sourceUpdate = {
    ...healthy,
    // Every entry counts here, tagged or not: it is the feed's rhythm that says when a new post may appear.
    nextPollAt: await withPush(deps, source, nextPollAfterFetch(now, postDates(feed.entries), scheduleSettings(deps, life), random)),
    etag: res.etag,
    lastModified: res.lastModified,
    title: source.title ?? (feed.title || null),
    siteUrl: source.siteUrl ?? feed.link,
    websubHub: websub.hub,
    websubTopic: websub.self,
  };
  return storeEntries(deps, source, run, started, feed.entries, { whole: true, sourceUpdate });
}

/**
 * A feed a WebSub hub delivered (a "fat ping"): its entries are stored at once, with no fetch. It
 * is a partial feed (often only the changed entries), so nothing is taken to have left because it
 * is missing, and the source's validators and schedule stay the poll's. Returns null when the body
 * holds no entries (a light ping, or not a feed at all): the caller fetches the feed instead.
 */
export async function storeDelivered(
  deps: PollDeps,
  source: Source,
  bytes: Uint8Array,
  contentType: string | null,
  run: PollRun = newPollRun(),
): Promise<SourceOutcome | null> {
  const started = Date.now();
  if (source.kind !== "feed" || bytes.length === 0) return null;
  let entries: NormalisedEntry[];
  try {
    // Relative links resolve against the feed's own address (its self link), as the poll's do.
    entries = (await parseFeed(decodeBody(bytes, contentType), source.websubTopic ?? source.url)).entries;
  } catch {
    return null;
  }
  if (!entries.length) return null;
  // The delivery made the source due (push/websub.ts), so a crash before this line loses nothing;
  // once the entries are in, the live subscription puts the poll back to the safety net's pace.
  const sourceUpdate = { nextPollAt: await withPush(deps, source, deps.now()) };
  return storeEntries(deps, source, run, started, entries, { whole: false, sourceUpdate });
}

/**
 * Keeps a feed's course-tagged entries: upserts, moves, re-tags and (for a whole feed) what left.
 * Items and the source's row are written in one batch: a crash before it leaves the old ETag, so
 * the next poll fetches and upserts again.
 */
async function storeEntries(
  deps: PollDeps,
  source: Source,
  run: PollRun,
  started: number,
  entries: NormalisedEntry[],
  opts: { whole: boolean; sourceUpdate: Partial<typeof sources.$inferInsert> },
): Promise<SourceOutcome> {
  const { db, log } = deps;
  const now = deps.now();
  const { tags } = await courseOf(deps, run, source.courseId);
  const wanted = dedupeByUrl(source.filter === "all" ? entries : entries.filter((e) => matchCourseTags(e, tags).matched));
  const tombstoned = await tombstonedUrls(db, source.courseId, wanted);
  const keep = wanted.filter((e) => !tombstoned.gone.has(e.key)).map((e) => ({ ...e, tags: canonicalTags(e.tags, tags) }));
  // Posts that left untagged and carry a course tag again come back; posts still listed without
  // one leave; posts gone from a whole feed's window are re-checked at once (leaving.ts).
  const retagged = retaggedStatements(
    db,
    source.courseId,
    keep.filter((e) => tombstoned.untagged.has(e.key)).map((e) => e.key),
    now,
  );
  const inFeed = new Set(dedupeByUrl(entries).map((e) => e.key));
  const wantedKeys = new Set(wanted.map((e) => e.key));
  const leaving = await leavingStatements(
    db,
    source,
    inFeed,
    [...inFeed].filter((k) => !wantedKeys.has(k)),
    // A partial feed's window says nothing about what is missing from it.
    opts.whole ? oldestDate(postDates(entries)) : null,
    now,
  );
  const target = { courseId: source.courseId, sourceId: source.id, kind: "blog" as const, personId: source.ownerId };
  // An edited slug keeps its GUID: move that item to its new URL before the upserts, not add a second one.
  const moves = await movedPostUpdates(db, target, keep);
  // A partial feed's entries carry the last whole read's stamp, not their own: the next poll tells
  // what dropped out of the feed by that stamp (leaving.ts), which a ping must not move.
  const upserts = itemUpserts(db, target, keep, now, opts.whole ? now : (source.lastPolledAt ?? now));
  const sourceUpdate = db.update(sources).set(opts.sourceUpdate).where(eq(sources.id, source.id));
  // A learner's blog post may already have been announced on Mastodon or Bluesky: link the two.
  const crossPosts = keep.length ? crossPostLinks(db, source.courseId, source.ownerId ? [source.ownerId] : []) : [];
  const learner = source.ownerId && keep.length ? { courseId: source.courseId, personIds: [source.ownerId], at: now } : undefined;
  const recovered = opts.whole ? turned(recoveredEvent(db, source, now)) : [];
  await commit(deps, run, [sourceUpdate, ...recovered, ...leaving.statements, ...retagged, ...moves, ...upserts, ...crossPosts], learner);
  log("info", opts.whole ? "poll.done" : "websub.stored", {
    source: source.id,
    entries: entries.length,
    stored: keep.length,
    ...(leaving.untagged ? { untagged: leaving.untagged } : {}),
    ...(leaving.droppedOut ? { droppedOut: leaving.droppedOut } : {}),
    ms: Date.now() - started,
  });
  return { sourceId: source.id, ok: true, entries: entries.length, stored: keep.length };
}

/** The earliest of these dates, or null. */
function oldestDate(dates: Date[]): Date | null {
  return dates.reduce<Date | null>((min, d) => (min === null || d < min ? d : min), null);
}

/** Writes a failed poll onto the source: its error in plain words, and when to try again. */
export async function recordFailure(deps: PollDeps, source: Source, err: unknown, started: number): Promise<SourceOutcome> {
  const { db, config, log } = deps;
  const random = deps.random ?? Math.random;
  const now = deps.now();
  const message = describeError(err);
  const failures = source.failureCount + 1;
  const status = err instanceof IngestError ? err.status : undefined;
  // A server asking us to wait (429/503 Retry-After) is obeyed when it asks for longer than our backoff.
  const backoff = nextPollAfterFailure(now, failures, config.pollIntervalMinutes, random);
  const asked = err instanceof IngestError ? retryAfterDate(err.retryAfter ?? null, now) : null;
  const sourceUpdate = db
    .update(sources)
    .set({
      leaseUntil: null,
      lastPolledAt: now,
      lastStatusCode: status ?? null,
      failureCount: failures,
      lastError: message,
      lastErrorCode: err instanceof IngestError ? err.code : "unexpected",
      nextPollAt: asked && asked > backoff ? asked : backoff,
      ...(status === 410 ? { status: "gone" as const } : {}),
    })
    .where(eq(sources.id, source.id));
  const broke = brokeEvent(db, source, now, message, status === 410);
  await db.batch(broke ? [sourceUpdate, broke] : [sourceUpdate]);
  log("warn", "poll.failed", {
    source: source.id,
    error: message,
    ...(err instanceof IngestError ? { code: err.code } : { detail: String(err).slice(0, 300) }),
    ms: Date.now() - started,
  });
  return { sourceId: source.id, ok: false, error: message };
}

/** The run's limits: POLL_CONCURRENCY feeds at once, POLL_PER_HOST of them from one host. */
export function runLimiter(deps: Deps): HostLimiter {
  return hostLimiter({ concurrency: deps.config.pollConcurrency, perHost: deps.config.pollPerHost });
}

/** Polls sources this run has claimed, politely: oldest-due first, within the run's host limits. */
export async function pollClaimed(
  deps: PollDeps,
  claimed: Source[],
  limiter: HostLimiter = runLimiter(deps),
  run: PollRun = newPollRun(deps.db),
): Promise<SourceOutcome[]> {
  const outcomes = await mapPolitely(
    claimed,
    limiter,
    (s) => hostOf(s.url),
    (s) => pollSource(deps, s, run),
  );
  await finishRun(deps, run);
  return outcomes;
}

export async function pollDueSources(deps: PollDeps, opts: { limit?: number } = {}): Promise<PollSummary> {
  const started = Date.now();
  const claimed = await claimDueSources(deps, opts.limit ?? deps.config.pollBatchSize);
  const summary = summarise(await pollClaimed(deps, claimed), started);
  deps.log("info", "poll.run", { ...summary });
  return summary;
}
