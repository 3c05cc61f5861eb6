// Importing a class roster (OPML) into a course. Each line stands alone: a bad
// or refused address is reported on its line and the others still import.
//
// Every line is checked the way the Add blog form checks an address: a feed
// address (xmlUrl) is fetched once to see that it answers with a feed (a 404,
// or a page that is not a feed, fails its line with the reason); a line with
// only a home page (htmlUrl) goes through discovery, which may fetch a few
// times. A blog that is down or slow just now is kept and retried at each poll.
// The fetches themselves are counted (FETCH_BUDGET_PER_IMPORT), redirects
// included, so one request stays within a Worker's subrequests (50 on the free
// plan): a line starts only while the budget still holds the most it may spend
// (LINE_FETCH_CAP, a home page with a few linked feeds and a tag feed), and the
// rest are reported "later". Duplicates are skipped before any fetch, so
// importing the same file again continues where it stopped.

import { FormError } from "../../core/errors.js";
import { mapLimit } from "../../core/map-limit.js";
import type { PollDeps } from "../../ingest/deps.js";
import type { Discovery } from "../../ingest/discover/discover.js";
import { type AddByAddress, addSourceByAddress } from "./add-source.js";
import { parseOpml, type RosterLine } from "./opml.js";
import { DuplicateSourceError, findSourceAt, removeSource, type SourceFilter, sourceAddress, sourcesOf } from "./sources.js";

/** Fetches one import may make, every redirect hop counted (a Worker request has 50 subrequests). */
export const FETCH_BUDGET_PER_IMPORT = 45;
/** The most one line may fetch: a page, up to three linked feeds, a tag feed, and redirects. */
export const LINE_FETCH_CAP = 10;
/** Home pages the CSV roster looks up per import (it counts lookups, not fetches). */
export const MAX_LOOKUPS_PER_IMPORT = 10;

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
    return { kind: "discover", roster: r, name, url };
  });
}

const ROSTER_NOTE = "Feed address taken from the imported roster (OPML).";

function addedMessage(discovery: Discovery | null): string {
  if (!discovery) return "The address could not be reached just now; it is kept as given and retried at each poll.";
  if (discovery.platform !== "feed") return discovery.note;
  const n = discovery.feed.entries.length;
  return `Checked: it answers with a feed (${n} ${n === 1 ? "post" : "posts"} listed now). It is read at the next poll.`;
}

async function run(deps: PollDeps, courseId: number, p: Plan, filter: SourceFilter): Promise<ImportLine> {
  if (p.kind === "done") return p.result;
  const base = { line: p.roster.line, name: p.name, address: p.url };
  try {
    let known: AddByAddress["known"];
    if (p.kind === "feed") {
      if (await findSourceAt(deps.db, courseId, [p.url, ...(p.homePageUrl ? [p.homePageUrl] : [])])) {
        return { ...base, outcome: "skipped", message: "Already part of the course." };
      }
      known = { title: p.roster.title, homePageUrl: p.homePageUrl, note: ROSTER_NOTE };
    }
    const { source, discovery } = await addSourceByAddress(deps, courseId, {
      address: p.url,
      filter,
      ownerName: p.roster.ownerName,
      known,
    });
    return { ...base, address: source.url, outcome: "added", message: addedMessage(discovery) };
  } catch (err) {
    if (err instanceof DuplicateSourceError) return { ...base, outcome: "skipped", message: "Already part of the course." };
    if (err instanceof FormError) return { ...base, outcome: "failed", message: err.message };
    throw err;
  }
}

const UNREACHABLE = addedMessage(null);

/** The import's fetch budget: each line gets its own capped fetch, opened only while the budget holds its cap. */
function fetchBudget(fetchFn: typeof fetch) {
  let used = 0;
  let reserved = 0;
  const waiting: Array<() => void> = [];
  return {
    /**
     * A counted fetch for one line, or null when the budget cannot hold another line. While lines
     * in flight hold what is left, it waits for one of them to finish and give back what it did not use.
     */
    async open() {
      for (;;) {
        if (used + LINE_FETCH_CAP > FETCH_BUDGET_PER_IMPORT) return null;
        if (used + reserved + LINE_FETCH_CAP <= FETCH_BUDGET_PER_IMPORT) break;
        await new Promise<void>((wake) => waiting.push(wake));
      }
      reserved += LINE_FETCH_CAP;
      let made = 0;
      let refused = false;
      const counted: typeof fetch = (input, init) => {
        if (made >= LINE_FETCH_CAP) {
          refused = true;
          return Promise.reject(new TypeError("this import line has made all the fetches it may"));
        }
        made++;
        return fetchFn(input, init);
      };
      return {
        fetch: counted,
        refused: () => refused,
        close: () => {
          reserved -= LINE_FETCH_CAP;
          used += made;
          for (const wake of waiting.splice(0)) wake();
        },
      };
    },
  };
}

function later(p: Exclude<Plan, { kind: "done" }>): ImportLine {
  return {
    line: p.roster.line,
    name: p.name,
    address: p.url,
    outcome: "later",
    message:
      "Not checked yet: one import makes a bounded number of requests. Fix or remove the lines marked “not added”, then import the same file again to continue.",
  };
}

/** Imports a roster into a course. Throws FormError only when the file as a whole is unusable. */
export async function importRoster(deps: PollDeps, courseId: number, text: string, filter: SourceFilter): Promise<ImportReport> {
  const lines = parseOpml(text);
  if (lines.length === 0) throw new FormError("opml", "This OPML file lists no blogs.");
  const known = new Set((await sourcesOf(deps.db, courseId)).flatMap((s) => [s.url, ...(s.homePageUrl ? [s.homePageUrl] : [])]));
  const plans = plan(lines, deps.config.allowLoopbackFetch, known);
  const budget = fetchBudget(deps.fetch);
  const results = await mapLimit(plans, deps.config.pollConcurrency, async (p) => {
    if (p.kind === "done") return p.result;
    const line = await budget.open();
    if (!line) return later(p);
    try {
      const result = await run({ ...deps, fetch: line.fetch }, courseId, p, filter);
      // A line stopped by its cap (a chain of redirects) was not really unreachable: take it back.
      if (line.refused() && result.outcome === "added" && result.message === UNREACHABLE) {
        const stored = await findSourceAt(deps.db, courseId, [result.address ?? p.url]);
        if (stored) await removeSource(deps.db, courseId, stored.id);
        return later(p);
      }
      return result;
    } finally {
      line.close();
    }
  });
  const counts: Record<ImportOutcome, number> = { added: 0, skipped: 0, failed: 0, later: 0 };
  for (const l of results) counts[l.outcome]++;
  deps.log("info", "opml.imported", { course: courseId, ...counts });
  return { lines: results, counts };
}
