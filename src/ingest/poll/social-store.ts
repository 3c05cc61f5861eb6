// Social posts → item pointers. What a toot or skeet becomes in the hub:
// - only posts that really carry a course tag, from authors the course has not
//   blocked, and never a post that was deleted or withdrawn (tombstones);
// - attributed to a learner only when the author's account is a verified
//   identity of theirs (identities.ts); everyone else is a guest;
// - a learner announcing their own blog post becomes an "also on" link of that
//   post's item instead of a second Flow entry (crossPostOf);
// - a content warning replaces the text: the excerpt is left empty, so no page
//   can show what the author chose to hide; moderation labels that mean "hide"
//   hide the item.
// Federated copies of one status share its `url`/`uri`, so the upsert on
// (course, post key) keeps one row however many instances deliver it. A post's
// links are kept as post keys, so an announcement finds the blog post it
// links to however either spells the address.

import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { chunks } from "../../core/chunks.js";
import type { Db } from "../../db/database.js";
import { blockedAuthors, identities, items, type NewItem, type Source } from "../../db/schema.js";
import { canonicalUrl, postKey } from "../canonical-url.js";
import { excerpt } from "../parse/html-text.js";
import { cleanText } from "../parse/normalise.js";
import type { SocialKind, SocialPost } from "../social/post.js";
import { canonicalTags } from "../tags.js";
import { FIRST_RECHECK_MS, itemSourceRows, retaggedStatements, tombstonedUrls } from "./store.js";
import type { Statement } from "./writes.js";

/** D1 binds at most 100 parameters per statement. */
const KEYS_PER_LOOKUP = 90;
const LINKS_KEPT = 8;

/** Keys of the authors this course has blocked, among `keys`. */
async function blockedKeys(db: Db, courseId: number, kind: SocialKind, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(keys, KEYS_PER_LOOKUP)) {
    const rows = await db
      .select({ key: blockedAuthors.authorKey })
      .from(blockedAuthors)
      .where(and(eq(blockedAuthors.courseId, courseId), eq(blockedAuthors.kind, kind), inArray(blockedAuthors.authorKey, part)));
    for (const r of rows) found.add(r.key);
  }
  return found;
}

/** Verified owners of these author keys: key → person. */
export async function verifiedOwners(db: Db, kind: SocialKind | "blog", keys: string[]): Promise<Map<string, number>> {
  const owners = new Map<string, number>();
  for (const part of chunks([...new Set(keys)], KEYS_PER_LOOKUP)) {
    const rows = await db
      .select({ key: identities.authorKey, personId: identities.personId })
      .from(identities)
      .where(and(eq(identities.kind, kind), inArray(identities.authorKey, part), isNotNull(identities.verifiedAt)))
      .orderBy(identities.verifiedAt);
    // The first to verify an account keeps it: a later claim cannot take over another learner's posts.
    for (const r of rows) if (!owners.has(r.key)) owners.set(r.key, r.personId);
  }
  return owners;
}

/** Does the post carry one of the course's tags? (The reader asked for one; this confirms it.) */
export function carriesCourseTag(post: SocialPost, courseTags: readonly string[]): boolean {
  return post.tags.some((t) => courseTags.includes(t));
}

function safeCanonical(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? canonicalUrl(url) : null;
  } catch {
    return null;
  }
}

/** Title: the content warning when there is one, else the post's first words. */
function titleOf(post: SocialPost): string {
  if (post.contentWarning) return `CW: ${cleanText(post.contentWarning).slice(0, 200)}`;
  return cleanText(excerpt(post.text, 80)) || `Post by ${post.author.handle}`;
}

export interface SocialStoreResult {
  statements: Statement[];
  /** Posts kept (tagged, not blocked, not tombstoned). */
  kept: number;
  /** The learners (verified owners) among the kept posts' authors. */
  learners: number[];
}

/**
 * Statements that store `posts` for `source`'s course, unexecuted, for the
 * caller's batch (with the source's new cursor, so both land or neither).
 */
