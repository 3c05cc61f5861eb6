// Small helpers shared by form routes.
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { messagesOf } from "../core/errors.js";
import { cookieName, cookieOptions } from "./cookies.js";
import type { AppEnv, FlashTone } from "./env.js";
import { encodeFlash, FLASH_COOKIE } from "./middleware/session.js";

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

/** Every field message an error carries, for the page to show beside each field and in its summary. */
export function fieldErrors(err: unknown): Record<string, string> | null {
  return messagesOf(err);
}

/**
 * A one-line message shown on the next page (post/redirect/get). `tone` says how it looks and how
 * a screen reader hears it: "ok" for what was done, "warn" for done-but, "error" for what failed.
 */
export function flash(c: Context<AppEnv>, message: string, tone: FlashTone = "ok"): void {
  const { secureCookies } = c.get("deps").config;
  setCookie(c, cookieName(FLASH_COOKIE, secureCookies), encodeFlash({ message, tone }), cookieOptions(secureCookies, 60));
}

/** Only same-site paths may be a post-login destination (no open redirect). */
/** Where input-given paths are resolved, as a browser resolves them against the hub's pages. */
const HUB = "http://hub.invalid";

/**
 * A redirect target taken from input, kept on the hub: parsed the way a browser parses it (tabs and
 * newlines dropped, backslashes read as slashes, dot segments resolved, anything unsafe percent-
 * encoded), and accepted only when it stays on this origin, optionally `within` some paths. The
 * answer is the parsed path, query and fragment, so no header can be injected through it; anything
 * else gets `fallback`.
 */
export function sameOriginPath(raw: unknown, fallback: string, within?: (pathname: string) => boolean): string {
  // Backslashes are slashes to a browser: a target spelled with them is someone's trick, not a link of ours.
  if (typeof raw !== "string" || raw.length > 2000 || !raw.startsWith("/") || raw.includes("\\")) return fallback;
  let url: URL;
  try {
    url = new URL(raw, HUB);
  } catch {
    return fallback;
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "//host" would be read as another site (a dot segment can produce it from an innocent-looking
  // path); no page of ours has an empty segment, so any "//" in the path is refused.
  if (url.origin !== HUB || url.pathname.includes("//") || /[\u0000-\u001f\u007f]/.test(path)) return fallback;
  return within && !within(url.pathname) ? fallback : path;
}

/** The `next` of sign-in and sign-up: a path on the hub, else its home. */
export function safeNext(raw: string | undefined): string {
  return sameOriginPath(raw, "/");
}

/**
 * An id from the path or a form: a positive whole number of at most 15 digits, else 0, which names
 * nothing (so the route answers "not found"). Never NaN or a float, which would reach SQL.
 */
export function idFrom(raw: unknown): number {
  return typeof raw === "string" && /^[1-9]\d{0,14}$/.test(raw) ? Number(raw) : 0;
}
