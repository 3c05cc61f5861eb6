// A course's settings as its instructors and TAs edit them: title, tags, dates,
// description and join code. The short name (the course's address) stays as it
// was made: links to the course, its feeds and its OPML live on elsewhere.
import { and, eq, ne, sql } from "drizzle-orm";
import { FormError } from "../core/errors.js";
import { optionalText, readFields } from "../core/form-text.js";
import type { Db } from "../db/database.js";
import { type Course, courses, courseTags } from "../db/schema.js";
import { type CourseInput, readCourseForm } from "./courses.js";
import { normaliseJoinCode } from "./join.js";

export interface CourseSettings extends Omit<CourseInput, "slug"> {
  /** Null: no one can join with a code. */
  joinCode: string | null;
  /** A Webmention alone (no course tag) lets a post join the course. */
  mentionsJoin: boolean;
}

const JOIN_CODE = /^[A-Za-z0-9_-]{4,64}$/;

/** Reads the settings form with the same rules as the new-course form; throws FormError. */
export function readSettingsForm(form: Record<string, unknown>, course: Pick<Course, "slug">): CourseSettings {
  const { course: read, code } = readFields({
    course: () => readCourseForm({ ...form, slug: course.slug }),
    code: () => {
      const code = optionalText(form, "joinCode", 200);
      if (code && (!JOIN_CODE.test(code) || !normaliseJoinCode(code))) {
        throw new FormError(
          "joinCode",
          "Use 4 to 64 letters, digits, hyphens or underscores for the join code (no spaces), or leave it empty.",
        );
      }
      return code;
    },
  });
  const { slug: _slug, ...input } = read;
  return { ...input, joinCode: code || null, mentionsJoin: form.mentionsJoin === "yes" };
}

/** The form's values for a course as it is now. */
export function settingsValues(course: Course, tags: string[]): Record<string, string> {
  return {
    title: course.title,
    tags: tags.map((t) => `#${t}`).join(" "),
    startsOn: course.startsOn ?? "",
    endsOn: course.endsOn ?? "",
    description: course.description,
    joinCode: course.joinCode ?? "",
    mentionsJoin: course.mentionsJoin ? "yes" : "",
  };
}

/** Saves the settings; the tag list is replaced as a whole, in one batch with the rest. */
export async function updateCourseSettings(db: Db, courseId: number, input: CourseSettings): Promise<void> {
  if (input.joinCode) {
    // A code is typed on its own at /join, where case and hyphens do not count
    // (src/hub/join.ts), so no two courses may share one even written differently.
    const [taken] = await db
      .select({ id: courses.id })
      .from(courses)
      .where(and(ne(courses.id, courseId), sql`lower(replace(${courses.joinCode}, '-', '')) = ${normaliseJoinCode(input.joinCode)}`))
      .limit(1);
    if (taken) throw new FormError("joinCode", "Another course already uses this join code; choose another.");
  }
  await db.batch([
    db
      .update(courses)
      .set({
        title: input.title,
        description: input.description,
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        joinCode: input.joinCode,
        mentionsJoin: input.mentionsJoin,
      })
      .where(eq(courses.id, courseId)),
    db.delete(courseTags).where(eq(courseTags.courseId, courseId)),
    db.insert(courseTags).values(input.tags.map((tag) => ({ courseId, tag }))),
  ]);
}
