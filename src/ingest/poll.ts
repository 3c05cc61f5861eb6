// Polls due feed sources: claim → fetch → parse → keep the course's tagged
// entries → upsert pointers → record the source's health. One bad source never
// stops the others: each is polled inside its own try/catch and its error is
// written to its own row for people to see.
import { and, asc, eq, inArray, isNull, lte, or } from "drizzle-orm";
import type { Deps } from "../deps.js";
import { courseTags, sources, type Source } from "../db/schema.js";
import { decodeBody } from "./decode.js";
import { describeError, IngestError } from "./errors.js";
import { safeFetch } from "./fetch.js";
import { mapLimit } from "./limit.js";
import { parseFeed } from "./parse.js";
import { nextPollAfterFailure, nextPollAfterSuccess, retryAfterDate } from "./schedule.js";
import { dedupeByUrl, itemUpserts, tombstonedUrls } from "./store.js";
import { canonicalTags, matchCourseTags } from "./tags.js";

const LEASE_MS = 10 * 60_000;

export interface PollDeps extends Deps {
  resolveHost?: (host: string) => Promise<string[]>;
}

export interface SourceOutcome {
  sourceId: number;
  ok: boolean;
  notModified?: boolean;
  entries?: number;
  stored?: number;
  error?: string;
}

export function userAgent(publicUrl: string): string {
  return `Tributary/0.1 (connected-course hub; +${publicUrl})`;
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
    .where(
      and(
        eq(sources.status, "active"),
        eq(sources.kind, "feed"),
        lte(sources.nextPollAt, now),
        or(isNull(sources.leaseUntil), lte(sources.leaseUntil, now)),
      ),
    )
    .orderBy(asc(sources.nextPollAt))
    .limit(limit);
  const claimed = await deps.db
    .update(sources)
    .set({ leaseUntil: new Date(now.getTime() + LEASE_MS) })
    .where(and(inArray(sources.id, due), or(isNull(sources.leaseUntil), lte(sources.leaseUntil, now))))
    .returning();
  return claimed.sort((a, b) => a.nextPollAt.getTime() - b.nextPollAt.getTime());
}

export async function pollSource(deps: PollDeps, source: Source): Promise<SourceOutcome> {
  const started = Date.now();
  const { db, config, log } = deps;
  try {
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
      nextPollAt: nextPollAfterSuccess(now, config.pollIntervalMinutes),
      ...(res.permanentUrl ? { url: res.permanentUrl } : {}),
    };
    if (res.notModified) {
      await db.update(sources).set(healthy).where(eq(sources.id, source.id));
      log("info", "poll.unchanged", { source: source.id, ms: Date.now() - started });
      return { sourceId: source.id, ok: true, notModified: true, entries: 0, stored: 0 };
    }
    const feed = await parseFeed(decodeBody(res.bytes, res.contentType), res.url);
    const tags = (await db.select({ tag: courseTags.tag }).from(courseTags).where(eq(courseTags.courseId, source.courseId))).map(
      (r) => r.tag,
    );
    const wanted = dedupeByUrl(
      source.filter === "all" ? feed.entries : feed.entries.filter((e) => matchCourseTags(e, tags).matched),
    );
    const gone = await tombstonedUrls(db, source.courseId, wanted.map((e) => e.url));
    const keep = wanted.filter((e) => !gone.has(e.url)).map((e) => ({ ...e, tags: canonicalTags(e.tags, tags) }));
    const upserts = itemUpserts(db, { courseId: source.courseId, sourceId: source.id, kind: "blog", personId: source.ownerId }, keep, now);
    // Items and the source's validators are written in one batch: a crash before
    // it leaves the old ETag, so the next poll fetches and upserts again.
    const sourceUpdate = db
        .update(sources)
        .set({
          ...healthy,
          etag: res.etag,
          lastModified: res.lastModified,
          title: source.title ?? (feed.title || null),
          siteUrl: source.siteUrl ?? feed.link,
        })
        .where(eq(sources.id, source.id));
    await db.batch([sourceUpdate, ...upserts]);
    log("info", "poll.done", { source: source.id, entries: feed.entries.length, stored: keep.length, ms: Date.now() - started });
    return { sourceId: source.id, ok: true, entries: feed.entries.length, stored: keep.length };
  } catch (err) {
    const now = deps.now();
    const message = describeError(err);
    const failures = source.failureCount + 1;
    const status = err instanceof IngestError ? err.status : undefined;
    // A server asking us to wait (429/503 Retry-After) is obeyed when it asks for longer than our backoff.
    const backoff = nextPollAfterFailure(now, failures, config.pollIntervalMinutes);
    const asked = err instanceof IngestError ? retryAfterDate(err.retryAfter ?? null, now) : null;
    await db
      .update(sources)
      .set({
        leaseUntil: null,
        lastPolledAt: now,
        lastStatusCode: status ?? null,
        failureCount: failures,
        lastError: message,
        nextPollAt: asked && asked > backoff ? asked : backoff,
        ...(status === 410 ? { status: "gone" as const } : {}),
      })
      .where(eq(sources.id, source.id));
    log("warn", "poll.failed", {
      source: source.id,
      error: message,
      ...(err instanceof IngestError ? { code: err.code } : { detail: String(err).slice(0, 300) }),
      ms: Date.now() - started,
    });
    return { sourceId: source.id, ok: false, error: message };
  }
}

export interface PollSummary {
  polled: number;
  ok: number;
  failed: number;
  stored: number;
  ms: number;
}

export async function pollDueSources(deps: PollDeps, opts: { limit?: number } = {}): Promise<PollSummary> {
  const started = Date.now();
  const claimed = await claimDueSources(deps, opts.limit ?? deps.config.pollBatchSize);
  const outcomes = await mapLimit(claimed, deps.config.pollConcurrency, (s) => pollSource(deps, s));
  const summary = {
    polled: outcomes.length,
    ok: outcomes.filter((o) => o.ok).length,
    failed: outcomes.filter((o) => !o.ok).length,
    stored: outcomes.reduce((n, o) => n + (o.stored ?? 0), 0),
    ms: Date.now() - started,
  };
  deps.log("info", "poll.run", summary);
  return summary;
}
