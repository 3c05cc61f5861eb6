// Loading the course a path names and checking who may run it, shared by the
// course routes and the source routes; and the course's management page, which
// both render (forms that fail show it again with their errors).
import type { Context } from "hono";
import type { Course } from "../../../db/schema.js";
import { blockedAuthorsOf } from "../../../hub/blocks.js";
import { failingSourceCount } from "../../../hub/course-life.js";
import { canManageCourse, courseBySlug, roleIn, tagsOf } from "../../../hub/courses.js";
import { pendingSourcesOf } from "../../../hub/sources/learner-sources.js";
import { sourcesOf } from "../../../hub/sources/sources.js";
import { courseLife, pollBoundMinutes } from "../../../ingest/course-life.js";
import { livePush } from "../../../ingest/push/live.js";
import type { AppEnv } from "../../env.js";
import { errorPage, page } from "../../page.js";

export function loginRedirect(c: Context<AppEnv>) {
  return c.redirect(`/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`);
}

/** Loads the course named in the path, or answers 404. */
export async function withCourse(c: Context<AppEnv>, then: (course: Course) => Promise<Response> | Response) {
  const { db } = c.get("deps");
  const course = await courseBySlug(db, c.req.param("slug") ?? "");
  if (!course) return errorPage(c, 404, "No such course", "There is no course at this address.");
  // The course's header says how to join to those who are not in it, and nothing of it to those who are.
  const viewer = c.get("viewer");
  c.set("courseRole", viewer ? await roleIn(db, viewer.id, course.id) : null);
  return then(course);
}

/** Loads the course and checks that the viewer may run it. */
export async function withManagedCourse(c: Context<AppEnv>, then: (course: Course) => Promise<Response> | Response) {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  return withCourse(c, async (course) => {
    if (!(await canManageCourse(c.get("deps").db, viewer, course.id))) {
      return errorPage(c, 403, "Not allowed", "Only this course's instructors and TAs can do that.");
    }
    c.set("failingSources", await failingSourceCount(c.get("deps").db, course.id));
    return then(course);
  });
}

export async function managePage(c: Context<AppEnv>, course: Course, extra: Record<string, unknown> = {}, status = 200) {
  const { db } = c.get("deps");
  const [sources, tags, blocked, pending] = await Promise.all([
    sourcesOf(db, course.id),
    tagsOf(db, course.id),
    blockedAuthorsOf(db, course.id),
    pendingSourcesOf(db, course.id),
  ]);
  const { config, now } = c.get("deps");
  const boundMinutes = pollBoundMinutes(courseLife(course, now()), config);
  const push = await livePush(c.get("deps"), sources);
  return page(
    c,
    "hub/course-manage",
    { title: `Manage ${course.title}`, course, tags, sources, blocked, pending, boundMinutes, push, ...extra },
    status,
  );
}
