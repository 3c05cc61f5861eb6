// A learner's accounts elsewhere, and proof that they are theirs.
//
// Anyone can type any handle, so typing one attributes nothing. An identity is
// verified when the account itself says who it belongs to, in one of two ways:
// - rel="me": the Mastodon profile (a profile field) or the blog home page
//   links to the learner's hub profile with rel="me" (what Mastodon itself
//   does to verify links; the hub profile links back with rel="me" too);
// - a one-time code the hub showed the learner, pasted into the profile's bio
//   (the only way on Bluesky, whose profiles have no rel="me" links).
// Only then do the account's posts count as the learner's: past items are
// attributed at once, and the first learner to verify an account keeps it.
import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { Parser } from "htmlparser2";
import { randomToken } from "../core/crypto.js";
import { FormError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import type { Deps } from "../db/deps.js";
import { type Identity, type IdentityKind, identities, items, people, sources } from "../db/schema.js";
import { canonicalUrl } from "../ingest/canonical-url.js";
import { describeError, IngestError } from "../ingest/errors.js";
import { apiFetch } from "../ingest/fetch/api-fetch.js";
import { decodeBody } from "../ingest/fetch/decode.js";
import { safeFetch } from "../ingest/fetch/fetch.js";
import { userAgent } from "../ingest/fetch/user-agent.js";
import { htmlToText } from "../ingest/parse/html-text.js";
import { crossPostLinks } from "../ingest/poll/social-store.js";
import { blueskyClient } from "../ingest/social/bluesky/session.js";

/** The public page that stands for a person; profiles elsewhere link here with rel="me". */
export function profileUrl(publicUrl: string, personId: number): string {
  return new URL(`/people/${personId}`, publicUrl).toString();
}

export interface ParsedIdentity {
  address: string;
  authorKey: string;
}

// The host may be an IPv4 literal (the test servers on 127.0.0.1); the fetch guard refuses private ones.
const MASTODON_ACCT = /^@?([a-z0-9_]+(?:[.-][a-z0-9_]+)*)@((?:[a-z0-9.-]+\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?)$/i;
const BLUESKY_HANDLE = /^@?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*)$/i;
const DID = /^did:(plc:[a-z2-7]{24}|web:[a-z0-9.-]+(?:%3A\d+)?)$/;

/** Reads what a learner typed; throws a FormError they can act on. */
export function parseIdentity(kind: IdentityKind, raw: string): ParsedIdentity {
  const input = raw.trim();
  if (kind === "mastodon") {
    // `@maya@mastodon.social`, `maya@mastodon.social` or `https://mastodon.social/@maya`.
    const fromUrl = /^https?:\/\/([^/]+)\/@([^/@?#]+)\/?$/i.exec(input);
    const m = MASTODON_ACCT.exec(fromUrl ? `${fromUrl[2]}@${fromUrl[1]}` : input);
    if (!m) throw new FormError("address", "Enter your Mastodon address like @maya@mastodon.social.");
    const address = `@${m[1]}@${m[2]}`.toLowerCase();
    // Items key Mastodon authors by acct, whose domain never has a port; the address keeps it to reach the server.
    return { address, authorKey: `${m[1]}@${m[2]!.replace(/:\d+$/, "")}`.toLowerCase() };
  }
  if (kind === "bluesky") {
    if (DID.test(input)) return { address: input, authorKey: input };
    const m = BLUESKY_HANDLE.exec(input.replace(/^https:\/\/bsky\.app\/profile\//i, "").replace(/\/$/, ""));
    if (!m) throw new FormError("address", "Enter your Bluesky handle like maya.bsky.social (or your DID).");
    // The key is the DID, known once the handle is resolved (at verification).
    return { address: m[1]!.toLowerCase(), authorKey: `handle:${m[1]!.toLowerCase()}` };
  }
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    throw new FormError("address", "Enter your blog's home page address, like https://maya.example.org/.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new FormError("address", "Enter an http(s) address.");
  return { address: url.toString(), authorKey: blogKey(url.toString()) };
}

/** A blog's identity: its home page, canonical, without a trailing slash. */
export function blogKey(url: string): string {
  return canonicalUrl(url).replace(/\/+$/, "");
}

/** Adds an identity to verify, with its one-time code. Linking the same one twice returns the first. */
export async function linkIdentity(db: Db, personId: number, kind: IdentityKind, raw: string): Promise<Identity> {
  const parsed = parseIdentity(kind, raw);
  const code = `tributary-${randomToken(9)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")}`;
  await db
    .insert(identities)
    .values({ personId, kind, address: parsed.address, authorKey: parsed.authorKey, verifyCode: code })
    .onConflictDoNothing();
  const [row] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.personId, personId), eq(identities.kind, kind), eq(identities.authorKey, parsed.authorKey)));
  return row!;
}

export async function identitiesOf(db: Db, personId: number): Promise<Identity[]> {
  return db.select().from(identities).where(eq(identities.personId, personId)).orderBy(identities.id);
}

export async function verifiedIdentitiesOf(db: Db, personId: number): Promise<Identity[]> {
  return db
    .select()
    .from(identities)
    .where(and(eq(identities.personId, personId), isNotNull(identities.verifiedAt)))
    .orderBy(identities.id);
}

export async function unlinkIdentity(db: Db, personId: number, identityId: number): Promise<void> {
  const [row] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.id, identityId), eq(identities.personId, personId)));
  if (!row) return;
  await db.batch([
    // Their posts become a guest's again: attribution follows the proof.
    db
      .update(items)
      .set({ personId: null, crossPostOf: null })
      .where(and(eq(items.personId, personId), eq(items.authorKey, row.authorKey))),
    db.delete(identities).where(eq(identities.id, identityId)),
  ]);
}

