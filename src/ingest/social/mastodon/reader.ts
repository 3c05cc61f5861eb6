// The Mastodon hashtag reader: GET /api/v1/timelines/tag/:hashtag on the
// source's instance, through masto and the hub's guarded fetch.
//
// Paging follows the Mastodon API docs (methods/timelines#tag, api/guidelines#pagination):
// `min_id` "returns results immediately newer than this ID", newest first, and
// the `Link` header's rel="prev" carries `min_id` = the newest id of the page.
// Starting from the stored cursor and following rel="prev" walks forward in
// time without a gap, so a run that stops early (page budget, rate limit)
// leaves nothing behind: the next run starts from the newest id it reached.
import type { mastodon } from "masto";
import type { Deps } from "../../../db/deps.js";
import type { Source } from "../../../db/schema.js";
import { IngestError } from "../../errors.js";
import type { RecheckAnswer, SocialPage, SocialPost, SocialReader } from "../post.js";
import { instanceOrigin, type MastodonClient, mastodonClient } from "./client.js";
import { compareStatusIds, newerId } from "./ids.js";
import { normaliseStatus, statusIdOf } from "./normalise.js";

/** Mastodon's largest page ("Defaults to 20 statuses. Max 40 statuses."). */
export const PAGE_LIMIT = 40;
/**
 * Stop paging when the instance says fewer requests than this are left in the
 * window (X-RateLimit-Remaining): the budget is shared with the hub's other
 * sources and re-checks on the same instance (300 per 5 minutes per IP by default).
 */
export const RATE_LIMIT_RESERVE = 10;
/** Re-checks in flight at once against one instance. */
export const RECHECK_CONCURRENCY = 3;

function clientFor(deps: Deps, source: Source): MastodonClient {
  return mastodonClient(deps, { instanceUrl: source.url, accessToken: source.accessToken });
}

function tagOf(source: Source): string {
  const tag = source.tag?.trim().replace(/^#+/, "");
  if (!tag) throw new IngestError("bad_url", "This Mastodon source has no hashtag to follow.");
  return tag;
}

/** X-RateLimit-Remaining as a number, or null when absent or unreadable. */
export function rateLimitRemaining(headers: Headers): number | null {
  const raw = headers.get("x-ratelimit-remaining");
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return null;
  return Number(raw);
}

function rateLimitLow(headers: Headers): boolean {
  const remaining = rateLimitRemaining(headers);
  return remaining !== null && remaining < RATE_LIMIT_RESERVE;
}

async function read(deps: Deps, source: Source): Promise<SocialPage> {
  const origin = instanceOrigin(source.url);
  // Local accounts' acct has no domain: Mastodon's is the host name (never a port).
  const host = origin.hostname;
  const tag = tagOf(source);
  const timeline = clientFor(deps, source).v1.timelines.tag.$select(encodeURIComponent(tag));
  const cursor = source.cursor?.trim() || null;
  const budget = Math.max(1, deps.config.socialPageBudget);

  const posts: SocialPost[] = [];
  const seen = new Set<string>();
  let newest = cursor;
  let skipped = 0;

  /** Takes one page; returns how many statuses on it were new (newer than the cursor and not seen this run). */
  const take = (page: unknown): number => {
    if (!Array.isArray(page)) {
      throw new IngestError("not_a_feed", `${origin.host} sent something other than a list of statuses for #${tag}.`);
    }
    let fresh = 0;
    for (const status of page) {
      const id = statusIdOf(status);
      if (!id) {
        skipped++;
        continue;
      }
      // A server that ignores min_id answers with its newest page: drop what we already have.
      if ((cursor && compareStatusIds(id, cursor) <= 0) || seen.has(id)) continue;
      seen.add(id);
      fresh++;
      newest = newerId(newest, id);
      const post = normaliseStatus(status, host);
      if (post) posts.push(post);
      else if (!isReblog(status)) skipped++;
    }
    return fresh;
  };

  let more = false;
  if (!cursor) {
    // A new source: the newest page only; older posts predate the course's interest.
    const res = await timeline.list.$raw({ limit: PAGE_LIMIT });
    take(res.data);
  } else {
    const paginator = timeline.list.$raw({ limit: PAGE_LIMIT, minId: cursor }).setDirection("prev");
    let pages = 0;
    let lastFull = false;
    let stopped = false;
    for await (const res of paginator) {
      pages++;
      const fresh = take(res.data);
      lastFull = Array.isArray(res.data) && res.data.length >= PAGE_LIMIT;
      stopped = true;
      // A short page means we reached the newest status; a full page with nothing
      // new means the server is not moving forward. Either way, this run is done.
      if (!lastFull || fresh === 0) break;
      if (pages >= budget) {
        more = true;
        break;
      }
      if (rateLimitLow(res.headers)) {
        deps.log("info", "mastodon.rate_limit_low", {
          source: source.id,
          host: origin.host,
          remaining: rateLimitRemaining(res.headers),
          reset: res.headers.get("x-ratelimit-reset"),
        });
        more = true;
        break;
      }
      stopped = false;
    }
    // The paginator ended after a full page (no rel="prev" link): there may be
    // more, and the next run goes on from the newest id.
    if (!stopped && lastFull) more = true;
  }
  if (skipped) deps.log("warn", "mastodon.statuses_skipped", { source: source.id, host: origin.host, skipped });
  return { posts, cursor: newest, more };
}

function isReblog(status: unknown): boolean {
  return typeof status === "object" && status !== null && "reblog" in status && (status as { reblog: unknown }).reblog != null;
}

async function recheck(deps: Deps, source: Source, remoteIds: string[]): Promise<Map<string, RecheckAnswer>> {
  const verdicts = new Map<string, RecheckAnswer>();
  const host = instanceOrigin(source.url).hostname;
  const queue = [...new Set(remoteIds)];
  for (const id of queue) verdicts.set(id, "inconclusive");
  if (!queue.length) return verdicts;
  const client = clientFor(deps, source);
  // Once the instance says slow down (429, or few requests left), stop asking:
  // what is left stays inconclusive and is asked again another time.
  let halted = false;

  const ask = async (id: string): Promise<void> => {
    if (!id.trim()) return;
    try {
      const res: { headers: Headers; data: mastodon.v1.Status } = await client.v1.statuses.$select(encodeURIComponent(id)).fetch.$raw();
      // The status as it is now: an edit since we read it reaches the hub this way.
      verdicts.set(id, normaliseStatus(res.data, host) ?? "present");
      if (rateLimitLow(res.headers)) halted = true;
    } catch (err) {
      if (err instanceof IngestError && err.status === 404) verdicts.set(id, "missing");
      else if (err instanceof IngestError && err.status === 429) halted = true;
      // Anything else (5xx, 401, timeouts, HTML) proves nothing: stays inconclusive.
    }
  };

  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined && !halted; id = queue.shift()) await ask(id);
  };
  await Promise.all(Array.from({ length: Math.min(RECHECK_CONCURRENCY, queue.length) }, worker));
  return verdicts;
}

export const mastodonReader: SocialReader = { kind: "mastodon", read, recheck };
