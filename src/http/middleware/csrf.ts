// CSRF protection for every form: a random token in an HttpOnly SameSite cookie
// must come back in the form's `_csrf` field (double submit), and a browser's
// Origin header, when sent, must be this hub's. A request failing either check
// changes nothing.
import type { Context, MiddlewareHandler } from "hono";
import { setCookie } from "hono/cookie";
import { randomToken, timingSafeEqual } from "../../core/crypto.js";
import { cookieName, cookieOptions, readCookie } from "../cookies.js";
import type { AppEnv } from "../env.js";
import { errorPage } from "../page.js";

export const CSRF_COOKIE = "tributary_csrf";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export const csrf = (): MiddlewareHandler<AppEnv> =>
  async function csrf(c, next) {
    // The personal API takes JSON, not forms, and checks its own callers (a bearer token, or a
    // session with a JSON body from this origin, which no cross-site form can send).
    // A WebSub hub's deliveries are signed with the subscription's own secret (ingest/push/websub.ts).
    // Webmentions and XML-RPC pings come from other sites by design, and act for no one: they only
    // ask the hub to read a public page or feed, which it checks for itself.
    const path = new URL(c.req.url).pathname;
    if (path.startsWith("/api/") || path.startsWith("/websub/") || path === "/webmention" || path === "/xmlrpc") return next();
    const { config } = c.get("deps");
    const name = cookieName(CSRF_COOKIE, config.secureCookies);
    let token = readCookie(c, name);
    if (!token || token.length < 20 || token.length > 100) {
      token = randomToken();
      setCookie(c, name, token, cookieOptions(config.secureCookies, 60 * 60 * 24 * 30));
      c.set("csrf", token);
      // A fresh token cannot match a form sent with the old one.
      if (!SAFE.has(c.req.method)) return refuse(c);
    }
    c.set("csrf", token);
    if (SAFE.has(c.req.method)) return next();

    const origin = c.req.header("origin");
    if (origin && origin !== "null" && origin !== new URL(c.req.url).origin && origin !== new URL(config.publicUrl).origin) {
      return refuse(c);
    }
    const type = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return refuse(c);
    // A body that cannot be read (a broken multipart, a bad boundary) is the sender's error: 400.
    const body = await c.req.parseBody().catch(() => null);
    if (!body) {
      return errorPage(
        c,
        400,
        "This form could not be read",
        "What was sent is not a form the hub can read. Go back, reload the page and try again.",
      );
    }
    const sent = typeof body._csrf === "string" ? body._csrf : "";
    if (!timingSafeEqual(sent, token)) return refuse(c);
    return next();
  };

function refuse(c: Context<AppEnv>) {
  return errorPage(
    c,
    403,
    "This form has expired",
    "For your security the form could not be accepted. Go back, reload the page and try again.",
  );
}
