// Re-keying items written before post keys (src/ingest/canonical-url.ts, postKey), and merging the
// duplicates the old keys let in: the same post reached as http and https, with and without www.
// or a trailing slash had become several items. A SQL migration cannot compute a post key, so this
// job does, a batch per tick on both runtimes, until no item is left without one (migration 0014
// added the column; the partial index items_unkeyed_idx is its work list).
//
// Two items of one course with one key merge into the older (its link is the one first shown, and
// it most likely carries the curation): the newer one's Spotlight entry (unless the older has its
// own), portfolio entries, "also on" announcements and sources move over, a hide on either hides
// the merged post, a learner on either is its learner; then the newer one goes. Each merge is one
// batch, so a crash leaves both or the merged one, never half. Tombstones get their keys too.
import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import type { Deps } from "../db/deps.js";
import { itemSources, items, portfolioEntries, spotlightEntries, tombstones } from "../db/schema.js";
import { postKey } from "../ingest/canonical-url.js";
import type { Statement } from "../ingest/poll/writes.js";

/** D1 binds at most 100 parameters per statement. */
const KEYS_PER_LOOKUP = 90;

export interface RekeySummary {
  keyed: number;
  merged: number;
  tombstones: number;
}

/** The statements that fold item `drop` into item `keep` (same course, same post). */
export function mergeStatements(db: Db, keep: number, drop: number): Statement[] {
  return [
    db
      .update(spotlightEntries)
      .set({ itemId: keep })
      .where(
        and(
          eq(spotlightEntries.itemId, drop),
          sql`NOT EXISTS (SELECT 1 FROM ${spotlightEntries} AS s2 WHERE s2.item_id = ${keep} AND s2.course_id = ${spotlightEntries.courseId})`,
        ),
      ),
    db.update(portfolioEntries).set({ itemId: keep }).where(eq(portfolioEntries.itemId, drop)),
    db.update(items).set({ crossPostOf: keep }).where(eq(items.crossPostOf, drop)),
    db
      .insert(itemSources)
      .select(
        db
          .select({ itemId: sql<number>`${keep}`.as("item_id"), sourceId: itemSources.sourceId })
          .from(itemSources)
          .where(eq(itemSources.itemId, drop)),
      )
      .onConflictDoNothing(),
    db
      .update(items)
      .set({
        hidden: sql`${items.hidden} OR coalesce((SELECT d.hidden FROM ${items} AS d WHERE d.id = ${drop}), 0)`,
        personId: sql`coalesce(${items.personId}, (SELECT d.person_id FROM ${items} AS d WHERE d.id = ${drop}))`,
        crossPostOf: sql`CASE WHEN ${items.crossPostOf} = ${keep} THEN NULL ELSE ${items.crossPostOf} END`,
      })
      .where(eq(items.id, keep)),
    db.delete(items).where(eq(items.id, drop)),
  ];
}

/** Keys up to `limit` unkeyed items (and tombstones), merging duplicates. Idempotent: re-running finds less to do. */
export async function rekeyItems(deps: Pick<Deps, "db" | "log">, limit: number): Promise<RekeySummary> {
  const { db } = deps;
  const summary: RekeySummary = { keyed: 0, merged: 0, tombstones: 0 };
  const rows = await db
    .select({ id: items.id, courseId: items.courseId, url: items.canonicalUrl, links: items.links })
    .from(items)
    .where(isNull(items.postKey))
    .orderBy(asc(items.id))
    .limit(limit);
  if (rows.length) {
    const keyOf = new Map(rows.map((r) => [r.id, postKey(r.url)]));
    // Items already carrying these keys (written since post keys), per course.
    const owner = new Map<string, number>(); // `${course} ${key}` → the item that holds the key
    const keys = [...new Set(keyOf.values())];
    for (let i = 0; i < keys.length; i += KEYS_PER_LOOKUP) {
      const held = await db
        .select({ id: items.id, courseId: items.courseId, key: items.postKey })
        .from(items)
        .where(inArray(items.postKey, keys.slice(i, i + KEYS_PER_LOOKUP)));
      for (const h of held) owner.set(`${h.courseId} ${h.key}`, h.id);
    }
    const statements: Statement[] = [];
    for (const row of rows) {
      const key = keyOf.get(row.id)!;
      const slot = `${row.courseId} ${key}`;
      const holder = owner.get(slot);
      // Links are matched by key now (announcements finding the blog post they link to).
      const links = [...new Set(row.links.map(postKey))];
      if (holder === undefined) {
        statements.push(db.update(items).set({ postKey: key, links }).where(eq(items.id, row.id)));
        owner.set(slot, row.id);
        summary.keyed++;
      } else if (holder < row.id) {
        statements.push(...mergeStatements(db, holder, row.id));
        summary.merged++;
      } else {
        // The key is held by a newer item: the older one (this row) stays, and takes the key.
        statements.push(...mergeStatements(db, row.id, holder), db.update(items).set({ postKey: key, links }).where(eq(items.id, row.id)));
        owner.set(slot, row.id);
        summary.merged++;
      }
    }
    await db.batch(statements as [Statement, ...Statement[]]);
  }
  const stones = await db
    .select({ courseId: tombstones.courseId, url: tombstones.canonicalUrl })
    .from(tombstones)
    .where(isNull(tombstones.postKey))
    .limit(limit);
  if (stones.length) {
    const updates: Statement[] = stones.map((t) =>
      db
        .update(tombstones)
        .set({ postKey: postKey(t.url) })
        .where(and(eq(tombstones.courseId, t.courseId), eq(tombstones.canonicalUrl, t.url))),
    );
    await db.batch(updates as [Statement, ...Statement[]]);
    summary.tombstones = stones.length;
  }
  if (summary.keyed || summary.merged || summary.tombstones) deps.log("info", "rekey.run", { ...summary });
  return summary;
}
