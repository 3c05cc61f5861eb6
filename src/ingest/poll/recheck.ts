// Posts deleted at the source disappear from the hub. A feed is only a window
// on a blog, so a post missing from it proves nothing; instead recent items
// are re-checked at their own URL, cheaply (HEAD) and politely (few at once),
// on a schedule that thins out with age. Two consecutive 404/410 answers remove
// the item from every page and leave a tombstone, so the next poll of a feed
// that still lists the post never brings it back. One miss alone could be a
// blip (a deploy, a moved page), hence the second, sooner look.
import { and, asc, eq, inArray, isNull, lte } from "drizzle-orm";
import { items, sources, tombstones } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { IngestError } from "../errors.js";
import { safeFetch } from "../fetch/fetch.js";
import { hostLimiter, hostOf, mapPolitely } from "../fetch/hosts.js";
import { userAgent } from "../fetch/user-agent.js";
import type { SocialPost } from "../social/post.js";
import { readerForSource } from "../social/readers.js";
import { newPollRun, tagsOf } from "./run.js";
import { socialUpserts } from "./social-store.js";
import type { Statement } from "./writes.js";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
/** When to look again, counted from when the hub first saw the post. After the last, no more checks. */
export const RECHECK_AGES_MS = [6 * HOUR, 1 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];
/** After a miss, or an answer that proves nothing (5xx, timeout), look again this soon. */
export const CONFIRM_AFTER_MS = 1 * HOUR;
/** A run claims items for this long, so overlapping runs never check one twice. */
const LEASE_MS = 15 * 60_000;

export type { RecheckVerdict } from "../social/post.js";

import type { RecheckVerdict } from "../social/post.js";

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
      kind: items.kind,
      sourceId: items.sourceId,
      remoteId: items.remoteId,
    });
  summary.checked = claimed.length;
  const verdicts = await socialVerdicts(
    deps,
    claimed.filter((i) => i.kind !== "blog"),
  );
  // One request at a time per blog host: many learners share wordpress.com or a campus server.
  const limiter = hostLimiter({ concurrency: opts.concurrency ?? 4, perHost: 1 });
  await mapPolitely(
    claimed,
    limiter,
    (item) => hostOf(item.url),
    async (item) => {
      const verdict = item.kind === "blog" ? await checkPostExists(deps, item.url) : (verdicts.get(item.id) ?? "inconclusive");
      const at = deps.now();
      // A blog page can 404 for a moment (a deploy); a social server's API answering "no such post" is definitive.
      const missesToRemove = item.kind === "blog" ? 2 : 1;
      summary[verdict]++;
      if (verdict === "present") {
        await db
          .update(items)
          .set({ recheckMisses: 0, recheckAt: nextRecheck(item.firstSeenAt, at) })
          .where(eq(items.id, item.id));
      } else if (verdict === "inconclusive") {
        await db
          .update(items)
          .set({ recheckAt: new Date(at.getTime() + CONFIRM_AFTER_MS) })
          .where(eq(items.id, item.id));
      } else if (item.misses + 1 < missesToRemove) {
        await db
          .update(items)
          .set({ recheckMisses: item.misses + 1, recheckAt: new Date(at.getTime() + CONFIRM_AFTER_MS) })
          .where(eq(items.id, item.id));
      } else {
        summary.removed++;
        await db.batch([
          db
            .update(items)
            .set({ recheckMisses: item.misses + 1, recheckAt: null, deletedAt: at })
            .where(eq(items.id, item.id)),
          db
            .insert(tombstones)
            .values({
              courseId: item.courseId,
              canonicalUrl: item.url,
              externalId: item.externalId,
              reason: "deleted_at_source",
              createdAt: at,
            })
            .onConflictDoNothing(),
        ]);
        deps.log("info", "recheck.removed", { item: item.id, course: item.courseId });
      }
    },
  );
  if (summary.checked) deps.log("info", "recheck.run", { ...summary });
  return summary;
}

/**
 * Social items are asked about through their source's API (Mastodon
 * statuses/:id, Bluesky getPosts), one call per source for all its due items.
 */
async function socialVerdicts(
  deps: PollDeps,
  due: Array<{ id: number; kind: string; sourceId: number | null; remoteId: string | null }>,
): Promise<Map<number, RecheckVerdict>> {
  const verdicts = new Map<number, RecheckVerdict>();
  const bySource = new Map<number, typeof due>();
  for (const item of due) {
    if (item.sourceId === null || !item.remoteId) continue; // its source was removed: nothing to ask
    bySource.set(item.sourceId, [...(bySource.get(item.sourceId) ?? []), item]);
  }
  if (bySource.size === 0) return verdicts;
  const rows = await deps.db
    .select()
    .from(sources)
    .where(inArray(sources.id, [...bySource.keys()]));
  const run = newPollRun(); // course tags read once per course, as in a poll
  for (const source of rows) {
    const reader = readerForSource(deps, source.kind);
    if (!reader) continue;
    const list = bySource.get(source.id)!;
    try {
      const answers = await reader.recheck(
        deps,
        source,
        list.map((i) => i.remoteId!),
      );
      const tags = await tagsOf(deps, run, source.courseId);
      const refreshed: SocialPost[] = [];
      for (const item of list) {
        const answer = answers.get(item.remoteId!) ?? "inconclusive";
        if (typeof answer === "string") verdicts.set(item.id, answer);
        else if (!answer.tags.some((t) => tags.includes(t))) {
          // The author took the course tag off: that withdraws the post from the course.
          verdicts.set(item.id, "missing");
        } else {
          verdicts.set(item.id, "present");
          refreshed.push(answer);
        }
      }
      // Posts served afresh carry any edit made since they were read: store them as a poll would.
      if (refreshed.length) {
        const { statements } = await socialUpserts(deps.db, source, refreshed, tags, deps.now());
        if (statements.length) await deps.db.batch(statements as [Statement, ...Statement[]]);
      }
    } catch (err) {
      deps.log("warn", "recheck.source_failed", { source: source.id, error: String(err).slice(0, 300) });
    }
  }
  return verdicts;
}
