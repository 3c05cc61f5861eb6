// Loads the signed-in person (if any) from the session cookie, and the one-shot flash message.
import type { MiddlewareHandler } from "hono";
import { deleteCookie } from "hono/cookie";
import { personForSession } from "../../accounts/sessions.js";
import { cookieName, cookieOptions, readCookie } from "../cookies.js";
import type { AppEnv, Flash, FlashTone } from "../env.js";

export const SESSION_COOKIE = "tributary_session";
export const FLASH_COOKIE = "tributary_flash";

const TONES: readonly FlashTone[] = ["ok", "warn", "error"];

/** "error|<percent-encoded message>": the bar cannot occur in an encoded message, so it splits safely. */
export function encodeFlash(f: Flash): string {
  return `${f.tone}|${encodeURIComponent(f.message)}`;
}

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
function decodedFlash(raw: string): Flash | null {
  const bar = raw.indexOf("|");
  const tone = TONES.find((t) => t === raw.slice(0, bar));
  if (!tone) return null;
  try {
    const message = decodeURIComponent(raw.slice(bar + 1)).slice(0, 300);
    return message ? { message, tone } : null;
  } catch {
    return null;
  }
}
