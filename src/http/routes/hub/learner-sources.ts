// A member's own blogs in a course (/c/:slug/my-sources): registering one by
// its home page, seeing its health in plain words, removing it. And the
// instructors' and TAs' answer to a blog waiting for approval.
import { type Context, Hono } from "hono";
import type { Course, Source } from "../../../db/schema.js";
import { canManageCourse, roleIn, tagsOf } from "../../../hub/courses.js";
import {
  approveSource,
  healthOf,
  learnerSourcesOf,
  MAX_SOURCES_PER_LEARNER,
  readLearnerSourceForm,
  refuseSource,
  registerLearnerSource,
  removeOwnSource,
} from "../../../hub/sources/learner-sources.js";
import { postsOnlyFrom } from "../../../hub/sources/sources.js";
import { type CheckNow, checkSourceNow } from "../../../ingest/poll/on-demand.js";
import { pollSource } from "../../../ingest/poll/poll.js";
import { confirmFirst, sourceName } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, idFrom } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { loginRedirect, withCourse, withManagedCourse } from "./course-access.js";

export const learnerSourceRoutes = new Hono<AppEnv>();

/** The course, for its members (any role) and the hub's administrators. */
function withMemberCourse(c: Context<AppEnv>, then: (course: Course, manages: boolean) => Promise<Response>) {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  return withCourse(c, async (course) => {
    const { db } = c.get("deps");
    const [role, manages] = await Promise.all([roleIn(db, viewer.id, course.id), canManageCourse(db, viewer, course.id)]);
    if (!role && !manages) {
      return errorPage(
        c,
        403,
        "Join the course first",
        `You are not in ${course.title}. Join it with the code your instructor gave you (at /c/${course.slug}/join), then register your blog.`,
      );
    }
    return then(course, manages);
  });
}

async function mySourcesPage(c: Context<AppEnv>, course: Course, manages: boolean, extra: Record<string, unknown> = {}, status = 200) {
  const { db } = c.get("deps");
  const [mine, tags] = await Promise.all([learnerSourcesOf(db, course.id, c.get("viewer")!.id), tagsOf(db, course.id)]);
  return page(
    c,
    "hub/my-sources",
    {
      title: `Your blog in ${course.title}`,
      course,
      tags,
      manages,
      sources: mine.map((s) => ({ ...s, health: healthOf(s) })),
      max: MAX_SOURCES_PER_LEARNER,
      ...extra,
    },
    status,
  );
}

learnerSourceRoutes.get("/my-sources", (c) => withMemberCourse(c, (course, manages) => mySourcesPage(c, course, manages)));

learnerSourceRoutes.post("/my-sources", (c) =>
  withMemberCourse(c, async (course, manages) => {
    const deps = c.get("deps");
    const viewer = c.get("viewer")!;
    const form = await formBody(c);
    try {
      const input = readLearnerSourceForm(form, deps.config.allowLoopbackFetch);
      const { source, discovery } = await registerLearnerSource(deps, course.id, viewer, input, manages);
      deps.log("info", "source.registered", {
        course: course.id,
        source: source.id,
        person: viewer.id,
        pending: !manages,
        platform: discovery?.platform ?? null,
      });
      if (manages) {
        const outcome = await pollSource(deps, source);
        flash(
          c,
          outcome.ok
            ? `Your blog is in the course: ${outcome.stored} post(s) found.`
            : `Your blog is in the course, but it could not be read: ${outcome.error}`,
        );
      } else {
        flash(c, "Thanks! Your blog is registered and waits for an instructor or TA to approve it.");
      }
      return c.redirect(`/c/${course.slug}/my-sources`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return mySourcesPage(c, course, manages, { values: form, errors }, 400);
      throw err;
    }
  }),
);

learnerSourceRoutes.post("/my-sources/:id/check", (c) =>
  withMemberCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = /^\d{1,12}$/.test(c.req.param("id") ?? "") ? idFrom(c.req.param("id")) : null;
    const source = id === null ? undefined : (await learnerSourcesOf(deps.db, course.id, c.get("viewer")!.id)).find((s) => s.id === id);
    if (!source) return errorPage(c, 404, "No such blog", "That blog is not one of yours in this course.");
    if (source.status !== "active") {
      flash(c, "The hub does not read this blog yet (or any more): see its health below.", "warn");
      return c.redirect(`/c/${course.slug}/my-sources`, 303);
    }
    const check = await checkSourceNow(deps, source);
    flash(c, checkMessage(check, source.filter), check.checked && !check.outcome.ok ? "error" : "ok");
    return c.redirect(`/c/${course.slug}/my-sources`, 303);
  }),
);