/** What a profile says about itself: the links it marks rel="me", and its text. */
export interface ProfileEvidence {
  meLinks: string[];
  text: string;
  /** The account's stable key once known (Bluesky: the DID behind a handle). */
  authorKey?: string;
}

/** Hrefs of <a>/<link> elements whose rel includes "me", resolved against `base`. */
export function relMeLinks(html: string, base: string): string[] {
  const found: string[] = [];
  const parser = new Parser({
    onopentag(name, attrs) {
      if (name !== "a" && name !== "link") return;
      const rel = (attrs.rel ?? "").toLowerCase().split(/\s+/);
      if (!rel.includes("me") || !attrs.href) return;
      try {
        found.push(new URL(attrs.href, base).toString());
      } catch {
        // not a URL: no evidence
      }
    },
  });
  parser.write(html);
  parser.end();
  return found;
}

async function mastodonEvidence(deps: Deps, identity: Identity): Promise<ProfileEvidence> {
  const [, user, host] = identity.address.split("@") as [string, string, string];
  const url = `https://${host}/api/v1/accounts/lookup?acct=${encodeURIComponent(user)}`;
  // Tests run a Mastodon-shaped server on 127.0.0.1 over plain HTTP.
  const target = deps.config.allowLoopbackFetch && /^127\.0\.0\.1(:\d+)?$/.test(host) ? url.replace("https://", "http://") : url;
  const res = await apiFetch(deps)(target, { headers: { accept: "application/json" } });
  if (res.status === 404) throw new IngestError("http_error", `${host} has no account @${user}.`, 404);
  if (!res.ok) throw new IngestError("http_error", `${host} answered ${res.status} when asked about @${user}.`, res.status);
  let account: { url?: string; note?: string; fields?: Array<{ name?: string; value?: string }> };
  try {
    account = (await res.json()) as typeof account;
  } catch {
    throw new IngestError("not_a_feed", `${host} did not answer like a Mastodon server.`);
  }
  const base = account.url ?? `https://${host}/`;
  const fieldsHtml = (account.fields ?? []).map((f) => f.value ?? "").join(" ");
  return { meLinks: relMeLinks(fieldsHtml, base), text: htmlToText(`${account.note ?? ""} ${fieldsHtml}`) };
}

async function blogEvidence(deps: Deps, identity: Identity): Promise<ProfileEvidence> {
  const res = await safeFetch(identity.address, {
    fetch: deps.fetch,
    timeoutMs: deps.config.fetchTimeoutMs,
    maxBytes: 2 * 1024 * 1024,
    userAgent: userAgent(deps.config.publicUrl),
    allowLoopback: deps.config.allowLoopbackFetch,
    accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    resolveHost: deps.resolveHost,
  });
  const html = decodeBody(res.bytes, res.contentType);
  return { meLinks: relMeLinks(html, res.url), text: htmlToText(html) };
}

/**
 * Bluesky profiles have no rel="me" links: the code in the description is the
 * proof. Read through the hub's signed-in session (the public AppView refuses
 * anonymous reads on some deployments), and the DID becomes the key.
 */
async function blueskyEvidence(deps: Deps, identity: Identity): Promise<ProfileEvidence> {
  const client = await blueskyClient(deps, null);
  const actor = identity.authorKey.startsWith("did:") ? identity.authorKey : identity.address;
  const { data } = await client.call(`look up ${actor}`, (agent) => agent.getProfile({ actor }));
  return { meLinks: [], text: data.description ?? "", authorKey: data.did };
}

