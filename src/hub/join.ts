// Joining a course with its join code. Instructors and TAs make a code on the
// course's People page (or type one of their own in the course settings) and
// give it to the class; a learner who types it becomes a learner of that
// course. Codes made here use letters and digits that cannot be mistaken for
// one another (no 0/O, no 1/I), in two groups of four: ABCD-EFGH. Any code is
// matched ignoring case, spaces and hyphens, the way people retype codes.
import { eq, sql } from "drizzle-orm";
import { FormError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { type Course, courses, memberships } from "../db/schema.js";
import { type Role, roleIn } from "./courses.js";
import { newJoinCode } from "./join-code.js";

/** What the course settings accept as a code (src/hub/course-settings.ts), hyphens aside. */
const CODE = /^[a-z0-9_]{4,64}$/;

/** "abcd efgh", "ABCD-EFGH" → "abcdefgh", the form codes are compared in; null when it cannot be a code. */
export function normaliseJoinCode(raw: string): string | null {
  const code = raw.toLowerCase().replace(/[\s-]+/g, "");
  return CODE.test(code) ? code : null;
}

export function readJoinCode(form: Record<string, unknown>): string {
  const raw = typeof form.code === "string" ? form.code.trim().slice(0, 200) : "";
  if (!raw) throw new FormError("code", "Enter the join code your instructor gave you.");
  const code = normaliseJoinCode(raw);
  if (!code) throw new FormError("code", "That is not a join code: codes are letters and digits, like ABCD-EFGH.");
  return code;
}

/** The stored code in the form `normaliseJoinCode` gives, for SQL comparison. */
const storedCode = sql`lower(replace(${courses.joinCode}, '-', ''))`;

/** Makes a new join code for the course (the old one stops working) and returns it. */
export async function makeJoinCode(db: Db, courseId: number): Promise<string> {
  for (;;) {
    const code = newJoinCode();
    // Codes are typed on their own at /join, so no two courses may share one.
    const [taken] = await db
      .select({ id: courses.id })
      .from(courses)
      .where(sql`${storedCode} = ${normaliseJoinCode(code)}`)
      .limit(1);
    if (taken) continue;
    await db.update(courses).set({ joinCode: code }).where(eq(courses.id, courseId));
    return code;
  }
}

/** Turns joining with a code off. */
export async function clearJoinCode(db: Db, courseId: number): Promise<void> {
  await db.update(courses).set({ joinCode: null }).where(eq(courses.id, courseId));
}

/**
 * The course this (normalised) code opens; null when none does, or when
 * several do (codes typed in the settings may differ only by hyphens).
 */
export async function courseByJoinCode(db: Db, code: string): Promise<Course | null> {
  const rows = await db.select().from(courses).where(sql`${storedCode} = ${code}`).limit(2);
  return rows.length === 1 ? rows[0]! : null;
}

function opens(course: Course, code: string): boolean {
  return !!course.joinCode && normaliseJoinCode(course.joinCode) === code;
}

/** The code is wrong, or the course takes no new learners: a message for the person. */
export class JoinRefused extends FormError {
  override name = "JoinRefused";
}

export interface Joined {
  /** The person's role in the course now (an instructor who uses the code stays an instructor). */
  role: Role;
  /** False when they were a member already. */
  joined: boolean;
}

/**
 * Adds the person to the course as a learner when `code` (normalised) opens it.
 * Throws JoinRefused when it does not, or the course is archived.
 */
export async function joinWithCode(db: Db, course: Course, personId: number, code: string): Promise<Joined> {
  if (!opens(course, code)) {
    throw new JoinRefused(
      "code",
      "That code does not open this course. Check it with your instructor: codes change when a new one is made.",
    );
  }
  if (course.archived) throw new JoinRefused("code", "This course is archived and takes no new learners.");
  const inserted = await db
    .insert(memberships)
    .values({ courseId: course.id, personId, role: "learner" })
    .onConflictDoNothing()
    .returning({ role: memberships.role });
  if (inserted[0]) return { role: inserted[0].role, joined: true };
  return { role: (await roleIn(db, personId, course.id)) ?? "learner", joined: false };
}
