// A course's people: its learners (by membership) and everyone whose posts are
// in the course (a learner is whoever's verified accounts or blogs bring posts
// in, enrolled or not), each with their blogs and verified accounts elsewhere.
import { and, asc, count, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { type Identity, identities, items, memberships, people, sources } from "../db/schema.js";
import type { Role } from "./courses.js";
import { visibleIn } from "./flow.js";

export interface Link {
  label: string;
  href: string;
}

export interface RosterEntry {
  id: number;
  displayName: string;
  /** Their role in the course, or null when they only have posts in it. */
  role: Role | null;
  /** How many of their posts the course shows (counted on a learner's own page only). */
  posts: number | null;
  blogs: Link[];
  accounts: Array<Link & { kind: "mastodon" | "bluesky" }>;
}

const web = (u: string | null | undefined): string | null => (u && /^https?:\/\//i.test(u) ? u : null);

/** Where a verified identity lives on the web: the same addresses the public profile links with rel="me". */
export function identityHref(i: Pick<Identity, "kind" | "authorKey" | "address">): string | null {
  if (i.kind === "mastodon") {
    const [user, host] = i.authorKey.split("@");
    return user && host ? `https://${host}/@${user}` : null;
  }
  if (i.kind === "bluesky") return `https://bsky.app/profile/${encodeURIComponent(i.authorKey)}`;
  return web(i.address);
}

function shortUrl(u: string): string {
  return u.replace(/^https?:\/\/(www\.)?/i, "").replace(/\/$/, "");
}

/** D1 binds at most 100 values per statement: long id lists are looked up in slices. */
const SLICE = 90;
function slices<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += SLICE) out.push(list.slice(i, i + SLICE));
  return out;
}

/**
 * The people of the course: its learners by membership, and everyone who has
 * posts in it. The authors are found by skipping through the (course, person)
 * index one person at a time, a few hundred seeks rather than a scan of every
 * post, so the roster costs the same in a course of 200 posts or 200,000.
 */
async function rosterIds(db: Db, courseId: number): Promise<number[]> {
  const [learners, authors] = await Promise.all([
    db
      .select({ id: memberships.personId })
      .from(memberships)
      .where(and(eq(memberships.courseId, courseId), eq(memberships.role, "learner"))),
    db.all<{ id: number }>(sql`WITH RECURSIVE author(id) AS (
        SELECT (SELECT min(person_id) FROM ${items} WHERE course_id = ${courseId} AND person_id IS NOT NULL)
        UNION ALL
        SELECT (SELECT min(person_id) FROM ${items} WHERE course_id = ${courseId} AND person_id > author.id) FROM author WHERE author.id IS NOT NULL
      ) SELECT id FROM author WHERE id IS NOT NULL`),
  ]);
  return [...new Set([...learners.map((l) => l.id), ...authors.map((a) => Number(a.id))])];
}

