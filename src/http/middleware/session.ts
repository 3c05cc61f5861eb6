// Loads the signed-in person (if any) from the session cookie, and the one-shot flash message.
import type { MiddlewareHandler } from "hono";
import { deleteCookie, getCookie } from "hono/cookie";
import { personForSession } from "../../accounts/sessions.js";
import { cookieName, cookieOptions } from "../cookies.js";
import type { AppEnv } from "../env.js";

export const SESSION_COOKIE = "tributary_session";
export const FLASH_COOKIE = "tributary_flash";

export const session = (): MiddlewareHandler<AppEnv> =>
  async function session(c, next) {
    const { db, config, now } = c.get("deps");
    const secure = config.secureCookies;
    const token = getCookie(c, cookieName(SESSION_COOKIE, secure));
    c.set("viewer", token ? await personForSession(db, token, now()) : null);
    const flash = getCookie(c, cookieName(FLASH_COOKIE, secure));
    c.set("flash", flash ? decodeURIComponent(flash).slice(0, 300) : null);
    if (flash) deleteCookie(c, cookieName(FLASH_COOKIE, secure), cookieOptions(secure));
    await next();
  };
