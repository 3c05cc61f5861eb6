// The WebSub subscriber (W3C WebSub §5-§8). A feed that names a hub (discover/websub.ts, recorded
// by the poll) gets a subscription: a random callback under PUBLIC_URL and a random secret. The hub
// checks our intent with a GET carrying a challenge, which is echoed only for a topic and mode we
// asked for; then it POSTs the feed whenever it changes, signed with the secret (X-Hub-Signature,
// HMAC over the raw body). A delivery with a missing or wrong signature has no effect at all. A
// good one makes the source due at once (so nothing is lost), then its entries are stored through
// the poll's own store and visibility rules; a light ping (no entries in the body) has the feed
// polled now instead. The poll keeps running as the safety net. Leases are renewed a day before they end;
// a removed, paused or blocked source's subscription is ended with the hub.
import { and, eq, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
import { chunks } from "../../core/chunks.js";
import { randomToken } from "../../core/crypto.js";
import { type Source, sources, type WebSubSubscription, websubSubscriptions } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { describeError } from "../errors.js";
import { apiFetch } from "../fetch/api-fetch.js";
import { storeDelivered } from "../poll/poll.js";
import { makeDue, pollNow } from "./poll-now.js";

/** What we ask the hub for; hubs may grant less (their answer's hub.lease_seconds says). */
export const LEASE_SECONDS = 10 * 24 * 3600;
/** Renew this long before the lease ends (or at half the lease, when that is sooner). */
const RENEW_BEFORE_MS = 24 * 3600_000;
/** A request the hub never verified is asked again after this long. */
const RETRY_UNVERIFIED_MS = 6 * 3600_000;
/** Subscription requests per run: each is one outbound request (a Worker's subrequests are few). */
export const WEBSUB_REQUESTS_PER_RUN = 5;

export function callbackUrl(publicUrl: string, callbackId: string): string {
  return `${publicUrl.replace(/\/$/, "")}/websub/${callbackId}`;
}

async function ask(deps: PollDeps, sub: WebSubSubscription, mode: "subscribe" | "unsubscribe"): Promise<string | null> {
  const body = new URLSearchParams({
    "hub.mode": mode,
    "hub.topic": sub.topic,
    "hub.callback": callbackUrl(deps.config.publicUrl, sub.callbackId),
    ...(mode === "subscribe" ? { "hub.secret": sub.secret, "hub.lease_seconds": String(LEASE_SECONDS) } : {}),
  });
  try {
    // The hub is an address from someone's feed: the same guard as every outbound fetch.
    // A hub that moved answers 307/308: the request goes to its new address whole (§5.1).
    const res = await apiFetch(deps, { maxBytes: 64 * 1024, followBodyRedirects: true })(sub.hub, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const text = (await res.text()).slice(0, 200);
    return res.status >= 200 && res.status < 300 ? null : `The hub answered ${res.status}${text ? `: ${text.trim()}` : ""}.`;
  } catch (err) {
    return describeError(err);
  }
}

export interface WebSubRun {
  subscribed: number;
  unsubscribed: number;
  failed: number;
}

/** Asks hubs for the subscriptions that are missing, ending soon or unverified; ends those no longer wanted. */
export async function syncWebSub(deps: PollDeps, limit = WEBSUB_REQUESTS_PER_RUN): Promise<WebSubRun> {
  const { db, log } = deps;
  const now = deps.now();
  const out: WebSubRun = { subscribed: 0, unsubscribed: 0, failed: 0 };
  // No longer wanted: the source is gone, not active, or its feed names another hub or none.
  const stale = await db
    .select({ sub: websubSubscriptions })
    .from(websubSubscriptions)
    .leftJoin(sources, eq(sources.id, websubSubscriptions.sourceId))
    .where(
      and(
        inArray(websubSubscriptions.state, ["requested", "active"]),
        or(
          isNull(sources.id),
          ne(sources.status, "active"),
          isNull(sources.websubHub),
          ne(sources.websubHub, websubSubscriptions.hub),
          ne(sql`coalesce(${sources.websubTopic}, '')`, websubSubscriptions.topic),
        ),
      ),
    )
    .limit(limit);
  for (const { sub } of stale) {
    const error = await ask(deps, sub, "unsubscribe");
    // Told or not, it is no longer ours: the hub's own verification GET finds it unsubscribing, and
    // a hub we cannot reach lets the lease run out.
    await db.update(websubSubscriptions).set({ state: "unsubscribing", lastError: error }).where(eq(websubSubscriptions.id, sub.id));
    if (error) log("warn", "websub.unsubscribe_failed", { subscription: sub.id, error });
    out.unsubscribed++;
  }
  let budget = limit - stale.length;
  if (budget <= 0) return out;
  // Wanted: an active feed source naming a hub, with no live subscription to that hub and topic.
  const wanted = await db
    .select({ source: sources, sub: websubSubscriptions })
    .from(sources)
    .leftJoin(
      websubSubscriptions,
      and(
        eq(websubSubscriptions.sourceId, sources.id),
        eq(websubSubscriptions.hub, sources.websubHub),
        eq(websubSubscriptions.topic, sources.websubTopic),
        inArray(websubSubscriptions.state, ["requested", "active", "denied"]),
      ),
    )
    .where(
      and(
        eq(sources.kind, "feed"),
        eq(sources.status, "active"),
        sql`${sources.websubHub} IS NOT NULL AND ${sources.websubTopic} IS NOT NULL`,
        or(
          isNull(websubSubscriptions.id),
          // Renewed a day before the lease ends, or at half a lease shorter than two days.
          and(
            eq(websubSubscriptions.state, "active"),
            sql`${websubSubscriptions.leaseExpiresAt} - ${now.getTime()} <= min(${RENEW_BEFORE_MS}, (${websubSubscriptions.leaseExpiresAt} - ${websubSubscriptions.verifiedAt}) / 2)`,
          ),
          and(
            eq(websubSubscriptions.state, "requested"),
            lte(websubSubscriptions.requestedAt, new Date(now.getTime() - RETRY_UNVERIFIED_MS)),
          ),
        ),
      ),
    )
    .limit(budget);
  for (const { source, sub } of wanted) {
    if (budget-- <= 0) break;
    const row = sub ?? (await newSubscription(deps, source));
    const error = await ask(deps, row, "subscribe");
    // An active subscription stays active while its renewal is asked for.
    await db
      .update(websubSubscriptions)
      .set({ requestedAt: now, lastError: error, ...(row.state === "active" ? {} : { state: "requested" as const }) })
      .where(eq(websubSubscriptions.id, row.id));
    if (error) {
      log("warn", "websub.subscribe_failed", { source: source.id, hub: row.hub, error });
      out.failed++;
    } else {
      log("info", "websub.subscribe_requested", { source: source.id, hub: row.hub });
      out.subscribed++;
    }
  }
  return out;
}

async function newSubscription(deps: PollDeps, source: Source): Promise<WebSubSubscription> {
  const [row] = await deps.db
    .insert(websubSubscriptions)
    .values({
      sourceId: source.id,
      hub: source.websubHub!,
      topic: source.websubTopic!,
      callbackId: randomToken(24),
      secret: randomToken(32),
      state: "requested",
      requestedAt: deps.now(),
    })
    .returning();
  return row!;
}

async function byCallback(deps: PollDeps, callbackId: string): Promise<WebSubSubscription | null> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(callbackId)) return null;
  const [row] = await deps.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callbackId, callbackId));
  return row ?? null;
}

