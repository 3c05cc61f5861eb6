// Accounts a person makes and keeps themselves: signing up (as a learner; the
// first account of a hub is made by /setup), their account page with their
// password, their sessions (each can be ended, or all but this one), their
// courses, and a link to the page where they link Mastodon and Bluesky.
import { asc, eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { setCookie } from "hono/cookie";
import { changePassword, readPasswordChangeForm, WrongPasswordError } from "../../../accounts/change-password.js";
import { createPerson, hubHasAccounts, readAccountForm } from "../../../accounts/people.js";
import { endOtherSessions, endSessionById, SESSION_DAYS, sessionsOf } from "../../../accounts/sessions.js";
import { addressKey, LOGIN_EMAIL, lockedUntil, recordFailure, SIGNUP_ADDRESS, throttleKey } from "../../../accounts/throttle.js";
import { courses, memberships } from "../../../db/schema.js";
import { cookieName, cookieOptions } from "../../cookies.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, safeNext } from "../../forms.js";
import { SESSION_COOKIE } from "../../middleware/session.js";
import { page } from "../../page.js";
import { loginRedirect } from "../hub/course-access.js";
import { clientAddress, sessionToken, signIn, tooManyTries } from "./auth.js";

export const accountRoutes = new Hono<AppEnv>();

accountRoutes.get("/signup", async (c) => {
  const { db } = c.get("deps");
  if (!(await hubHasAccounts(db))) return c.redirect("/setup");
  const next = safeNext(c.req.query("next"));
  if (c.get("viewer")) return c.redirect(next);
  return page(c, "account/signup", { title: "Create an account", next });
});

accountRoutes.post("/signup", async (c) => {
  const { db, log, now } = c.get("deps");
  if (!(await hubHasAccounts(db))) return c.redirect("/setup");
  const form = await formBody(c);
  const next = safeNext(form.next);
  const values = { displayName: form.displayName, email: form.email };
  const again = (errors: Record<string, string>, status = 400) =>
    page(c, "account/signup", { title: "Create an account", values, errors, next }, status);
  const address = clientAddress(c);
  const key = address ? addressKey("signup:addr", address) : null;
  const locked = key ? await lockedUntil(db, [key], now()) : null;
  if (locked) {
    log("info", "signup.throttled", {});
    return tooManyTries(
      c,
      "account/signup",
      locked,
      "Many accounts were created from your network in the last hour, so sign-up is paused here for a while.",
      {
        title: "Create an account",
        values,
        next,
      },
    );
  }
  try {
    const input = readAccountForm(form);
    // Every attempt that gets this far counts, taken or not: sign-ups are
    // slowed per address, and so is probing which emails have accounts.
    if (key) await recordFailure(db, key, SIGNUP_ADDRESS, now());
    const person = await createPerson(db, input);
    if (!person) return again({ email: "An account with this email exists already. Sign in instead, or use another email." });
    log("info", "signup.created", { person: person.id });
    await signIn(c, person);
    flash(c, next === "/" ? "Welcome! Join your course with the code your instructor gave you." : "Welcome! Your account is ready.");
    return c.redirect(next === "/" ? "/join" : next, 303);
  } catch (err) {
    const errors = fieldErrors(err);
    if (errors) return again(errors);
    throw err;
  }
});

async function accountPage(c: Context<AppEnv>, extra: Record<string, unknown> = {}, status = 200) {
  const viewer = c.get("viewer")!;
  const { db, now } = c.get("deps");
  const [sessions, myCourses] = await Promise.all([
    sessionsOf(db, viewer.id, sessionToken(c), now()),
    db
      .select({ slug: courses.slug, title: courses.title, role: memberships.role })
      .from(memberships)
      .innerJoin(courses, eq(courses.id, memberships.courseId))
      .where(eq(memberships.personId, viewer.id))
      .orderBy(asc(courses.title)),
  ]);
  return page(c, "account/account", { title: "Your account", person: viewer, sessions, courses: myCourses, ...extra }, status);
}

accountRoutes.get("/account", (c) => (c.get("viewer") ? accountPage(c) : loginRedirect(c)));

accountRoutes.post("/account/password", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const { db, config, log, now } = c.get("deps");
  const form = await formBody(c);
  // A wrong current password is a failed sign-in to the account: the same
  // count and lock as the sign-in form, so a borrowed session cannot guess it.
  const key = throttleKey("login:email", viewer.email);
  const locked = await lockedUntil(db, [key], now());
  if (locked)
    return accountPage(
      c,
      { errors: { currentPassword: "Too many wrong passwords: changing it is paused for a while. Try again later." } },
      429,
    );
  try {
    const fresh = await changePassword(db, viewer, readPasswordChangeForm(form), now());
    setCookie(c, cookieName(SESSION_COOKIE, config.secureCookies), fresh.token, cookieOptions(config.secureCookies, SESSION_DAYS * 86_400));
    log("info", "account.password_changed", { person: viewer.id });
    flash(c, "Password changed. Every other browser signed in to your account has been signed out.");
    return c.redirect("/account", 303);
  } catch (err) {
    if (err instanceof WrongPasswordError) await recordFailure(db, key, LOGIN_EMAIL, now());
    const errors = fieldErrors(err);
    if (errors) return accountPage(c, { errors }, 400);
    throw err;
  }
});

accountRoutes.post("/account/sessions/others/end", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const { db, log } = c.get("deps");
  const ended = await endOtherSessions(db, viewer.id, sessionToken(c) ?? "");
  log("info", "account.sessions_ended", { person: viewer.id, n: ended });
  flash(
    c,
    ended ? `Signed out everywhere else (${ended} other session${ended === 1 ? "" : "s"}).` : "You were not signed in anywhere else.",
  );
  return c.redirect("/account", 303);
});

accountRoutes.post("/account/sessions/:id/end", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const { db } = c.get("deps");
  const ended = await endSessionById(db, viewer.id, c.req.param("id"));
  flash(c, ended ? "That session is signed out." : "That session had ended already.");
  return c.redirect("/account", 303);
});
