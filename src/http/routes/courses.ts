// The hub's course list, course creation, a course's Flow and its management
// page. Adding and polling sources, and rosters, live in ./sources.ts.
import { Hono } from "hono";
import { canManageCourse, createCourse, listCourses, readCourseForm, tagsOf } from "../../hub/courses.js";
import { flowPage } from "../../hub/flow.js";
import { alternatesFor } from "../../hub/outbound/links.js";
import { hubHasAccounts } from "../../hub/people.js";
import type { AppEnv } from "../env.js";
import { fieldErrors, flash, formBody } from "../forms.js";
import { errorPage, page } from "../page.js";
import { loginRedirect, managePage, withCourse, withManagedCourse } from "./course-access.js";
import { sourceRoutes } from "./sources.js";

export const courseRoutes = new Hono<AppEnv>();

courseRoutes.get("/", async (c) => {
  const { db } = c.get("deps");
  if (!(await hubHasAccounts(db))) return c.redirect("/setup");
  const courses = await Promise.all((await listCourses(db)).map(async (course) => ({ ...course, tags: await tagsOf(db, course.id) })));
  return page(c, "home", { title: "Courses", courses, canCreate: !!c.get("viewer")?.isAdmin });
});

courseRoutes.get("/courses/new", (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  if (!viewer.isAdmin) return errorPage(c, 403, "Not allowed", "Only the hub's administrators can create courses.");
  return page(c, "course-new", { title: "New course" });
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
    if (errors) return page(c, "course-new", { title: "New course", values: form, errors }, 400);
    throw err;
  }
});

courseRoutes.get("/c/:slug", (c) =>
  withCourse(c, async (course) => {
    const { db } = c.get("deps");
    const [flow, tags, canManage] = await Promise.all([
      flowPage(db, course.id, { before: c.req.query("before") }),
      tagsOf(db, course.id),
      canManageCourse(db, c.get("viewer"), course.id),
    ]);
    return page(c, "flow", { title: course.title, course, tags, items: flow.items, next: flow.next, canManage, alternates: alternatesFor(course.slug, "", `${course.title}: Flow`) });
  }),
);

courseRoutes.get("/c/:slug/manage", (c) => withManagedCourse(c, (course) => managePage(c, course)));

courseRoutes.route("/", sourceRoutes);
