// Checking a Webmention (W3C Webmention §3.2.2), after the 202: the source is fetched through the
// guarded fetcher (no private addresses, none by redirect either, bodies capped), must link to the
// target, and is read as an h-entry (parse/h-entry.ts). Then:
// - a source on one of the course's blogs has that blog's feed polled now: the feed, not the mention,
//   says what the post is;
// - any other post joins the course as a guest's (or a verified learner's) item when it carries the
//   course tag, or when the course lets a mention alone be enough;
// - a mention whose source is now gone (404/410) or no longer links, or lost its tag, removes the
//   item it brought, as the poll's own removals do (a tombstone).
// Passing failures (timeouts, 5xx) are tried again, three times in all; the rest are final, and the
// reason is on the mention's status page in plain words.
import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import {
  blockedAuthors,
  courses,
  courseTags,
  identities,
  items,
  memberships,
  sources,
  type Webmention,
  webmentions,
} from "../../db/schema.js";
import { canonicalUrl, postKey } from "../canonical-url.js";
import type { PollDeps } from "../deps.js";
import { describeError, IngestError } from "../errors.js";
import { decodeBody } from "../fetch/decode.js";
import { safeFetch } from "../fetch/fetch.js";
import { userAgent } from "../fetch/user-agent.js";
import { type PostPage, readPostPage } from "../parse/h-entry.js";
import { FIRST_RECHECK_MS, removalStatements, retaggedStatements, tombstonedUrls } from "../poll/store.js";
import { canonicalTags, matchCourseTags } from "../tags.js";
import { makeDue, pollNow } from "./poll-now.js";

/** A queue message (Workers' POLL_QUEUE): check this mention in its own invocation. */
export interface MentionMessage {
  v: 1;
  mention: number;
}

export function isMentionMessage(body: unknown): body is MentionMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Record<string, unknown>;
  return m.v === 1 && Number.isSafeInteger(m.mention) && (m.mention as number) > 0;
}

const CLAIM_MS = 5 * 60_000;
const MAX_ATTEMPTS = 3;
const PAGE_BYTES = 1024 * 1024;

type Outcome = Pick<Webmention, "state" | "reason"> & { itemId?: number | null; retry?: boolean };

/** Claims pending mentions whose time has come (a claim expires, so a crash only delays one). */
async function claim(deps: PollDeps, where: ReturnType<typeof and>, limit: number): Promise<Webmention[]> {
  const now = deps.now();
  const due = deps.db
    .select({ id: webmentions.id })
    .from(webmentions)
    .where(and(eq(webmentions.state, "pending"), or(isNull(webmentions.leaseUntil), lte(webmentions.leaseUntil, now)), where))
    .orderBy(webmentions.receivedAt)
    .limit(limit);
  return deps.db
    .update(webmentions)
    .set({ leaseUntil: new Date(now.getTime() + CLAIM_MS), attempts: sql`${webmentions.attempts} + 1` })
    .where(and(inArray(webmentions.id, due), or(isNull(webmentions.leaseUntil), lte(webmentions.leaseUntil, now))))
    .returning();
}

/** Checks pending mentions: the one just received (by id), or, from the scheduled run, any left waiting. */
export async function checkPendingMentions(deps: PollDeps, opts: { id?: number; limit?: number } = {}): Promise<number> {
  const claimed = await claim(deps, opts.id === undefined ? undefined : eq(webmentions.id, opts.id), opts.limit ?? 5);
  for (const mention of claimed) {
    let outcome: Outcome;
    try {
      outcome = await check(deps, mention);
    } catch (err) {
      outcome = { state: "pending", reason: `The check failed: ${describeError(err)}`, retry: true };
    }
    const retry = outcome.retry && mention.attempts < MAX_ATTEMPTS;
    const now = deps.now();
    await deps.db
      .update(webmentions)
      .set({
        state: retry ? "pending" : outcome.state === "pending" ? "rejected" : outcome.state,
        reason: outcome.reason,
        checkedAt: now,
        // A passing failure is tried again later: 1, then 4 minutes on.
        leaseUntil: retry ? new Date(now.getTime() + mention.attempts ** 2 * 60_000) : null,
        ...(outcome.itemId !== undefined ? { itemId: outcome.itemId } : {}),
      })
      .where(eq(webmentions.id, mention.id));
    deps.log(outcome.state === "accepted" || outcome.state === "polled" ? "info" : "warn", "webmention.checked", {
      mention: mention.id,
      state: retry ? "retry" : outcome.state,
      reason: outcome.reason,
    });
  }
  return claimed.length;
}

