// Posts deleted at the source disappear from the hub, however old they are. A
// feed is only a window on a blog, so a post missing from it proves nothing;
// instead every item a course shows is re-checked at its own URL, cheaply
// (HEAD) and politely (few at once, one at a time per host), on a schedule that
// thins out with age: 6 h, 1, 3, 7, 14 and 30 days after the hub first saw it,
// then every RECHECK_MAX_INTERVAL_DAYS for as long as it is shown. Two consecutive 404/410 answers remove
// the item from every page and leave a tombstone, so the next poll of a feed
// that still lists the post never brings it back. One miss alone could be a
// blip (a deploy, a moved page), hence the second, sooner look.
import { and, asc, eq, inArray, isNull, lte } from "drizzle-orm";
import { items, sources, tombstones } from "../../db/schema.js";
import { canonicalUrl, postKey } from "../canonical-url.js";
import type { PollDeps } from "../deps.js";
import { IngestError } from "../errors.js";
import { decodeBody } from "../fetch/decode.js";
import { safeFetch } from "../fetch/fetch.js";
import { hostLimiter, hostOf, mapPolitely } from "../fetch/hosts.js";
import { userAgent } from "../fetch/user-agent.js";
import { syndicationLinks } from "../parse/syndication.js";
import type { SocialPost } from "../social/post.js";
import { readerForSource } from "../social/readers.js";
import { newPollRun, tagsOf } from "./run.js";
import { crossPostLinks, socialUpserts } from "./social-store.js";
import type { Statement } from "./writes.js";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
/** The early looks, counted from when the hub first saw the post; after the last, every `maxIntervalDays`. */
export const RECHECK_AGES_MS = [6 * HOUR, 1 * DAY, 3 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];
/** After a miss, or an answer that proves nothing (5xx, timeout), look again this soon. */
export const CONFIRM_AFTER_MS = 1 * HOUR;
/** A run claims items for this long, so overlapping runs never check one twice. */
const LEASE_MS = 15 * 60_000;

export type { RecheckVerdict } from "../social/post.js";

import type { RecheckVerdict } from "../social/post.js";

/** The next look at a post first seen at `firstSeenAt`: never "no more", only less often. */
export function nextRecheck(firstSeenAt: Date, now: Date, maxIntervalDays: number): Date {
  const age = now.getTime() - firstSeenAt.getTime();
  const early = RECHECK_AGES_MS.find((a) => a > age);
  if (early !== undefined) return new Date(firstSeenAt.getTime() + early);
  const last = RECHECK_AGES_MS.at(-1)!;
  const every = maxIntervalDays * DAY;
  return new Date(firstSeenAt.getTime() + last + (Math.floor((age - last) / every) + 1) * every);
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

/** A GET of the post's page: whether it is there, and the syndication links its h-entry lists. */
export async function readPostPage(deps: PollDeps, url: string): Promise<{ verdict: RecheckVerdict; syndication: string[] }> {
  try {
    const res = await safeFetch(url, {
      fetch: deps.fetch,
      timeoutMs: Math.min(deps.config.fetchTimeoutMs, 10_000),
      maxBytes: 512 * 1024,
      userAgent: userAgent(deps.config.publicUrl),
      allowLoopback: deps.config.allowLoopbackFetch,
      resolveHost: deps.resolveHost,
      accept: "text/html,*/*;q=0.8",
    });
    const verdict = verdictFor(res.status);
    const html = verdict === "present" && res.bytes ? decodeBody(res.bytes, res.contentType) : "";
    return { verdict, syndication: html ? syndicationLinks(html, res.url) : [] };
  } catch (err) {
    if (err instanceof IngestError) {
      if (err.code === "too_large") return { verdict: "present", syndication: [] };
      if (err.status !== undefined) return { verdict: verdictFor(err.status), syndication: [] };
    }
    return { verdict: "inconclusive", syndication: [] };
  }
}

/** Records the syndicated copies a post's page lists, and links those already in the course to it. */
async function linkSyndicated(deps: PollDeps, item: { id: number; courseId: number; personId: number | null }, links: string[]) {
  const keys = [...new Set(links.map((l) => postKey(canonicalUrl(l))))].slice(0, 8);
  const statements: Statement[] = [
    deps.db.update(items).set({ links: keys }).where(eq(items.id, item.id)),
    ...crossPostLinks(deps.db, item.courseId, item.personId === null ? [] : [item.personId]),
  ];
  await deps.db.batch(statements as [Statement, ...Statement[]]);
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
      key: items.postKey,
      externalId: items.externalId,
      misses: items.recheckMisses,
      firstSeenAt: items.firstSeenAt,
      kind: items.kind,
      sourceId: items.sourceId,
      remoteId: items.remoteId,
      personId: items.personId,
      links: items.links,
    });
  summary.checked = claimed.length;
  const verdicts = await socialVerdicts(
    deps,
    claimed.filter((i) => i.kind !== "blog"),
  );
  const maxDays = deps.config.recheckMaxIntervalDays;
  // One request at a time per blog host: many learners share wordpress.com or a campus server.
  const limiter = hostLimiter({ concurrency: opts.concurrency ?? 4, perHost: 1 });
  await mapPolitely(
    claimed,
    limiter,
    (item) => hostOf(item.url),
    async (item) => {
      // A post's own page, where its server has no API to ask (a blog, or a toot whose source is
      // gone: a Spotlight copy in a new cohort); else its server's API (social/readers.ts).
      // A blog post's one-day look reads its page (the others are HEADs): its h-entry may list where the
      // post was also published (u-syndication) by then, so its toots and skeets become "also on" (POSSE).
      const age = deps.now().getTime() - item.firstSeenAt.getTime();
      const firstLook = item.kind === "blog" && item.links.length === 0 && age >= 12 * HOUR && age < 3 * DAY;
      const page = verdicts.has(item.id)
        ? null
        : firstLook
          ? await readPostPage(deps, item.url)
          : { verdict: await checkPostExists(deps, item.url), syndication: [] };
      const asked = verdicts.get(item.id) ?? { verdict: page!.verdict, page: true };
      if (page?.syndication.length) await linkSyndicated(deps, item, page.syndication);
      const at = deps.now();
      // A page can 404 for a moment (a deploy); a social server's API answering "no such post" is definitive.
      const missesToRemove = asked.page ? 2 : 1;
      const verdict = asked.verdict === "untagged" ? "missing" : asked.verdict;
      if (verdict !== "unaskable") summary[verdict]++;
      if (verdict === "present" || verdict === "unaskable") {
        await db
          .update(items)
          .set({ recheckMisses: 0, recheckAt: nextRecheck(item.firstSeenAt, at, maxDays) })
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
        const reason = asked.verdict === "untagged" ? ("untagged" as const) : ("deleted_at_source" as const);
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
              postKey: item.key ?? postKey(item.url),
              externalId: item.externalId,
              reason,
              createdAt: at,
            })
            .onConflictDoNothing(),
        ]);
        deps.log("info", "recheck.removed", { item: item.id, course: item.courseId, reason });
      }
    },
  );
  if (summary.checked) deps.log("info", "recheck.run", { ...summary });
  return summary;
}

