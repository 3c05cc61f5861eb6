// Who takes part in a course, for its learner feeds and for "take your network
// with you": everyone with a membership (any role), and everyone whose posts
// the course shows (a learner's verified accounts bring their posts in,
// enrolled or not).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { items, memberships, type Person, people } from "../../db/schema.js";
import { canManageCourse, roleIn } from "../courses.js";
import { visibleIn } from "../flow.js";

/**
 * The course's participants' ids, as a subquery (never a list of bound values:
 * D1 binds at most 100 per statement).
 */
export function participantIds(courseId: number) {
  // Written out: SQLite refuses the parenthesised SELECTs drizzle would put either side of UNION.
  return sql`(SELECT ${memberships.personId} FROM ${memberships} WHERE ${memberships.courseId} = ${courseId}
    UNION SELECT ${items.personId} FROM ${items} WHERE ${visibleIn(courseId)} AND ${items.personId} IS NOT NULL)`;
}

async function hasPostsIn(db: Db, courseId: number, personId: number): Promise<boolean> {
  const [row] = await db
    .select({ id: items.id })
    .from(items)
    .where(and(visibleIn(courseId), eq(items.personId, personId)))
    .limit(1);
  return !!row;
}

/**
 * May this signed-in person download the course's network? Its instructors,
 * TAs and the hub's administrators; its members; and learners whose posts it
 * shows.
 */
export async function isMember(db: Db, person: Person | null, courseId: number): Promise<boolean> {
  if (!person) return false;
  if (await canManageCourse(db, person, courseId)) return true;
  if ((await roleIn(db, person.id, courseId)) !== null) return true;
  return hasPostsIn(db, courseId, person.id);
}

/** The person's name when they take part in the course, else null. */
export async function participantName(db: Db, courseId: number, personId: number): Promise<string | null> {
  if (!Number.isSafeInteger(personId) || personId <= 0) return null;
  const [person] = await db.select({ name: people.displayName }).from(people).where(eq(people.id, personId));
  if (!person) return null;
  if ((await roleIn(db, personId, courseId)) !== null || (await hasPostsIn(db, courseId, personId))) return person.name;
  return null;
}
