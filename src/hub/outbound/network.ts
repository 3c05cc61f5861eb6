// "Take your network with you": a course member downloads their classmates'
// blogs (OPML, for any feed reader, or the roster import of their next course),
// Mastodon accounts (the CSV Mastodon's "Following list" import reads) and
// Bluesky handles (a plain list, and JSON with DIDs).
//
// Accounts come from verified identities only: anyone can type any handle, so
// only an account whose profile proved it belongs to the learner (rel="me" or
// the one-time code, see src/accounts/identities.ts) is offered. Classmates are the
// course's participants (src/hub/outbound/participants.ts) other than the
// person downloading; accounts the course has blocked are left out.
import { and, asc, eq, isNotNull, ne, or, sql } from "drizzle-orm";
import { blogKey } from "../../accounts/identities.js";
import type { Db } from "../../db/database.js";
import { blockedAuthors, type IdentityKind, identities, people, sources } from "../../db/schema.js";
import { type OutlineAttrs, opmlDocument } from "../sources/opml.js";
import { participantIds } from "./participants.js";
import { cleanText, csvField, webUrlOrNull } from "./text.js";

export interface NetworkAccount {
  personId: number;
  person: string;
  kind: IdentityKind;
  /** As the learner wrote it and proved it: `@maya@mastodon.social`, `maya.bsky.social`, a blog's home page. */
  address: string;
  /** What items carry: `maya@mastodon.social`, a DID, a blog's canonical home page. */
  authorKey: string;
}

export interface NetworkBlog {
  person: string;
  title: string | null;
  htmlUrl: string;
  /** The blog's feed, when the hub reads it; else null (left out of the OPML, named on the download page). */
  xmlUrl: string | null;
}

/** Verified accounts of the course's participants other than `viewerId`, by name. */
export async function classmatesAccounts(db: Db, courseId: number, viewerId: number): Promise<NetworkAccount[]> {
  const rows = await db
    .select({
      personId: identities.personId,
      person: people.displayName,
      kind: identities.kind,
      address: identities.address,
      authorKey: identities.authorKey,
    })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .where(
      and(
        isNotNull(identities.verifiedAt),
        ne(identities.personId, viewerId),
        sql`${identities.personId} IN ${participantIds(courseId)}`,
        sql`NOT EXISTS (SELECT 1 FROM ${blockedAuthors} WHERE ${blockedAuthors.courseId} = ${courseId}
          AND ${blockedAuthors.kind} = ${identities.kind} AND ${blockedAuthors.authorKey} = ${identities.authorKey})`,
      ),
    )
    .orderBy(asc(people.displayName), asc(identities.id));
  return rows.map((r) => ({ ...r, person: cleanText(r.person) }));
}

function keyOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return blogKey(url);
  } catch {
    return null;
  }
}

/**
 * Classmates' verified blogs, each with the feed the hub reads for it: this
 * course's source for that blog first, else one another course reads, else none.
 */
export async function classmatesBlogs(db: Db, courseId: number, accounts: NetworkAccount[]): Promise<NetworkBlog[]> {
  const blogs = accounts.filter((a) => a.kind === "blog");
  // Classmates on the course's roster (named by the instructor, no account yet) have no verified
  // identity: the instructor's word is their blog.
  const rostered = await db
    .select({ person: people.displayName, url: sources.url, title: sources.title, home: sources.homePageUrl, site: sources.siteUrl })
    .from(sources)
    .innerJoin(people, eq(people.id, sources.ownerId))
    .where(
      and(
        eq(sources.courseId, courseId),
        eq(sources.kind, "feed"),
        isNotNull(people.rosterOf),
        sql`${sources.status} NOT IN ('blocked', 'gone')`,
      ),
    )
    .orderBy(asc(people.displayName), asc(sources.id));
  const fromRoster: NetworkBlog[] = rostered.flatMap((r) => {
    const xmlUrl = webUrlOrNull(r.url);
    const htmlUrl = webUrlOrNull(r.home) ?? webUrlOrNull(r.site) ?? xmlUrl;
    return htmlUrl ? [{ person: cleanText(r.person), title: r.title ? cleanText(r.title) : null, htmlUrl, xmlUrl }] : [];
  });
  if (blogs.length === 0) return fromRoster;
  const feeds = await db
    .select({ courseId: sources.courseId, url: sources.url, title: sources.title, home: sources.homePageUrl, site: sources.siteUrl })
    .from(sources)
    .where(
      and(
        eq(sources.kind, "feed"),
        sql`${sources.status} NOT IN ('blocked', 'gone')`,
        or(eq(sources.courseId, courseId), sql`${sources.ownerId} IN ${participantIds(courseId)}`),
      ),
    )
    .orderBy(asc(sources.id));
  const byKey = new Map<string, (typeof feeds)[number]>();
  for (const f of feeds) {
    for (const key of new Set([keyOf(f.home), keyOf(f.site)])) {
      if (!key) continue;
      const known = byKey.get(key);
      if (!known || (known.courseId !== courseId && f.courseId === courseId)) byKey.set(key, f);
    }
  }
  const seen = new Set<string>(fromRoster.map((b) => b.xmlUrl ?? b.htmlUrl));
  const out: NetworkBlog[] = [...fromRoster];
  for (const b of blogs) {
    const htmlUrl = webUrlOrNull(b.address);
    if (!htmlUrl) continue;
    const feed = byKey.get(b.authorKey) ?? byKey.get(keyOf(htmlUrl) ?? "");
    const xmlUrl = feed ? webUrlOrNull(feed.url) : null;
    const dedupe = xmlUrl ?? htmlUrl;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    out.push({ person: b.person, title: feed?.title ? cleanText(feed.title) : null, htmlUrl, xmlUrl });
  }
  return out;
}