const byName = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/** Names and roles of these people, by name. */
async function peopleIn(db: Db, courseId: number, ids: number[]) {
  if (!ids.length) return [];
  // The ids travel as one JSON parameter (json_each): one query whatever the roster's size, inside
  // D1's 100 bound parameters (slices of 100 took three queries and ~4 ms for 300 people).
  const rows = await db
    .select({ id: people.id, displayName: people.displayName, role: memberships.role })
    .from(people)
    .leftJoin(memberships, and(eq(memberships.personId, people.id), eq(memberships.courseId, courseId)))
    .where(sql`${people.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  return rows.sort((a, b) => byName.compare(a.displayName, b.displayName) || a.id - b.id);
}

/**
 * The blogs and verified accounts of some people, as seen from one course:
 * the course's feeds they own, and their verified identities.
 */
async function linksOf(db: Db, courseId: number, ids: number[]) {
  const blogs = new Map<number, Link[]>();
  const accounts = new Map<number, RosterEntry["accounts"]>();
  const [feeds, verified] = await Promise.all([
    db
      .select({ ownerId: sources.ownerId, url: sources.url, title: sources.title, home: sources.homePageUrl, site: sources.siteUrl })
      .from(sources)
      .where(
        and(
          eq(sources.courseId, courseId),
          eq(sources.kind, "feed"),
          isNotNull(sources.ownerId),
          inArray(sources.status, ["active", "paused", "pending"]),
        ),
      )
      .orderBy(asc(sources.id)),
    Promise.all(
      slices(ids).map((part) =>
        db
          .select()
          .from(identities)
          .where(and(inArray(identities.personId, part), isNotNull(identities.verifiedAt)))
          .orderBy(asc(identities.id)),
      ),
    ).then((parts) => parts.flat().sort((a, b) => a.id - b.id)),
  ]);
  const wanted = new Set(ids);
  const addBlog = (id: number, link: Link) => {
    const list = blogs.get(id) ?? [];
    if (!list.some((l) => shortUrl(l.href) === shortUrl(link.href))) list.push(link);
    blogs.set(id, list);
  };
  for (const f of feeds) {
    const href = web(f.home) ?? web(f.site) ?? web(f.url);
    if (href && f.ownerId !== null && wanted.has(f.ownerId)) addBlog(f.ownerId, { label: f.title || shortUrl(href), href });
  }
  for (const i of verified) {
    const href = identityHref(i);
    if (!href) continue;
    if (i.kind === "blog") addBlog(i.personId, { label: shortUrl(href), href });
    else accounts.set(i.personId, [...(accounts.get(i.personId) ?? []), { kind: i.kind, label: i.address, href }]);
  }
  return { blogs, accounts };
}

/** Everyone learning in the course (by membership or by their posts), by name. */
export async function rosterOf(db: Db, courseId: number): Promise<RosterEntry[]> {
  const ids = await rosterIds(db, courseId);
  if (ids.length === 0) return [];
  const [rows, links] = await Promise.all([peopleIn(db, courseId, ids), linksOf(db, courseId, ids)]);
  return rows.map((r) => ({ ...r, posts: null, blogs: links.blogs.get(r.id) ?? [], accounts: links.accounts.get(r.id) ?? [] }));
}

/**
 * One person as the course sees them, with how many posts it shows, or null
 * when they are neither a learner nor the author of posts in it (no page for strangers).
 */
export async function courseMember(db: Db, courseId: number, personId: number): Promise<RosterEntry | null> {
  const [[person], [posts], [any]] = await Promise.all([
    db
      .select({ id: people.id, displayName: people.displayName, role: memberships.role })
      .from(people)
      .leftJoin(memberships, and(eq(memberships.personId, people.id), eq(memberships.courseId, courseId)))
      .where(eq(people.id, personId)),
    db
      .select({ n: count() })
      .from(items)
      .where(and(visibleIn(courseId), eq(items.personId, personId))),
    db
      .select({ id: items.id })
      .from(items)
      .where(and(eq(items.courseId, courseId), eq(items.personId, personId)))
      .limit(1),
  ]);
  if (!person || (person.role !== "learner" && !any)) return null;
  const { blogs, accounts } = await linksOf(db, courseId, [personId]);
  return { ...person, posts: posts?.n ?? 0, blogs: blogs.get(personId) ?? [], accounts: accounts.get(personId) ?? [] };
}

/** Display names of the learners behind these items, for the "who" of each entry. */
export async function namesOf(db: Db, personIds: Array<number | null>): Promise<Record<number, string>> {
  const ids = [...new Set(personIds.filter((id): id is number => id !== null))];
  if (ids.length === 0) return {};
  const rows = await db.select({ id: people.id, name: people.displayName }).from(people).where(inArray(people.id, ids));
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}

/** The people a Flow can be narrowed to (the roster's names), for the filter form. */
export async function filterablePeople(db: Db, courseId: number): Promise<Array<{ id: number; displayName: string }>> {
  return (await peopleIn(db, courseId, await rosterIds(db, courseId))).map(({ id, displayName }) => ({ id, displayName }));
}
