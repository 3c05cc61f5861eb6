// Joining a course with its join code: /join for any code, /c/:slug/join for
// the course a link names (instructors can share /c/slug/join?code=ABCD-EFGH).
// Wrong codes are throttled per person and per address, so a code cannot be
// found by trying.
import { type Context, Hono } from "hono";
import { addressKey, JOIN_CODE, lockedUntil, recordFailure, throttleKey, waitInWords } from "../../../accounts/throttle.js";
import type { Course } from "../../../db/schema.js";
import { roleIn } from "../../../hub/courses.js";
import { courseByJoinCode, JoinRefused, joinWithCode, readJoinCode } from "../../../hub/join.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody } from "../../forms.js";
import { page } from "../../page.js";
import { clientAddress } from "../account/auth.js";
import { withCourse } from "./course-access.js";

export const joinRoutes = new Hono<AppEnv>();

/** To sign in (or sign up) and come back here, query included: a shared link carries its code. */
function signInFirst(c: Context<AppEnv>) {
  const url = new URL(c.req.url);
  return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
}

function joinKeys(c: Context<AppEnv>, personId: number): string[] {
  const address = clientAddress(c);
  return [throttleKey("join:person", String(personId)), ...(address ? [addressKey("join:addr", address)] : [])];
}

function joinPage(c: Context<AppEnv>, course: Course | null, data: Record<string, unknown>, status = 200) {
  return page(c, "hub/join", { title: course ? `Join ${course.title}` : "Join a course", course, ...data }, status);
}

/**
 * Checks the code against `course` (or finds the course by the code), adds
 * the viewer as a learner and sends them to register their blog.
 */
async function join(c: Context<AppEnv>, course: Course | null) {
  const viewer = c.get("viewer")!;
  const { db, log, now } = c.get("deps");
  const form = await formBody(c);
  const values = { code: form.code };
  const keys = joinKeys(c, viewer.id);
  const locked = await lockedUntil(db, keys, now());
  if (locked) {
    c.header("retry-after", String(Math.ceil((locked.getTime() - now().getTime()) / 1000)));
    return joinPage(
      c,
      course,
      {
        values,
        errors: { code: `Too many wrong codes. Try again in ${waitInWords(locked, now())}, or check the code with your instructor.` },
      },
      429,
    );
  }
  try {
    const code = readJoinCode(form);
    const target = course ?? (await courseByJoinCode(db, code));
    if (!target)
      throw new JoinRefused("code", "No course has this code. Check it with your instructor: codes change when a new one is made.");
    const { joined, role } = await joinWithCode(db, target, viewer.id, code);
    if (joined) log("info", "course.joined", { course: target.id, person: viewer.id });
    flash(
      c,
      joined
        ? `Welcome to ${target.title}! Register your blog here so your posts count as yours.`
        : `You are already in ${target.title}${role === "learner" ? "" : ` (as ${role === "ta" ? "a TA" : "an instructor"})`}.`,
    );
    return c.redirect(`/c/${target.slug}/my-sources`, 303);
  } catch (err) {
    if (err instanceof JoinRefused) for (const key of keys) await recordFailure(db, key, JOIN_CODE, now());
    const errors = fieldErrors(err);
    if (errors) return joinPage(c, course, { values, errors }, 400);
    throw err;
  }
}

/** A code from a shared link (?code=), shown in the form for the person to confirm. */
function codeFromQuery(c: Context<AppEnv>): string {
  const code = (c.req.query("code") ?? "").trim();
  return /^[A-Za-z0-9_-]{1,64}$/.test(code) ? code : "";
}

joinRoutes.get("/join", (c) => (c.get("viewer") ? joinPage(c, null, { values: { code: codeFromQuery(c) } }) : signInFirst(c)));

joinRoutes.post("/join", (c) => (c.get("viewer") ? join(c, null) : signInFirst(c)));

joinRoutes.get("/c/:slug/join", (c) => {
  if (!c.get("viewer")) return signInFirst(c);
  return withCourse(c, async (course) =>
    joinPage(c, course, { values: { code: codeFromQuery(c) }, role: await roleIn(c.get("deps").db, c.get("viewer")!.id, course.id) }),
  );
});

joinRoutes.post("/c/:slug/join", (c) => {
  if (!c.get("viewer")) return signInFirst(c);
  return withCourse(c, (course) => join(c, course));
});