/**
 * OPML 2.0 (http://opml.org/spec2.opml). Like a class roster, `text` names the
 * person, so the file imports into another course's roster with owner names.
 * Only blogs with a feed the hub reads are written: feed readers subscribe to
 * every outline, and a `type="link"` one to a home page fails in them. The
 * download page names the blogs left out (`blogsWithoutFeed`).
 */
export function networkOpml(courseTitle: string, blogs: NetworkBlog[], now: Date): string {
  const outlines = blogs.flatMap((b): OutlineAttrs[] =>
    b.xmlUrl
      ? [
          [
            ["text", b.person],
            ["title", b.title],
            ["type", "rss"],
            ["xmlUrl", b.xmlUrl],
            ["htmlUrl", b.htmlUrl],
          ],
        ]
      : [],
  );
  return opmlDocument(`${cleanText(courseTitle)}: classmates' blogs`, outlines, now);
}

/** Classmates' blogs the hub has no feed for: not in the OPML, so the download page lists them to visit. */
export function blogsWithoutFeed(blogs: NetworkBlog[]): NetworkBlog[] {
  return blogs.filter((b) => !b.xmlUrl);
}

/**
 * The header Mastodon's "Following list" import expects, in its order: the
 * header row of Mastodon's own export (Export#to_following_accounts_csv), which
 * its importer (Form::Import, EXPECTED_HEADERS_BY_TYPE[:following]) reads by name.
 */
export const MASTODON_FOLLOWING_HEADER = ["Account address", "Show boosts", "Notify on new posts", "Languages"] as const;

/** A Mastodon address as an `acct` (`user@domain`), the way Mastodon's export writes it. */
export function acctOf(address: string): string {
  return address.trim().replace(/^@/, "");
}

/**
 * The CSV for Settings → Import and export → Import → "Following list":
 * `user@domain`, boosts shown (`true`), no notification (`false`), and no
 * language filter (empty), which are Mastodon's defaults for a new follow.
 * Rows end with LF, as Mastodon's own export writes them.
 */
export function mastodonFollowingCsv(accounts: NetworkAccount[]): string {
  const seen = new Set<string>();
  const rows = [MASTODON_FOLLOWING_HEADER.join(",")];
  for (const a of accounts) {
    if (a.kind !== "mastodon") continue;
    const acct = acctOf(a.address);
    if (!acct || seen.has(acct.toLowerCase())) continue;
    seen.add(acct.toLowerCase());
    rows.push([csvField(acct), "true", "false", ""].join(","));
  }
  return `${rows.join("\n")}\n`;
}

export interface BlueskyAccount {
  name: string;
  /** The handle the learner proved, or null when they gave only a DID. */
  handle: string | null;
  did: string | null;
  profile: string;
}

export function blueskyAccounts(accounts: NetworkAccount[]): BlueskyAccount[] {
  const seen = new Set<string>();
  const out: BlueskyAccount[] = [];
  for (const a of accounts) {
    if (a.kind !== "bluesky") continue;
    const did = a.authorKey.startsWith("did:") ? a.authorKey : a.address.startsWith("did:") ? a.address : null;
    const handle = a.address.startsWith("did:") ? null : a.address.replace(/^@/, "");
    const id = did ?? handle;
    if (!id || seen.has(id)) continue;
    seen.add(id);
    out.push({ name: a.person, handle, did, profile: `https://bsky.app/profile/${encodeURIComponent(id)}` });
  }
  return out;
}

/** One handle a line (a DID when no handle is known), for tools that follow a list of accounts. */
export function blueskyList(accounts: BlueskyAccount[]): string {
  return accounts.map((a) => `${a.handle ?? a.did}\n`).join("");
}

export function blueskyJson(courseTitle: string, courseUrl: string, accounts: BlueskyAccount[]): string {
  return `${JSON.stringify({ course: { title: cleanText(courseTitle), url: courseUrl }, accounts }, null, 2)}\n`;
}
