// A learner takes one of their posts out of the hub, at once. The item leaves
// every page and outbound feed, and a tombstone keeps the next poll of the
// blog or tag from bringing it back: the work itself stays where it always
// was, on the learner's own blog or account.
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { items, tombstones } from "../db/schema.js";
import { postKey } from "../ingest/canonical-url.js";

/** Withdraws `itemId` if it is `personId`'s. Returns whether anything was withdrawn. */
export async function withdrawItem(db: Db, personId: number, itemId: number, now: Date): Promise<boolean> {
  const [item] = await db
    .select()
    .from(items)
    .where(and(eq(items.id, itemId), eq(items.personId, personId), isNull(items.deletedAt)));
  if (!item) return false;
  await db.batch([
    db.update(items).set({ deletedAt: now, recheckAt: null }).where(eq(items.id, item.id)),
    // Its announcements on Mastodon or Bluesky go with it.
    db
      .update(items)
      .set({ deletedAt: now, recheckAt: null })
      .where(and(eq(items.crossPostOf, item.id), eq(items.personId, personId))),
    db
      .insert(tombstones)
      .values({
        courseId: item.courseId,
        canonicalUrl: item.canonicalUrl,
        postKey: item.postKey ?? postKey(item.canonicalUrl),
        externalId: item.externalId,
        reason: "withdrawn",
        createdAt: now,
      })
      .onConflictDoNothing(),
  ]);
  return true;
}

/** The learner's items across every course, newest first: what they may withdraw. */
export async function itemsOfPerson(db: Db, personId: number, limit = 200) {
  return db
    .select()
    .from(items)
    .where(and(eq(items.personId, personId), isNull(items.deletedAt)))
    .orderBy(desc(items.publishedAt))
    .limit(limit);
}
