// First-run setup, sign in (throttled) and sign out.
import { type Context, Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { authenticate, createFirstAdmin, hubHasAccounts, readAccountForm } from "../../../accounts/people.js";
import { createSession, endSession, SESSION_DAYS } from "../../../accounts/sessions.js";
import {
  addressKey,
  clearFailures,
  LOGIN_ADDRESS,
  LOGIN_EMAIL,
  lockedUntil,
  recordFailure,
  throttleKey,
  waitInWords,
} from "../../../accounts/throttle.js";
import { timingSafeEqual } from "../../../core/crypto.js";
import type { Person } from "../../../db/schema.js";
import type { TemplateName } from "../../../views/render.js";
import { cookieName, cookieOptions, readCookie } from "../../cookies.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, safeNext } from "../../forms.js";
import { SESSION_COOKIE } from "../../middleware/session.js";
import { page } from "../../page.js";

export const authRoutes = new Hono<AppEnv>();

/** Starts a session for the person and sets its cookie. */
export async function signIn(c: Context<AppEnv>, person: Person) {
  const { db, config, now } = c.get("deps");
  const { token } = await createSession(db, person.id, now());
  setCookie(c, cookieName(SESSION_COOKIE, config.secureCookies), token, cookieOptions(config.secureCookies, SESSION_DAYS * 86_400));
}

/** The person's session token from the request's cookie, if any. */
export function sessionToken(c: Context<AppEnv>): string | undefined {
  return readCookie(c, cookieName(SESSION_COOKIE, c.get("deps").config.secureCookies));
}

const ADDRESS = /^[0-9a-fA-F:.]{2,45}$/;

/**
 * The client's network address, for throttling. Hono has no runtime-neutral
 * helper (each adapter has its own `getConnInfo`), so this reads what both
 * adapters read, without importing either:
 * - Node (@hono/node-server hands the IncomingMessage in as `env.incoming`):
 *   the socket's remote address. Headers are never trusted there, since any
 *   client can send them; behind a reverse proxy this is the proxy's address.
 * - Workers: `cf-connecting-ip`, which Cloudflare sets on every request and
 *   overwrites when a client sends its own.
 * Null when neither is there (the address throttle is then skipped; the
 * per-account one still applies).
 */
export function clientAddress(c: Context<AppEnv>): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: unknown } } } | undefined;
  const socket = env?.incoming?.socket?.remoteAddress;
  const address = typeof socket === "string" ? socket : env?.incoming ? undefined : c.req.header("cf-connecting-ip")?.trim();
  return address && ADDRESS.test(address) ? address : null;
}

/** The 429 answer while a throttle key is locked, with Retry-After (RFC 9110 §10.2.3). */
export function tooManyTries(c: Context<AppEnv>, template: TemplateName, until: Date, message: string, data: Record<string, unknown>) {
  const now = c.get("deps").now();
  c.header("retry-after", String(Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))));
  return page(c, template, { ...data, errors: { form: `${message} Try again in ${waitInWords(until, now)}.` } }, 429);
}

authRoutes.get("/setup", async (c) => {
  const { db, config } = c.get("deps");
  if (await hubHasAccounts(db)) return c.redirect("/login");
  return page(c, "account/setup", { title: "Set up", hasAccounts: false, needsToken: !!config.setupToken });
});

authRoutes.post("/setup", async (c) => {
  const { db, config, log } = c.get("deps");
  if (await hubHasAccounts(db)) return c.redirect("/login");
  const form = await formBody(c);
  const again = (errors: Record<string, string>, status = 400) =>
    page(c, "account/setup", { title: "Set up", hasAccounts: false, needsToken: !!config.setupToken, values: form, errors }, status);
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
  return page(c, "account/login", { title: "Sign in", next: safeNext(c.req.query("next")) });
});

authRoutes.post("/login", async (c) => {
  const { db, log, now } = c.get("deps");
  const form = await formBody(c);
  const email = (form.email ?? "").trim().toLowerCase();
  const address = clientAddress(c);
  const emailKey = email ? throttleKey("login:email", email) : null;
  const addrKey = address ? addressKey("login:addr", address) : null;
  const again = { title: "Sign in", values: { email: form.email }, next: safeNext(form.next) };
  const paused = "Too many failed sign-ins. For your security, signing in to this account or from your network is paused.";
  // While locked, the password is not even checked: a locked key answers the same whatever is sent.
  const locked = await lockedUntil(
    db,
    [emailKey, addrKey].filter((k): k is string => !!k),
    now(),
  );
  if (locked) {
    log("info", "login.throttled", {});
    return tooManyTries(c, "account/login", locked, paused, again);
  }
  const person = await authenticate(db, email, form.password ?? "");
  if (!person) {
    log("info", "login.failed", {});
    let lock: Date | null = null;
    for (const key of [emailKey, addrKey]) {
      if (!key) continue;
      const policy = key === emailKey ? LOGIN_EMAIL : LOGIN_ADDRESS;
      const until = await recordFailure(db, key, policy, now());
      if (until && (!lock || until > lock)) lock = until;
    }
    if (lock) return tooManyTries(c, "account/login", lock, paused, again);
    return page(c, "account/login", { ...again, errors: { form: "That email and password do not match an account." } }, 401);
  }
  // Only the account's count is cleared: clearing the address's too would let
  // a guesser reset their count by signing in to an account of their own.
  if (emailKey) await clearFailures(db, emailKey);
  await signIn(c, person);
  return c.redirect(safeNext(form.next), 303);
});

authRoutes.post("/logout", async (c) => {
  const { db, config } = c.get("deps");
  const name = cookieName(SESSION_COOKIE, config.secureCookies);
  const token = readCookie(c, name);
  if (token) await endSession(db, token);
  deleteCookie(c, name, cookieOptions(config.secureCookies));
  return c.redirect("/", 303);
});
