// Writes normalised entries as item pointers. Every write is an idempotent
// upsert keyed on (course, canonical URL): re-running a poll, or crashing half
// way and running again, never duplicates an item, and an edited post updates
// in place. Tombstoned posts are never brought back, except a post that left
// because its author took the course tag off: tagged again, it comes back.
import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { type ItemKind, items, type NewItem, tombstones } from "../../db/schema.js";
import { canonicalUrl } from "../canonical-url.js";
import type { NormalisedEntry } from "../entry.js";
import type { Statement } from "./writes.js";

// D1 binds at most 100 parameters per statement; an item row binds 18, so 5 rows a statement.
const ROWS_PER_STATEMENT = 5;

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

/** Canonical URLs of `urls` that this course has tombstoned, by whether they may come back. */
export async function tombstonedUrls(db: Db, courseId: number, urls: string[]): Promise<Tombstoned> {
  const found: Tombstoned = { gone: new Set(), untagged: new Set() };
  for (let i = 0; i < urls.length; i += URLS_PER_LOOKUP) {
    const chunk = urls.slice(i, i + URLS_PER_LOOKUP);
    const rows = await db
      .select({ url: tombstones.canonicalUrl, reason: tombstones.reason })
      .from(tombstones)
      .where(and(eq(tombstones.courseId, courseId), inArray(tombstones.canonicalUrl, chunk)));
    for (const r of rows) (r.reason === "untagged" ? found.untagged : found.gone).add(r.url);
  }
  return found;
}

/**
 * Brings back posts that left untagged and carry a course tag again: their tombstones go and their
 * items are shown again (the upserts that follow refresh them), re-checked like new pointers.
 */
export function retaggedStatements(db: Db, courseId: number, urls: string[], now: Date): Statement[] {
  const statements: Statement[] = [];
  for (let i = 0; i < urls.length; i += URLS_PER_LOOKUP) {
    const chunk = urls.slice(i, i + URLS_PER_LOOKUP);
    statements.push(
      db
        .delete(tombstones)
        .where(and(eq(tombstones.courseId, courseId), eq(tombstones.reason, "untagged"), inArray(tombstones.canonicalUrl, chunk))),
      db
        .update(items)
        .set({ deletedAt: null, recheckMisses: 0, recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS) })
        .where(and(eq(items.courseId, courseId), inArray(items.canonicalUrl, chunk), isNotNull(items.deletedAt))),
    );
  }
  return statements;
}

/**
 * One row per canonical URL: when a feed lists a post twice (or twice with
 * different tracking parameters), the first entry, the feed's newest, describes it.
 */
export function dedupeByUrl(entries: NormalisedEntry[]): Array<NormalisedEntry & { url: string }> {
  const byUrl = new Map<string, NormalisedEntry & { url: string }>();
  for (const e of entries) {
    if (!e.url) continue;
    const url = canonicalUrl(e.url);
    if (!byUrl.has(url)) byUrl.set(url, { ...e, url });
  }
  return [...byUrl.values()];
}

/**
 * A post whose address changed (an edited slug) keeps its GUID: move the
 * existing item to the new URL instead of adding a second one. Only GUIDs that
 * are unique in this feed count; feeds that give several entries one GUID
 * are keyed by URL alone. Returns the statements, unexecuted, for the caller's batch.
 */
export async function movedPostUpdates(db: Db, target: StoreTarget, entries: Array<NormalisedEntry & { url: string }>) {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  const byGuid = new Map(entries.filter((e) => counts.get(e.id) === 1 && e.id !== e.url).map((e) => [e.id, e.url]));
  if (byGuid.size === 0) return [];
  const inFeed = new Set(entries.map((e) => e.url));
  const updates = [];
  const guids = [...byGuid.keys()];
  for (let i = 0; i < guids.length; i += URLS_PER_LOOKUP) {
    const rows = await db
      .select({ id: items.id, externalId: items.externalId, url: items.canonicalUrl })
      .from(items)
      .where(and(eq(items.sourceId, target.sourceId), inArray(items.externalId, guids.slice(i, i + URLS_PER_LOOKUP))));
    for (const row of rows) {
      const newUrl = byGuid.get(row.externalId)!;
      if (row.url === newUrl || inFeed.has(row.url)) continue;
      // Skip when an item already sits at the new URL: the upsert updates that one.
      updates.push(
        db
          .update(items)
          .set({ canonicalUrl: newUrl })
          .where(
            and(
              eq(items.id, row.id),
              sql`NOT EXISTS (SELECT 1 FROM items AS taken WHERE taken.course_id = ${target.courseId} AND taken.canonical_url = ${newUrl})`,
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
export function itemUpserts(db: Db, target: StoreTarget, entries: Array<NormalisedEntry & { url: string }>, now: Date) {
  const rows: NewItem[] = entries.map((e) => ({
    courseId: target.courseId,
    sourceId: target.sourceId,
    personId: target.personId ?? null,
    kind: target.kind,
    externalId: e.id,
    canonicalUrl: e.url,
    title: e.title,
    excerpt: e.excerpt,
    authorName: e.author,
    tags: e.tags,
    publishedAt: e.published ?? e.updated ?? now,
    publishedGuessed: !(e.published ?? e.updated),
    updatedAt: e.updated,
    firstSeenAt: now,
    lastSeenAt: now,
    // Set for new rows only: the upsert below leaves an existing row's schedule alone.
    recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS),
  }));
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(
      db
        .insert(items)
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflictDoUpdate({
          target: [items.courseId, items.canonicalUrl],
          set: {
            externalId: sql`excluded.external_id`,
            title: sql`excluded.title`,
            excerpt: sql`excluded.excerpt`,
            authorName: sql`excluded.author_name`,
            tags: sql`excluded.tags`,
            updatedAt: sql`excluded.updated_at`,
            lastSeenAt: sql`excluded.last_seen_at`,
            // A date the feed now gives replaces one we had to guess; a real one stays.
            publishedAt: sql`CASE WHEN ${items.publishedGuessed} AND NOT excluded.published_guessed THEN excluded.published_at ELSE ${items.publishedAt} END`,
            publishedGuessed: sql`${items.publishedGuessed} AND excluded.published_guessed`,
          },
        }),
    );
  }
  return statements;
}
