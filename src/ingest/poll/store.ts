// Writes normalised entries as item pointers. Every write is an idempotent
// upsert keyed on (course, post key): re-running a poll, or crashing half way
// and running again, never duplicates an item, an edited post updates in place,
// and two spellings of one post's address (http and https, www., a trailing
// slash, AMP) are one item. The link shown is the first one stored. Tombstoned posts are never brought back, except a post that left
// because its author took the course tag off: tagged again, it comes back.
import { and, eq, inArray, isNotNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { type ItemKind, itemSources, items, type NewItem, tombstones } from "../../db/schema.js";
import { canonicalUrl, postKey } from "../canonical-url.js";
import type { NormalisedEntry } from "../entry.js";
import type { SqlStatement, Statement } from "./writes.js";

// D1 binds at most 100 parameters per statement; an item row binds 21, so 4 rows a statement.
const ROWS_PER_STATEMENT = 4;

/** The first check that a new post still exists at its URL (see recheck.ts). */
export const FIRST_RECHECK_MS = 6 * 60 * 60_000;
const URLS_PER_LOOKUP = 90;

export interface StoreTarget {
  courseId: number;
  sourceId: number;
  kind: ItemKind;
  personId?: number | null;
}

export interface Tombstoned {
  /** Deleted at the source, withdrawn or removed: never brought back. */
  gone: Set<string>;
  /** Left because they were untagged: brought back when they carry a course tag again. */
  untagged: Set<string>;
}

/**
 * Post keys of `posts` that this course has tombstoned, by whether they may come back. A tombstone
 * written before post keys (tombstones.post_key still null, until src/jobs/rekey.ts comes by) is
 * found by its link.
 */
export async function tombstonedUrls(db: Db, courseId: number, posts: ReadonlyArray<{ url: string; key: string }>): Promise<Tombstoned> {
  const found: Tombstoned = { gone: new Set(), untagged: new Set() };
  const wanted = new Set(posts.map((p) => p.key));
  const step = URLS_PER_LOOKUP >> 1;
  for (let i = 0; i < posts.length; i += step) {
    const chunk = posts.slice(i, i + step);
    const rows = await db
      .select({ key: tombstones.postKey, url: tombstones.canonicalUrl, reason: tombstones.reason })
      .from(tombstones)
      .where(
        and(
          eq(tombstones.courseId, courseId),
          or(
            inArray(
              tombstones.postKey,
              chunk.map((p) => p.key),
            ),
            inArray(
              tombstones.canonicalUrl,
              chunk.map((p) => p.url),
            ),
          ),
        ),
      );
    for (const r of rows) {
      const key = r.key ?? postKey(r.url);
      if (wanted.has(key)) (r.reason === "untagged" ? found.untagged : found.gone).add(key);
    }
  }
  return found;
}

/**
 * Brings back posts that left untagged and carry a course tag again: their tombstones go and their
 * items are shown again (the upserts that follow refresh them), re-checked like new pointers.
 */
export function retaggedStatements(db: Db, courseId: number, keys: string[], now: Date): Statement[] {
  const statements: Statement[] = [];
  for (let i = 0; i < keys.length; i += URLS_PER_LOOKUP) {
    const chunk = keys.slice(i, i + URLS_PER_LOOKUP);
    statements.push(
      db
        .delete(tombstones)
        .where(and(eq(tombstones.courseId, courseId), eq(tombstones.reason, "untagged"), inArray(tombstones.postKey, chunk))),
      db
        .update(items)
        .set({ deletedAt: null, recheckMisses: 0, recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS) })
        .where(and(eq(items.courseId, courseId), inArray(items.postKey, chunk), isNotNull(items.deletedAt))),
    );
  }
  return statements;
}

/** An entry with its link (tracking parameters dropped) and its post key. */
export type KeyedEntry = NormalisedEntry & { url: string; key: string };

/**
 * One row per post: when a feed lists a post twice (or twice with different
 * tracking parameters, or once as http and once as https), the first entry, the
 * feed's newest, describes it.
 */
export function dedupeByUrl(entries: NormalisedEntry[]): KeyedEntry[] {
  const byKey = new Map<string, KeyedEntry>();
  for (const e of entries) {
    if (!e.url) continue;
    const url = canonicalUrl(e.url);
    const key = postKey(url);
    if (!byKey.has(key)) byKey.set(key, { ...e, url, key });
  }
  return [...byKey.values()];
}

/**
 * A post whose address changed (an edited slug) keeps its GUID: move the
 * existing item to the new URL instead of adding a second one. Only GUIDs that
 * are unique in this feed count; feeds that give several entries one GUID
 * are keyed by URL alone. Returns the statements, unexecuted, for the caller's batch.
 */
