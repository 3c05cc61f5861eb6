// The work that spans ingest and the PLS: once a poll has committed learners'
// new posts, those carrying an active objective's tag become evidence in the
// learners' portfolios (autoLinkNewItems in src/pls/portfolio/portfolio.ts).
// Ingest calls it through its deps (`afterPoll`, src/ingest/poll/run.ts), so it
// never imports the PLS; a failure is logged there and never fails the poll.
import type { AfterPoll } from "../ingest/deps.js";
import { autoLinkNewItems } from "../pls/portfolio/portfolio.js";

export const linkEvidenceAfterPoll: AfterPoll = async function linkEvidence(deps, writes) {
  const made = await autoLinkNewItems(deps, writes);
  if (made) deps.log("info", "pls.autolink", { links: made });
};
