// Importing a class roster as CSV (RFC 4180, what a spreadsheet exports): one learner a row, with
// `name` and any of `email`, `blog`, `mastodon`, `bluesky` (headers in any order and case; "full
// name", "website", "blog url" are understood too). Each row names a roster person of the course
// (roster-people.ts), owning the blog and the accounts given: their posts show under their name
// until they claim their place.
//
// The whole file is checked first, without the network: a missing name, a bad address, a
// duplicate name or blog, a file of more than MAX_ROWS rows. Any problem, and nothing is imported:
// the report says what is wrong on which row. Otherwise every row is written in one batch (one
// transaction), and the blogs given by home page are then discovered, at most
// MAX_LOOKUPS_PER_IMPORT per import like OPML's; the rest are reported "later" and picked up by
// importing the same file again (rows already in the course are skipped).
import { parse } from "csv-parse/sync";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { parseIdentity } from "../../accounts/identities.js";
import { randomToken } from "../../core/crypto.js";
import { FormError } from "../../core/errors.js";
import { identities, memberships, people, sources } from "../../db/schema.js";
import type { PollDeps } from "../../ingest/deps.js";
import type { Statement } from "../../ingest/poll/writes.js";
import { addSourceByAddress } from "./add-source.js";
import type { ImportLine, ImportOutcome, ImportReport } from "./opml-import.js";
import { MAX_LOOKUPS_PER_IMPORT } from "./opml-import.js";
import { DuplicateSourceError, type SourceFilter, sourceAddress, sourcesOf } from "./sources.js";

export const MAX_ROWS = 5000;
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;
const HEADERS: Record<string, "name" | "email" | "blog" | "mastodon" | "bluesky"> = {
  name: "name",
  "full name": "name",
  learner: "name",
  email: "email",
  "e-mail": "email",
  blog: "blog",
  "blog url": "blog",
  website: "blog",
  "home page": "blog",
  mastodon: "mastodon",
  bluesky: "bluesky",
};
/** Addresses that are feeds already (stored as given); anything else is a home page to discover. */
const FEEDISH = /(\.(xml|rss|atom|json)(\?.*)?$)|\/(feed|rss|atom)\/?(\?.*)?$|^https?:\/\/feeds\./i;

interface Row {
  line: number;
  name: string;
  email: string | null;
  blog: string | null;
  mastodon: { address: string; authorKey: string } | null;
  bluesky: { address: string; authorKey: string } | null;
}

function reportOf(lines: ImportLine[]): ImportReport {
  const counts: Record<ImportOutcome, number> = { added: 0, skipped: 0, failed: 0, later: 0 };
  for (const l of lines) counts[l.outcome]++;
  return { lines, counts };
}

type Column = (typeof HEADERS)[string] | null;

/** One row checked: the learner it names, or what is wrong with it. `names` and `blogs` remember earlier rows. */
function checkRow(
  record: string[],
  line: number,
  columns: Column[],
  names: Map<string, number>,
  blogs: Map<string, number>,
  allowLoopback: boolean,
): { row: Row } | { problem: ImportLine } {
  const cell = (c: NonNullable<Column>) => {
    const k = columns.indexOf(c);
    return k >= 0 ? (record[k] ?? "").trim() : "";
  };
  const name = cell("name").replace(/\s+/g, " ");
  const fail = (message: string) => ({
    problem: { line, name: name || "(no name)", address: cell("blog") || null, outcome: "failed" as const, message },
  });
  if (!name) return fail("No name: every row needs the learner's name.");
  if (name.length > 100) return fail("The name is longer than 100 characters.");
  const seen = names.get(name.toLowerCase());
  if (seen) return fail(`The same name as row ${seen}: give each learner one row (or tell them apart, e.g. with an initial).`);
  names.set(name.toLowerCase(), line);
  const email = cell("email").toLowerCase() || null;
  if (email && !EMAIL.test(email)) return fail(`"${email}" is not an email address.`);
  let blog: string | null = null;
  if (cell("blog")) {
    try {
      blog = sourceAddress(cell("blog"), allowLoopback, "blog");
    } catch (err) {
      return fail(err instanceof FormError ? err.message : "That blog address cannot be read.");
    }
    const dup = blogs.get(blog);
    if (dup) return fail(`The same blog as row ${dup}.`);
    blogs.set(blog, line);
  }
  const accounts: Pick<Row, "mastodon" | "bluesky"> = { mastodon: null, bluesky: null };
  for (const kind of ["mastodon", "bluesky"] as const) {
    if (!cell(kind)) continue;
    try {
      accounts[kind] = parseIdentity(kind, cell(kind));
    } catch (err) {
      return fail(err instanceof FormError ? err.message.replace(/\byour\b/gi, "the") : `That ${kind} account cannot be read.`);
    }
  }
  return { row: { line, name, email, blog, ...accounts } };
}

