// Writes normalised entries as item pointers. Every write is an idempotent
// upsert keyed on (course, canonical URL): re-running a poll, or crashing half
// way and running again, never duplicates an item, and an edited post updates
// in place. Tombstoned posts are never brought back.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { items, tombstones, type ItemKind, type NewItem } from "../db/schema.js";
import type { NormalisedEntry } from "./parse.js";

// D1 binds at most 100 parameters per statement; an item row binds 16, so 6 rows a statement.
const ROWS_PER_STATEMENT = 6;
const URLS_PER_LOOKUP = 90;

export interface StoreTarget {
  courseId: number;
  sourceId: number;
  kind: ItemKind;
  personId?: number | null;
}

/** Canonical URLs of `urls` that this course has tombstoned. */
export async function tombstonedUrls(db: Db, courseId: number, urls: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < urls.length; i += URLS_PER_LOOKUP) {
    const chunk = urls.slice(i, i + URLS_PER_LOOKUP);
    const rows = await db
      .select({ url: tombstones.canonicalUrl })
      .from(tombstones)
      .where(and(eq(tombstones.courseId, courseId), inArray(tombstones.canonicalUrl, chunk)));
    for (const r of rows) found.add(r.url);
  }
  return found;
}

/** One row per URL: when a feed lists a post twice, the later entry describes it. */
export function dedupeByUrl(entries: NormalisedEntry[]): Array<NormalisedEntry & { url: string }> {
  const byUrl = new Map<string, NormalisedEntry & { url: string }>();
  for (const e of entries) if (e.url) byUrl.set(e.url, e as NormalisedEntry & { url: string });
  return [...byUrl.values()];
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
