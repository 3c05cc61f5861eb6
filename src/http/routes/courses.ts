// The hub's course list, course creation, a course's Flow and its management page.
import { Hono, type Context } from "hono";
import type { Course } from "../../db/schema.js";
import { pollSource } from "../../ingest/poll.js";
import { canManageCourse, courseBySlug, createCourse, listCourses, readCourseForm, tagsOf } from "../../hub/courses.js";
import { flowPage } from "../../hub/flow.js";
import { hubHasAccounts } from "../../hub/people.js";
import { addFeedSource, markDue, readFeedSourceForm, sourcesOf } from "../../hub/sources.js";
import type { AppEnv } from "../env.js";
import { fieldErrors, flash, formBody } from "../forms.js";
import { errorPage, page } from "../page.js";

export const courseRoutes = new Hono<AppEnv>();

courseRoutes.get("/", async (c) => {
  const { db } = c.get("deps");
  if (!(await hubHasAccounts(db))) return c.redirect("/setup");
  const courses = await Promise.all((await listCourses(db)).map(async (course) => ({ ...course, tags: await tagsOf(db, course.id) })));
  return page(c, "home", { title: "Courses", courses, canCreate: !!c.get("viewer")?.isAdmin });
});

function loginRedirect(c: Context<AppEnv>) {
  return c.redirect(`/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`);
}

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

/** Loads the course named in the path, or answers 404. */
async function withCourse(c: Context<AppEnv>, then: (course: Course) => Promise<Response> | Response) {
  const course = await courseBySlug(c.get("deps").db, c.req.param("slug") ?? "");
  if (!course) return errorPage(c, 404, "No such course", "There is no course at this address.");
  return then(course);
}

/** Loads the course and checks that the viewer may run it. */
async function withManagedCourse(c: Context<AppEnv>, then: (course: Course) => Promise<Response> | Response) {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  return withCourse(c, async (course) => {
    if (!(await canManageCourse(c.get("deps").db, viewer, course.id))) {
      return errorPage(c, 403, "Not allowed", "Only this course's instructors and TAs can do that.");
    }
    return then(course);
  });
}

courseRoutes.get("/c/:slug", (c) =>
  withCourse(c, async (course) => {
    const { db } = c.get("deps");
    const [flow, tags, canManage] = await Promise.all([
      flowPage(db, course.id, { before: c.req.query("before") }),
      tagsOf(db, course.id),
      canManageCourse(db, c.get("viewer"), course.id),
    ]);
    return page(c, "flow", { title: course.title, course, tags, items: flow.items, next: flow.next, canManage });
  }),
);

async function managePage(c: Context<AppEnv>, course: Course, extra: Record<string, unknown> = {}, status = 200) {
  const { db } = c.get("deps");
  const [sources, tags] = await Promise.all([sourcesOf(db, course.id), tagsOf(db, course.id)]);
  return page(c, "course-manage", { title: `Manage ${course.title}`, course, tags, sources, ...extra }, status);
}

courseRoutes.get("/c/:slug/manage", (c) => withManagedCourse(c, (course) => managePage(c, course)));

courseRoutes.post("/c/:slug/manage/sources", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const input = readFeedSourceForm(form, deps.config.allowLoopbackFetch);
      const source = await addFeedSource(deps.db, course.id, input, null, deps.now());
      deps.log("info", "source.added", { course: course.id, source: source.id });
      // Read it at once, so the instructor sees straight away whether it works.
      const outcome = await pollSource(deps, source);
      flash(c, outcome.ok ? `Feed added: ${outcome.stored} tagged post(s) found.` : `Feed added, but it could not be read: ${outcome.error}`);
      return c.redirect(`/c/${course.slug}/manage`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return managePage(c, course, { values: form, errors }, 400);
      throw err;
    }
  }),
);

courseRoutes.post("/c/:slug/manage/sources/:id/poll", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = Number(c.req.param("id"));
    if (!Number.isInteger(id) || !(await markDue(deps.db, course.id, id, deps.now()))) {
      return errorPage(c, 404, "No such source", "That source is not part of this course.");
    }
    const source = (await sourcesOf(deps.db, course.id)).find((s) => s.id === id)!;
    const outcome = await pollSource(deps, source);
    flash(c, outcome.ok ? (outcome.notModified ? "Polled: nothing new since last time." : `Polled: ${outcome.stored} tagged post(s).`) : `Poll failed: ${outcome.error}`);
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);
