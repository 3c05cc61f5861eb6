// First-run setup, sign in and sign out.
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "../../hub/crypto.js";
import { authenticate, createFirstAdmin, hubHasAccounts, readAccountForm } from "../../hub/people.js";
import { createSession, endSession, SESSION_DAYS } from "../../hub/sessions.js";
import type { Person } from "../../db/schema.js";
import { cookieName, cookieOptions } from "../cookies.js";
import type { AppEnv } from "../env.js";
import { fieldErrors, flash, formBody, safeNext } from "../forms.js";
import { SESSION_COOKIE } from "../middleware/session.js";
import { page } from "../page.js";

export const authRoutes = new Hono<AppEnv>();

async function signIn(c: Context<AppEnv>, person: Person) {
  const { db, config, now } = c.get("deps");
  const { token } = await createSession(db, person.id, now());
  setCookie(c, cookieName(SESSION_COOKIE, config.secureCookies), token, cookieOptions(config.secureCookies, SESSION_DAYS * 86_400));
}

authRoutes.get("/setup", async (c) => {
  const { db, config } = c.get("deps");
  if (await hubHasAccounts(db)) return c.redirect("/login");
  return page(c, "setup", { title: "Set up", hasAccounts: false, needsToken: !!config.setupToken });
});

authRoutes.post("/setup", async (c) => {
  const { db, config, log } = c.get("deps");
  if (await hubHasAccounts(db)) return c.redirect("/login");
  const form = await formBody(c);
  const again = (errors: Record<string, string>, status = 400) =>
    page(c, "setup", { title: "Set up", hasAccounts: false, needsToken: !!config.setupToken, values: form, errors }, status);
  if (config.setupToken && !timingSafeEqual(form.setupToken ?? "", config.setupToken)) {
    return again({ setupToken: "That is not this hub's setup token." }, 403);
  }
  try {
    const input = readAccountForm(form);
    const person = await createFirstAdmin(db, input);
    if (!person) return c.redirect("/login");
    log("info", "setup.admin_created", { person: person.id });
    await signIn(c, person);
    flash(c, "Your account is ready. Create your first course.");
    return c.redirect("/courses/new", 303);
  } catch (err) {
    const errors = fieldErrors(err);
    if (errors) return again(errors);
    throw err;
  }
});

authRoutes.get("/login", async (c) => {
  if (c.get("viewer")) return c.redirect(safeNext(c.req.query("next")));
  return page(c, "login", { title: "Sign in", next: safeNext(c.req.query("next")) });
});

authRoutes.post("/login", async (c) => {
  const { db, log } = c.get("deps");
  const form = await formBody(c);
  const person = await authenticate(db, form.email ?? "", form.password ?? "");
  if (!person) {
    log("info", "login.failed", {});
    return page(
      c,
      "login",
      { title: "Sign in", values: { email: form.email }, errors: { form: "That email and password do not match an account." }, next: safeNext(form.next) },
      401,
    );
  }
  await signIn(c, person);
  return c.redirect(safeNext(form.next), 303);
});

authRoutes.post("/logout", async (c) => {
  const { db, config } = c.get("deps");
  const name = cookieName(SESSION_COOKIE, config.secureCookies);
  const token = getCookie(c, name);
  if (token) await endSession(db, token);
  deleteCookie(c, name, cookieOptions(config.secureCookies));
  return c.redirect("/", 303);
});
