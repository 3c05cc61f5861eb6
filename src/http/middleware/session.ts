// Loads the signed-in person (if any) from the session cookie, and the one-shot flash message.
import type { MiddlewareHandler } from "hono";
import { deleteCookie } from "hono/cookie";
import { personForSession } from "../../accounts/sessions.js";
import { cookieName, cookieOptions, readCookie } from "../cookies.js";
import type { AppEnv } from "../env.js";

export const SESSION_COOKIE = "tributary_session";
export const FLASH_COOKIE = "tributary_flash";

export const session = (): MiddlewareHandler<AppEnv> =>
  async function session(c, next) {
    const { db, config, now } = c.get("deps");
    const secure = config.secureCookies;
    const token = readCookie(c, cookieName(SESSION_COOKIE, secure));
    c.set("viewer", token ? await personForSession(db, token, now()) : null);
    const flash = readCookie(c, cookieName(FLASH_COOKIE, secure));
    c.set("flash", flash ? decodedFlash(flash) : null);
    if (flash) deleteCookie(c, cookieName(FLASH_COOKIE, secure), cookieOptions(secure));
    await next();
  };

/** The flash message as the hub wrote it (percent-encoded); a tampered one that cannot be decoded is dropped. */
function decodedFlash(raw: string): string | null {
  try {
    return decodeURIComponent(raw).slice(0, 300);
  } catch {
    return null;
  }
}
