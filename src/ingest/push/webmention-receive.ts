// Taking a Webmention (W3C Webmention §3.2.1): the request is checked synchronously (both
// addresses http(s), the target one of this hub's course or tag pages, the sender within its rate
// limits) and recorded as pending; the source is fetched and checked later (webmention-check.ts), so
// the answer is a 202 with the address of a status page. A repeated mention of the same source and
// target is the same row, checked again: an edit, or a post that no longer links.
import { and, count, eq, gt, sql } from "drizzle-orm";
import { randomToken, sha256Hex } from "../../core/crypto.js";
import { courses, type Webmention, webmentions } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { comparableUrl } from "../parse/h-entry.js";

const HOUR = 3600_000;
const MAX_URL = 2048;

// The pages a mention may name: a course's front page (the Flow), its hubs and Spotlight, a tag.
const COURSE_PAGE = /^\/c\/([a-z0-9][a-z0-9-]{0,63})(?:\/(?:blog|social|spotlight|people|tags\/[^/?#]{1,100}))?\/?$/;

export type Received =
  | { status: 202; mention: Webmention }
  | { status: 400; error: string }
  | { status: 429; error: string; retryAfterSeconds: number };

/** Whether a path (under the hub's root) is a page a Webmention may name: where the endpoint is advertised. */
export function isMentionablePath(path: string): boolean {
  return COURSE_PAGE.test(path);
}

/** The course whose page `target` is, by slug, when the address is one of ours. */
export function targetSlug(publicUrl: string, target: string): string | null {
  const ours = new URL(publicUrl);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return null;
  }
  if (url.origin !== ours.origin) return null;
  const base = ours.pathname.replace(/\/$/, "");
  if (base && !url.pathname.startsWith(`${base}/`)) return null;
  return COURSE_PAGE.exec(url.pathname.slice(base.length))?.[1] ?? null;
}

function httpUrl(raw: unknown, name: string): string | { error: string } {
  if (typeof raw !== "string" || !raw.trim()) return { error: `The ${name} parameter is missing.` };
  if (raw.length > MAX_URL) return { error: `The ${name} address is longer than ${MAX_URL} characters.` };
  const url = comparableUrl(raw.trim());
  return url ?? { error: `The ${name} must be an http or https address.` };
}

export async function receiveMention(
  deps: PollDeps,
  form: { source?: unknown; target?: unknown },
  clientAddress: string | null,
): Promise<Received> {
  const { db } = deps;
  const source = httpUrl(form.source, "source");
  if (typeof source !== "string") return { status: 400, ...source };
  const target = httpUrl(form.target, "target");
  if (typeof target !== "string") return { status: 400, ...target };
  if (source === target) return { status: 400, error: "The source and the target are the same address." };
  const slug = targetSlug(deps.config.publicUrl, target);
  if (!slug) return { status: 400, error: "The target is not a course or tag page of this hub." };
  if (targetSlug(deps.config.publicUrl, source) || new URL(source).origin === new URL(deps.config.publicUrl).origin)
    return { status: 400, error: "The source is a page of this hub." };
  const [course] = await db.select({ id: courses.id }).from(courses).where(eq(courses.slug, slug));
  if (!course) return { status: 400, error: "The target names no course of this hub." };

  const now = deps.now();
  const sourceHost = new URL(source).host;
  const clientHash = (await sha256Hex(`webmention-client:${clientAddress ?? "unknown"}`)).slice(0, 32);
  const [existing] = await db
    .select()
    .from(webmentions)
    .where(and(eq(webmentions.source, source), eq(webmentions.target, target)));
  // A mention already waiting for its check is not queued twice: the check reads the page as it is then.
  if (existing?.state === "pending") return { status: 202, mention: existing };
  const since = new Date(now.getTime() - HOUR);
  const [byHost] = await db
    .select({ n: count() })
    .from(webmentions)
    .where(and(eq(webmentions.sourceHost, sourceHost), gt(webmentions.receivedAt, since)));
  const [byClient] = await db
    .select({ n: count() })
    .from(webmentions)
    .where(and(eq(webmentions.clientHash, clientHash), gt(webmentions.receivedAt, since)));
  // Per source site and per client address (WEBMENTIONS_PER_SITE_PER_HOUR, WEBMENTIONS_PER_CLIENT_PER_HOUR).
  if ((byHost?.n ?? 0) >= deps.config.webmentionsPerSiteHour || (byClient?.n ?? 0) >= deps.config.webmentionsPerClientHour) {
    deps.log("warn", "webmention.rate_limited", { host: sourceHost, byHost: byHost?.n, byClient: byClient?.n });
    return { status: 429, error: "Too many Webmentions from this site or address; try again in an hour.", retryAfterSeconds: 3600 };
  }
  const [mention] = await db
    .insert(webmentions)
    .values({ courseId: course.id, source, target, sourceHost, clientHash, statusId: randomToken(18), state: "pending", receivedAt: now })
    .onConflictDoUpdate({
      target: [webmentions.source, webmentions.target],
      set: {
        state: "pending",
        reason: null,
        attempts: 0,
        leaseUntil: null,
        receivedAt: now,
        clientHash,
        courseId: sql`excluded.course_id`,
      },
    })
    .returning();
  deps.log("info", "webmention.received", { mention: mention!.id, host: sourceHost, course: course.id });
  return { status: 202, mention: mention! };
}

/** A mention by its status page's id. */
export async function mentionByStatus(deps: Pick<PollDeps, "db">, statusId: string): Promise<Webmention | null> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(statusId)) return null;
  const [row] = await deps.db.select().from(webmentions).where(eq(webmentions.statusId, statusId));
  return row ?? null;
}
