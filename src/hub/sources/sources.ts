// A course's sources. Adding one checks the address at once (scheme, SSRF
// guard) so a person sees a clear error on the form, and makes it due now.
import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import { FormError } from "../../core/errors.js";
import { optionalText, requireText } from "../../core/form-text.js";
import type { Db } from "../../db/database.js";
import { itemSources, items, type Source, sources } from "../../db/schema.js";
import { IngestError } from "../../ingest/errors.js";
import { assertFetchableUrl } from "../../ingest/fetch/address-guard.js";
import { ensureRosterPerson } from "../roster-people.js";

export type SourceFilter = "tagged" | "all";

/** The blog is already part of the course: a roster import skips it rather than failing. */
export class DuplicateSourceError extends FormError {
  override name = "DuplicateSourceError";
}

export interface FeedSourceInput {
  url: string;
  filter: SourceFilter;
}

/** A feed source to insert, with what discovery or a roster told us about it. */
export interface NewFeedSource extends FeedSourceInput {
  ownerName?: string | null;
  title?: string | null;
  siteUrl?: string | null;
  homePageUrl?: string | null;
  discoveryNote?: string | null;
}

/**
 * A web address as people type it, checked and normalised: "example.blog/feed"
 * is taken to mean https, the fragment is dropped. Throws FormError on `field`.
 */
export function sourceAddress(raw: string, allowLoopback: boolean, field = "url"): string {
  let url: URL;
  try {
    // Any other scheme is judged as given ("ftp:" is refused, not rewritten).
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[^:/]+:\d+(\/|$)/.test(raw);
    url = assertFetchableUrl(hasScheme ? raw : `https://${raw}`, { allowLoopback });
  } catch (err) {
    throw new FormError(field, err instanceof IngestError ? err.message : "That is not a web address.");
  }
  url.hash = "";
  return url.toString();
}

export function readFeedSourceForm(form: Record<string, unknown>, allowLoopback: boolean): FeedSourceInput {
  const raw = requireText(form, "url", "Feed or blog address", 2000);
  const filter = form.filter === "all" ? "all" : "tagged";
  return { url: sourceAddress(raw, allowLoopback), filter };
}

/** Who writes the blog, as the instructor typed it; optional. */
export function readOwnerName(form: Record<string, unknown>): string | null {
  return optionalText(form, "ownerName", 200) || null;
}

/** The course's feed source already at one of these addresses (as its feed or its home page). */
export async function findSourceAt(db: Db, courseId: number, addresses: string[]): Promise<Source | null> {
  const list = [...new Set(addresses)];
  if (list.length === 0) return null;
  const [row] = await db
    .select()
    .from(sources)
    .where(
      and(eq(sources.courseId, courseId), eq(sources.kind, "feed"), or(inArray(sources.url, list), inArray(sources.homePageUrl, list))),
    )
    .limit(1);
  return row ?? null;
}

export async function addFeedSource(db: Db, courseId: number, input: NewFeedSource, ownerId: number | null, now: Date): Promise<Source> {
  if (await findSourceAt(db, courseId, [input.url])) throw new DuplicateSourceError("url", "This feed is already part of the course.");
  // A blog added with its owner's name (the Manage form, an OPML roster) is that person's: a
  // roster person of the course until they claim it (roster-people.ts).
  if (ownerId === null && input.ownerName) ownerId = await ensureRosterPerson(db, courseId, input.ownerName);
  // Two people adding the same blog at once: the unique index decides, quietly.
  const [row] = await db
    .insert(sources)
    .values({
      courseId,
      ownerId,
      kind: "feed",
      url: input.url,
      filter: input.filter,
      status: "active",
      nextPollAt: now,
      createdAt: now,
      ownerName: input.ownerName ?? null,
      title: input.title ?? null,
      siteUrl: input.siteUrl ?? null,
      homePageUrl: input.homePageUrl ?? null,
      discoveryNote: input.discoveryNote ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new DuplicateSourceError("url", "This feed is already part of the course.");
  return row;
}

export async function sourcesOf(db: Db, courseId: number): Promise<Source[]> {
  return db.select().from(sources).where(eq(sources.courseId, courseId)).orderBy(asc(sources.createdAt), asc(sources.id));
}

/** Makes a source due now ("poll now" on the course's admin page). */
export async function markDue(db: Db, courseId: number, sourceId: number, now: Date): Promise<boolean> {
  const rows = await db
    .update(sources)
    .set({ nextPollAt: now })
    .where(and(eq(sources.id, sourceId), eq(sources.courseId, courseId)))
    .returning({ id: sources.id });
  return rows.length > 0;
}

/**
 * The statements that take a source out of its course with the items only it carries. A post that
 * another source of the course carries too (the blog's tag feed and its main feed, an old and a
 * new feed address) stays, and is that source's now. No tombstones: adding the blog again brings
 * its posts back.
 */
/** Another source that also carries the item (a post read from two feeds). */
function otherSourceOf(sourceId: number) {
  return sql`SELECT other.source_id FROM ${itemSources} AS other WHERE other.item_id = ${items.id} AND other.source_id != ${sourceId}`;
}

/** The course's items that only this source carries. */
function onlyFrom(courseId: number, sourceId: number) {
  return and(
    eq(items.courseId, courseId),
    or(eq(items.sourceId, sourceId), sql`${items.id} IN (SELECT item_id FROM ${itemSources} WHERE source_id = ${sourceId})`),
    sql`NOT EXISTS (${otherSourceOf(sourceId)})`,
  );
}

export function removeSourceStatements(db: Db, courseId: number, sourceId: number) {
  const other = otherSourceOf(sourceId);
  return [
    db
      .update(items)
      .set({ sourceId: sql`(${other} LIMIT 1)` })
      .where(and(eq(items.courseId, courseId), eq(items.sourceId, sourceId), sql`EXISTS (${other})`)),
    db.delete(items).where(onlyFrom(courseId, sourceId)),
    db.delete(sources).where(eq(sources.id, sourceId)),
  ] as const;
}

/** How many of the course's posts only this source carries: what removing it takes away. */
export async function postsOnlyFrom(db: Db, courseId: number, sourceId: number): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(items).where(onlyFrom(courseId, sourceId));
  return Number(row?.n ?? 0);
}

/**
 * Removes a source from a course with the items only it carries (a wrongly discovered feed, a
 * learner who left). Returns false when the source is not in this course.
 */
export async function removeSource(db: Db, courseId: number, sourceId: number): Promise<boolean> {
  const [found] = await db
    .select({ id: sources.id })
    .from(sources)
    .where(and(eq(sources.id, sourceId), eq(sources.courseId, courseId)));
  if (!found) return false;
  await db.batch(removeSourceStatements(db, courseId, sourceId));
  return true;
}