/** What a re-check learnt: `page` when it came from the post's own page (two misses remove it). */
interface Asked {
  verdict: RecheckVerdict | "untagged" | "unaskable";
  page: boolean;
}

/**
 * Social items are asked about through their source's API (Mastodon
 * statuses/:id, Bluesky getPosts), one call per source for all its due items.
 * An item without a source (a Spotlight copy in a new cohort, or its source was
 * removed) is asked elsewhere: a Bluesky post through the hub's Bluesky account
 * (any of its Bluesky sources), a toot at its own page on its home server.
 */
async function socialVerdicts(
  deps: PollDeps,
  due: Array<{ id: number; kind: string; courseId: number; sourceId: number | null; remoteId: string | null }>,
): Promise<Map<number, Asked>> {
  const verdicts = new Map<number, Asked>();
  const bySource = new Map<number, typeof due>();
  const orphans: typeof due = [];
  for (const item of due) {
    if (!item.remoteId) continue; // nothing to ask its server about: its page is checked instead
    if (item.sourceId === null) orphans.push(item);
    else bySource.set(item.sourceId, [...(bySource.get(item.sourceId) ?? []), item]);
  }
  const rows = bySource.size
    ? await deps.db
        .select()
        .from(sources)
        .where(inArray(sources.id, [...bySource.keys()]))
    : [];
  const blueskyOrphans = orphans.filter((i) => i.kind === "bluesky");
  if (blueskyOrphans.length) {
    // All Bluesky sources read through the hub's one account: any of them can ask about any post.
    const [any] = await deps.db.select().from(sources).where(eq(sources.kind, "bluesky_tag")).limit(1);
    if (any) {
      const list = bySource.get(any.id) ?? [];
      bySource.set(any.id, [...list, ...blueskyOrphans]);
      if (!rows.some((r) => r.id === any.id)) rows.push(any);
    } else for (const item of blueskyOrphans) verdicts.set(item.id, { verdict: "unaskable", page: false });
  }
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
      const refreshed: SocialPost[] = [];
      for (const item of list) {
        const answer = answers.get(item.remoteId!) ?? "inconclusive";
        const tags = await tagsOf(deps, run, item.courseId);
        if (typeof answer === "string") verdicts.set(item.id, { verdict: answer, page: false });
        else if (!answer.tags.some((t) => tags.includes(t))) {
          // The author took the course tag off: that withdraws the post from the course.
          verdicts.set(item.id, { verdict: "untagged", page: false });
        } else {
          verdicts.set(item.id, { verdict: "present", page: false });
          if (item.courseId === source.courseId) refreshed.push(answer);
        }
      }
      // Posts served afresh carry any edit made since they were read: store them as a poll would.
      if (refreshed.length) {
        const tags = await tagsOf(deps, run, source.courseId);
        const { statements } = await socialUpserts(deps.db, source, refreshed, tags, deps.now());
        if (statements.length) await deps.db.batch(statements as [Statement, ...Statement[]]);
      }
    } catch (err) {
      deps.log("warn", "recheck.source_failed", { source: source.id, error: String(err).slice(0, 300) });
    }
  }
  return verdicts;
}
