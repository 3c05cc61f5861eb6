// Cookie names and options in one place. `__Host-` names are used when cookies
// are Secure (https deployments): the browser then refuses them from any other
// path or subdomain.
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
