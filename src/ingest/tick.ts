// One scheduled tick's ingest work on a runtime that polls in-process (Node,
// or Workers without a queue): poll the due feeds, then re-check a few recent
// posts at their own URLs so deleted ones leave the hub. The re-check runs even
// when the poll failed: the two have nothing in common but the clock.
import { pollDueSources, type PollDeps, type PollSummary } from "./poll.js";
import { recheckDueItems, type RecheckSummary } from "./recheck.js";

export interface TickSummary {
  poll: PollSummary | null;
  recheck: RecheckSummary | null;
}

export async function ingestTick(deps: PollDeps, opts: { pollLimit?: number; recheckLimit?: number } = {}): Promise<TickSummary> {
  const poll = await pollDueSources(deps, opts.pollLimit === undefined ? {} : { limit: opts.pollLimit }).catch((err: unknown) => {
    deps.log("error", "poll.crashed", { error: String(err).slice(0, 500) });
    return null;
  });
  const recheck = await recheckDueItems(deps, opts.recheckLimit === undefined ? {} : { limit: opts.recheckLimit }).catch(
    (err: unknown) => {
      deps.log("error", "recheck.crashed", { error: String(err).slice(0, 500) });
      return null;
    },
  );
  return { poll, recheck };
}
