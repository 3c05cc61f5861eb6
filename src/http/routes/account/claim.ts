// Claiming a place on a course's roster: /claim/:token, the link an instructor hands a learner
// whose blog they added with the learner's name. The learner signs in (or signs up) and confirms;
// the roster person's posts, blogs and accounts become theirs (src/hub/roster-people.ts). The
// token is the secret: the page is never cached, never indexed, and sends no referrer.

import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { NotFoundError } from "../../../core/errors.js";
import { courses } from "../../../db/schema.js";
import { checkClaim, claimRosterPerson } from "../../../hub/roster-people.js";
import { autoLinkByTags } from "../../../pls/portfolio/portfolio.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash } from "../../forms.js";
import { errorPage, page } from "../../page.js";

export const claimRoutes = new Hono<AppEnv>();

function secretPage(c: Context<AppEnv>) {
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  c.header("x-robots-tag", "noindex");
}

const gone = (c: Context<AppEnv>) =>
  errorPage(
    c,
    410,
    "This link does not work any more",
    "It was used already, or the instructor made a new one. Ask them for a fresh link.",
  );

claimRoutes.get("/:token", async (c) => {
  secretPage(c);
  const { db } = c.get("deps");
  const viewer = c.get("viewer");
  const token = c.req.param("token");
  const check = await checkClaim(db, token, viewer);
  if (!check.ok && check.reason === "unknown") return gone(c);
  const courseId = check.ok ? check.courseId : null;
  const [course] = courseId === null ? [] : await db.select().from(courses).where(eq(courses.id, courseId));
  const here = `/claim/${encodeURIComponent(token)}`;
  return page(c, "account/claim", {
    title: "Claim your place",
    noindex: true,
    name: check.ok ? check.rosterPerson.displayName : null,
    courseTitle: course?.title ?? null,
    wrongAccount: !check.ok ? check.hint : null,
    action: here,
    next: encodeURIComponent(here),
  });
});

claimRoutes.post("/:token", async (c) => {
  secretPage(c);
  const deps = c.get("deps");
  const viewer = c.get("viewer");
  const token = c.req.param("token");
  if (!viewer) return c.redirect(`/login?next=${encodeURIComponent(`/claim/${token}`)}`, 303);
  try {
    const { name, courseId } = await claimRosterPerson(deps.db, token, viewer);
    deps.log("info", "roster.claimed", { person: viewer.id, course: courseId });
    // Their posts may carry an active objective's tag: evidence at once, as after verifying an account.
    await autoLinkByTags(deps, viewer.id).catch((err: unknown) =>
      deps.log("error", "pls.autolink.failed", { person: viewer.id, error: String(err).slice(0, 300) }),
    );
    const [course] = await deps.db.select().from(courses).where(eq(courses.id, courseId));
    flash(c, `You are ${name} in ${course?.title ?? "the course"} now: your posts and your blog are yours.`);
    return c.redirect(course ? `/c/${course.slug}/my-sources` : "/me", 303);
  } catch (err) {
    if (err instanceof NotFoundError) return gone(c);
    const errors = fieldErrors(err);
    if (!errors) throw err;
    return errorPage(c, 403, "Not for this account", Object.values(errors).join(" "));
  }
});