export async function movedPostUpdates(db: Db, target: StoreTarget, entries: KeyedEntry[]) {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  const byGuid = new Map(entries.filter((e) => counts.get(e.id) === 1 && e.id !== e.url).map((e) => [e.id, e]));
  if (byGuid.size === 0) return [];
  const inFeed = new Set(entries.map((e) => e.key));
  const updates = [];
  const guids = [...byGuid.keys()];
  for (let i = 0; i < guids.length; i += URLS_PER_LOOKUP) {
    const rows = await db
      .select({ id: items.id, externalId: items.externalId, url: items.canonicalUrl, key: items.postKey })
      .from(items)
      .where(and(eq(items.sourceId, target.sourceId), inArray(items.externalId, guids.slice(i, i + URLS_PER_LOOKUP))));
    for (const row of rows) {
      const moved = byGuid.get(row.externalId)!;
      const key = row.key ?? postKey(row.url);
      if (key === moved.key || inFeed.has(key)) continue;
      // Skip when an item already has the new address: the upsert updates that one.
      updates.push(
        db
          .update(items)
          .set({ canonicalUrl: moved.url, postKey: moved.key })
          .where(
            and(
              eq(items.id, row.id),
              sql`NOT EXISTS (SELECT 1 FROM items AS taken WHERE taken.course_id = ${target.courseId} AND taken.post_key = ${moved.key})`,
            ),
          ),
      );
    }
  }
  return updates;
}

/**
 * Upsert statements for `entries` (already filtered to the course's tags and
 * stripped of tombstones). Returned unexecuted so the caller can run them in
 * one batch with the source's own bookkeeping.
 */
export function itemUpserts(db: Db, target: StoreTarget, entries: KeyedEntry[], now: Date, seenAt: Date = now) {
  const rows: NewItem[] = entries.map((e) => ({
    courseId: target.courseId,
    sourceId: target.sourceId,
    personId: target.personId ?? null,
    kind: target.kind,
    externalId: e.id,
    canonicalUrl: e.url,
    postKey: e.key,
    // Where the post says it was also published, by post key: its toots and skeets become "also on".
    links: [...new Set((e.syndication ?? []).map((l) => postKey(canonicalUrl(l))))].slice(0, 8),
    title: e.title,
    excerpt: e.excerpt,
    authorName: e.author,
    tags: e.tags,
    publishedAt: e.published ?? e.updated ?? now,
    publishedGuessed: !(e.published ?? e.updated),
    updatedAt: e.updated,
    firstSeenAt: now,
    lastSeenAt: seenAt,
    // Set for new rows only: the upsert below leaves an existing row's schedule alone.
    recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS),
  }));
  const statements: SqlStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(
      db
        .insert(items)
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflictDoUpdate({
          target: [items.courseId, items.postKey],
          set: {
            externalId: sql`excluded.external_id`,
            title: sql`excluded.title`,
            excerpt: sql`excluded.excerpt`,
            authorName: sql`excluded.author_name`,
            tags: sql`excluded.tags`,
            links: sql`excluded.links`,
            updatedAt: sql`excluded.updated_at`,
            lastSeenAt: sql`excluded.last_seen_at`,
            // A date the feed now gives replaces one we had to guess; a real one stays.
            publishedAt: sql`CASE WHEN ${items.publishedGuessed} AND NOT excluded.published_guessed THEN excluded.published_at ELSE ${items.publishedAt} END`,
            publishedGuessed: sql`${items.publishedGuessed} AND excluded.published_guessed`,
          },
        }),
    );
  }
  // The source is remembered beside any other that carries the post (item_sources).
  statements.push(
    ...itemSourceRows(
      db,
      target,
      entries.map((e) => e.key),
    ),
  );
  return statements;
}

/** Records `target`'s source as one that carries the items with these keys (after their upserts). */
export function itemSourceRows(db: Db, target: Pick<StoreTarget, "courseId" | "sourceId">, keys: string[]): SqlStatement[] {
  const statements: SqlStatement[] = [];
  for (let i = 0; i < keys.length; i += URLS_PER_LOOKUP) {
    statements.push(
      db
        .insert(itemSources)
        .select(
          db
            .select({ itemId: items.id, sourceId: sql<number>`${target.sourceId}`.as("source_id") })
            .from(items)
            .where(and(eq(items.courseId, target.courseId), inArray(items.postKey, keys.slice(i, i + URLS_PER_LOOKUP)))),
        )
        .onConflictDoNothing(),
    );
  }
  return statements;
}

/**
 * Takes one item out of its course, with the tombstone that keeps it out (or, for "untagged", lets
 * it back when it carries a course tag again): a stream's deletion, a mention whose source went.
 */
export function removalStatements(
  db: Db,
  item: Pick<typeof items.$inferSelect, "id" | "courseId" | "canonicalUrl" | "postKey" | "externalId">,
  reason: "deleted_at_source" | "untagged",
  now: Date,
) {
  return [
    db.update(items).set({ deletedAt: now, recheckAt: null }).where(eq(items.id, item.id)),
    db
      .insert(tombstones)
      .values({
        courseId: item.courseId,
        canonicalUrl: item.canonicalUrl,
        postKey: item.postKey ?? postKey(item.canonicalUrl),
        externalId: item.externalId,
        reason,
        createdAt: now,
      })
      .onConflictDoNothing(),
  ] as const;
}
