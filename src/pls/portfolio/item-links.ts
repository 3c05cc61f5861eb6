// From a post on a hub page to the learner's portfolio: "In Maya's portfolio" when the viewer may
// see the entry that points at the post, else "Serves: <objective>" when they may see an objective
// it is evidence for, else nothing. Visibility follows visibility.ts: the learner sees all, someone
// sharing a course with them course and public, anyone else public only (so the anonymous
// micro-cache only ever holds public links).
//
// The Flow is read thousands of times a second and most posts are in no portfolio, so a page
// costs one small query (its entries, by item or URL) and a second only when some posts have one
// (their objectives, names, PLS homes, and whether the viewer shares a course with each learner,
// prepared once per database, as building it costs more than running it). Lists travel as one JSON
// parameter each (json_each), well inside D1's 100 bound parameters whatever the page.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import {
  type Item,
  memberships,
  objectives,
  type PlsVisibility,
  people,
  plsHomes,
  portfolioEntries,
  portfolioLinks,
} from "../../db/schema.js";
import { canSee, type PlsViewer } from "../sharing/visibility.js";

export interface ItemLink {
  href: string;
  label: string;
}

type PageItem = Pick<Item, "id" | "personId" | "canonicalUrl">;

const inJson = (name: string) => sql`(SELECT value FROM json_each(${sql.placeholder(name)}))`;

interface EntryRow {
  id: number;
  personId: number;
  itemId: number | null;
  url: string;
  visibility: PlsVisibility;
}

/**
 * Entries pointing at one of these posts, by item id or by (learner, URL): two index searches
 * (portfolio_entries_item_idx, portfolio_entries_person_url_idx), about 0.1 ms for a page of 30
 * among 20,000 entries, where one OR over both scanned the table (2.4 ms).
 */
function findEntries(db: Db, items: (PageItem & { personId: number })[]): Promise<EntryRow[]> {
  const ids = JSON.stringify(items.map((i) => i.id));
  const pairs = JSON.stringify(items.map((i) => [i.personId, i.canonicalUrl]));
  return db.all<EntryRow>(sql`
    SELECT id, person_id AS personId, item_id AS itemId, url, visibility FROM portfolio_entries
      WHERE item_id IN (SELECT value FROM json_each(${ids}))
    UNION
    SELECT e.id, e.person_id, e.item_id, e.url, e.visibility FROM json_each(${pairs}) AS j
      CROSS JOIN portfolio_entries AS e ON e.person_id = json_extract(j.value, '$[0]') AND e.url = json_extract(j.value, '$[1]')
    ORDER BY 1`);
}

/** For these entries: the learner's name and PLS home, whether the viewer shares a course with them, and live objectives. */
function detailsQuery(db: Db) {
  return (
    db
      .select({
        entryId: portfolioEntries.id,
        name: people.displayName,
        home: plsHomes.url,
        shared: sql<number>`EXISTS (SELECT 1 FROM ${memberships} AS mine JOIN ${memberships} AS theirs ON theirs.course_id = mine.course_id
        WHERE mine.person_id = ${sql.placeholder("viewer")} AND theirs.person_id = ${portfolioEntries.personId})`,
        objectiveId: objectives.id,
        objectiveTitle: objectives.title,
        objectiveVisibility: objectives.visibility,
      })
      .from(portfolioEntries)
      .innerJoin(people, eq(people.id, portfolioEntries.personId))
      .leftJoin(plsHomes, eq(plsHomes.personId, portfolioEntries.personId))
      .leftJoin(portfolioLinks, and(eq(portfolioLinks.entryId, portfolioEntries.id), eq(portfolioLinks.removed, false)))
      // A dropped objective is no longer served by anything.
      .leftJoin(objectives, and(eq(objectives.id, portfolioLinks.objectiveId), sql`${objectives.status} != 'dropped'`))
      .where(sql`${portfolioEntries.id} IN ${inJson("entries")}`)
      .orderBy(portfolioEntries.id, objectives.id)
      .prepare()
  );
}

const prepared = new WeakMap<Db, ReturnType<typeof detailsQuery>>();

function detailsFor(db: Db) {
  let q = prepared.get(db);
  if (!q) {
    q = detailsQuery(db);
    prepared.set(db, q);
  }
  return q;
}

/** A PLS home elsewhere is linked as it is, and only when it is a web address. */
function homeHref(url: string | null): string | null {
  return url && /^https?:\/\//i.test(url) ? url : null;
}

export async function portfolioLinksForItems(db: Db, items: PageItem[], viewerPersonId: number | null): Promise<Map<number, ItemLink>> {
  const out = new Map<number, ItemLink>();
  const mine = items.filter((i): i is PageItem & { personId: number } => i.personId !== null);
  if (!mine.length) return out;
  const entries = await findEntries(db, mine);
  if (!entries.length) return out;
  // Anonymous viewers (-1 is no one) share no course with anyone.
  const details = await detailsFor(db).all({ entries: JSON.stringify(entries.map((e) => e.id)), viewer: viewerPersonId ?? -1 });
  const byEntry = new Map<number, typeof details>();
  for (const d of details) byEntry.set(d.entryId, [...(byEntry.get(d.entryId) ?? []), d]);

  const viewerOf = (personId: number, shared: boolean): PlsViewer =>
    personId === viewerPersonId ? { kind: "owner" } : shared ? { kind: "member" } : { kind: "anonymous" };
  for (const item of mine) {
    const matching = entries
      .filter((e) => e.personId === item.personId && (e.itemId === item.id || e.url === item.canonicalUrl))
      .map((e) => ({ entry: e, details: byEntry.get(e.id) ?? [] }))
      .filter((m) => m.details.length);
    const first = matching[0]?.details[0];
    if (!first) continue;
    const viewer = viewerOf(item.personId, Boolean(first.shared));
    const home = homeHref(first.home);
    const page = `/people/${item.personId}/portfolio`;
    const seen = matching.find((m) => canSee(viewer, "portfolio", m.entry.visibility));
    if (seen) {
      out.set(item.id, { href: home ?? `${page}#entry-${seen.entry.id}`, label: `In ${first.name}'s portfolio` });
      continue;
    }
    const served = matching
      .flatMap((m) => m.details)
      .find((d) => d.objectiveId !== null && d.objectiveVisibility !== null && canSee(viewer, "plan", d.objectiveVisibility));
    if (served) out.set(item.id, { href: home ?? `${page}#objective-${served.objectiveId}`, label: `Serves: ${served.objectiveTitle}` });
  }
  return out;
}
