// The work that spans ingest and the PLS: once a poll has committed learners'
// new posts, those carrying an active objective's tag become evidence in the
// learners' portfolios (autoLinkNewItems in src/pls/portfolio/portfolio.ts).
// Ingest calls it through its deps (`afterPoll`), so it never imports the PLS.
import type { Deps } from "../db/deps.js";
import type { AfterPoll } from "../ingest/deps.js";
import { autoLinkNewItems } from "../pls/portfolio/portfolio.js";

export function linkEvidenceAfterPoll(deps: Deps): AfterPoll {
  return async function linkEvidence(writes) {
    // Linking is a courtesy to the learner: its failure is logged here and never fails the poll.
    try {
      const made = await autoLinkNewItems(deps, writes);
      if (made) deps.log("info", "pls.autolink", { links: made });
    } catch (err) {
      deps.log("error", "pls.autolink.failed", { error: String(err).slice(0, 300) });
    }
  };
}
