// A learner's own blog in a course. The learner registers it by its home page
// (discovery finds the feed, as for instructors) and it waits as `pending`,
// not polled, until an instructor or TA approves it, so nobody can pour a
// feed into a course's Flow just by joining. Someone who runs the course
// registers their own blog approved at once. The learner sees their blogs'
// health in plain words.
import { and, asc, count, eq, gt, inArray } from "drizzle-orm";
import { FormError } from "../../core/errors.js";
import { requireText } from "../../core/form-text.js";
import type { Db } from "../../db/database.js";
import { courses, items, type Person, people, type Source, sources } from "../../db/schema.js";
import type { PollDeps } from "../../ingest/deps.js";
import { type AddByAddress, type Added, addSourceByAddress } from "./add-source.js";
import { DuplicateSourceError, findSourceAt, removeSourceStatements, type SourceFilter, sourceAddress } from "./sources.js";

/** The latest time a Date can hold (ECMA-262 §21.4.1.1). */
const NEVER = new Date(8.64e15);

/** Enough for a main blog and a course blog or two; more is likely a mistake or abuse. */
export const MAX_SOURCES_PER_LEARNER = 5;

export interface LearnerSourceInput {
  address: string;
  filter: SourceFilter;
}

export function readLearnerSourceForm(form: Record<string, unknown>, allowLoopback: boolean): LearnerSourceInput {
  const raw = requireText(form, "url", "Your blog's address", 2000);
  return { address: sourceAddress(raw, allowLoopback), filter: form.filter === "all" ? "all" : "tagged" };
}

export async function learnerSourcesOf(db: Db, courseId: number, personId: number): Promise<Source[]> {
  return db
    .select()
    .from(sources)
    .where(and(eq(sources.courseId, courseId), eq(sources.ownerId, personId)))
    .orderBy(asc(sources.createdAt), asc(sources.id));
}

/** The person's blogs that are failing now, in every course, with the course they are in. */
export async function failingSourcesOfPerson(
  db: Db,
  personId: number,
): Promise<Array<{ source: Source; course: { slug: string; title: string } }>> {
  const rows = await db
    .select({ source: sources, slug: courses.slug, title: courses.title })
    .from(sources)
    .innerJoin(courses, eq(courses.id, sources.courseId))
    .where(and(eq(sources.ownerId, personId), inArray(sources.status, ["active", "gone"]), gt(sources.failureCount, 0)))
    .orderBy(asc(courses.title), asc(sources.id));
  return rows.map((r) => ({ source: r.source, course: { slug: r.slug, title: r.title } }));
}

/**
 * Registers the person's blog in the course. `approved` (the person runs the
 * course) keeps it active; otherwise it waits for approval. Throws FormError.
 */
export async function registerLearnerSource(
  deps: PollDeps,
  courseId: number,
  person: Person,
  input: LearnerSourceInput,
  approved: boolean,
): Promise<Added> {
  const { db } = deps;
  const [row] = await db
    .select({ n: count() })
    .from(sources)
    .where(and(eq(sources.courseId, courseId), eq(sources.ownerId, person.id)));
  if ((row?.n ?? 0) >= MAX_SOURCES_PER_LEARNER) {
    throw new FormError("url", `You have ${MAX_SOURCES_PER_LEARNER} blogs in this course already. Remove one before adding another.`);
  }
  const what = { address: input.address, filter: input.filter, ownerName: person.displayName };
  try {
    return await addOwnSource(deps, courseId, person, what, approved);
  } catch (err) {
    if (err instanceof DuplicateSourceError) throw await onTheRoster(db, courseId, input.address, err);
    throw err;
  }
}

/**
 * A blog the course already has, held by a roster person (its instructor added it with a name):
 * the learner is pointed at the way to claim it, not just told it is taken.
 */
async function onTheRoster(db: Db, courseId: number, address: string, err: DuplicateSourceError): Promise<FormError> {
  const held = await findSourceAt(db, courseId, [address]);
  if (!held?.ownerId) return err;
  const [owner] = await db.select().from(people).where(eq(people.id, held.ownerId));
  if (!owner?.rosterOf) return err;
  return new FormError(
    "url",
    `This blog is on the course's roster as ${owner.displayName}. If it is yours, ask your instructor for your claim link, or prove it: add the blog on your accounts page (/me), put the rel="me" link or the code it gives you on your blog, and press "Check now". Either way the blog and its posts become yours.`,
  );
}

async function addOwnSource(deps: PollDeps, courseId: number, person: Person, what: AddByAddress, approved: boolean): Promise<Added> {
  const { db } = deps;
  if (approved) return addSourceByAddress(deps, courseId, what, person.id);
  // addSourceByAddress stores a source active and due at `now()`. Handing it a
  // clock at the end of time stores it due never, so no poll run (which takes
  // active sources due by now) can claim it in the moment before it is marked
  // pending here; then its real times are set.
  const now = deps.now();
  const added = await addSourceByAddress({ ...deps, now: () => NEVER }, courseId, what, person.id);
  const [held] = await db
    .update(sources)
    .set({ status: "pending", nextPollAt: now, createdAt: now })
    .where(eq(sources.id, added.source.id))
    .returning();
  return { ...added, source: held ?? { ...added.source, status: "pending" } };
}

export interface PendingSource {
  source: Source;
  ownerDisplayName: string | null;
  ownerEmail: string | null;
}