/** What "Check my blog now" found, in plain words. */
function checkMessage(check: CheckNow, filter: Source["filter"]): string {
  if (!check.checked) {
    return "waitSeconds" in check
      ? `Your blog was read moments ago; you can check again in ${check.waitSeconds} second(s).`
      : "The hub is reading your blog right now; look again in a minute.";
  }
  const { outcome } = check;
  if (!outcome.ok) return `The hub could not read your blog: ${outcome.error}`;
  if (outcome.notModified) return "Read your blog: nothing new since the last time.";
  const kept = filter === "all" ? "post(s)" : "post(s) with the course tag";
  return `Read your blog: ${outcome.entries} post(s) in its feed, ${outcome.stored} ${kept} in the course.`;
}

learnerSourceRoutes.post("/my-sources/:id/remove", (c) =>
  withMemberCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = idFrom(c.req.param("id"));
    const viewer = c.get("viewer")!;
    const own = (await learnerSourcesOf(deps.db, course.id, viewer.id)).find((s) => s.id === id);
    if (!own) return errorPage(c, 404, "No such blog", "That blog is not one of yours in this course.");
    const posts = await postsOnlyFrom(deps.db, course.id, id);
    const asked = confirmFirst(c, await formBody(c), {
      question: `Take ${sourceName(own)} out of ${course.title}?`,
      consequences: [
        `The ${posts === 1 ? "post" : `${posts} posts`} the hub read from it leave the course's pages and feeds.`,
        "Your blog and its posts stay where they are, on your own site. You can register it again later.",
      ],
      confirmLabel: "Take my blog out",
      cancel: `/c/${course.slug}/my-sources`,
    });
    if (asked) return asked;
    if (!(await removeOwnSource(deps.db, course.id, viewer.id, id))) {
      return errorPage(c, 404, "No such blog", "That blog is not one of yours in this course.");
    }
    deps.log("info", "source.removed_by_owner", { course: course.id, source: id });
    flash(c, "Your blog is out of the course, with the posts read from it. It is still yours, where it always was.");
    return c.redirect(`/c/${course.slug}/my-sources`, 303);
  }),
);

learnerSourceRoutes.post("/manage/sources/:id/approve", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = idFrom(c.req.param("id"));
    const source = Number.isInteger(id) ? await approveSource(deps.db, course.id, id, deps.now()) : null;
    if (!source) return errorPage(c, 404, "Nothing to approve", "That blog is not waiting for approval in this course.");
    deps.log("info", "source.approved", { course: course.id, source: id });
    // Read it at once, as when an instructor adds a blog, so the answer shows straight away.
    const outcome = await pollSource(deps, source);
    flash(
      c,
      outcome.ok ? `Approved: ${outcome.stored} post(s) found.` : `Approved, but it could not be read yet: ${outcome.error}`,
      outcome.ok ? "ok" : "warn",
    );
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);

learnerSourceRoutes.post("/manage/sources/:id/refuse", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = idFrom(c.req.param("id"));
    if (!Number.isInteger(id) || !(await refuseSource(deps.db, course.id, id))) {
      return errorPage(c, 404, "Nothing to refuse", "That blog is not waiting for approval in this course.");
    }
    deps.log("info", "source.refused", { course: course.id, source: id });
    flash(c, "Refused: the hub will not read this blog. Its owner sees that it was not accepted.");
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);
