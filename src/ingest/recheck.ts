// Posts deleted at the source disappear from the hub. A feed is only a window
// on a blog, so a post missing from it proves nothing; instead recent items
// are re-checked at their own URL, cheaply (HEAD) and politely (few at once),
// on a schedule that thins out with age. Two consecutive 404/410 answers remove
// the item from every page and leave a tombstone, so the next poll of a feed
// that still lists the post never brings it back. One miss alone could be a
// blip (a deploy, a moved page), hence the second, sooner look.
import { and, asc, eq, inArray, isNull, lte } from "drizzle-orm";
import { items, tombstones } from "../db/schema.js";
import { IngestError } from "./errors.js";
import { safeFetch } from "./fetch.js";
import { hostLimiter, hostOf, mapPolitely } from "./hosts.js";
import type { PollDeps } from "./poll.js";
import { userAgent } from "./poll.js";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
/** When to look again, counted from when the hub first saw the post. After the last, no more checks. */
export const RECHECK_AGES_MS = [6 * HOUR, 1 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];
/** After a miss, or an answer that proves nothing (5xx, timeout), look again this soon. */
export const CONFIRM_AFTER_MS = 1 * HOUR;
/** A run claims items for this long, so overlapping runs never check one twice. */
const LEASE_MS = 15 * 60_000;

export type RecheckVerdict = "present" | "missing" | "inconclusive";

export function nextRecheck(firstSeenAt: Date, now: Date): Date | null {
  const age = now.getTime() - firstSeenAt.getTime();
  const next = RECHECK_AGES_MS.find((a) => a > age);
  return next === undefined ? null : new Date(firstSeenAt.getTime() + next);
}

/** Asks whether the post is still at its URL: HEAD, falling back to GET where HEAD is not allowed. */
export async function checkPostExists(deps: PollDeps, url: string): Promise<RecheckVerdict> {
  const base = {
    fetch: deps.fetch,
    timeoutMs: Math.min(deps.config.fetchTimeoutMs, 10_000),
    maxBytes: 256 * 1024,
    userAgent: userAgent(deps.config.publicUrl),
    allowLoopback: deps.config.allowLoopbackFetch,
    resolveHost: deps.resolveHost,
    accept: "text/html,*/*;q=0.8",
  };
  try {
    let { status } = await safeFetch(url, { ...base, method: "HEAD" });
    if (status === 405 || status === 501) status = (await safeFetch(url, base)).status;
    return verdictFor(status);
  } catch (err) {
    if (err instanceof IngestError) {
      if (err.code === "too_large") return "present"; // a GET fallback found a (large) page
      if (err.status !== undefined) return verdictFor(err.status);
    }
    return "inconclusive";
  }
}

function verdictFor(status: number): RecheckVerdict {
  if (status === 404 || status === 410) return "missing";
  if ((status >= 200 && status < 400) || status === 401 || status === 403) return "present";
  return "inconclusive"; // 5xx, 429 and friends say nothing about the post
}

export interface RecheckSummary {
  checked: number;
  present: number;
  missing: number;
  removed: number;
  inconclusive: number;
}

export async function recheckDueItems(deps: PollDeps, opts: { limit?: number; concurrency?: number } = {}): Promise<RecheckSummary> {
  const { db } = deps;
  const limit = opts.limit ?? deps.config.recheckBatchSize;
  const summary: RecheckSummary = { checked: 0, present: 0, missing: 0, removed: 0, inconclusive: 0 };
  if (limit <= 0) return summary;
  const now = deps.now();
  const due = db
    .select({ id: items.id })
    .from(items)
    .where(and(lte(items.recheckAt, now), isNull(items.deletedAt)))
    .orderBy(asc(items.recheckAt))
    .limit(limit);
  const claimed = await db
    .update(items)
    .set({ recheckAt: new Date(now.getTime() + LEASE_MS) })
    .where(and(inArray(items.id, due), lte(items.recheckAt, now)))
    .returning({
      id: items.id,
      courseId: items.courseId,
      url: items.canonicalUrl,
      externalId: items.externalId,
      misses: items.recheckMisses,
      firstSeenAt: items.firstSeenAt,
    });
  summary.checked = claimed.length;
  // One request at a time per blog host: many learners share wordpress.com or a campus server.
  const limiter = hostLimiter({ concurrency: opts.concurrency ?? 4, perHost: 1 });
  await mapPolitely(claimed, limiter, (item) => hostOf(item.url), async (item) => {
    const verdict = await checkPostExists(deps, item.url);
    const at = deps.now();
    summary[verdict]++;
    if (verdict === "present") {
      await db.update(items).set({ recheckMisses: 0, recheckAt: nextRecheck(item.firstSeenAt, at) }).where(eq(items.id, item.id));
    } else if (verdict === "inconclusive") {
      await db.update(items).set({ recheckAt: new Date(at.getTime() + CONFIRM_AFTER_MS) }).where(eq(items.id, item.id));
    } else if (item.misses + 1 < 2) {
      await db.update(items).set({ recheckMisses: item.misses + 1, recheckAt: new Date(at.getTime() + CONFIRM_AFTER_MS) }).where(eq(items.id, item.id));
    } else {
      summary.removed++;
      await db.batch([
        db.update(items).set({ recheckMisses: item.misses + 1, recheckAt: null, deletedAt: at }).where(eq(items.id, item.id)),
        db
          .insert(tombstones)
          .values({ courseId: item.courseId, canonicalUrl: item.url, externalId: item.externalId, reason: "deleted_at_source", createdAt: at })
          .onConflictDoNothing(),
      ]);
      deps.log("info", "recheck.removed", { item: item.id, course: item.courseId });
    }
  });
  if (summary.checked) deps.log("info", "recheck.run", { ...summary });
  return summary;
}
