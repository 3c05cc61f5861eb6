// Last-Modified that moves when a feed loses an entry. The newest entry's date
// only grows with new or edited posts; a hidden, withdrawn, deleted or blocked
// post changes the body (and so the ETag) without it, and a reader that sends
// only If-Modified-Since would keep the removed post for good. So each feed's
// last ETag is kept with the moment it first appeared: a new body that no newer
// entry explains is dated when it was first served.
import { eq } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { feedVersions } from "../../db/schema.js";

export interface FeedVersion {
  /** The feed's canonical URL or path, format included (one row per feed, however the path was spelled). */
  key: string;
  etag: string;
  /** The newest change among the entries. */
  newest: Date;
  /** False for an empty list never served with entries: nothing to remember, and no row per made-up tag. */
  remember: boolean;
}

/** The feed's Last-Modified: its newest entry, or the moment its body last changed when that is later. */
export async function feedLastModified(db: Db, v: FeedVersion, now: Date): Promise<Date> {
  const [known] = await db.select().from(feedVersions).where(eq(feedVersions.path, v.key));
  if (known?.etag === v.etag) return later(known.since, v.newest);
  if (!known && !v.remember) return v.newest;
  // First sight: the entries date it. A changed body: now, unless a newer entry already says so.
  const since = known ? later(now, v.newest) : v.newest;
  await db
    .insert(feedVersions)
    .values({ path: v.key, etag: v.etag, since })
    .onConflictDoUpdate({ target: feedVersions.path, set: { etag: v.etag, since } });
  return since;
}

function later(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
