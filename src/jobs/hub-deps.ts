// The one place the hub's full dependencies are assembled: the entry points
// (src/node.ts, src/worker.ts), the test helpers and the benchmarks hand in what
// their runtime gives (database, config, log, fetch, clock) and get back deps
// with the after-poll hook wired in, so no runtime can poll without it. The hook
// is handed the deps of each run when called, so a copy of these deps with
// another log or database (the Worker's per-handler log, a test's copy) is the
// one it uses.
import type { PollDeps } from "../ingest/deps.js";
import { linkEvidenceAfterPoll } from "./after-poll.js";

export type RuntimeDeps = Omit<PollDeps, "afterPoll">;

export function hubDeps(runtime: RuntimeDeps): PollDeps {
  return { ...runtime, afterPoll: linkEvidenceAfterPoll };
}
