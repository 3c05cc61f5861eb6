// Who belongs to a course and in which role. Instructors (and the hub's
// administrators) add TAs and remove members; TAs help run the course (sources,
// approvals, blocks) but do not decide who else runs it.
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { personByEmail } from "../accounts/people.js";
import { FormError } from "../core/errors.js";
import { requireText } from "../core/form-text.js";
import type { Db } from "../db/database.js";
import { memberships, type Person, people } from "../db/schema.js";
import { type Role, roleIn } from "./courses.js";

export interface Member {
  personId: number;
  displayName: string;
  email: string;
  role: Role;
  since: Date;
}

/** Instructors first, then TAs, then learners; by name within each. */
export async function membersOf(db: Db, courseId: number): Promise<Member[]> {
  return (
    db
      .select({
        personId: people.id,
        displayName: people.displayName,
        email: people.email,
        role: memberships.role,
        since: memberships.createdAt,
      })
      .from(memberships)
      .innerJoin(people, eq(people.id, memberships.personId))
      // Roster people (no account yet) are listed apart, with their claim links (roster-people.ts).
      .where(and(eq(memberships.courseId, courseId), isNull(people.rosterOf)))
      .orderBy(sql`CASE ${memberships.role} WHEN 'instructor' THEN 0 WHEN 'ta' THEN 1 ELSE 2 END`, asc(people.displayName), asc(people.id))
  );
}

/** Only instructors and administrators decide who runs a course. */
export async function canRunPeople(db: Db, person: Person | null, courseId: number): Promise<boolean> {
  if (!person) return false;
  if (person.isAdmin) return true;
  return (await roleIn(db, person.id, courseId)) === "instructor";
}

export function readTaEmail(form: Record<string, unknown>): string {
  return requireText(form, "email", "Email", 254).toLowerCase();
}

/**
 * Makes the account with this email a TA of the course: a learner of the
 * course is promoted, anyone else is added. Throws FormError on "email".
 */
export async function addTa(db: Db, courseId: number, email: string): Promise<{ person: Person; promoted: boolean }> {
  const person = await personByEmail(db, email);
  if (!person) {
    throw new FormError("email", "No account uses this email. Ask them to create one on the hub's sign-up page first, then add them here.");
  }
  const role = await roleIn(db, person.id, courseId);
  if (role === "ta") throw new FormError("email", `${person.displayName} is already a TA of this course.`);
  if (role === "instructor") throw new FormError("email", `${person.displayName} is an instructor of this course already.`);
  if (role === "learner") {
    await db
      .update(memberships)
      .set({ role: "ta" })
      .where(and(eq(memberships.courseId, courseId), eq(memberships.personId, person.id)));
    return { person, promoted: true };
  }
  await db
    .insert(memberships)
    .values({ courseId, personId: person.id, role: "ta" })
    .onConflictDoUpdate({
      target: [memberships.courseId, memberships.personId],
      set: { role: "ta" },
    });
  return { person, promoted: false };
}

export type RemoveOutcome = "removed" | "not_member" | "instructor";

/**
 * Takes a learner or TA out of the course. Instructors are not removed here,
 * so a course can never be left without one. The person's blogs stay in the
 * course (an instructor removes them on the Manage page if they should go).
 */
export async function removeMember(db: Db, courseId: number, personId: number): Promise<RemoveOutcome> {
  const role = await roleIn(db, personId, courseId);
  if (!role) return "not_member";
  if (role === "instructor") return "instructor";
  await db
    .delete(memberships)
    .where(and(eq(memberships.courseId, courseId), eq(memberships.personId, personId), sql`${memberships.role} <> 'instructor'`));
  return "removed";
}
