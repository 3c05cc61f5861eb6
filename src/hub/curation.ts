// What a course's instructors and TAs do to what the hub read: hide a post (and
// show it again), and pause, resume or block a source.
//
// Hiding uses items.hidden, which Bluesky's moderation labels also set: showing
// a post again simply clears it, and a Bluesky post still labelled "hide" is
// hidden again the next time the hub reads it.
import { and, desc, eq, isNull, lt, ne, or } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { items, type Source, sources } from "../db/schema.js";
import { alsoOnFor, decodeCursor, encodeCursor, FLOW_PAGE_SIZE, type FlowPage } from "./flow.js";

/** Hides or shows one of the course's posts. False when it is not in this course (or was withdrawn). */
export async function setItemHidden(db: Db, courseId: number, itemId: number, hidden: boolean): Promise<{ title: string } | null> {
  const rows = await db
    .update(items)
    .set({ hidden })
    .where(and(eq(items.id, itemId), eq(items.courseId, courseId), isNull(items.deletedAt)))
    .returning({ title: items.title });
  return rows[0] ?? null;
}

/** The course's hidden posts, newest first, keyset-paged like the Flow: what a manager may show again. */
export async function hiddenItems(db: Db, courseId: number, opts: { before?: string; limit?: number } = {}): Promise<FlowPage> {
  const limit = opts.limit ?? FLOW_PAGE_SIZE;
  const cursor = decodeCursor(opts.before);
  const rows = await db
    .select()
    .from(items)
    .where(
      and(
        eq(items.courseId, courseId),
        eq(items.hidden, true),
        isNull(items.deletedAt),
        cursor ? or(lt(items.publishedAt, cursor.at), and(eq(items.publishedAt, cursor.at), lt(items.id, cursor.id))) : undefined,
      ),
    )
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

export type SourceAction = "pause" | "resume" | "block";

const NEXT_STATUS: Record<SourceAction, Source["status"]> = { pause: "paused", resume: "active", block: "blocked" };

/**
 * Pauses, resumes or blocks a source. Paused and blocked sources are not polled
 * (claimDueSources takes only active ones); a resumed source is due at once.
 * Blocking also hides the posts the source brought in, and unblocking shows
 * them again, all of them, even one hidden on its own before the block (the
 * hub keeps no record of why a post is hidden). Bluesky posts are the
 * exception: a moderation label may have hidden them, so they stay hidden
 * until a curator shows them again. Null when the source is not in this course.
 */
export async function setSourceStatus(db: Db, courseId: number, sourceId: number, action: SourceAction, now: Date): Promise<Source | null> {
  const [source] = await db
    .select()
    .from(sources)
    .where(and(eq(sources.id, sourceId), eq(sources.courseId, courseId)));
  if (!source) return null;
  const status = NEXT_STATUS[action];
  const mine = and(eq(items.sourceId, source.id), eq(items.courseId, courseId), isNull(items.deletedAt));
  const [updated] = await db.batch([
    db
      .update(sources)
      .set({ status, ...(action === "resume" ? { nextPollAt: now } : {}) })
      .where(eq(sources.id, source.id))
      .returning(),
    ...(action === "block"
      ? [db.update(items).set({ hidden: true }).where(mine)]
      : action === "resume" && source.status === "blocked"
        ? [
            db
              .update(items)
              .set({ hidden: false })
              .where(and(mine, ne(items.kind, "bluesky"))),
          ]
        : []),
  ]);
  return updated[0] ?? null;
}
