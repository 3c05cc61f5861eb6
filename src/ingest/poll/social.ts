// Polls a Mastodon or Bluesky tag source: its reader fetches the posts new
// since the stored cursor; here they become items, and the items, the new
// cursor and the source's health go to the database in one batch. A crash
// before that batch leaves the old cursor, so the next run reads the same page
// again and the upserts make that harmless: nothing is skipped, nothing doubles.
import { eq } from "drizzle-orm";
import { type Source, sources } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { IngestError } from "../errors.js";
import { readerForSource } from "../social/readers.js";
import { recoveredEvent, turned } from "./health-events.js";
import type { SourceOutcome } from "./outcome.js";
import { commit, courseOf, type PollRun } from "./run.js";
import { nextPollAfterFetch, nextPollAfterUnchanged, postDates, previousIntervalMs, scheduleSettings, withStream } from "./schedule.js";
import { socialUpserts } from "./social-store.js";

/** When the page budget ran out before catching up, come back this soon. */
const CATCH_UP_MS = 60_000;

export async function pollSocialSource(deps: PollDeps, source: Source, run: PollRun, started: number): Promise<SourceOutcome> {
  const reader = readerForSource(deps, source.kind);
  if (!reader) throw new IngestError("bad_url", `This hub cannot read sources of kind "${source.kind}".`);
  const page = await reader.read(deps, source);
  const now = deps.now();
  const random = deps.random ?? Math.random;
  const { tags, life } = await courseOf(deps, run, source.courseId);
  const settings = scheduleSettings(deps, life);
  const { statements, kept, learners } = await socialUpserts(deps.db, source, page.posts, tags, now);
  const nextPollAt = page.more
    ? new Date(now.getTime() + CATCH_UP_MS)
    : // Jetstream carries learners only; guests' Bluesky posts still need the search at its pace.
      withStream(
        source.kind === "mastodon_tag" ? source : { streamLiveAt: null },
        now,
        page.posts.length
          ? nextPollAfterFetch(now, postDates(page.posts.map((p) => ({ published: p.publishedAt }))), settings, random)
          : nextPollAfterUnchanged(now, previousIntervalMs(source), settings, random),
      );
  const sourceUpdate = deps.db
    .update(sources)
    .set({
      leaseUntil: null,
      lastPolledAt: now,
      lastSuccessAt: now,
      lastStatusCode: 200,
      failureCount: 0,
      lastError: null,
      lastErrorCode: null,
      cursor: page.cursor,
      nextPollAt,
    })
    .where(eq(sources.id, source.id));
  await commit(deps, run, [sourceUpdate, ...turned(recoveredEvent(deps.db, source, now)), ...statements], {
    courseId: source.courseId,
    personIds: learners,
    at: now,
  });
  deps.log("info", "poll.done", {
    source: source.id,
    kind: source.kind,
    entries: page.posts.length,
    stored: kept,
    more: page.more,
    ms: Date.now() - started,
  });
  return { sourceId: source.id, ok: true, entries: page.posts.length, stored: kept };
}
