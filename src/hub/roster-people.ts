// The course's roster people: learners an instructor named (adding a blog with its owner's name,
// on the Manage page or in an OPML roster) before they have an account. A roster person is a row
// in `people` (rosterOf = the course) with a learner membership, so they appear wherever learners
// do: People, the Flow's "Who" filter, as the author of their posts on every page and feed, in the
// classmates' downloads; never as "guest". The roster is the instructor's word.
//
// A learner becomes their roster person by claiming it: with the claim link the instructor copies
// from the People page (its token is shown once, stored as SHA-256, single-use; when the
// instructor gave an email, only the account with that email may use it). Claiming moves the
// roster person's posts, blogs, accounts and course memberships to the learner, then the roster
// person is gone.
import { and, asc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import { blogKey } from "../accounts/identities.js";
import { randomToken, sha256Hex } from "../core/crypto.js";
import { FormError, NotFoundError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { identities, items, memberships, type Person, people, sources } from "../db/schema.js";
import type { Statement } from "../ingest/poll/writes.js";

/** A password hash that matches no password: no one signs in as a roster person. */
const NO_PASSWORD = "!roster";
const CLAIM_PREFIX = "trc_";

export interface RosterPerson {
  id: number;
  displayName: string;
  email: string | null;
  hasClaimLink: boolean;
}

/** The roster person of this course with this name (case and spacing ignored), made if there is none. */
export async function ensureRosterPerson(db: Db, courseId: number, name: string): Promise<number> {
  const displayName = name.replace(/\s+/g, " ").trim().slice(0, 100);
  if (!displayName) throw new FormError("ownerName", "Give the blog owner's name.");
  const [found] = await db
    .select({ id: people.id })
    .from(people)
    .where(and(eq(people.rosterOf, courseId), sql`lower(${people.displayName}) = lower(${displayName})`))
    .limit(1);
  if (found) return found.id;
  const placeholder = `roster-${randomToken(12).toLowerCase()}@roster.invalid`; // RFC 2606: .invalid is never an address
  const [person] = await db
    .insert(people)
    .values({ email: placeholder, displayName, passwordHash: NO_PASSWORD, rosterOf: courseId })
    .returning({ id: people.id });
  await db.insert(memberships).values({ courseId, personId: person!.id, role: "learner" }).onConflictDoNothing();
  return person!.id;
}

export function isRosterPerson(person: Pick<Person, "rosterOf">): boolean {
  return person.rosterOf !== null;
}

export async function rosterPeopleOf(db: Db, courseId: number): Promise<RosterPerson[]> {
  const rows = await db
    .select({ id: people.id, displayName: people.displayName, email: people.rosterEmail, claimHash: people.claimHash })
    .from(people)
    .where(eq(people.rosterOf, courseId))
    .orderBy(asc(people.displayName), asc(people.id));
  return rows.map(({ claimHash, ...r }) => ({ ...r, hasClaimLink: claimHash !== null }));
}

async function rosterPersonIn(db: Db, courseId: number, personId: number) {
  const [row] = await db
    .select()
    .from(people)
    .where(and(eq(people.id, personId), eq(people.rosterOf, courseId)));
  if (!row) throw new NotFoundError("rosterPerson", "That person is not on this course's roster.");
  return row;
}

/** A new claim link for the roster person (the old one stops working). Returns its token, to show once. */
export async function issueClaimLink(db: Db, courseId: number, personId: number): Promise<string> {
  await rosterPersonIn(db, courseId, personId);
  const token = `${CLAIM_PREFIX}${randomToken(32)}`;
  await db
    .update(people)
    .set({ claimHash: await sha256Hex(token) })
    .where(eq(people.id, personId));
  return token;
}

export async function renameRosterPerson(db: Db, courseId: number, personId: number, form: Record<string, unknown>): Promise<string> {
  await rosterPersonIn(db, courseId, personId);
  const raw = typeof form.displayName === "string" ? form.displayName.replace(/\s+/g, " ").trim() : "";
  if (!raw) throw new FormError("displayName", "Give the name this learner goes by.");
  if (raw.length > 100) throw new FormError("displayName", "A name must be at most 100 characters.");
  const email = typeof form.email === "string" ? form.email.trim().toLowerCase() : "";
  if (email && !/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(email))
    throw new FormError("email", "Enter an email address like name@example.org, or leave it empty.");
  await db
    .update(people)
    .set({ displayName: raw, rosterEmail: email || null })
    .where(eq(people.id, personId));
  return raw;
}

/** Takes someone off the roster: their posts go back to being a guest's, their blogs stay unowned. */
export async function removeRosterPerson(db: Db, courseId: number, personId: number): Promise<void> {
  await rosterPersonIn(db, courseId, personId);
  await db.batch([
    db.update(items).set({ personId: null }).where(eq(items.personId, personId)),
    db.update(sources).set({ ownerId: null }).where(eq(sources.ownerId, personId)),
    db.delete(people).where(eq(people.id, personId)),
  ]);
}

/**
 * Gives a guest author's posts in the course to a roster person (an instructor who knows who that
 * Mastodon or Bluesky account is), and their future posts: the account becomes the roster
 * person's, taken on the instructor's word. Returns how many posts moved.
 */
export async function mergeGuestInto(
  db: Db,
  courseId: number,
  personId: number,
  guest: { kind: "mastodon" | "bluesky"; authorKey: string; handle: string },
): Promise<number> {
  await rosterPersonIn(db, courseId, personId);
  const [owned] = await db
    .select({ personId: identities.personId })
    .from(identities)
    .where(and(eq(identities.kind, guest.kind), eq(identities.authorKey, guest.authorKey), isNotNull(identities.verifiedAt)));
  if (owned && owned.personId !== personId) throw new FormError("guest", "That account is already a learner's: it is no guest.");
  const moved = await db
    .update(items)
    .set({ personId })
    .where(and(eq(items.courseId, courseId), eq(items.kind, guest.kind), eq(items.authorKey, guest.authorKey), isNull(items.personId)))
    .returning({ id: items.id });
  if (!owned) {
    await db.insert(identities).values({
      personId,
      kind: guest.kind,
      address: guest.handle,
      authorKey: guest.authorKey,
      verifyCode: `roster-${randomToken(6)}`,
      verifiedAt: new Date(),
      verifiedBy: "roster",
    });
  }
  return moved.length;
}

export type ClaimCheck =
  | { ok: true; rosterPerson: Person; courseId: number }
  | { ok: false; reason: "unknown" | "wrong_account"; hint?: string };

/** What a claim link names, and whether this viewer may use it (null viewer: not signed in yet). */
export async function checkClaim(db: Db, token: string, viewer: Person | null): Promise<ClaimCheck> {
  if (!token.startsWith(CLAIM_PREFIX) || token.length > 100) return { ok: false, reason: "unknown" };
  const [row] = await db
    .select()
    .from(people)
    .where(and(eq(people.claimHash, await sha256Hex(token)), isNotNull(people.rosterOf)));
  if (!row) return { ok: false, reason: "unknown" };
  if (viewer && row.rosterEmail && row.rosterEmail !== viewer.email) {
    const [user, domain] = row.rosterEmail.split("@");
    return { ok: false, reason: "wrong_account", hint: `${user!.slice(0, 1)}…@${domain}` };
  }
  return { ok: true, rosterPerson: row, courseId: row.rosterOf! };
}

/** The statements that make `into` (an account) the person `roster` was: posts, blogs, accounts, courses. */
export function becomeStatements(db: Db, roster: number, into: number): Statement[] {
  return [
    db.update(items).set({ personId: into }).where(eq(items.personId, roster)),
    db.update(sources).set({ ownerId: into }).where(eq(sources.ownerId, roster)),
    // Accounts elsewhere the instructor named for them, unless the learner has the same one already.
    db
      .update(identities)
      .set({ personId: into })
      .where(
        and(
          eq(identities.personId, roster),
          sql`NOT EXISTS (SELECT 1 FROM ${identities} AS mine WHERE mine.person_id = ${into} AND mine.kind = ${identities.kind} AND mine.author_key = ${identities.authorKey})`,
        ),
      ),
    db
      .insert(memberships)
      .select(
        db
          .select({
            courseId: memberships.courseId,
            personId: sql<number>`${into}`.as("person_id"),
            role: memberships.role,
            createdAt: memberships.createdAt,
          })
          .from(memberships)
          .where(eq(memberships.personId, roster)),
      )
      .onConflictDoNothing(),
    db.delete(people).where(eq(people.id, roster)),
  ];
}

/** Claims the roster person a link names for `viewer`. Single use: the roster person is gone after. */
export async function claimRosterPerson(db: Db, token: string, viewer: Person): Promise<{ name: string; courseId: number }> {
  if (viewer.rosterOf !== null) throw new FormError("claim", "Sign in with your own account to claim.");
  const check = await checkClaim(db, token, viewer);
  if (!check.ok) {
    if (check.reason === "wrong_account")
      throw new FormError("claim", `This link is for the account with the email ${check.hint}. Sign in with that account.`);
    throw new NotFoundError("claim", "This claim link is not valid any more: it was used, or the instructor made a new one.");
  }
  await db.batch(becomeStatements(db, check.rosterPerson.id, viewer.id) as [Statement, ...Statement[]]);
  return { name: check.rosterPerson.displayName, courseId: check.courseId };
}

/**
 * Blogs added with an owner's name before roster people existed: each name becomes the course's
 * roster person, owning the blog and its posts. A few a tick, until none is left.
 */
export async function adoptNamedSources(db: Db, limit: number): Promise<number> {
  const named = await db
    .select({ id: sources.id, courseId: sources.courseId, ownerName: sources.ownerName })
    .from(sources)
    .where(and(isNull(sources.ownerId), isNotNull(sources.ownerName), eq(sources.kind, "feed")))
    .limit(limit);
  for (const s of named) {
    const name = s.ownerName!.trim();
    if (!name) {
      await db.update(sources).set({ ownerName: null }).where(eq(sources.id, s.id));
      continue;
    }
    const personId = await ensureRosterPerson(db, s.courseId, name);
    await db.batch([
      db.update(sources).set({ ownerId: personId }).where(eq(sources.id, s.id)),
      db
        .update(items)
        .set({ personId })
        .where(and(eq(items.sourceId, s.id), isNull(items.personId))),
    ]);
  }
  return named.length;
}

/**
 * After a learner proves an account is theirs (src/accounts/identities.ts): a roster person of any
 * course who holds that account (a blog the instructor added with their name, a Mastodon or
 * Bluesky account the instructor gave them) is the learner, who becomes them. Returns the names
 * taken over.
 */
export async function claimByVerifiedIdentity(db: Db, viewer: Person, identityId: number): Promise<string[]> {
  const [identity] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.id, identityId), eq(identities.personId, viewer.id), isNotNull(identities.verifiedAt)));
  if (!identity || viewer.rosterOf !== null) return [];
  const holders = new Map<number, string>();
  if (identity.kind === "blog") {
    const rows = await db
      .select({ owner: people.id, name: people.displayName, home: sources.homePageUrl, site: sources.siteUrl, url: sources.url })
      .from(sources)
      .innerJoin(people, eq(people.id, sources.ownerId))
      .where(and(isNotNull(people.rosterOf), eq(sources.kind, "feed")));
    for (const r of rows) {
      const keys = [r.home, r.site].filter((u): u is string => !!u).map(blogKey);
      if (keys.includes(identity.authorKey)) holders.set(r.owner, r.name);
    }
  } else {
    const rows = await db
      .select({ owner: people.id, name: people.displayName })
      .from(identities)
      .innerJoin(people, eq(people.id, identities.personId))
      .where(and(isNotNull(people.rosterOf), eq(identities.kind, identity.kind), eq(identities.authorKey, identity.authorKey)));
    for (const r of rows) holders.set(r.owner, r.name);
  }
  for (const roster of holders.keys()) await db.batch(becomeStatements(db, roster, viewer.id) as [Statement, ...Statement[]]);
  return [...holders.values()];
}

export interface GuestAuthor {
  kind: "mastodon" | "bluesky";
  authorKey: string;
  handle: string;
  posts: number;
}

/** The course's guest authors on Mastodon and Bluesky (posts by no learner), most posts first. */
export async function guestAuthorsOf(db: Db, courseId: number, limit = 200): Promise<GuestAuthor[]> {
  const rows = await db
    .select({ kind: items.kind, authorKey: items.authorKey, handle: sql<string>`max(${items.authorHandle})`, posts: sql<number>`count(*)` })
    .from(items)
    .where(
      and(
        eq(items.courseId, courseId),
        isNull(items.personId),
        isNull(items.deletedAt),
        isNotNull(items.authorKey),
        sql`${items.kind} != 'blog'`,
      ),
    )
    .groupBy(items.kind, items.authorKey)
    .orderBy(sql`count(*) DESC`, asc(items.authorKey))
    .limit(limit);
  return rows.map((r) => ({
    kind: r.kind as GuestAuthor["kind"],
    authorKey: r.authorKey!,
    handle: r.handle ?? r.authorKey!,
    posts: Number(r.posts),
  }));
}
