// A course's people: its learners (by membership) and everyone whose posts are
// in the course (a learner is whoever's verified accounts or blogs bring posts
// in, enrolled or not), each with their blogs and verified accounts elsewhere.
import { and, asc, count, eq, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { identities, items, memberships, people, sources, type Identity } from "../db/schema.js";
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
  /** How many of their posts the course shows. */
  posts: number;
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

/** The people of the course: its learners by membership, and authors of posts it shows. */
function rosterIds(courseId: number): SQL {
  return sql`(SELECT ${memberships.personId} FROM ${memberships} WHERE ${memberships.courseId} = ${courseId} AND ${memberships.role} = 'learner'
    UNION SELECT ${items.personId} FROM ${items} WHERE ${visibleIn(courseId)} AND ${items.personId} IS NOT NULL)`;
}

/**
 * The blogs and verified accounts of some people, as seen from one course.
 * `who` is a subquery of person ids, not a list: D1 binds at most 100 values.
 */
async function linksOf(db: Db, courseId: number, who: SQL) {
  const blogs = new Map<number, Link[]>();
  const accounts = new Map<number, RosterEntry["accounts"]>();
  const [feeds, verified] = await Promise.all([
    db
      .select({ ownerId: sources.ownerId, url: sources.url, title: sources.title, home: sources.homePageUrl, site: sources.siteUrl })
      .from(sources)
      .where(and(eq(sources.courseId, courseId), eq(sources.kind, "feed"), sql`${sources.ownerId} IN ${who}`, inArray(sources.status, ["active", "paused", "pending"])))
      .orderBy(asc(sources.id)),
    db
      .select()
      .from(identities)
      .where(and(sql`${identities.personId} IN ${who}`, isNotNull(identities.verifiedAt)))
      .orderBy(asc(identities.id)),
  ]);
  const addBlog = (id: number, link: Link) => {
    const list = blogs.get(id) ?? [];
    if (!list.some((l) => shortUrl(l.href) === shortUrl(link.href))) list.push(link);
    blogs.set(id, list);
  };
  for (const f of feeds) {
    const href = web(f.home) ?? web(f.site) ?? web(f.url);
    if (href && f.ownerId !== null) addBlog(f.ownerId, { label: f.title || shortUrl(href), href });
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
  const who = rosterIds(courseId);
  const [rows, counts, links] = await Promise.all([
    db
      .select({ id: people.id, displayName: people.displayName, role: memberships.role })
      .from(people)
      .leftJoin(memberships, and(eq(memberships.personId, people.id), eq(memberships.courseId, courseId)))
      .where(sql`${people.id} IN ${who}`)
      .orderBy(sql`${people.displayName} COLLATE NOCASE`, asc(people.id)),
    db
      .select({ id: items.personId, n: count() })
      .from(items)
      .where(and(visibleIn(courseId), isNotNull(items.personId)))
      .groupBy(items.personId),
    linksOf(db, courseId, who),
  ]);
  const posts = new Map(counts.map((r) => [r.id!, r.n]));
  return rows.map((r) => ({ ...r, posts: posts.get(r.id) ?? 0, blogs: links.blogs.get(r.id) ?? [], accounts: links.accounts.get(r.id) ?? [] }));
}

/**
 * One person as the course sees them, or null when they are neither a learner
 * nor the author of anything the course shows (no page for strangers).
 */
export async function courseMember(db: Db, courseId: number, personId: number): Promise<RosterEntry | null> {
  const [[person], [posts]] = await Promise.all([
    db
      .select({ id: people.id, displayName: people.displayName, role: memberships.role })
      .from(people)
      .leftJoin(memberships, and(eq(memberships.personId, people.id), eq(memberships.courseId, courseId)))
      .where(eq(people.id, personId)),
    db.select({ n: count() }).from(items).where(and(visibleIn(courseId), eq(items.personId, personId))),
  ]);
  if (!person) return null;
  const n = posts?.n ?? 0;
  if (person.role !== "learner" && n === 0) return null;
  const { blogs, accounts } = await linksOf(db, courseId, sql`(${personId})`);
  return { ...person, posts: n, blogs: blogs.get(personId) ?? [], accounts: accounts.get(personId) ?? [] };
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
  return db
    .select({ id: people.id, displayName: people.displayName })
    .from(people)
    .where(sql`${people.id} IN ${rosterIds(courseId)}`)
    .orderBy(sql`${people.displayName} COLLATE NOCASE`, asc(people.id));
}
