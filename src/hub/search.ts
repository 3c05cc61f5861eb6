// Search within a course: the FTS5 index `items_fts` (migrations/0005_search.sql, with tags since
// 0018; external content over items, so `items_fts.rowid = items.id`), ranked by bm25,
// through the same visibility rules as every list (visibleIn).
//
// What a person types is never FTS5 query syntax: it is cut into words and each
// word becomes an FTS5 string ("…", inner quotes doubled), so `"a" OR title:*`
// or `NEAR(` are searched for as the words they contain, never run as operators
// or column filters (https://sqlite.org/fts5.html#full_text_query_syntax).
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/database.js";
import { items } from "../db/schema.js";
import { alsoOnFor, type FlowItem, visibleIn } from "./flow.js";

/** The FTS5 table as drizzle sees it, for joins only (created by a migration, not by drizzle-kit). */
const itemsFts = sqliteTable("items_fts", {
  rowid: integer("rowid").notNull(),
  title: text("title"),
});

export const SEARCH_PAGE_SIZE = 20;
/** Deep pages of a relevance ranking are rarely wanted, and each costs more than the last. */
export const SEARCH_MAX_PAGES = 10;
const MAX_WORDS = 12;
const MAX_QUERY_CHARS = 200;

/** The words of a query: runs of letters and digits (what the unicode61 tokenizer indexes). */
export function searchWords(raw: string): string[] {
  const words =
    raw
      .slice(0, MAX_QUERY_CHARS)
      .normalize("NFC")
      .match(/[\p{L}\p{N}]+(?:['’_][\p{L}\p{N}]+)*/gu) ?? [];
  return [...new Set(words.map((w) => w.toLowerCase()))].slice(0, MAX_WORDS);
}

/**
 * A safe FTS5 expression for what a person typed: every word an FTS5 string,
 * all of them required (implicit AND); the last word, if three letters or
 * more, also matches as a prefix ("open network" finds "networks"). Null when nothing searchable is left.
 */
export function ftsQuery(raw: string): string | null {
  const words = searchWords(raw);
  if (words.length === 0) return null;
  // Only the last word is a prefix (it may be half typed): a prefix on a common word reads
  // every term it starts, and doubled the cost of a search in bench/pages.ts.
  return words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 && [...w].length >= 3 ? "*" : ""}`).join(" ");
}

export interface SearchPage {
  items: FlowItem[];
  /** The next page number, or null on the last page. */
  next: number | null;
  words: string[];
}

/**
 * One page of the course's visible items matching `q`, best first (bm25: a
 * word in the title weighs more than in the excerpt or the author's name),
 * newer first among equals.
 */
export async function searchItems(db: Db, courseId: number, q: string, opts: { page?: number; limit?: number } = {}): Promise<SearchPage> {
  const words = searchWords(q);
  const match = ftsQuery(q);
  if (!match) return { items: [], next: null, words };
  const limit = opts.limit ?? SEARCH_PAGE_SIZE;
  const page = Math.min(Math.max(1, Math.floor(opts.page ?? 1)), SEARCH_MAX_PAGES);
  // Column weights follow the index's column order: title, excerpt, author_name, author_handle, tags.
  const rank = sql`bm25(items_fts, 8.0, 3.0, 2.0, 2.0, 4.0)`;
  const rows = await db
    .select({ item: items })
    .from(itemsFts)
    .innerJoin(items, eq(items.id, itemsFts.rowid))
    .where(and(sql`items_fts MATCH ${match}`, visibleIn(courseId)))
    .orderBy(asc(rank), desc(items.publishedAt), desc(items.id))
    .limit(limit + 1)
    .offset((page - 1) * limit);
  const found = rows.slice(0, limit).map((r) => r.item);
  const also = await alsoOnFor(
    db,
    found.map((i) => i.id),
  );
  return {
    items: found.map((i) => ({ ...i, alsoOn: also.get(i.id) ?? [] })),
    next: rows.length > limit && page < SEARCH_MAX_PAGES ? page + 1 : null,
    words,
  };
}
