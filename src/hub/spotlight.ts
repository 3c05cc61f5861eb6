// A course's Spotlight: posts its instructors and TAs chose, each with a note
// saying why, in an order they set. Positions are dense (0, 1, 2 …): every
// change renumbers the course's entries in the same batch, so two people
// reordering at once can swap places but never leave a gap or a tie.
//
// A new cohort starts from the previous cohort's Spotlight: copying it brings
// the chosen posts into the new course as its own pointers (same canonical
// URLs, with the notes), so the course's commons carries forward.
import { and, asc, count, desc, eq, gt, inArray, isNull, lt, ne, or, sql } from "drizzle-orm";
import { FormError } from "../core/errors.js";
import { optionalText } from "../core/form-text.js";
import type { Db } from "../db/database.js";
import { courses, items, type NewItem, people, spotlightEntries } from "../db/schema.js";
import { postKey } from "../ingest/canonical-url.js";
import { FIRST_RECHECK_MS, tombstonedUrls } from "../ingest/poll/store.js";
import { alsoOnFor, type FlowItem, visibleIn } from "./flow.js";

export const SPOTLIGHT_PAGE_SIZE = 30;
export const MAX_NOTE_CHARS = 1000;

export type SpotlightEntry = FlowItem & {
  note: string;
  curatorName: string | null;
  spotlightedAt: Date;
  position: number;
  entryId: number;
};

export interface SpotlightPage {
  entries: SpotlightEntry[];
  next: string | null;
}

/** Opaque cursor "<position>.<entry id>" of the last entry on a page. */
function decodeSpotlightCursor(raw: string | undefined): { position: number; id: number } | null {
  const m = raw ? /^(\d{1,9})\.(\d{1,15})$/.exec(raw) : null;
  return m ? { position: Number(m[1]), id: Number(m[2]) } : null;
}

/**
 * One page of the course's Spotlight, in the curators' order (position, then
 * newest entry first), keyset-paged. Only entries whose post the course still
 * shows: a hidden, withdrawn or blocked post leaves the Spotlight with it.
 */