async function fetchSource(
  deps: PollDeps,
  url: string,
): Promise<{ page: PostPage } | { gone: string } | { error: string; retry: boolean }> {
  try {
    const res = await safeFetch(url, {
      fetch: deps.fetch,
      timeoutMs: Math.min(deps.config.fetchTimeoutMs, 15_000),
      maxBytes: PAGE_BYTES,
      userAgent: userAgent(deps.config.publicUrl),
      allowLoopback: deps.config.allowLoopbackFetch,
      resolveHost: deps.resolveHost,
      accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    });
    const type = (res.contentType ?? "text/html").toLowerCase();
    if (!/html|xml|text\/plain/.test(type)) return { error: `The source is ${type.split(";")[0]}, not a web page.`, retry: false };
    return { page: readPostPage(decodeBody(res.bytes, res.contentType), res.url) };
  } catch (err) {
    if (err instanceof IngestError && (err.status === 404 || err.status === 410)) return { gone: `The source answered ${err.status}.` };
    const passing = err instanceof IngestError && (err.code === "timeout" || err.code === "network" || (err.status ?? 0) >= 500);
    return { error: describeError(err), retry: passing };
  }
}

async function check(deps: PollDeps, mention: Webmention): Promise<Outcome> {
  const fetched = await fetchSource(deps, mention.source);
  if ("gone" in fetched) return removeItem(deps, mention, "deleted_at_source", `${fetched.gone} Its post is no longer in the course.`);
  if ("error" in fetched) return { state: "rejected", reason: fetched.error, retry: fetched.retry };
  const { page } = fetched;
  if (!page.links.has(mention.target)) return removeItem(deps, mention, "untagged", `The source does not link to ${mention.target}.`);

  // A post on one of the course's blogs: its feed is read now, through the poll and its rules.
  const blog = await courseBlogOf(deps, mention.courseId, mention.source);
  if (blog) {
    const due = await makeDue(deps, [blog]);
    await pollNow(deps, due, "webmention");
    return { state: "polled", reason: "The source is on one of the course's blogs: its feed was read." };
  }

  const [course] = await deps.db.select().from(courses).where(eq(courses.id, mention.courseId));
  if (!course) return { state: "rejected", reason: "The course is gone." };
  const tags = (await deps.db.select({ tag: courseTags.tag }).from(courseTags).where(eq(courseTags.courseId, course.id))).map((t) => t.tag);
  const match = matchCourseTags(page.entry, tags);
  if (!match.matched && !course.mentionsJoin)
    return removeItem(deps, mention, "untagged", `The post links to the course but carries ${match.reason}.`);
  return storeItem(deps, mention, page, tags);
}

/** The course's blog (an active feed source) the address is on: same site, under its home page. */
async function courseBlogOf(deps: PollDeps, courseId: number, address: string): Promise<number | null> {
  const key = postKey(canonicalUrl(address));
  const rows = await deps.db
    .select({ id: sources.id, url: sources.url, site: sources.siteUrl, home: sources.homePageUrl })
    .from(sources)
    .where(and(eq(sources.courseId, courseId), eq(sources.kind, "feed"), eq(sources.status, "active")));
  for (const r of rows) {
    for (const home of [r.home, r.site]) {
      if (!home) continue;
      const base = postKey(canonicalUrl(home)).replace(/\/+$/, "");
      if (key === base || key.startsWith(`${base}/`)) return r.id;
    }
  }
  return null;
}

/** Who wrote the post: a course member whose verified blog it is on, else a guest. */
async function learnerFor(deps: PollDeps, courseId: number, key: string): Promise<number | null> {
  const rows = await deps.db
    .select({ person: identities.personId, blog: identities.authorKey })
    .from(identities)
    .innerJoin(memberships, and(eq(memberships.personId, identities.personId), eq(memberships.courseId, courseId)))
    .where(and(eq(identities.kind, "blog"), sql`${identities.verifiedAt} IS NOT NULL`));
  for (const r of rows) {
    const base = postKey(r.blog).replace(/\/+$/, "");
    if (key === base || key.startsWith(`${base}/`)) return r.person;
  }
  return null;
}