export async function socialUpserts(
  db: Db,
  source: Pick<Source, "id" | "courseId">,
  posts: SocialPost[],
  courseTags: readonly string[],
  now: Date,
): Promise<SocialStoreResult> {
  // One row per post: the newest edit wins when a page repeats one.
  const byKey = new Map<string, { url: string; post: SocialPost }>();
  for (const p of posts) {
    if (!carriesCourseTag(p, courseTags)) continue;
    const url = safeCanonical(p.url);
    if (!url) continue;
    const key = postKey(url);
    const seen = byKey.get(key)?.post;
    if (!seen || (p.editedAt?.getTime() ?? 0) > (seen.editedAt?.getTime() ?? 0)) byKey.set(key, { url, post: p });
  }
  if (byKey.size === 0) return { statements: [], kept: 0, learners: [] };

  const kind = [...byKey.values()][0]!.post.kind;
  const keys = [...new Set([...byKey.values()].map(({ post }) => post.author.key))];
  const blocked = await blockedKeys(db, source.courseId, kind, keys);
  const gone = await tombstonedUrls(
    db,
    source.courseId,
    [...byKey].map(([key, { url }]) => ({ url, key })),
  );
  // A Bluesky account on a course roster may be known by its handle alone (resolved to a DID later).
  const handles = kind === "bluesky" ? [...byKey.values()].map(({ post }) => `handle:${post.author.handle.toLowerCase()}`) : [];
  const owners = await verifiedOwners(db, kind, [...keys, ...handles]);

  const rows: NewItem[] = [];
  for (const [key, { url, post: p }] of byKey) {
    if (blocked.has(p.author.key) || gone.gone.has(key)) continue;
    const links = [
      ...new Set(
        p.links
          .map(safeCanonical)
          .filter((l): l is string => l !== null)
          .map(postKey)
          .filter((l) => l !== key),
      ),
    ].slice(0, LINKS_KEPT);
    rows.push({
      courseId: source.courseId,
      sourceId: source.id,
      personId: owners.get(p.author.key) ?? owners.get(`handle:${p.author.handle.toLowerCase()}`) ?? null,
      kind: p.kind,
      externalId: p.externalId,
      canonicalUrl: url,
      postKey: key,
      remoteId: p.remoteId,
      title: titleOf(p),
      // A content warning hides the text: nothing behind it is stored.
      excerpt: p.contentWarning ? "" : excerpt(cleanText(p.text)),
      contentWarning: p.contentWarning ? cleanText(p.contentWarning).slice(0, 200) : null,
      sensitive: p.sensitive,
      hidden: p.hide,
      authorName: p.author.name ? cleanText(p.author.name).slice(0, 200) || null : null,
      authorKey: p.author.key,
      authorHandle: p.author.handle,
      authorUrl: p.author.url,
      authorSites: p.author.sites ?? [],
      tags: canonicalTags(p.tags, [...courseTags]),
      links,
      publishedAt: p.publishedAt,
      updatedAt: p.editedAt,
      firstSeenAt: now,
      lastSeenAt: now,
      recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS),
    });
  }

  // Posts that left untagged and carry the tag again come back.
  const retagged = rows.map((r) => r.postKey!).filter((k) => gone.untagged.has(k));
  const statements: Statement[] = retagged.length ? retaggedStatements(db, source.courseId, retagged, now) : [];
  // About 25 bound values a row: 3 rows stay under D1's 100.
  for (const part of chunks(rows, 3)) {
    statements.push(
      db
        .insert(items)
        .values(part)
        .onConflictDoUpdate({
          target: [items.courseId, items.postKey],
          set: {
            title: sql`excluded.title`,
            excerpt: sql`excluded.excerpt`,
            contentWarning: sql`excluded.content_warning`,
            sensitive: sql`excluded.sensitive`,
            // A label may hide a post; re-reading it never unhides one a curator hid.
            hidden: sql`${items.hidden} OR excluded.hidden`,
            authorName: sql`excluded.author_name`,
            authorHandle: sql`excluded.author_handle`,
            authorSites: sql`excluded.author_sites`,
            tags: sql`excluded.tags`,
            links: sql`excluded.links`,
            updatedAt: sql`excluded.updated_at`,
            lastSeenAt: sql`excluded.last_seen_at`,
            personId: sql`coalesce(excluded.person_id, ${items.personId})`,
          },
        }),
    );
  }
  statements.push(
    ...itemSourceRows(
      db,
      { courseId: source.courseId, sourceId: source.id },
      rows.map((r) => r.postKey!),
    ),
  );
  // Link learners' announcements to their own blog posts, whichever arrived first.
  const learners = [...new Set(rows.map((r) => r.personId).filter((id): id is number => id != null))];
  statements.push(...crossPostLinks(db, source.courseId, learners));
  return { statements, kept: rows.length, learners };
}

/**
 * Marks social items that announce a blog post of the course as cross-posts of it ("also on"),
 * whichever arrived first, by post key in both directions: the toot or skeet links to the post
 * (a link or its link card), or the post lists the toot as a syndicated copy (u-syndication,
 * rel="syndication"). Only when the two are one author's: a learner's own (for `personIds`, the
 * learners a write concerns), or a guest whose profile proves the blog's site is theirs (a
 * verified Mastodon profile link, a Bluesky domain handle). Set-based, so it catches both orders
 * of arrival in one statement per call.
 */
export function crossPostLinks(db: Db, courseId: number, personIds: number[]): Statement[] {
  // The blog post this social item announces, among `owned` blog posts (the same learner's, or on a site the guest proves).
  const announced = (owned: ReturnType<typeof sql>) => sql`(SELECT blog.id FROM items AS blog
      WHERE blog.course_id = ${items.courseId} AND blog.kind = 'blog' AND blog.deleted_at IS NULL AND ${owned}
        AND (blog.post_key IN (SELECT value FROM json_each(${items.links}))
          OR ${items.postKey} IN (SELECT value FROM json_each(blog.links)))
      ORDER BY blog.id LIMIT 1)`;
  const statements: Statement[] = [];
  if (personIds.length) {
    statements.push(
      db
        .update(items)
        .set({ crossPostOf: announced(sql`blog.person_id = ${items.personId}`) })
        .where(
          and(eq(items.courseId, courseId), sql`${items.kind} != 'blog'`, inArray(items.personId, personIds), isNull(items.crossPostOf)),
        ),
    );
  }
  // Guests: the blog post's site must be one the author's profile proves ("https://site" then "/", "?" or the end).
  const onProvenSite = sql`EXISTS (SELECT 1 FROM json_each(${items.authorSites}) AS site
      WHERE blog.post_key = 'https://' || site.value
         OR substr(blog.post_key, 1, length(site.value) + 9) IN ('https://' || site.value || '/', 'https://' || site.value || '?'))`;
  statements.push(
    db
      .update(items)
      .set({ crossPostOf: announced(onProvenSite) })
      .where(
        and(
          eq(items.courseId, courseId),
          sql`${items.kind} != 'blog'`,
          isNull(items.personId),
          isNull(items.crossPostOf),
          sql`${items.authorSites} != '[]'`,
        ),
      ),
  );
  return statements;
}
