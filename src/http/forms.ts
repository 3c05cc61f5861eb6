// Small helpers shared by form routes.
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { FormError } from "../core/errors.js";
import { cookieName, cookieOptions } from "./cookies.js";
import type { AppEnv } from "./env.js";
import { FLASH_COOKIE } from "./middleware/session.js";

/** The submitted form as plain strings (files and repeated fields ignored). */
export async function formBody(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string" && k !== "_csrf") out[k] = v;
  return out;
}

/** The submitted form with repeated fields (checkboxes of one name) kept as lists; files ignored. */
export async function formFields(c: Context<AppEnv>): Promise<Record<string, string | string[]>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === "_csrf") continue;
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === "string");
  }
  return out;
}

export function fieldErrors(err: unknown): Record<string, string> | null {
  return err instanceof FormError ? { [err.field]: err.message } : null;
}

/** A one-line message shown on the next page (post/redirect/get). */
export function flash(c: Context<AppEnv>, message: string): void {
  const { secureCookies } = c.get("deps").config;
  setCookie(c, cookieName(FLASH_COOKIE, secureCookies), encodeURIComponent(message), cookieOptions(secureCookies, 60));
}

/** Only same-site paths may be a post-login destination (no open redirect). */
export function safeNext(raw: string | undefined): string {
  return raw && /^\/(?![/\\])/.test(raw) ? raw : "/";
}