/**
 * The hub's verification of intent (§5.3) or its notice of denial (§5.2). The challenge is echoed
 * only when the topic is ours and the mode is the one we are in; anything else is 404.
 */
export async function verifyIntent(
  deps: PollDeps,
  callbackId: string,
  query: Record<string, string | undefined>,
): Promise<{ status: 200; challenge: string } | { status: 404 }> {
  const sub = await byCallback(deps, callbackId);
  const mode = query["hub.mode"];
  if (!sub || query["hub.topic"] !== sub.topic) return { status: 404 };
  if (mode === "denied") {
    await deps.db
      .update(websubSubscriptions)
      .set({ state: "denied", lastError: `The hub refused: ${(query["hub.reason"] ?? "no reason given").slice(0, 200)}` })
      .where(eq(websubSubscriptions.id, sub.id));
    deps.log("warn", "websub.denied", { subscription: sub.id });
    return { status: 200, challenge: "" };
  }
  const challenge = query["hub.challenge"];
  if (!challenge || challenge.length > 512) return { status: 404 };
  const now = deps.now();
  if (mode === "subscribe" && (sub.state === "requested" || sub.state === "active")) {
    const granted = Number(query["hub.lease_seconds"]);
    const seconds = Number.isInteger(granted) && granted > 0 ? Math.min(granted, 366 * 24 * 3600) : LEASE_SECONDS;
    await deps.db
      .update(websubSubscriptions)
      .set({ state: "active", verifiedAt: now, leaseExpiresAt: new Date(now.getTime() + seconds * 1000), lastError: null })
      .where(eq(websubSubscriptions.id, sub.id));
    deps.log("info", "websub.verified", { subscription: sub.id, leaseSeconds: seconds });
    return { status: 200, challenge };
  }
  if (mode === "unsubscribe" && sub.state === "unsubscribing") {
    await deps.db.delete(websubSubscriptions).where(eq(websubSubscriptions.id, sub.id));
    deps.log("info", "websub.unsubscribed", { subscription: sub.id });
    return { status: 200, challenge };
  }
  return { status: 404 };
}

