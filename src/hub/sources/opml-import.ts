// Importing a class roster (OPML) into a course. Each line stands alone: a bad
// or refused address is reported on its line and the others still import.
//
// A line with a feed address (xmlUrl) is stored as given, after the same
// address checks as the form, and polled by the next run: no fetch at import
// time. A line with only a home page (htmlUrl) needs discovery, which fetches;
// at most MAX_LOOKUPS_PER_IMPORT of those run per import so one request stays
// within a Worker's subrequest budget (50 on the free plan). Duplicates are
// skipped, so importing the same file again continues where it stopped.

import { FormError } from "../../core/errors.js";
import { mapLimit } from "../../core/map-limit.js";
import type { PollDeps } from "../../ingest/deps.js";
import { addSourceByAddress } from "./add-source.js";
import { parseOpml, type RosterLine } from "./opml.js";
import { addFeedSource, DuplicateSourceError, findSourceAt, type SourceFilter, sourceAddress, sourcesOf } from "./sources.js";

export const MAX_LOOKUPS_PER_IMPORT = 12;

export type ImportOutcome = "added" | "skipped" | "failed" | "later";

export interface ImportLine {
  line: number;
  /** Who or what the line names, for the report. */
  name: string;
  address: string | null;
  outcome: ImportOutcome;
  message: string;
}

export interface ImportReport {
  lines: ImportLine[];
  counts: Record<ImportOutcome, number>;
}

type Plan =
  | { kind: "done"; result: ImportLine }
  | { kind: "feed"; roster: RosterLine; name: string; url: string; homePageUrl: string | null }
  | { kind: "discover"; roster: RosterLine; name: string; url: string };

function nameOf(r: RosterLine): string {
  return r.ownerName ?? r.title ?? r.xmlUrl ?? r.htmlUrl ?? "(unnamed)";
}

/**
 * Checks each line's address without touching the network. `known` holds the
 * addresses already in the course, so that blogs imported before are skipped
 * here and do not use up the lookups.
 */
function plan(lines: RosterLine[], allowLoopback: boolean, known: Set<string>): Plan[] {
  const seen = new Map<string, number>();
  let lookups = 0;
  return lines.map((r): Plan => {
    const name = nameOf(r);
    const done = (outcome: ImportOutcome, message: string, address: string | null = r.xmlUrl ?? r.htmlUrl): Plan => ({
      kind: "done",
      result: { line: r.line, name, address, outcome, message },
    });
    if (r.problem) return done("failed", r.problem);
    let url: string;
    try {
      url = sourceAddress((r.xmlUrl ?? r.htmlUrl)!, allowLoopback, "opml");
    } catch (err) {
      return done("failed", err instanceof FormError ? err.message : "That is not a web address.");
    }
    const first = seen.get(url);
    if (first !== undefined) return done("skipped", `Listed twice in this file (first on line ${first}).`, url);
    seen.set(url, r.line);
    if (known.has(url)) return done("skipped", "Already part of the course.", url);
    if (r.xmlUrl) {
      let homePageUrl: string | null = null;
      try {
        homePageUrl = r.htmlUrl ? sourceAddress(r.htmlUrl, allowLoopback, "opml") : null;
      } catch {
        homePageUrl = null; // a bad home page does not stop a good feed
      }
      return { kind: "feed", roster: r, name, url, homePageUrl };
    }
    if (++lookups > MAX_LOOKUPS_PER_IMPORT) {
      return done(
        "later",
        `Not looked up yet: at most ${MAX_LOOKUPS_PER_IMPORT} home pages are looked up per import. Import the same file again to continue.`,
        url,
      );
    }
    return { kind: "discover", roster: r, name, url };
  });
}

async function run(deps: PollDeps, courseId: number, p: Plan, filter: SourceFilter): Promise<ImportLine> {
  if (p.kind === "done") return p.result;
  const base = { line: p.roster.line, name: p.name, address: p.url };
  try {
    if (p.kind === "feed") {
      if (await findSourceAt(deps.db, courseId, [p.url, ...(p.homePageUrl ? [p.homePageUrl] : [])])) {
        return { ...base, outcome: "skipped", message: "Already part of the course." };
      }
      const note = "Feed address taken from the imported roster (OPML).";
      const { ownerName, title } = p.roster;
      await addFeedSource(
        deps.db,
        courseId,
        { url: p.url, filter, ownerName, title, homePageUrl: p.homePageUrl, discoveryNote: note },
        null,
        deps.now(),
      );
      return { ...base, outcome: "added", message: `${note} It is read at the next poll.` };
    }
    const { source, discovery } = await addSourceByAddress(deps, courseId, { address: p.url, filter, ownerName: p.roster.ownerName });
    return {
      ...base,
      address: source.url,
      outcome: "added",
      message: discovery ? discovery.note : "The address could not be reached just now; it is kept as given and retried at each poll.",
    };
  } catch (err) {
    if (err instanceof DuplicateSourceError) return { ...base, outcome: "skipped", message: "Already part of the course." };
    if (err instanceof FormError) return { ...base, outcome: "failed", message: err.message };
    throw err;
  }
}

/** Imports a roster into a course. Throws FormError only when the file as a whole is unusable. */
export async function importRoster(deps: PollDeps, courseId: number, text: string, filter: SourceFilter): Promise<ImportReport> {
  const lines = parseOpml(text);
  if (lines.length === 0) throw new FormError("opml", "This OPML file lists no blogs.");
  const known = new Set((await sourcesOf(deps.db, courseId)).flatMap((s) => [s.url, ...(s.homePageUrl ? [s.homePageUrl] : [])]));
  const plans = plan(lines, deps.config.allowLoopbackFetch, known);
  const results = await mapLimit(plans, deps.config.pollConcurrency, (p) => run(deps, courseId, p, filter));
  const counts: Record<ImportOutcome, number> = { added: 0, skipped: 0, failed: 0, later: 0 };
  for (const l of results) counts[l.outcome]++;
  deps.log("info", "opml.imported", { course: courseId, ...counts });
  return { lines: results, counts };
}
