// What every push path does with a source it learnt has changed (a WebSub light ping, a Webmention
// from a course blog, an XML-RPC ping): poll it now. The source is first made due in the database,
// so the work is never lost: should the queue or the background poll fail, or the process stop, the
// next run polls it anyway. On Workers a queue gives the poll its own invocation and subrequests;
// elsewhere it runs in the background of the request, which has already been answered.
import { and, eq, inArray } from "drizzle-orm";
import { type Source, sources } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { claimSources, pollSource } from "../poll/poll.js";

/** Makes the sources due now; returns the ones that are active (paused or gone ones are left alone). */
export async function makeDue(deps: PollDeps, ids: number[]): Promise<Source[]> {
  if (!ids.length) return [];
  return deps.db
    .update(sources)
    .set({ nextPollAt: deps.now() })
    .where(and(inArray(sources.id, ids.slice(0, 90)), eq(sources.status, "active")))
    .returning();
}

/**
 * Polls already-due sources now: through the queue when there is one, else here. Never throws: a
 * failure is logged and the sources stay due for the next run. The returned promise is for the
 * caller to keep alive (waitUntil), not to wait on before answering.
 */
export async function pollNow(deps: PollDeps, due: Source[], why: string): Promise<void> {
  if (!due.length) return;
  try {
    if (deps.queuePoll) {
      await deps.queuePoll(due.map((s) => s.id));
      return;
    }
    for (const source of await claimSources(
      deps,
      due.map((s) => s.id),
    ))
      await pollSource(deps, source);
  } catch (err) {
    deps.log("error", "push.poll_failed", { why, sources: due.map((s) => s.id), error: String(err) });
  }
}