/** The rows of the file, each checked; FormError when the file itself cannot be read. */
function readRows(text: string, allowLoopback: boolean): { rows: Row[]; problems: ImportLine[] } {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ""), { skip_empty_lines: true, relax_column_count: true, trim: true, bom: true }) as string[][];
  } catch (err) {
    throw new FormError("csv", `This is not a CSV file the hub can read: ${String((err as Error).message).split("\n")[0]}`);
  }
  const [header, ...body] = records;
  if (!header)
    throw new FormError("csv", "The file is empty. Give a header row (name, email, blog, mastodon, bluesky) and one row per learner.");
  const columns = header.map((h) => HEADERS[h.trim().toLowerCase()] ?? null);
  if (!columns.includes("name")) {
    throw new FormError("csv", `The first row must name the columns, with a "name" column (found: ${header.join(", ") || "nothing"}).`);
  }
  if (!columns.some((c) => c === "blog" || c === "mastodon" || c === "bluesky")) {
    throw new FormError("csv", 'Give at least one of the columns "blog", "mastodon" or "bluesky": without them a row brings no posts.');
  }
  if (body.length > MAX_ROWS) throw new FormError("csv", `The file has ${body.length} rows; import at most ${MAX_ROWS} at a time.`);
  const rows: Row[] = [];
  const problems: ImportLine[] = [];
  const names = new Map<string, number>();
  const blogs = new Map<string, number>();
  for (const [i, record] of body.entries()) {
    const checked = checkRow(record, i + 2, columns, names, blogs, allowLoopback); // the header is line 1
    if ("problem" in checked) problems.push(checked.problem);
    else rows.push(checked.row);
  }
  return { rows, problems };
}

