// The learner's courses in one view: every course on this hub they belong to, their role there
// and how many of their posts it holds. Read from memberships, so it lists what is true today;
// the plan and portfolio do not depend on it and outlive every course.
import { and, asc, count, eq, isNull } from "drizzle-orm";
import { type Course, courses, items, memberships } from "../../db/schema.js";
import type { Role } from "../../hub/courses.js";
import type { PlsDeps } from "../deps.js";

export interface MyCourse {
  course: Pick<Course, "id" | "slug" | "title" | "archived">;
  role: Role;
  /** The learner's own posts in the course (withdrawn or deleted ones not counted). */
  itemCount: number;
}

export async function myCourses(deps: Pick<PlsDeps, "db">, personId: number): Promise<MyCourse[]> {
  const { db } = deps;
  const rows = await db
    .select({ id: courses.id, slug: courses.slug, title: courses.title, archived: courses.archived, role: memberships.role })
    .from(memberships)
    .innerJoin(courses, eq(courses.id, memberships.courseId))
    .where(eq(memberships.personId, personId))
    .orderBy(asc(courses.archived), asc(courses.title));
  if (!rows.length) return [];
  const counts = await db
    .select({ courseId: items.courseId, n: count() })
    .from(items)
    .where(and(eq(items.personId, personId), isNull(items.deletedAt)))
    .groupBy(items.courseId);
  const byCourse = new Map(counts.map((r) => [r.courseId, r.n]));
  return rows.map(({ role, ...course }) => ({ course, role, itemCount: byCourse.get(course.id) ?? 0 }));
}

/** The ids of the courses the learner belongs to (any role). */
export async function myCourseIds(deps: Pick<PlsDeps, "db">, personId: number): Promise<number[]> {
  const rows = await deps.db.select({ id: memberships.courseId }).from(memberships).where(eq(memberships.personId, personId));
  return rows.map((r) => r.id);
}
