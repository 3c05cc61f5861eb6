// The Flow: a course's items, newest first, with keyset pagination so that a
// deep page costs what the first one does (no OFFSET).
import { and, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { blockedAuthors, type Item, items } from "../db/schema.js";

export const FLOW_PAGE_SIZE = 30;

/** Opaque cursor "<published ms>.<id>" of the last item on a page. */
export function encodeCursor(item: Pick<Item, "publishedAt" | "id">): string {
  return `${item.publishedAt.getTime()}.${item.id}`;
}

export function decodeCursor(raw: string | undefined): { at: Date; id: number } | null {
  const m = raw ? /^(\d{1,15})\.(\d{1,15})$/.exec(raw) : null;
  return m ? { at: new Date(Number(m[1])), id: Number(m[2]) } : null;
}

/** A learner's toot or skeet announcing this item: shown as "also on", not as a second entry. */
export interface AlsoOn {
  kind: Item["kind"];
  url: string;
}

export interface FlowItem extends Item {
  alsoOn: AlsoOn[];
}

export interface FlowPage {
  items: FlowItem[];
  next: string | null;
}

/**
 * What any public list shows: not hidden, not deleted or withdrawn, not by an
 * author the course blocked, and not a cross-post (it shows under its blog post).
 */
export function visibleIn(courseId: number) {
  return and(
    eq(items.courseId, courseId),
    eq(items.hidden, false),
    isNull(items.deletedAt),
    isNull(items.crossPostOf),
    sql`NOT EXISTS (SELECT 1 FROM ${blockedAuthors} WHERE ${blockedAuthors.courseId} = ${items.courseId}
      AND ${blockedAuthors.kind} = ${items.kind} AND ${blockedAuthors.authorKey} = ${items.authorKey})`,
  );
}

/** The "also on Mastodon/Bluesky" links of these items. */
export async function alsoOnFor(db: Db, ids: number[]): Promise<Map<number, AlsoOn[]>> {
  const map = new Map<number, AlsoOn[]>();
  if (ids.length === 0) return map;
  const rows = await db
    .select({ of: items.crossPostOf, kind: items.kind, url: items.canonicalUrl })
    .from(items)
    .where(and(inArray(items.crossPostOf, ids), isNull(items.deletedAt), eq(items.hidden, false)));
  for (const r of rows) map.set(r.of!, [...(map.get(r.of!) ?? []), { kind: r.kind, url: r.url }]);
  return map;
}

/** Narrows a course's list: Blog is `kinds: ["blog"]`, Social is Mastodon and Bluesky, a learner page is `personId`. */
export interface ListFilter {
  kinds?: readonly Item["kind"][];
  personId?: number;
  /** A normalised tag (lower-case, no '#'). */
  tag?: string;
}

/**
 * One page of a course's visible items, newest first, keyset-paged: every
 * list page (Flow, Blog, Social, a learner, a tag) and every outbound feed
 * reads through here, so what is hidden, withdrawn or blocked is hidden everywhere.
 */
export async function listItems(
  db: Db,
  courseId: number,
  filter: ListFilter = {},
  opts: { before?: string; limit?: number } = {},
): Promise<FlowPage> {
  const limit = opts.limit ?? FLOW_PAGE_SIZE;
  const cursor = decodeCursor(opts.before);
  const where = and(
    visibleIn(courseId),
    filter.kinds?.length ? inArray(items.kind, [...filter.kinds]) : undefined,
    filter.personId !== undefined ? eq(items.personId, filter.personId) : undefined,
    filter.tag ? sql`EXISTS (SELECT 1 FROM json_each(${items.tags}) WHERE json_each.value = ${filter.tag})` : undefined,
    cursor ? or(lt(items.publishedAt, cursor.at), and(eq(items.publishedAt, cursor.at), lt(items.id, cursor.id))) : undefined,
  );
  const rows = await db
    .select()
    .from(items)
    .where(where)
    .orderBy(desc(items.publishedAt), desc(items.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const also = await alsoOnFor(
    db,
    page.map((i) => i.id),
  );
  return {
    items: page.map((i) => ({ ...i, alsoOn: also.get(i.id) ?? [] })),
    next: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** The Flow: everything visible in the course. */
export function flowPage(db: Db, courseId: number, opts: { before?: string; limit?: number } = {}): Promise<FlowPage> {
  return listItems(db, courseId, {}, opts);
}
