// Courses, their tags and who teaches them.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { dayProblem, parseDay } from "../core/day.js";
import { FormError } from "../core/errors.js";
import { optionalText, readFields, requireText } from "../core/form-text.js";
import type { Db } from "../db/database.js";
import { type Course, courses, courseTags, memberships, type Person } from "../db/schema.js";
import { normaliseTag } from "../ingest/tags.js";
import { newJoinCode } from "./join-code.js";

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const TAG = /^[\p{L}\p{N}_]+$/u;

export interface CourseInput {
  title: string;
  slug: string;
  tags: string[];
  description: string;
  startsOn: string | null;
  endsOn: string | null;
}

/** "#T509Massive, #t509" → ["t509massive", "t509"]. A tag is one word, as a hashtag must be. */
export function parseTagList(raw: string): string[] {
  const tags = raw
    .split(/[\s,]+/)
    .map(normaliseTag)
    .filter(Boolean);
  for (const t of tags) {
    if (!TAG.test(t)) throw new FormError("tags", `"${t}" is not a hashtag: use letters, digits and underscores only.`);
    if (t.length > 100) throw new FormError("tags", "A tag must be at most 100 characters.");
  }
  if (tags.length === 0) throw new FormError("tags", "Give the course at least one tag, e.g. t509massive.");
  if (tags.length > 10) throw new FormError("tags", "A course can listen to at most 10 tags.");
  return [...new Set(tags)];
}

function optionalDate(form: Record<string, unknown>, field: string): string | null {
  const s = optionalText(form, field, 40);
  if (!s) return null;
  const day = parseDay(s);
  if (!day) throw new FormError(field, dayProblem(field === "endsOn" ? "Ends on" : "Starts on"));
  return day;
}

export function readCourseForm(form: Record<string, unknown>): CourseInput {
  const input = readFields<CourseInput>({
    title: () => requireText(form, "title", "Title", 200),
    slug: () => {
      const slug = requireText(form, "slug", "Short name", 64).toLowerCase();
      if (!SLUG.test(slug)) {
        throw new FormError("slug", "Use lower-case letters, digits and hyphens for the short name (it becomes the address /c/name).");
      }
      return slug;
    },
    tags: () => parseTagList(requireText(form, "tags", "Course tag", 1000)),
    description: () => optionalText(form, "description", 5000),
    startsOn: () => optionalDate(form, "startsOn"),
    endsOn: () => optionalDate(form, "endsOn"),
  });
  if (input.startsOn && input.endsOn && input.endsOn < input.startsOn) {
    throw new FormError("endsOn", "The course cannot end before it starts.");
  }
  return input;
}

/** Creates the course, its tags and the creator's instructor membership in one batch. */
export async function createCourse(db: Db, input: CourseInput, creator: Person): Promise<Course> {
  const [existing] = await db.select({ id: courses.id }).from(courses).where(eq(courses.slug, input.slug));
  if (existing) throw new FormError("slug", `A course at /c/${input.slug} already exists; choose another short name.`);
  // Later statements of the batch find the new course by its slug: D1 batches
  // cannot pass a returned id from one statement to the next.
  const courseId = sql<number>`(SELECT id FROM courses WHERE slug = ${input.slug})`;
  await db.batch([
    db.insert(courses).values({
      slug: input.slug,
      title: input.title,
      description: input.description,
      startsOn: input.startsOn,
      endsOn: input.endsOn,
      // Open to join from the start: the instructor hands the code (or the join link) to the class.
      joinCode: newJoinCode(),
    }),
    db.insert(courseTags).values(input.tags.map((tag) => ({ courseId, tag }))),
    db.insert(memberships).values({ courseId, personId: creator.id, role: "instructor" }),
  ]);
  const course = await courseBySlug(db, input.slug);
  if (!course) throw new Error("course vanished after insert");
  return course;
}

export async function courseBySlug(db: Db, slug: string): Promise<Course | null> {
  const [row] = await db.select().from(courses).where(eq(courses.slug, slug)).limit(1);
  return row ?? null;
}

export async function tagsOf(db: Db, courseId: number): Promise<string[]> {
  const rows = await db
    .select({ tag: courseTags.tag })
    .from(courseTags)
    .where(eq(courseTags.courseId, courseId))
    .orderBy(asc(courseTags.tag));
  return rows.map((r) => r.tag);
}

export async function listCourses(db: Db): Promise<Course[]> {
  return db.select().from(courses).orderBy(asc(courses.archived), desc(courses.createdAt), asc(courses.title));
}

export type Role = "instructor" | "ta" | "learner";

export async function roleIn(db: Db, personId: number, courseId: number): Promise<Role | null> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.personId, personId), eq(memberships.courseId, courseId)))
    .limit(1);
  return row?.role ?? null;
}

/** Instructors and TAs run a course; the hub's administrators may run any. */
export async function canManageCourse(db: Db, person: Person | null, courseId: number): Promise<boolean> {
  if (!person) return false;
  if (person.isAdmin) return true;
  const role = await roleIn(db, person.id, courseId);
  return role === "instructor" || role === "ta";
}
