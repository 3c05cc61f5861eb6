// Deleting one's account, for good. What goes:
// - every post of theirs in every course: withdrawn as withdraw.ts withdraws one (a "withdrawn"
//   tombstone per course and address, so no later poll of a blog or a tag brings it back), and then
//   the item rows themselves, which hold their titles and excerpts;
// - the blogs they registered in courses (learner sources) with what was read from them;
// - their throttle counters (keyed by their email);
// - the people row, whose foreign keys cascade to sessions, memberships, identities, the whole PLS
//   (objectives, steps, resources, history, portfolio, grants and their access log, suggestions,
//   PLS home, follows and their pointers).
// All of it is one batch: it happens entirely or not at all. Tombstones keep a course and an
// address, never who wrote it. The only hub administrator may not leave the hub without one.
import { and, count, eq, inArray, or, sql } from "drizzle-orm";
import { verifyPassword } from "../../accounts/passwords.js";
import { LOGIN_EMAIL, lockedUntil, recordFailure, throttleKey } from "../../accounts/throttle.js";
import { FormError } from "../../core/errors.js";
import { items, loginThrottle, type Person, people, sources, tombstones } from "../../db/schema.js";
import type { PollDeps } from "../../ingest/deps.js";

export interface DeletedAccount {
  items: number;
  sources: number;
}

/** Hub administrators other than `person`. */
async function otherAdmins(deps: Pick<PollDeps, "db">, person: Person): Promise<number> {
  const [row] = await deps.db
    .select({ n: count() })
    .from(people)
    .where(and(eq(people.isAdmin, true), sql`${people.id} <> ${person.id}`));
  return row?.n ?? 0;
}

/** Whether the account may be deleted at all (the last administrator may not). */
export async function deletionBlocker(deps: Pick<PollDeps, "db">, person: Person): Promise<string | null> {
  if (person.isAdmin && (await otherAdmins(deps, person)) === 0) {
    return "You are this hub's only administrator. Make someone else an administrator first, so the hub is not left without one.";
  }
  return null;
}

/**
 * Deletes the account after checking its password (a wrong one counts as a failed sign-in, as on
 * the account page, so a borrowed session cannot guess it). Throws FormError("password" | "account").
 */
export async function deleteAccount(deps: PollDeps, person: Person, password: string): Promise<DeletedAccount> {
  const { db } = deps;
  const now = deps.now();
  const key = throttleKey("login:email", person.email);
  if (await lockedUntil(db, [key], now))
    throw new FormError("password", "Too many wrong passwords: deleting is paused for a while. Try again later.");
  if (!password || !(await verifyPassword(password, person.passwordHash))) {
    await recordFailure(db, key, LOGIN_EMAIL, now);
    throw new FormError("password", "That is not your password.");
  }
  const blocker = await deletionBlocker(deps, person);
  if (blocker) throw new FormError("account", blocker);

  const owned = await db.select({ id: sources.id }).from(sources).where(eq(sources.ownerId, person.id));
  const sourceIds = owned.map((s) => s.id);
  // Their posts (attributed to them in any course) and whatever their own blogs brought in.
  const theirs = or(eq(items.personId, person.id), sourceIds.length ? inArray(items.sourceId, sourceIds) : undefined)!;
  const [n] = await db.select({ n: count() }).from(items).where(theirs);

  await db.batch([
    db
      .insert(tombstones)
      .select(
        db
          .select({
            courseId: items.courseId,
            canonicalUrl: items.canonicalUrl,
            postKey: items.postKey,
            externalId: items.externalId,
            reason: sql<"withdrawn">`'withdrawn'`.as("reason"),
            createdAt: sql<Date>`${now.getTime()}`.as("created_at"),
          })
          .from(items)
          .where(theirs),
      )
      .onConflictDoNothing(),
    db.delete(items).where(theirs),
    db.delete(sources).where(eq(sources.ownerId, person.id)),
    db.delete(loginThrottle).where(inArray(loginThrottle.key, [key, throttleKey("join:person", String(person.id))])),
    db.delete(people).where(eq(people.id, person.id)),
  ]);
  return { items: n?.n ?? 0, sources: sourceIds.length };
}
