// Cookie names and options in one place. `__Host-` names are used when cookies
// are Secure (https deployments): the browser then refuses them from any other
// path or subdomain.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";

export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function cookieOptions(secure: boolean, maxAgeSeconds?: number): CookieOptions {
  return {
    path: "/",
    httpOnly: true,
    secure,
    sameSite: "Lax",
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

/**
 * A cookie's value, or undefined when there is none or it cannot be read (broken percent-encoding
 * from a tampered or truncated cookie): a malformed cookie is ignored, never a crash.
 */
export function readCookie(c: Context, name: string): string | undefined {
  try {
    return getCookie(c, name);
  } catch {
    return undefined;
  }
}
