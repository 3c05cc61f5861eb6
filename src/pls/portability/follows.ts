// Following the learner's posts on other hubs. A learner whose PLS lives here but who takes a
// course on another Tributary hub pastes the JSON Feed of their posts there (that hub's
// /c/:slug/people/:id/items.json) and this PLS keeps pointers to them (pls_remote_items): link,
// title, a short excerpt, tags and date, never the post. They show on the follows page and can be
// added to the portfolio as external entries. One PLS may follow several hubs and courses.
//
// Polling goes through the SSRF-guarded fetcher with conditional GET, like the course feeds. The
// followed feed lists all the learner's posts there, up to 200, so a post it no longer lists was
// removed there and goes here too; when the list is full, only posts newer than its oldest entry
// can be judged (older ones may simply have fallen off the end). A failed poll writes what went
// wrong on the follow in plain words and leaves the pointers as they were.
import { and, asc, desc, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { FormError, NotFoundError } from "../../core/errors.js";
import { requireText } from "../../core/form-text.js";
import { type PlsFollow, type PlsRemoteItem, type PortfolioEntry, plsFollows, plsRemoteItems, portfolioEntries } from "../../db/schema.js";
import { LEARNER_FEED_SIZE } from "../../hub/outbound/learner-items.js";
import { sourceAddress } from "../../hub/sources/sources.js";
import type { PollDeps } from "../../ingest/deps.js";
import { describeError, IngestError } from "../../ingest/errors.js";
import { decodeBody } from "../../ingest/fetch/decode.js";
import { safeFetch } from "../../ingest/fetch/fetch.js";
import { userAgent } from "../../ingest/fetch/user-agent.js";
import { parseJsonFeed } from "../../ingest/parse/json-feed.js";
import { addExternalEntry } from "../portfolio/portfolio.js";
import { isThisHub } from "./pls-home.js";

/** Enough for every hub and course a learner takes part in. */
export const MAX_FOLLOWS = 20;
/** A learner's feed of 200 pointers is well under this. */
export const FOLLOW_MAX_BYTES = 1024 * 1024;

export function listFollows(deps: Pick<PollDeps, "db">, personId: number): Promise<PlsFollow[]> {
  return deps.db.select().from(plsFollows).where(eq(plsFollows.personId, personId)).orderBy(asc(plsFollows.id));
}

/** The pointers of each of the learner's follows, newest first. */
export async function remoteItemsOf(deps: Pick<PollDeps, "db">, personId: number): Promise<Map<number, PlsRemoteItem[]>> {
  const rows = await deps.db
    .select({ item: plsRemoteItems })
    .from(plsRemoteItems)
    .innerJoin(plsFollows, eq(plsFollows.id, plsRemoteItems.followId))
    .where(eq(plsFollows.personId, personId))
    .orderBy(desc(plsRemoteItems.publishedAt), desc(plsRemoteItems.id));
  const out = new Map<number, PlsRemoteItem[]>();
  for (const { item } of rows) out.set(item.followId, [...(out.get(item.followId) ?? []), item]);
  return out;
}

/** Adds a follow from the form's `feedUrl`: a public http(s) address, not this hub, not followed yet. */
export async function addFollow(deps: PollDeps, personId: number, form: Record<string, unknown>): Promise<PlsFollow> {
  const raw = requireText(form, "feedUrl", "The address of your posts' JSON Feed", 2000);
  const feedUrl = sourceAddress(raw, deps.config.allowLoopbackFetch, "feedUrl");
  if (isThisHub(feedUrl, deps.config.publicUrl)) {
    throw new FormError("feedUrl", "That feed is on this hub: your posts here are already yours to add to your portfolio.");
  }
  const have = await listFollows(deps, personId);
  if (have.some((f) => f.feedUrl === feedUrl)) throw new FormError("feedUrl", "You follow that feed already.");
  if (have.length >= MAX_FOLLOWS)
    throw new FormError("feedUrl", `You follow ${MAX_FOLLOWS} feeds already. Remove one before adding another.`);
  const [row] = await deps.db.insert(plsFollows).values({ personId, feedUrl, createdAt: deps.now() }).returning();
  return row!;
}

/** Stops following; its pointers go with it. False when the follow is not the learner's. */
export async function deleteFollow(deps: Pick<PollDeps, "db">, personId: number, id: number): Promise<boolean> {
  const rows = await deps.db
    .delete(plsFollows)
    .where(and(eq(plsFollows.id, id), eq(plsFollows.personId, personId)))
    .returning({ id: plsFollows.id });
  return rows.length > 0;
}

/** Adds one of the learner's remote posts to their portfolio, as an external entry (once). */
export async function addRemoteItemToPortfolio(deps: PollDeps, personId: number, remoteItemId: number): Promise<PortfolioEntry> {
  const [row] = await deps.db
    .select({ item: plsRemoteItems })
    .from(plsRemoteItems)
    .innerJoin(plsFollows, eq(plsFollows.id, plsRemoteItems.followId))
    .where(and(eq(plsRemoteItems.id, remoteItemId), eq(plsFollows.personId, personId)));
  if (!row) throw new NotFoundError("remoteItem", "That post does not exist (or is not yours).");
  const [existing] = await deps.db
    .select()
    .from(portfolioEntries)
    .where(and(eq(portfolioEntries.personId, personId), eq(portfolioEntries.url, row.item.url)));
  if (existing) return existing;
  return addExternalEntry(deps, personId, { url: row.item.url, title: (row.item.title || row.item.url).slice(0, 200) });
}

export interface FollowOutcome {
  followId: number;
  ok: boolean;
  notModified?: boolean;
  items?: number;
  removed?: number;
  error?: string;
}

/** Fetches one follow and brings its pointers up to date; a failure is written on the follow, never thrown. */
export async function pollFollow(deps: PollDeps, follow: PlsFollow): Promise<FollowOutcome> {
  const { db, config } = deps;
  const now = deps.now();
  try {
    const res = await safeFetch(follow.feedUrl, {
      fetch: deps.fetch,
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: Math.min(FOLLOW_MAX_BYTES, config.fetchMaxBytes),
      userAgent: userAgent(config.publicUrl),
      allowLoopback: config.allowLoopbackFetch,
      etag: follow.etag,
      lastModified: follow.lastModified,
      accept: "application/feed+json, application/json;q=0.9",
      resolveHost: deps.resolveHost,
    });
    if (res.notModified) {
      await db.update(plsFollows).set({ lastPolledAt: now, lastError: null }).where(eq(plsFollows.id, follow.id));
      return { followId: follow.id, ok: true, notModified: true, items: 0, removed: 0 };
    }
    const feed = parseJsonFeed(decodeBody(res.bytes, res.contentType), res.url);
    const byUrl = new Map<string, (typeof feed.entries)[number]>();
    for (const e of feed.entries) if (e.url && !byUrl.has(e.url)) byUrl.set(e.url, e);
    const listed = [...byUrl.values()].slice(0, LEARNER_FEED_SIZE);
    const complete = feed.entries.length < LEARNER_FEED_SIZE;
    const dates = listed.map((e) => e.published?.getTime()).filter((t): t is number => t !== undefined);
    const oldest = dates.length ? Math.min(...dates) : null;
    const names = new Set(listed.map((e) => e.url!));
    const existing = await db
      .select({ id: plsRemoteItems.id, url: plsRemoteItems.url, publishedAt: plsRemoteItems.publishedAt })
      .from(plsRemoteItems)
      .where(eq(plsRemoteItems.followId, follow.id));
    // A full list says nothing about posts older than its last entry: those stay.
    const gone = existing
      .filter((r) => !names.has(r.url))
      .filter((r) => complete || oldest === null || r.publishedAt === null || r.publishedAt.getTime() >= oldest)
      .map((r) => r.id);
    const writes: unknown[] = [
      db
        .update(plsFollows)
        .set({
          lastPolledAt: now,
          lastError: null,
          etag: res.etag,
          lastModified: res.lastModified,
          title: feed.title.slice(0, 500) || follow.title,
          ...(res.permanentUrl ? { feedUrl: res.permanentUrl } : {}),
        })
        .where(eq(plsFollows.id, follow.id)),
      ...listed.map((e) => {
        const values = { title: e.title.slice(0, 500), excerpt: e.excerpt, tags: e.tags.slice(0, 20), publishedAt: e.published };
        return db
          .insert(plsRemoteItems)
          .values({ followId: follow.id, url: e.url!, ...values })
          .onConflictDoUpdate({ target: [plsRemoteItems.followId, plsRemoteItems.url], set: values });
      }),
    ];
    for (let i = 0; i < gone.length; i += 90)
      writes.push(db.delete(plsRemoteItems).where(inArray(plsRemoteItems.id, gone.slice(i, i + 90))));
    await db.batch(writes as unknown as Parameters<typeof db.batch>[0]);
    deps.log("info", "follow.polled", { follow: follow.id, items: listed.length, removed: gone.length });
    return { followId: follow.id, ok: true, items: listed.length, removed: gone.length };
  } catch (err) {
    const message = followError(err);
    await db.update(plsFollows).set({ lastPolledAt: now, lastError: message }).where(eq(plsFollows.id, follow.id));
    deps.log("warn", "follow.failed", {
      follow: follow.id,
      error: message,
      ...(err instanceof IngestError ? { code: err.code } : { detail: String(err).slice(0, 300) }),
    });
    return { followId: follow.id, ok: false, error: message };
  }
}

/** The failure in words the learner can act on. */
function followError(err: unknown): string {
  if (err instanceof IngestError && err.code === "http_error" && (err.status === 404 || err.status === 410)) {
    return `The hub answered ${err.status}: there is no such feed (any more). Check the address on that hub's "PLS home" page.`;
  }
  if (err instanceof IngestError && err.code === "not_a_feed")
    return `${err.message} Check that you pasted the address of your posts' JSON Feed.`;
  return describeError(err);
}

export interface FollowSummary {
  polled: number;
  ok: number;
  failed: number;
}

/**
 * Polls up to `limit` follows due (never polled, or not within the poll interval). Each is
 * claimed by stamping its poll time first, so an overlapping run skips it.
 */
export async function pollFollows(deps: PollDeps, opts: { limit?: number } = {}): Promise<FollowSummary> {
  const { db } = deps;
  const now = deps.now();
  const cutoff = new Date(now.getTime() - deps.config.pollIntervalMinutes * 60_000);
  const due = or(isNull(plsFollows.lastPolledAt), lte(plsFollows.lastPolledAt, cutoff));
  const candidates = await db
    .select()
    .from(plsFollows)
    .where(due)
    .orderBy(asc(plsFollows.lastPolledAt), asc(plsFollows.id))
    .limit(opts.limit ?? 5);
  const summary: FollowSummary = { polled: 0, ok: 0, failed: 0 };
  for (const f of candidates) {
    const claimed = await db
      .update(plsFollows)
      .set({ lastPolledAt: now })
      .where(and(eq(plsFollows.id, f.id), due))
      .returning({ id: plsFollows.id });
    if (!claimed.length) continue;
    const outcome = await pollFollow(deps, f);
    summary.polled++;
    if (outcome.ok) summary.ok++;
    else summary.failed++;
  }
  return summary;
}
