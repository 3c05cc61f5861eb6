// The Flow: a course's items, newest first, with keyset pagination so that a
// deep page costs what the first one does (no OFFSET).
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { items, type Item } from "../db/schema.js";

export const FLOW_PAGE_SIZE = 30;

/** Opaque cursor "<published ms>.<id>" of the last item on a page. */
export function encodeCursor(item: Pick<Item, "publishedAt" | "id">): string {
  return `${item.publishedAt.getTime()}.${item.id}`;
}

export function decodeCursor(raw: string | undefined): { at: Date; id: number } | null {
  const m = raw ? /^(\d{1,15})\.(\d{1,15})$/.exec(raw) : null;
  return m ? { at: new Date(Number(m[1])), id: Number(m[2]) } : null;
}

export interface FlowPage {
  items: Item[];
  next: string | null;
}

export async function flowPage(
  db: Db,
  courseId: number,
  opts: { before?: string; limit?: number } = {},
): Promise<FlowPage> {
  const limit = opts.limit ?? FLOW_PAGE_SIZE;
  const cursor = decodeCursor(opts.before);
  const visible = and(eq(items.courseId, courseId), eq(items.hidden, false), isNull(items.deletedAt));
  const where = cursor
    ? and(visible, or(lt(items.publishedAt, cursor.at), and(eq(items.publishedAt, cursor.at), lt(items.id, cursor.id))))
    : visible;
  const rows = await db
    .select()
    .from(items)
    .where(where)
    .orderBy(desc(items.publishedAt), desc(items.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { items: page, next: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null };
}
