// A course's own objectives, offered by the people who run it: a title, why, the tags posts about
// it carry, and steps. A member of the course can start an objective from one; the objective is
// then theirs alone (editing or deleting the template later changes no one's plan).
import { and, asc, eq, inArray } from "drizzle-orm";
import { FormError, NotFoundError } from "../../core/errors.js";
import { optionalText, requireText } from "../../core/form-text.js";
import { type Course, type CourseTemplate, courses, courseTemplates, memberships, type Objective } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { readTags } from "../validate.js";
import { createObjective } from "./objectives.js";
import { addStep } from "./steps.js";

const MAX_STEPS = 30;

export interface CourseTemplateInput {
  title: string;
  why: string;
  tags: string[];
  steps: string[];
}

/** Steps come one per line from a textarea; blank lines are ignored. */
export function readCourseTemplateForm(form: Record<string, unknown>): CourseTemplateInput {
  const title = requireText(form, "title", "Title", 200);
  const why = optionalText(form, "why", 2000);
  const tags = readTags(form.tags);
  const raw = typeof form.steps === "string" ? form.steps : "";
  const steps = raw
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (steps.length > MAX_STEPS) throw new FormError("steps", `Offer at most ${MAX_STEPS} steps.`);
  const long = steps.find((s) => s.length > 200);
  if (long) throw new FormError("steps", `Each step must be at most 200 characters ("${long.slice(0, 40)}…" is longer).`);
  return { title, why, tags, steps };
}

export function listCourseTemplates(deps: Pick<PlsDeps, "db">, courseId: number): Promise<CourseTemplate[]> {
  return deps.db.select().from(courseTemplates).where(eq(courseTemplates.courseId, courseId)).orderBy(asc(courseTemplates.id));
}

async function getCourseTemplate(deps: Pick<PlsDeps, "db">, courseId: number, id: number): Promise<CourseTemplate> {
  const [t] = Number.isInteger(id)
    ? await deps.db
        .select()
        .from(courseTemplates)
        .where(and(eq(courseTemplates.id, id), eq(courseTemplates.courseId, courseId)))
    : [];
  if (!t) throw new NotFoundError("template", "That template does not exist in this course.");
  return t;
}

export async function addCourseTemplate(deps: PlsDeps, courseId: number, form: Record<string, unknown>): Promise<CourseTemplate> {
  const input = readCourseTemplateForm(form);
  const [t] = await deps.db
    .insert(courseTemplates)
    .values({ courseId, ...input, createdAt: deps.now() })
    .returning();
  return t!;
}

export async function updateCourseTemplate(
  deps: PlsDeps,
  courseId: number,
  id: number,
  form: Record<string, unknown>,
): Promise<CourseTemplate> {
  await getCourseTemplate(deps, courseId, id);
  const input = readCourseTemplateForm(form);
  const [t] = await deps.db.update(courseTemplates).set(input).where(eq(courseTemplates.id, id)).returning();
  return t!;
}

export async function deleteCourseTemplate(deps: PlsDeps, courseId: number, id: number): Promise<void> {
  await getCourseTemplate(deps, courseId, id);
  await deps.db.delete(courseTemplates).where(eq(courseTemplates.id, id));
}

export interface CourseTemplateGroup {
  course: Pick<Course, "id" | "slug" | "title">;
  templates: CourseTemplate[];
}

/** The templates of every course the learner belongs to, grouped by course (courses without any left out). */
export async function courseTemplatesForLearner(deps: Pick<PlsDeps, "db">, personId: number): Promise<CourseTemplateGroup[]> {
  const mine = deps.db.select({ id: memberships.courseId }).from(memberships).where(eq(memberships.personId, personId));
  const rows = await deps.db
    .select({ template: courseTemplates, course: { id: courses.id, slug: courses.slug, title: courses.title } })
    .from(courseTemplates)
    .innerJoin(courses, eq(courses.id, courseTemplates.courseId))
    .where(inArray(courseTemplates.courseId, mine))
    .orderBy(asc(courses.title), asc(courses.id), asc(courseTemplates.id));
  const groups: CourseTemplateGroup[] = [];
  for (const r of rows) {
    const last = groups[groups.length - 1];
    if (last && last.course.id === r.course.id) last.templates.push(r.template);
    else groups.push({ course: r.course, templates: [r.template] });
  }
  return groups;
}

/**
 * A new objective (with the template's tags, so the learner's tagged posts become evidence) and
 * its steps, for a member of the template's course. Anyone else is told the template is not offered.
 */
export async function instantiateCourseTemplate(deps: PlsDeps, personId: number, templateId: number): Promise<Objective> {
  const [t] = Number.isInteger(templateId)
    ? await deps.db
        .select({ template: courseTemplates })
        .from(courseTemplates)
        .innerJoin(memberships, and(eq(memberships.courseId, courseTemplates.courseId), eq(memberships.personId, personId)))
        .where(eq(courseTemplates.id, templateId))
    : [];
  if (!t) throw new FormError("template", "Choose one of the templates offered to you.");
  const { title, why, tags, steps } = t.template;
  const o = await createObjective(deps, personId, { title, why, tags });
  for (const step of steps) await addStep(deps, personId, o.id, { title: step });
  return o;
}