export async function importCsvRoster(deps: PollDeps, courseId: number, text: string, filter: SourceFilter): Promise<ImportReport> {
  const { db } = deps;
  const { rows, problems } = readRows(text, deps.config.allowLoopbackFetch);
  if (problems.length) {
    // Nothing is imported from a file with a problem: the report lists each one, and the good rows as waiting.
    const waiting = rows.map(
      (r): ImportLine => ({
        line: r.line,
        name: r.name,
        address: r.blog,
        outcome: "skipped",
        message: "Not imported: fix the rows marked below, then import the file again.",
      }),
    );
    return reportOf([...problems, ...waiting].sort((a, b) => a.line - b.line));
  }
  const now = deps.now();
  const [roster, existingSources, claimedAccounts] = await Promise.all([
    db.select({ id: people.id, name: people.displayName }).from(people).where(eq(people.rosterOf, courseId)),
    sourcesOf(db, courseId),
    db.select({ kind: identities.kind, key: identities.authorKey }).from(identities).where(isNotNull(identities.verifiedAt)),
  ]);
  const known = new Map(roster.map((r) => [r.name.toLowerCase(), r.id]));
  const knownBlogs = new Set(existingSources.flatMap((s) => [s.url, s.homePageUrl].filter((u): u is string => !!u)));
  const taken = new Set(claimedAccounts.map((a) => `${a.kind} ${a.key}`));
  const statements: Statement[] = [];
  const lines: ImportLine[] = [];
  const discover: Array<{ row: Row; owner: ReturnType<typeof sql> }> = [];
  for (const row of rows) {
    // The person: the course's roster person of that name, or a new one (found by their placeholder address below).
    const placeholder = `roster-${randomToken(12).toLowerCase()}@roster.invalid`;
    const existing = known.get(row.name.toLowerCase());
    if (existing === undefined) {
      statements.push(
        db
          .insert(people)
          .values({ email: placeholder, displayName: row.name, passwordHash: "!roster", rosterOf: courseId, rosterEmail: row.email }),
      );
    } else if (row.email) {
      statements.push(db.update(people).set({ rosterEmail: row.email }).where(eq(people.id, existing)));
    }
    const owner = existing === undefined ? sql`(SELECT id FROM ${people} WHERE email = ${placeholder})` : sql`${existing}`;
    const notes: string[] = [];
    for (const kind of ["mastodon", "bluesky"] as const) {
      const account = row[kind];
      if (!account) continue;
      if (taken.has(`${kind} ${account.authorKey}`)) {
        notes.push(`${account.address} is already a learner's proven account, left to them`);
        continue;
      }
      taken.add(`${kind} ${account.authorKey}`);
      statements.push(
        db.insert(identities).values({
          personId: owner as never,
          kind,
          address: account.address,
          authorKey: account.authorKey,
          verifyCode: `roster-${randomToken(6)}`,
          verifiedAt: now,
          verifiedBy: "roster",
        }),
      );
      notes.push(`follows ${account.address}`);
    }
    let outcome: ImportOutcome = "added";
    if (row.blog && knownBlogs.has(row.blog)) notes.push("blog already in the course");
    else if (row.blog && FEEDISH.test(row.blog)) {
      statements.push(
        db
          .insert(sources)
          .values({
            courseId,
            ownerId: owner as never,
            kind: "feed",
            url: row.blog,
            filter,
            status: "active",
            nextPollAt: now,
            createdAt: now,
            ownerName: row.name,
          })
          .onConflictDoNothing(),
      );
      notes.push("blog added");
    } else if (row.blog) {
      if (discover.length < MAX_LOOKUPS_PER_IMPORT) discover.push({ row, owner });
      else {
        outcome = "later";
        notes.push("blog to look up at the next import of this file (a few are looked up per import)");
      }
    }
    lines.push({ line: row.line, name: row.name, address: row.blog, outcome, message: notes.join("; ") || "on the roster" });
  }
  // Every roster person of the course is a learner of it.
  statements.push(
    db
      .insert(memberships)
      .select(
        db
          .select({
            courseId: sql<number>`${courseId}`.as("course_id"),
            personId: people.id,
            role: sql<"learner">`'learner'`.as("role"),
            createdAt: sql<Date>`${now.getTime()}`.as("created_at"),
          })
          .from(people)
          .where(and(eq(people.rosterOf, courseId))),
      )
      .onConflictDoNothing(),
  );
  await db.batch(statements as [Statement, ...Statement[]]);
  // Home pages: discovery finds the feed (a tag feed where the platform has one), as on the form.
  for (const { row } of discover) {
    const line = lines.find((l) => l.line === row.line)!;
    const [person] = await db
      .select({ id: people.id })
      .from(people)
      .where(and(eq(people.rosterOf, courseId), sql`lower(${people.displayName}) = lower(${row.name})`));
    try {
      await addSourceByAddress(deps, courseId, { address: row.blog!, filter, ownerName: row.name }, person?.id ?? null);
      line.message = [line.message === "on the roster" ? "" : line.message, "blog added"].filter(Boolean).join("; ");
    } catch (err) {
      if (err instanceof DuplicateSourceError) line.message = "blog already in the course";
      else if (err instanceof FormError) {
        line.outcome = "failed";
        line.message = `On the roster, but the blog could not be added: ${err.message}`;
      } else throw err;
    }
  }
  deps.log("info", "roster.csv_imported", { course: courseId, rows: rows.length });
  return reportOf(lines);
}
