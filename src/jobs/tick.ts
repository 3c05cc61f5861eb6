// One scheduled tick's ingest work on a runtime that polls in-process (Node,
// or Workers without a queue): poll the due feeds, then re-check a few recent
// posts at their own URLs so deleted ones leave the hub, then read a few of the
// feeds learners' PLSs follow on other hubs. Each runs even when another failed:
// they have nothing in common but the clock.

import type { PollDeps } from "../ingest/deps.js";
import type { PollSummary } from "../ingest/poll/outcome.js";
import { pollDueSources } from "../ingest/poll/poll.js";
import { type RecheckSummary, recheckDueItems } from "../ingest/poll/recheck.js";
import { type FollowSummary, pollFollows } from "../pls/portability/follows.js";

/** Followed feeds read per tick: few, so a Worker's tick stays inside its subrequest budget. */
export const FOLLOWS_PER_TICK = 3;

export interface TickSummary {
  poll: PollSummary | null;
  recheck: RecheckSummary | null;
  follows: FollowSummary | null;
}

export async function ingestTick(
  deps: PollDeps,
  opts: { pollLimit?: number; recheckLimit?: number; followsLimit?: number } = {},
): Promise<TickSummary> {
  const poll = await pollDueSources(deps, opts.pollLimit === undefined ? {} : { limit: opts.pollLimit }).catch((err: unknown) => {
    deps.log("error", "poll.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  const recheck = await recheckDueItems(deps, opts.recheckLimit === undefined ? {} : { limit: opts.recheckLimit }).catch((err: unknown) => {
    deps.log("error", "recheck.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  const follows = await pollFollows(deps, { limit: opts.followsLimit ?? FOLLOWS_PER_TICK }).catch((err: unknown) => {
    deps.log("error", "follows.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  return { poll, recheck, follows };
}