const ALGORITHMS: Record<string, string> = { sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

/** Whether `header` ("sha256=<hex>") is the HMAC of `body` with `secret`, compared in constant time. */
export async function signatureMatches(secret: string, header: string | null | undefined, body: Uint8Array): Promise<boolean> {
  const m = /^(sha1|sha256|sha384|sha512)=([0-9a-f]+)$/i.exec(header?.trim() ?? "");
  if (!m) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: ALGORITHMS[m[1]!.toLowerCase()]! },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as Uint8Array<ArrayBuffer>));
  const given = m[2]!.toLowerCase();
  const expected = [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (given.charCodeAt(i) || 0);
  return diff === 0;
}

/**
 * A delivery (§7-§8): when the subscription is live and the signature right, its source is made
 * due now and returned, for the caller to poll at once. Anything else changes nothing.
 */
export async function acceptDelivery(
  deps: PollDeps,
  callbackId: string,
  signature: string | null | undefined,
  body: Uint8Array,
): Promise<Source | null> {
  const sub = await byCallback(deps, callbackId);
  if (sub?.state !== "active" || sub.sourceId === null) return null;
  if (!(await signatureMatches(sub.secret, signature, body))) {
    deps.log("warn", "websub.bad_signature", { subscription: sub.id });
    return null;
  }
  await deps.db.update(websubSubscriptions).set({ lastDeliveryAt: deps.now() }).where(eq(websubSubscriptions.id, sub.id));
  const [source] = await makeDue(deps, [sub.sourceId]);
  if (source) deps.log("info", "websub.delivered", { subscription: sub.id, source: source.id, bytes: body.length });
  return source ?? null;
}

/**
 * The work after an accepted delivery, once the hub has its answer: the body's entries stored as
 * they came, or, for a light ping, the feed polled now. Never throws.
 */
export async function receiveDelivery(deps: PollDeps, source: Source, body: Uint8Array, contentType: string | null): Promise<void> {
  try {
    if (await storeDelivered(deps, source, body, contentType)) return;
  } catch (err) {
    // Not stored: the source is still due, and the poll below reads the feed itself.
    deps.log("warn", "websub.store_failed", { source: source.id, error: String(err) });
  }
  await pollNow(deps, [source], "websub");
}

/** For the health lines: each source's live push channel (an active, verified subscription), by source id. */
export async function liveWebSub(
  deps: Pick<PollDeps, "db">,
  sourceIds: number[],
): Promise<Map<number, { hub: string; leaseExpiresAt: Date }>> {
  const out = new Map<number, { hub: string; leaseExpiresAt: Date }>();
  if (!sourceIds.length) return out;
  for (const part of chunks(sourceIds, 90)) {
    const rows = await deps.db
      .select()
      .from(websubSubscriptions)
      .where(and(inArray(websubSubscriptions.sourceId, part), eq(websubSubscriptions.state, "active")));
    for (const r of rows)
      if (r.sourceId !== null && r.leaseExpiresAt) out.set(r.sourceId, { hub: r.hub, leaseExpiresAt: r.leaseExpiresAt });
  }
  return out;
}