export type VerifyResult = { ok: true; via: "rel_me" | "code" } | { ok: false; error: string };

/**
 * Looks at the account for proof and, when found, marks the identity verified
 * and attributes the account's existing items in every course to the learner.
 * What follows from that for the learner's PLS (the posts just attributed may be
 * evidence) is the caller's to do: the /me route links them.
 */
export async function verifyIdentity(deps: Deps, personId: number, identityId: number): Promise<VerifyResult> {
  const { db } = deps;
  const [identity] = await db
    .select()
    .from(identities)
    .where(and(eq(identities.id, identityId), eq(identities.personId, personId)));
  if (!identity) return { ok: false, error: "There is no such account on your profile." };
  let evidence: ProfileEvidence;
  try {
    evidence =
      identity.kind === "mastodon"
        ? await mastodonEvidence(deps, identity)
        : identity.kind === "blog"
          ? await blogEvidence(deps, identity)
          : await blueskyEvidence(deps, identity);
  } catch (err) {
    const error = `Could not read ${identity.address}: ${describeError(err)}`;
    await db.update(identities).set({ lastCheckError: error }).where(eq(identities.id, identity.id));
    return { ok: false, error };
  }
  const mine = blogKey(profileUrl(deps.config.publicUrl, personId));
  const via = evidence.meLinks.some((l) => blogKey(l) === mine) ? "rel_me" : evidence.text.includes(identity.verifyCode) ? "code" : null;
  if (!via) {
    const error =
      identity.kind === "bluesky"
        ? `The profile's description does not contain your code ${identity.verifyCode} yet.`
        : `No rel="me" link to ${profileUrl(deps.config.publicUrl, personId)} and no code ${identity.verifyCode} found on ${identity.address}.`;
    await db.update(identities).set({ lastCheckError: error }).where(eq(identities.id, identity.id));
    return { ok: false, error };
  }
  const authorKey = evidence.authorKey ?? identity.authorKey;
  // Someone verified this account first: it stays theirs.
  const [taken] = await db
    .select({ id: identities.id })
    .from(identities)
    .where(
      and(
        eq(identities.kind, identity.kind),
        eq(identities.authorKey, authorKey),
        isNotNull(identities.verifiedAt),
        sql`${identities.personId} != ${personId}`,
        // A roster person's account (the instructor's word) is theirs to claim by proving it.
        sql`${identities.personId} NOT IN (SELECT id FROM ${people} WHERE roster_of IS NOT NULL)`,
      ),
    );
  if (taken) {
    const error = "Another learner on this hub has already verified this account.";
    await db.update(identities).set({ lastCheckError: error }).where(eq(identities.id, identity.id));
    return { ok: false, error };
  }
  await db
    .update(identities)
    .set({ verifiedAt: deps.now(), verifiedBy: via, authorKey, lastCheckError: null })
    .where(eq(identities.id, identity.id));
  await attributePastItems(deps, personId, identity.kind, authorKey);
  deps.log("info", "identity.verified", { person: personId, kind: identity.kind, via });
  return { ok: true, via };
}

/** Gives the learner their guest items (and, for a blog, its sources) now that the account is proven theirs. */
async function attributePastItems(deps: Deps, personId: number, kind: IdentityKind, authorKey: string): Promise<void> {
  const { db } = deps;
  if (kind === "blog") {
    const feeds = await db
      .select({ id: sources.id, home: sources.homePageUrl, site: sources.siteUrl })
      .from(sources)
      .where(and(eq(sources.kind, "feed"), isNull(sources.ownerId)));
    const ids = feeds.filter((s) => [s.home, s.site].some((u) => u && safeBlogKey(u) === authorKey)).map((s) => s.id);
    if (ids.length === 0) return;
    await db.batch([
      db.update(sources).set({ ownerId: personId }).where(inArray(sources.id, ids)),
      db
        .update(items)
        .set({ personId })
        .where(and(inArray(items.sourceId, ids), isNull(items.personId))),
    ]);
  } else {
    await db
      .update(items)
      .set({ personId })
      .where(and(eq(items.kind, kind), eq(items.authorKey, authorKey), isNull(items.personId)));
  }
  const courses = await db.selectDistinct({ id: items.courseId }).from(items).where(eq(items.personId, personId));
  for (const c of courses) await db.batch(crossPostLinks(db, c.id, [personId]) as [ReturnType<typeof crossPostLinks>[number]]);
}

function safeBlogKey(url: string): string | null {
  try {
    return blogKey(url);
  } catch {
    return null;
  }
}