/** Blogs waiting for an instructor or TA, oldest first. */
export async function pendingSourcesOf(db: Db, courseId: number): Promise<PendingSource[]> {
  const rows = await db
    .select({ source: sources, ownerDisplayName: people.displayName, ownerEmail: people.email })
    .from(sources)
    .leftJoin(people, eq(people.id, sources.ownerId))
    .where(and(eq(sources.courseId, courseId), eq(sources.status, "pending")))
    .orderBy(asc(sources.createdAt), asc(sources.id));
  return rows;
}

/** Approves a pending blog: it becomes active and due now. Null when no such pending blog. */
export async function approveSource(db: Db, courseId: number, sourceId: number, now: Date): Promise<Source | null> {
  const [row] = await db
    .update(sources)
    .set({ status: "active", nextPollAt: now, leaseUntil: null })
    .where(and(eq(sources.id, sourceId), eq(sources.courseId, courseId), eq(sources.status, "pending")))
    .returning();
  return row ?? null;
}

/**
 * Refuses a pending blog: it stays, marked refused (`blocked`) and never
 * polled, so the learner sees the answer on their page rather than a blog
 * that vanished, and can remove it. Anything read from it is taken out.
 */
export async function refuseSource(db: Db, courseId: number, sourceId: number): Promise<boolean> {
  const [row] = await db
    .update(sources)
    .set({ status: "blocked", leaseUntil: null })
    .where(and(eq(sources.id, sourceId), eq(sources.courseId, courseId), eq(sources.status, "pending")))
    .returning({ id: sources.id });
  if (!row) return false;
  await db.delete(items).where(and(eq(items.sourceId, sourceId), eq(items.courseId, courseId)));
  return true;
}

/** The learner takes one of their own blogs out of the course, with what was read from it. */
export async function removeOwnSource(db: Db, courseId: number, personId: number, sourceId: number): Promise<boolean> {
  const [found] = await db
    .select({ id: sources.id })
    .from(sources)
    .where(and(eq(sources.id, sourceId), eq(sources.courseId, courseId), eq(sources.ownerId, personId)));
  if (!found) return false;
  await db.batch(removeSourceStatements(db, courseId, sourceId));
  return true;
}

export type HealthTone = "ok" | "bad" | "waiting";

export interface Health {
  tone: HealthTone;
  /** A short label ("Working", "Waiting for approval"). */
  label: string;
  /** One or two sentences in plain words. */
  detail: string;
  /** When it is not working: what the learner can do about it. */
  advice?: string;
}

/** What a learner can do about their blog's last error, by its code and HTTP status. */
export function adviceFor(code: string | null, status: number | null): string {
  if (status === 404)
    return 'The feed\'s address answers "not found". If your blog moved or changed its address, remove it here and register its new home page.';
  if (status === 401 || status === 403)
    return "Your blog refuses to be read. Check that it is public (not private, members-only or password-protected).";
  if (status === 429)
    return "Your blog's host asked the hub to slow down; it will try again later by itself. Nothing to do unless it lasts for days.";
  switch (code) {
    case "not_a_feed":
    case "empty":
      return "The address no longer gives a feed of your posts. If you changed your blog's theme or platform, remove it here and register its home page again; the hub finds the feed.";
    case "too_large":
      return "Your feed is larger than the hub reads. Set your blog to put fewer posts, or excerpts instead of whole posts, in its feed.";
    case "too_many_redirects":
      return "Your blog's address sends the hub round in circles. Open it in a browser, then register the address you end up on.";
    case "blocked_address":
    case "bad_url":
      return "This is not a public web address. Register your blog's public address (the one your readers use).";
    default:
      return "This is often temporary: your blog's server did not answer. If it lasts a day, open your blog in a browser to check that it is online.";
  }
}

/** What a learner needs to know about their blog's state, in plain words. */
export function healthOf(s: Source): Health {
  switch (s.status) {
    case "pending":
      return {
        tone: "waiting",
        label: "Waiting for approval",
        detail: "An instructor or TA of the course will look at it. Until then the hub does not read it.",
      };
    case "blocked":
      return {
        tone: "bad",
        label: "Not accepted",
        detail: "The course's instructors did not accept this blog. Ask them why, or remove it and register another.",
      };
    case "gone":
      return {
        tone: "bad",
        label: "Gone",
        detail:
          "The blog's feed says it is gone for good (HTTP 410), so the hub stopped reading it. Remove it and register your blog's new address.",
      };
    case "paused":
      return { tone: "waiting", label: "Paused", detail: "The course's instructors paused reading this blog for now." };
    case "active":
      if (s.lastError) {
        const times =
          s.failureCount > 1
            ? ` It has failed ${s.failureCount} times in a row; the hub keeps trying, less often.`
            : " The hub will try again.";
        return {
          tone: "bad",
          label: "Not working",
          detail: `${s.lastError}${times}`,
          advice: adviceFor(s.lastErrorCode, s.lastStatusCode),
        };
      }
      if (s.lastSuccessAt) {
        const which = s.filter === "all" ? "All your posts appear" : "Posts you tag for the course appear";
        return { tone: "ok", label: "Working", detail: `The hub reads your blog regularly. ${which} in the course's Flow.` };
      }
      return { tone: "waiting", label: "Not read yet", detail: "Approved: the hub will read it shortly." };
  }
}
