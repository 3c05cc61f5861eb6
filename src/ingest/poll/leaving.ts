// Posts that leave a course at a poll of their feed. "Gone when gone" covers more than deletions:
// - Untagged: a post still in its feed that no longer carries any course tag leaves the course at
//   once, with a tombstone that says so; tagged again, it comes back (store.ts). Not for sources in
//   "all posts" mode, whose entries belong by construction (a tag-archive feed is read that way, or
//   lists only tagged posts, which is the next case).
// - Dropped out: a post the feed no longer lists although the feed's window still covers its date
//   (an entry older than the post is still there) was probably deleted or untagged; it is
//   re-checked at its own URL at once rather than at its next scheduled look, once: at the poll
//   that first misses it (it was seen at the previous read of the feed). Nothing is removed on
//   that evidence alone: the re-check decides (recheck.ts).
import { and, eq, gte, inArray, isNull } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { items, type Source, tombstones } from "../../db/schema.js";
import { postKey } from "../canonical-url.js";
import type { Statement } from "./writes.js";

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_STATEMENT = 90;

export interface Leaving {
  statements: Statement[];
  untagged: number;
  droppedOut: number;
}

/**
 * The statements for posts leaving with this poll. `inFeed` is the post key of every entry the feed
 * lists (tagged or not), `untaggedKeys` those of them without a course tag, `oldest` the earliest date
 * among the feed's entries (null when they carry none: then only untagging is looked for).
 */
export async function leavingStatements(
  db: Db,
  source: Pick<Source, "id" | "courseId" | "filter">,
  inFeed: ReadonlySet<string>,
  untaggedKeys: readonly string[],
  oldest: Date | null,
  now: Date,
): Promise<Leaving> {
  const mayUntag = source.filter === "tagged" && untaggedKeys.length > 0;
  if (!mayUntag && oldest === null) return { statements: [], untagged: 0, droppedOut: 0 };
  const live = and(eq(items.sourceId, source.id), eq(items.courseId, source.courseId), isNull(items.deletedAt));
  const found: Array<{ id: number; url: string; key: string | null; externalId: string; recheckAt: Date | null; lastSeenAt: Date }> = [];
  const columns = {
    id: items.id,
    url: items.canonicalUrl,
    key: items.postKey,
    externalId: items.externalId,
    recheckAt: items.recheckAt,
    lastSeenAt: items.lastSeenAt,
  };
  if (oldest !== null) {
    found.push(
      ...(await db
        .select(columns)
        .from(items)
        .where(and(live, gte(items.publishedAt, oldest)))),
    );
  } else {
    for (let i = 0; i < untaggedKeys.length; i += IDS_PER_STATEMENT) {
      found.push(
        ...(await db
          .select(columns)
          .from(items)
          .where(and(live, inArray(items.postKey, untaggedKeys.slice(i, i + IDS_PER_STATEMENT))))),
      );
    }
  }
  // A row written before post keys is known by its link's key.
  const rows = found.map((r) => ({ ...r, key: r.key ?? postKey(r.url) }));
  const untaggedSet = new Set(mayUntag ? untaggedKeys : []);
  const untagged = rows.filter((r) => untaggedSet.has(r.key));
  // Every post of a read is stamped with that read's time: the newest stamp is the previous read,
  // and a post missing now that carries it has just dropped out (an older stamp: dropped before).
  const previousRead = Math.max(0, ...rows.map((r) => r.lastSeenAt.getTime()));
  const droppedOut = rows.filter(
    (r) => !inFeed.has(r.key) && r.lastSeenAt.getTime() === previousRead && (r.recheckAt === null || r.recheckAt > now),
  );
  const statements: Statement[] = [];
  for (let i = 0; i < untagged.length; i += IDS_PER_STATEMENT) {
    const part = untagged.slice(i, i + IDS_PER_STATEMENT);
    statements.push(
      db
        .update(items)
        .set({ deletedAt: now, recheckAt: null })
        .where(
          inArray(
            items.id,
            part.map((r) => r.id),
          ),
        ),
    );
    for (let j = 0; j < part.length; j += 15) {
      // Six columns a row: 15 rows stay under D1's 100 bound parameters.
      statements.push(
        db
          .insert(tombstones)
          .values(
            part.slice(j, j + 15).map((r) => ({
              courseId: source.courseId,
              canonicalUrl: r.url,
              postKey: r.key,
              externalId: r.externalId,
              reason: "untagged" as const,
              createdAt: now,
            })),
          )
          .onConflictDoNothing(),
      );
    }
  }
  for (let i = 0; i < droppedOut.length; i += IDS_PER_STATEMENT) {
    statements.push(
      db
        .update(items)
        .set({ recheckAt: now })
        .where(
          inArray(
            items.id,
            droppedOut.slice(i, i + IDS_PER_STATEMENT).map((r) => r.id),
          ),
        ),
    );
  }
  return { statements, untagged: untagged.length, droppedOut: droppedOut.length };
}
