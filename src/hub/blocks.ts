// Guest authors an instructor has blocked in a course. Blocking hides what they
// already posted (the Flow leaves out blocked authors' items at query time, so
// unblocking brings them back untouched) and the social store takes nothing
// new from them.
import { and, eq, sql } from "drizzle-orm";
import { FormError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { blockedAuthors, type ItemKind, items } from "../db/schema.js";

/** The guest author of a post, as a block would name them; FormError when there is none to block. */
export async function authorToBlock(db: Db, courseId: number, itemId: number) {
  const [item] = await db
    .select({ kind: items.kind, authorKey: items.authorKey, handle: items.authorHandle, name: items.authorName, personId: items.personId })
    .from(items)
    .where(and(eq(items.id, itemId), eq(items.courseId, courseId)));
  if (!item?.authorKey) throw new FormError("item", "This post has no author the hub can block.");
  // Learners are the course's own: an instructor removes or hides their posts instead.
  if (item.personId !== null) throw new FormError("item", "This post is by a learner of the hub, not a guest; hide the post instead.");
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(items)
    .where(and(eq(items.courseId, courseId), eq(items.kind, item.kind), eq(items.authorKey, item.authorKey)));
  return { kind: item.kind, authorKey: item.authorKey, label: item.handle ?? item.name ?? item.authorKey, posts: Number(row?.n ?? 0) };
}

export async function blockAuthor(db: Db, courseId: number, itemId: number, blockedBy: number): Promise<{ label: string }> {
  const { kind, authorKey, label } = await authorToBlock(db, courseId, itemId);
  await db.insert(blockedAuthors).values({ courseId, kind, authorKey, label, blockedBy }).onConflictDoNothing();
  return { label };
}

export async function unblockAuthor(db: Db, courseId: number, kind: ItemKind, authorKey: string): Promise<void> {
  await db
    .delete(blockedAuthors)
    .where(and(eq(blockedAuthors.courseId, courseId), eq(blockedAuthors.kind, kind), eq(blockedAuthors.authorKey, authorKey)));
}

export async function blockedAuthorsOf(db: Db, courseId: number) {
  return db.select().from(blockedAuthors).where(eq(blockedAuthors.courseId, courseId)).orderBy(blockedAuthors.label);
}
