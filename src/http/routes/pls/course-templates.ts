// A course's objective templates, offered to its members in their plans. Run by the people who run
// the course (instructors, TAs and administrators, like its sources and Spotlight): a template is
// only an offer, and using one copies it into the learner's own plan.
import { type Context, Hono } from "hono";
import { NotFoundError } from "../../../core/errors.js";
import type { Course } from "../../../db/schema.js";
import { tagsOf } from "../../../hub/courses.js";
import { addCourseTemplate, deleteCourseTemplate, listCourseTemplates, updateCourseTemplate } from "../../../pls/plan/course-templates.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { withManagedCourse } from "../hub/course-access.js";
import { idParam } from "./actions.js";

export const courseTemplateRoutes = new Hono<AppEnv>();

async function templatesPage(c: Context<AppEnv>, course: Course, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [templates, tags] = await Promise.all([listCourseTemplates(deps, course.id), tagsOf(deps.db, course.id)]);
  return page(
    c,
    "hub/course-templates",
    { title: `Objective templates of ${course.title}`, course, tags, templates, values: {}, errors: {}, edit: null, ...extra },
    status,
  );
}

/** The template id from the path; -1 (no template has it) when it is not a number. */
const templateId = (c: Context<AppEnv>) => idParam(c) ?? -1;

const notFound = (c: Context<AppEnv>) => errorPage(c, 404, "No such template", "This course has no template at this address.");

courseTemplateRoutes.get("/manage/templates", (c) => withManagedCourse(c, (course) => templatesPage(c, course)));

courseTemplateRoutes.post("/manage/templates", (c) =>
  withManagedCourse(c, async (course) => {
    const form = await formBody(c);
    try {
      const t = await addCourseTemplate(c.get("deps"), course.id, form);
      flash(c, `Added the template "${t.title}". The course's members can start from it in their plans.`);
      return c.redirect(`/c/${course.slug}/manage/templates`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return templatesPage(c, course, { values: form, errors }, 400);
    }
  }),
);

courseTemplateRoutes.post("/manage/templates/:id", (c) =>
  withManagedCourse(c, async (course) => {
    const form = await formBody(c);
    const id = templateId(c);
    try {
      const t = await updateCourseTemplate(c.get("deps"), course.id, id, form);
      flash(c, `Saved the template "${t.title}". Objectives already started from it do not change.`);
      return c.redirect(`/c/${course.slug}/manage/templates`, 303);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return templatesPage(c, course, { edit: { id, values: form, errors } }, 400);
    }
  }),
);

courseTemplateRoutes.post("/manage/templates/:id/delete", (c) =>
  withManagedCourse(c, async (course) => {
    try {
      await deleteCourseTemplate(c.get("deps"), course.id, templateId(c));
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      throw err;
    }
    flash(c, "Removed the template. Objectives already started from it stay in their learners' plans.");
    return c.redirect(`/c/${course.slug}/manage/templates`, 303);
  }),
);
