// One scheduled tick's ingest work on a runtime that polls in-process (Node,
// or Workers without a queue): give items written before post keys their keys
// (rekey.ts, until none is left), poll the due feeds, then re-check a few
// posts at their own URLs so deleted ones leave the hub, then read a few of the
// feeds learners' PLSs follow on other hubs. Each runs even when another failed:
// they have nothing in common but the clock.

import { adoptNamedSources } from "../hub/roster-people.js";
import type { PollDeps } from "../ingest/deps.js";
import type { PollSummary } from "../ingest/poll/outcome.js";
import { pollDueSources } from "../ingest/poll/poll.js";
import { type RecheckSummary, recheckDueItems } from "../ingest/poll/recheck.js";
import { checkPendingMentions } from "../ingest/push/webmention-check.js";
import { syncWebSub } from "../ingest/push/websub.js";
import { type FollowSummary, pollFollows } from "../pls/portability/follows.js";
import { type RekeySummary, rekeyItems } from "./rekey.js";

/** Webmentions checked per tick (each one page fetch), beside the ones checked as they arrive. */
export const MENTIONS_PER_TICK = 3;

/** Followed feeds read per tick: few, so a Worker's tick stays inside its subrequest budget. */
export const FOLLOWS_PER_TICK = 3;

/** Items re-keyed per tick on Node (the Worker does fewer, inside its CPU budget). */
export const REKEY_PER_TICK = 5000;
/** Named blogs given their roster person per tick (a few queries each). */
export const ADOPT_PER_TICK = 20;

export interface TickSummary {
  rekey: RekeySummary | null;
  poll: PollSummary | null;
  recheck: RecheckSummary | null;
  follows: FollowSummary | null;
}

export async function ingestTick(
  deps: PollDeps,
  opts: { pollLimit?: number; recheckLimit?: number; followsLimit?: number; rekeyLimit?: number } = {},
): Promise<TickSummary> {
  const rekey = await rekeyItems(deps, opts.rekeyLimit ?? REKEY_PER_TICK).catch((err: unknown) => {
    deps.log("error", "rekey.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  // Blogs added with an owner's name before roster people existed become that person's.
  await adoptNamedSources(deps.db, ADOPT_PER_TICK).catch((err: unknown) => {
    deps.log("error", "roster.adopt_crashed", { error: String(err).slice(0, 500) });
  });
  const poll = await pollDueSources(deps, opts.pollLimit === undefined ? {} : { limit: opts.pollLimit }).catch((err: unknown) => {
    deps.log("error", "poll.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  // Feeds that name a WebSub hub are subscribed to (and renewed, or ended), so their posts arrive pushed.
  await syncWebSub(deps).catch((err: unknown) => {
    deps.log("error", "websub.crashed", { error: String(err).slice(0, 500) });
  });
  // Webmentions whose check was cut short (a crash, a restart) or is due a retry.
  await checkPendingMentions(deps, { limit: MENTIONS_PER_TICK }).catch((err: unknown) => {
    deps.log("error", "webmention.crashed", { error: String(err).slice(0, 500) });
  });
  const recheck = await recheckDueItems(deps, opts.recheckLimit === undefined ? {} : { limit: opts.recheckLimit }).catch((err: unknown) => {
    deps.log("error", "recheck.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  const follows = await pollFollows(deps, { limit: opts.followsLimit ?? FOLLOWS_PER_TICK }).catch((err: unknown) => {
    deps.log("error", "follows.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  return { rekey, poll, recheck, follows };
}