async function storeItem(deps: PollDeps, mention: Webmention, page: PostPage, tags: string[]): Promise<Outcome> {
  const { db } = deps;
  const now = deps.now();
  const url = canonicalUrl(mention.source);
  const key = postKey(url);
  const tombstoned = await tombstonedUrls(db, mention.courseId, [{ url, key }]);
  if (tombstoned.gone.has(key)) return { state: "rejected", reason: "This post was removed from the course, and stays out.", itemId: null };
  // A guest's blog is known by its site (or the author's home page, when the h-card names one).
  const authorKey = page.authorUrl ? canonicalUrl(page.authorUrl).replace(/\/+$/, "") : new URL(url).host;
  const [blocked] = await db
    .select({ key: blockedAuthors.authorKey })
    .from(blockedAuthors)
    .where(
      and(
        eq(blockedAuthors.courseId, mention.courseId),
        eq(blockedAuthors.kind, "blog"),
        or(eq(blockedAuthors.authorKey, authorKey), eq(blockedAuthors.authorKey, new URL(url).host)),
      ),
    );
  if (blocked) return { state: "rejected", reason: "The course does not take posts from this author.", itemId: null };
  const personId = await learnerFor(deps, mention.courseId, key);
  const e = page.entry;
  const fields = {
    title: e.title,
    excerpt: e.excerpt,
    authorName: e.author,
    authorUrl: page.authorUrl,
    authorKey,
    tags: canonicalTags(e.tags, tags),
    updatedAt: e.updated,
    lastSeenAt: now,
  };
  const [existing] = await db
    .select({ id: items.id, sourceId: items.sourceId })
    .from(items)
    .where(and(eq(items.courseId, mention.courseId), eq(items.postKey, key)));
  const write = existing
    ? // A post a feed brought is the feed's to describe; a mention's own item takes the edit.
      db
        .update(items)
        .set(existing.sourceId === null ? fields : { lastSeenAt: now })
        .where(eq(items.id, existing.id))
    : db
        .insert(items)
        .values({
          ...fields,
          courseId: mention.courseId,
          sourceId: null,
          personId,
          kind: "blog",
          externalId: url,
          canonicalUrl: url,
          postKey: key,
          publishedAt: e.published ?? e.updated ?? now,
          publishedGuessed: !(e.published ?? e.updated),
          firstSeenAt: now,
          recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS),
        })
        .onConflictDoNothing();
  // A post this mention took out for a lost tag or link comes back when it carries them again.
  // Only a post the mentions brought: a feed's own post stays the feed's to bring back.
  const revive = tombstoned.untagged.has(key) && (!existing || existing.sourceId === null);
  await db.batch([write, ...(revive ? retaggedStatements(db, mention.courseId, [key], now) : [])]);
  const [row] = await db
    .select({ id: items.id })
    .from(items)
    .where(and(eq(items.courseId, mention.courseId), eq(items.postKey, key)));
  return {
    state: "accepted",
    reason: existing ? "The post is in the course; it was read again." : "The post is in the course.",
    itemId: row?.id ?? null,
  };
}

/** Takes out the item this mention brought (never one a feed brought), with a tombstone as the poll's removals leave. */
async function removeItem(deps: PollDeps, mention: Webmention, reason: "deleted_at_source" | "untagged", why: string): Promise<Outcome> {
  const { db } = deps;
  const now = deps.now();
  const [item] = mention.itemId
    ? await db
        .select()
        .from(items)
        .where(and(eq(items.id, mention.itemId), isNull(items.sourceId), isNull(items.deletedAt)))
    : [];
  if (!item) return { state: "rejected", reason: why };
  // The same post may still mention another page of the course, validly: then it stays.
  const [other] = await db
    .select({ id: webmentions.id })
    .from(webmentions)
    .where(and(eq(webmentions.itemId, item.id), eq(webmentions.state, "accepted"), sql`${webmentions.id} <> ${mention.id}`))
    .limit(1);
  if (other) return { state: "rejected", reason: `${why} It stays in the course through its other mention.`, itemId: null };
  await db.batch(removalStatements(db, item, reason, now));
  return { state: "removed", reason: why };
}