export async function spotlightPage(db: Db, courseId: number, opts: { before?: string; limit?: number } = {}): Promise<SpotlightPage> {
  const limit = opts.limit ?? SPOTLIGHT_PAGE_SIZE;
  const cursor = decodeSpotlightCursor(opts.before);
  const rows = await db
    .select({ item: items, entry: spotlightEntries, curatorName: people.displayName })
    .from(spotlightEntries)
    .innerJoin(items, eq(items.id, spotlightEntries.itemId))
    .leftJoin(people, eq(people.id, spotlightEntries.curatorId))
    .where(
      and(
        eq(spotlightEntries.courseId, courseId),
        visibleIn(courseId),
        cursor
          ? or(
              gt(spotlightEntries.position, cursor.position),
              and(eq(spotlightEntries.position, cursor.position), lt(spotlightEntries.id, cursor.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(spotlightEntries.position), desc(spotlightEntries.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const also = await alsoOnFor(
    db,
    page.map((r) => r.item.id),
  );
  const last = page[page.length - 1];
  return {
    entries: page.map((r) => ({
      ...r.item,
      alsoOn: also.get(r.item.id) ?? [],
      note: r.entry.note,
      curatorName: r.curatorName,
      spotlightedAt: r.entry.createdAt,
      position: r.entry.position,
      entryId: r.entry.id,
    })),
    next: rows.length > limit && last ? `${last.entry.position}.${last.entry.id}` : null,
  };
}

/** Which of these items are in the course's Spotlight (item id → entry id). */
export async function spotlitItems(db: Db, courseId: number, itemIds: number[]): Promise<Record<number, number>> {
  if (itemIds.length === 0) return {};
  const rows = await db
    .select({ itemId: spotlightEntries.itemId, id: spotlightEntries.id })
    .from(spotlightEntries)
    .where(and(eq(spotlightEntries.courseId, courseId), inArray(spotlightEntries.itemId, itemIds)));
  return Object.fromEntries(rows.map((r) => [r.itemId, r.id]));
}

/** The curator's note, as typed; optional. */
export function readNote(form: Record<string, unknown>): string {
  const note = optionalText(form, "note", MAX_NOTE_CHARS + 1);
  if (note.length > MAX_NOTE_CHARS) throw new FormError("note", `Keep the note to ${MAX_NOTE_CHARS} characters or fewer.`);
  return note;
}

/**
 * Rewrites the course's positions as 0, 1, 2 … in their current order. An
 * update builder, not raw SQL, so that it can run inside a D1 batch.
 */
function renumber(db: Db, courseId: number) {
  return db
    .update(spotlightEntries)
    .set({
      position: sql`(SELECT r.rn FROM (
          SELECT id, row_number() OVER (ORDER BY position, id DESC) - 1 AS rn FROM ${spotlightEntries} WHERE course_id = ${courseId}
        ) AS r WHERE r.id = ${spotlightEntries.id})`,
    })
    .where(eq(spotlightEntries.courseId, courseId));
}

/**
 * Puts a post the course shows at the top of its Spotlight with a note. A post
 * already there keeps its place and gets the new note.
 */
export async function addToSpotlight(
  db: Db,
  courseId: number,
  input: { itemId: number; note: string; curatorId: number },
): Promise<{ added: boolean; title: string }> {
  const [item] = await db
    .select({ id: items.id, title: items.title })
    .from(items)
    .where(and(eq(items.id, input.itemId), visibleIn(courseId)));
  if (!item)
    throw new FormError(
      "item",
      "That post is not shown in this course (it may have been hidden or withdrawn), so it cannot go in the Spotlight.",
    );
  const [existing] = await db
    .select({ id: spotlightEntries.id })
    .from(spotlightEntries)
    .where(and(eq(spotlightEntries.courseId, courseId), eq(spotlightEntries.itemId, item.id)));
  if (existing) {
    if (input.note) await db.update(spotlightEntries).set({ note: input.note }).where(eq(spotlightEntries.id, existing.id));
    return { added: false, title: item.title };
  }
  await db.batch([
    db
      .update(spotlightEntries)
      .set({ position: sql`${spotlightEntries.position} + 1` })
      .where(eq(spotlightEntries.courseId, courseId)),
    // Two curators adding the same post at once: the unique index keeps one, the renumbering closes the gap.
    db
      .insert(spotlightEntries)
      .values({ courseId, itemId: item.id, curatorId: input.curatorId, note: input.note, position: 0 })
      .onConflictDoNothing(),
    renumber(db, courseId),
  ]);
  return { added: true, title: item.title };
}

/** Changes an entry's note. False when the entry is not in this course. */
export async function editNote(db: Db, courseId: number, entryId: number, note: string): Promise<boolean> {
  const rows = await db
    .update(spotlightEntries)
    .set({ note })
    .where(and(eq(spotlightEntries.id, entryId), eq(spotlightEntries.courseId, courseId)))
    .returning({ id: spotlightEntries.id });
  return rows.length > 0;
}

/** Takes an entry out of the Spotlight (the post stays in the course). False when it is not in this course. */
export async function removeEntry(db: Db, courseId: number, entryId: number): Promise<boolean> {
  const [found] = await db
    .select({ id: spotlightEntries.id })
    .from(spotlightEntries)
    .where(and(eq(spotlightEntries.id, entryId), eq(spotlightEntries.courseId, courseId)));
  if (!found) return false;
  await db.batch([db.delete(spotlightEntries).where(eq(spotlightEntries.id, entryId)), renumber(db, courseId)]);
  return true;
}

/**
 * Moves an entry one place up or down among the entries the Spotlight shows
 * (hidden posts keep their places but are stepped over). Null when the entry
 * is not in this course; false when it is already first or last.
 */
export async function moveEntry(db: Db, courseId: number, entryId: number, direction: "up" | "down"): Promise<boolean | null> {
  const [entry] = await db
    .select({ id: spotlightEntries.id, position: spotlightEntries.position })
    .from(spotlightEntries)
    .where(and(eq(spotlightEntries.id, entryId), eq(spotlightEntries.courseId, courseId)));
  if (!entry) return null;
  const up = direction === "up";
  const [neighbour] = await db
    .select({ id: spotlightEntries.id, position: spotlightEntries.position })
    .from(spotlightEntries)
    .innerJoin(items, eq(items.id, spotlightEntries.itemId))
    .where(
      and(
        eq(spotlightEntries.courseId, courseId),
        visibleIn(courseId),
        up
          ? or(
              lt(spotlightEntries.position, entry.position),
              and(eq(spotlightEntries.position, entry.position), gt(spotlightEntries.id, entry.id)),
            )
          : or(
              gt(spotlightEntries.position, entry.position),
              and(eq(spotlightEntries.position, entry.position), lt(spotlightEntries.id, entry.id)),
            ),
      ),
    )
    .orderBy(
      up ? desc(spotlightEntries.position) : asc(spotlightEntries.position),
      up ? asc(spotlightEntries.id) : desc(spotlightEntries.id),
    )
    .limit(1);
  if (!neighbour) return false;
  await db.batch([
    db.update(spotlightEntries).set({ position: neighbour.position }).where(eq(spotlightEntries.id, entry.id)),
    db.update(spotlightEntries).set({ position: entry.position }).where(eq(spotlightEntries.id, neighbour.id)),
    renumber(db, courseId),
  ]);
  return true;
}

export interface CopyReport {
  /** Entries added to this course's Spotlight. */
  copied: number;
  /** Already in this course's Spotlight. */
  already: number;
  /** Withdrawn from or deleted in this course before: a tombstone says not to bring them back. */
  refused: number;
}

/**
 * Copies the Spotlight of `fromCourseId` into `toCourseId`, after the entries
 * it already has, in the same order: each post becomes an item of this course
 * pointing at the same canonical URL (or reuses the one it already has), with
 * the note and its curator. Only what the old course still shows is copied.
 */
export async function copySpotlight(
  db: Db,
  { fromCourseId, toCourseId, now }: { fromCourseId: number; toCourseId: number; now: Date },
): Promise<CopyReport> {
  if (fromCourseId === toCourseId) throw new FormError("fromCourse", "Choose another course: this is the course you are in.");
  const chosen = await db
    .select({ item: items, entry: spotlightEntries })
    .from(spotlightEntries)
    .innerJoin(items, eq(items.id, spotlightEntries.itemId))
    .where(and(eq(spotlightEntries.courseId, fromCourseId), visibleIn(fromCourseId)))
    .orderBy(asc(spotlightEntries.position), desc(spotlightEntries.id));
  if (chosen.length === 0) throw new FormError("fromCourse", "That course's Spotlight is empty: there is nothing to copy.");

  const keyOf = (i: { postKey: string | null; canonicalUrl: string }) => i.postKey ?? postKey(i.canonicalUrl);
  const [gone, here, last] = await Promise.all([
    tombstonedUrls(
      db,
      toCourseId,
      chosen.map(({ item }) => ({ url: item.canonicalUrl, key: keyOf(item) })),
    ),
    db
      .select({ url: items.canonicalUrl, key: items.postKey })
      .from(spotlightEntries)
      .innerJoin(items, eq(items.id, spotlightEntries.itemId))
      .where(eq(spotlightEntries.courseId, toCourseId)),
    db
      .select({ max: sql<number | null>`max(${spotlightEntries.position})` })
      .from(spotlightEntries)
      .where(eq(spotlightEntries.courseId, toCourseId)),
  ]);
  // Withdrawn, deleted or untagged here: not brought back by a copy.
  const refusedKeys = new Set([...gone.gone, ...gone.untagged]);
  const alreadyKeys = new Set(here.map((h) => h.key ?? postKey(h.url)));
  const report: CopyReport = { copied: 0, already: 0, refused: 0 };
  let position = (last[0]?.max ?? -1) + 1;
  const writes = [];
  for (const { item, entry } of chosen) {
    const key = keyOf(item);
    if (refusedKeys.has(key)) {
      report.refused++;
      continue;
    }
    if (alreadyKeys.has(key)) {
      report.already++;
      continue;
    }
    const copy: NewItem = {
      courseId: toCourseId,
      sourceId: null,
      personId: item.personId,
      kind: item.kind,
      externalId: item.externalId,
      canonicalUrl: item.canonicalUrl,
      postKey: key,
      title: item.title,
      excerpt: item.excerpt,
      authorName: item.authorName,
      tags: item.tags,
      publishedAt: item.publishedAt,
      publishedGuessed: item.publishedGuessed,
      updatedAt: item.updatedAt,
      firstSeenAt: now,
      lastSeenAt: now,
      // Re-checked like any new pointer, for as long as it is shown: a blog post at its own URL, a
      // social post through its server (src/ingest/poll/recheck.ts), though this copy has no source.
      recheckAt: new Date(now.getTime() + FIRST_RECHECK_MS),
      remoteId: item.remoteId,
      authorKey: item.authorKey,
      authorHandle: item.authorHandle,
      authorUrl: item.authorUrl,
      contentWarning: item.contentWarning,
      sensitive: item.sensitive,
      links: item.links,
    };
    // The course may already have this post (its learner's feed brought it): that row is reused.
    const itemId = sql<number>`(SELECT id FROM ${items} WHERE course_id = ${toCourseId} AND post_key = ${key})`;
    writes.push(
      db.insert(items).values(copy).onConflictDoNothing(),
      db
        .insert(spotlightEntries)
        .values({ courseId: toCourseId, itemId, curatorId: entry.curatorId, note: entry.note, position: position++, createdAt: now })
        .onConflictDoNothing(),
    );
    report.copied++;
  }
  // Batches of 50 entries (two statements each) keep each D1 batch small; positions are renumbered at the end.
  for (let i = 0; i < writes.length; i += 100) {
    const part = writes.slice(i, i + 100);
    await db.batch(part as [(typeof part)[number], ...typeof part]);
  }
  await renumber(db, toCourseId);
  return report;
}

/** Other courses whose Spotlight has posts to copy, newest course first. */
export async function coursesWithSpotlight(
  db: Db,
  exceptCourseId: number,
): Promise<Array<{ id: number; title: string; slug: string; entries: number }>> {
  return db
    .select({ id: courses.id, title: courses.title, slug: courses.slug, entries: count(spotlightEntries.id) })
    .from(courses)
    .innerJoin(spotlightEntries, eq(spotlightEntries.courseId, courses.id))
    .innerJoin(items, and(eq(items.id, spotlightEntries.itemId), eq(items.hidden, false), isNull(items.deletedAt)))
    .where(ne(courses.id, exceptCourseId))
    .groupBy(courses.id)
    .orderBy(desc(courses.createdAt), desc(courses.id));
}
