// The one place the hub's full dependencies are assembled: the entry points
// (src/node.ts, src/worker.ts), the CLI, the test helpers and the benchmarks
// hand in what their runtime gives (database, config, log, fetch, clock) and get
// back deps with the after-poll hook wired in, so no runtime can poll without it.
import type { Deps } from "../db/deps.js";
import type { PollDeps } from "../ingest/deps.js";
import { linkEvidenceAfterPoll } from "./after-poll.js";

export type RuntimeDeps = Omit<PollDeps, "afterPoll">;

export function hubDeps(runtime: RuntimeDeps): PollDeps {
  const base: Deps = runtime;
  return { ...runtime, afterPoll: linkEvidenceAfterPoll(base) };
}
