// The hub's course list, course creation and a course's management page (the
// Flow and the other course pages live in ./pages.ts). Adding and polling
// sources, and rosters, live in ./sources.ts.
import { Hono } from "hono";
import { hubHasAccounts } from "../../../accounts/people.js";
import { createCourse, listCourses, readCourseForm, tagsOf } from "../../../hub/courses.js";
import { courseLife } from "../../../ingest/course-life.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { loginRedirect, managePage, withManagedCourse } from "./course-access.js";

export const courseRoutes = new Hono<AppEnv>();

courseRoutes.get("/", async (c) => {
  const { db, now } = c.get("deps");
  if (!(await hubHasAccounts(db))) return c.redirect("/setup");
  const at = now();
  const courses = await Promise.all(
    (await listCourses(db)).map(async (course) => ({ ...course, tags: await tagsOf(db, course.id), life: courseLife(course, at) })),
  );
  return page(c, "hub/home", { title: "Courses", courses, canCreate: !!c.get("viewer")?.isAdmin });
});

courseRoutes.get("/courses/new", (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  if (!viewer.isAdmin) return errorPage(c, 403, "Not allowed", "Only the hub's administrators can create courses.");
  return page(c, "hub/course-new", { title: "New course" });
});

courseRoutes.post("/courses", async (c) => {
  const { db, log } = c.get("deps");
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  if (!viewer.isAdmin) return errorPage(c, 403, "Not allowed", "Only the hub's administrators can create courses.");
  const form = await formBody(c);
  try {
    const course = await createCourse(db, readCourseForm(form), viewer);
    log("info", "course.created", { course: course.id, slug: course.slug });
    flash(c, `${course.title} is ready. Add the learners' blog feeds.`);
    return c.redirect(`/c/${course.slug}/manage`, 303);
  } catch (err) {
    const errors = fieldErrors(err);
    if (errors) return page(c, "hub/course-new", { title: "New course", values: form, errors }, 400);
    throw err;
  }
});

courseRoutes.get("/c/:slug/manage", (c) => withManagedCourse(c, (course) => managePage(c, course)));
