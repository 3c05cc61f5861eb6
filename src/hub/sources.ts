// A course's sources. Adding one checks the address at once (scheme, SSRF
// guard) so a person sees a clear error on the form, and makes it due now.
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { sources, type Source } from "../db/schema.js";
import { assertFetchableUrl } from "../ingest/address-guard.js";
import { IngestError } from "../ingest/errors.js";
import { FormError, requireText } from "./form-error.js";

export interface FeedSourceInput {
  url: string;
  filter: "tagged" | "all";
}

export function readFeedSourceForm(form: Record<string, unknown>, allowLoopback: boolean): FeedSourceInput {
  const raw = requireText(form, "url", "Feed address", 2000);
  let url: URL;
  try {
    // "example.blog/feed" is taken to mean https; any other scheme is judged as given.
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[^:/]+:\d+(\/|$)/.test(raw);
    url = assertFetchableUrl(hasScheme ? raw : `https://${raw}`, { allowLoopback });
  } catch (err) {
    throw new FormError("url", err instanceof IngestError ? err.message : "That is not a web address.");
  }
  url.hash = "";
  const filter = form.filter === "all" ? "all" : "tagged";
  return { url: url.toString(), filter };
}

export async function addFeedSource(
  db: Db,
  courseId: number,
  input: FeedSourceInput,
  ownerId: number | null,
  now: Date,
): Promise<Source> {
  const [existing] = await db
    .select({ id: sources.id })
    .from(sources)
    .where(and(eq(sources.courseId, courseId), eq(sources.kind, "feed"), eq(sources.url, input.url)));
  if (existing) throw new FormError("url", "This feed is already part of the course.");
  const [row] = await db
    .insert(sources)
    .values({ courseId, ownerId, kind: "feed", url: input.url, filter: input.filter, status: "active", nextPollAt: now, createdAt: now })
    .returning();
  return row!;
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
