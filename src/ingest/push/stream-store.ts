// What a stream event does to the store, for every stream (Mastodon streaming, Bluesky Jetstream):
// a new or edited post goes through the social poll's own upserts (course tags, blocks, tombstones,
// roster attribution, the "also on" merge); an edit that drops the course tag, and a deletion, take
// the item out with a tombstone, as the re-check's removals do. The source's cursor is left alone:
// it is the REST or replay position, and the catch-up after a gap reads from it, so a post the
// stream carried and the catch-up carries again is one upsert, never two items.
import { and, eq, inArray, isNull, or } from "drizzle-orm";
import { itemSources, items, type Source } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { commit, courseOf, newPollRun } from "../poll/run.js";
import { carriesCourseTag, socialUpserts } from "../poll/social-store.js";
import { removalStatements } from "../poll/store.js";
import type { SocialPost } from "../social/post.js";

/** Stores a post a stream carried (new or edited) for each source that follows it; returns how many kept it. */
export async function storeStreamedPost(deps: PollDeps, sourcesFor: Source[], post: SocialPost): Promise<number> {
  let kept = 0;
  for (const source of sourcesFor) {
    const run = newPollRun();
    const { tags } = await courseOf(deps, run, source.courseId);
    if (!carriesCourseTag(post, tags)) {
      // An edit that took the tag out: the post leaves, as an untagged feed entry does.
      if (post.editedAt) await removeStreamed(deps, [source], { externalId: post.externalId }, "untagged");
      continue;
    }
    const { statements, kept: n, learners } = await socialUpserts(deps.db, source, [post], tags, deps.now());
    if (!statements.length) continue;
    await commit(deps, run, statements as [(typeof statements)[number], ...typeof statements], {
      courseId: source.courseId,
      personIds: learners,
      at: deps.now(),
    });
    kept += n;
  }
  return kept;
}

/** Takes out the item a deletion (or an untagging edit) names, by the server's id or the post's identity. */
export async function removeStreamed(
  deps: PollDeps,
  sourcesFor: Source[],
  which: { remoteId?: string; externalId?: string },
  reason: "deleted_at_source" | "untagged",
): Promise<number> {
  const { db } = deps;
  const now = deps.now();
  let removed = 0;
  for (const source of sourcesFor) {
    const carried = db.select({ id: itemSources.itemId }).from(itemSources).where(eq(itemSources.sourceId, source.id));
    const match = which.remoteId ? eq(items.remoteId, which.remoteId) : eq(items.externalId, which.externalId ?? "");
    const found = await db
      .select()
      .from(items)
      .where(
        and(
          eq(items.courseId, source.courseId),
          match,
          isNull(items.deletedAt),
          or(eq(items.sourceId, source.id), inArray(items.id, carried)),
        ),
      );
    for (const item of found) {
      await db.batch(removalStatements(db, item, reason, now));
      removed++;
    }
  }
  return removed;
}
