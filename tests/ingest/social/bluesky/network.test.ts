// The Bluesky hashtag reader against a real local atproto network: PLC, PDS
// and AppView from @atproto/dev-env (tests/helpers/bluesky-network.ts starts
// it on its own PostgreSQL and Redis). Accounts are made and posts written,
// deleted and labelled through the PDS; the reader signs in with an app
// password, searches, pages and re-checks through the hub's guarded fetch.
//
// Without PostgreSQL or redis-server on a developer's machine this file skips
// and says why; under CI (CI=1, as .ci/run sets) it runs, and a missing piece
// fails it.
import { createHmac, type KeyObject } from "node:crypto";
import { RichText } from "@atproto/api";
import type { SeedClient as SeedClientType } from "@atproto/dev-env";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { serviceSessions } from "../../../../src/db/schema.js";
import { IngestError } from "../../../../src/ingest/errors.js";
import { parseCursor } from "../../../../src/ingest/social/bluesky/cursor.js";
import { blueskyReader, createBlueskyReader } from "../../../../src/ingest/social/bluesky/reader.js";
import { type StoredSession, sessionKey } from "../../../../src/ingest/social/bluesky/session.js";
import type { SocialPost } from "../../../../src/ingest/social/post.js";
import {
  type BlueskyNetwork,
  blueskyStackMissing,
  createHubAccount,
  HUB_ACCOUNT,
  startBlueskyNetwork,
  underCi,
} from "../../../helpers/bluesky-network.js";
import { createTestHub, type TestHub } from "../../../helpers/hub.js";
import { blueskySource } from "./source.js";

const missing = blueskyStackMissing();
const skip = missing !== null && !underCi();
if (skip) {
  console.warn(
    `[bluesky] SKIPPED the local atproto network tests: ${missing}. ` +
      "Install them (apt-get install -y postgresql redis-server) to run these tests; under CI they run.",
  );
}

const HUB = HUB_ACCOUNT;

describe.skipIf(skip)("Bluesky reader on a local atproto network (PLC + PDS + AppView)", () => {
  let net: BlueskyNetwork;
  let sc: SeedClientType;
  let appPassword: string;
  let alice: string;
  let bob: string;
  let hubs: TestHub[] = [];
  const started = Date.now();
  // A network that cannot start fails every test here, each with the reason
  // (an error in beforeAll alone would leave the tests counted as skipped).
  let startError: unknown = null;

  beforeAll(async () => {
    try {
      net = await startBlueskyNetwork();
    } catch (err) {
      startError = err;
      return;
    }
    const { SeedClient } = await import("@atproto/dev-env");
    sc = new SeedClient(net.network, net.network.pds.getClient());
    // The hub signs in with an app password, as an operator would set it up.
    appPassword = await createHubAccount(net, sc);
    alice = (await sc.createAccount("alice", { handle: "alice.test", email: "alice@test.com", password: "alice-pass" })).did;
    bob = (await sc.createAccount("bob", { handle: "bob.test", email: "bob@test.com", password: "bob-pass" })).did;
    await sc.createProfile(alice, "Alice Learner", "");
    await net.network.processAll();
    console.info(`[bluesky] network up in ${Date.now() - started} ms`, net.timings);
  }, 120_000);

  beforeEach(() => {
    if (startError) throw startError;
  });

  afterAll(async () => {
    for (const h of hubs) await h.close();
    hubs = [];
    await net?.close();
    console.info(`[bluesky] network file done in ${Date.now() - started} ms`);
  }, 60_000);

  interface Call {
    nsid: string;
    userAgent: string | null;
    authorization: string | null;
  }

  /** A hub signed in as the hub account, on the real clock, recording every request its fetch makes. */
  async function hub(
    over: Record<string, string> = {},
  ): Promise<TestHub & { calls: Call[]; before: { hook: ((nsid: string) => Promise<void>) | null } }> {
    const h = await createTestHub({ BLUESKY_IDENTIFIER: HUB.handle, BLUESKY_APP_PASSWORD: appPassword, ...over });
    hubs.push(h);
    h.clock.now = new Date();
    const calls: Call[] = [];
    const before = { hook: null as ((nsid: string) => Promise<void>) | null };
    const inner = h.deps.fetch;
    h.deps.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = new Headers(init?.headers);
      const nsid = url.pathname.replace(/^\/xrpc\//, "");
      await before.hook?.(nsid);
      calls.push({ nsid, userAgent: headers.get("user-agent"), authorization: headers.get("authorization") });
      return inner(input, init);
    };
    return Object.assign(h, { calls, before });
  }

  async function post(by: string, text: string, opts: { facets?: boolean; extra?: Record<string, unknown> } = {}) {
    const rt = new RichText({ text });
    if (opts.facets !== false) rt.detectFacetsWithoutResolution();
    const p = await sc.post(by, rt.text, rt.facets, undefined, undefined, opts.extra);
    return p.ref.uriStr;
  }

  async function storedSession(h: TestHub): Promise<StoredSession> {
    const [row] = await h.deps.db
      .select()
      .from(serviceSessions)
      .where(eq(serviceSessions.service, sessionKey(new URL(net.pdsUrl), HUB.handle)));
    expect(row).toBeDefined();
    return row!.data as unknown as StoredSession;
  }

  async function storeSession(h: TestHub, s: StoredSession): Promise<void> {
    await h.deps.db
      .update(serviceSessions)
      .set({ data: s as unknown as Record<string, unknown> })
      .where(eq(serviceSessions.service, sessionKey(new URL(net.pdsUrl), HUB.handle)));
  }

  /** An access token exactly like `like` but expiring at `exp` (s), signed with the PDS's own JWT key: the PDS takes it as genuine. */
  function accessTokenExpiring(like: string, exp: number): string {
    const [header, payload] = like.split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const body = Buffer.from(JSON.stringify({ ...claims, iat: exp - 3600, exp })).toString("base64url");
    const key: KeyObject = net.network.pds.jwtSecretKey();
    const sig = createHmac("sha256", key).update(`${header}.${body}`).digest("base64url");
    return `${header}.${body}.${sig}`;
  }

  async function revoke(refreshJwt: string): Promise<void> {
    const res = await fetch(`${net.pdsUrl}/xrpc/com.atproto.server.deleteSession`, {
      method: "POST",
      headers: { authorization: `Bearer ${refreshJwt}` },
    });
    expect(res.ok).toBe(true);
  }

  const uris = (posts: SocialPost[]) => posts.map((p) => p.remoteId).sort();
  const source = (tag: string, over: Parameters<typeof blueskySource>[1] = {}) => blueskySource(net.pdsUrl, { tag, ...over });

  it("takes the posts that carry the tag, normalised, and drops those that merely mention it", async () => {
    const withFacet = await post(alice, "Week 3 reflection for #t509massive: https://alice.example/blog/week-3", {
      extra: {
        embed: {
          $type: "app.bsky.embed.external",
          external: { uri: "https://alice.example/blog/week-3?card", title: "Week 3", description: "" },
        },
      },
    });
    // No facet (some clients make none), but the hashtag is in the text: taken.
    const textOnly = await post(bob, "Reading list done #t509massive", { facets: false });
    // Found by the search (a text match) but not the tag: a longer tag, a URL fragment, a bare word.
    await post(bob, "I am a #t509massivefan now", { facets: false });
    await post(bob, "notes at example.org/page#t509massive and more", { facets: false });
    await post(alice, "t509massive without a hash");
    await net.network.processAll();

    const h = await hub();
    const page = await blueskyReader.read(h.deps, source("t509massive"));
    expect(uris(page.posts)).toEqual([withFacet, textOnly].sort());
    expect(page.more).toBe(false);
    const a = page.posts.find((p) => p.remoteId === withFacet)!;
    const rkey = withFacet.split("/").pop();
    expect(a).toMatchObject({
      kind: "bluesky",
      externalId: withFacet,
      url: `https://bsky.app/profile/alice.test/post/${rkey}`,
      // A domain handle: the site it names is the author's (the network proved the handle).
      author: {
        key: alice,
        handle: "alice.test",
        name: "Alice Learner",
        url: "https://bsky.app/profile/alice.test",
        sites: ["alice.test"],
      },
      text: "Week 3 reflection for #t509massive: https://alice.example/blog/week-3",
      contentWarning: null,
      sensitive: false,
      hide: false,
      tags: ["t509massive"],
      editedAt: null,
    });
    expect(a.links.sort()).toEqual(["https://alice.example/blog/week-3", "https://alice.example/blog/week-3?card"]);
    expect(Math.abs(a.publishedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(page.posts.find((p) => p.remoteId === textOnly)!.author).toEqual({
      key: bob,
      handle: "bob.test",
      name: null,
      url: "https://bsky.app/profile/bob.test",
      sites: ["bob.test"],
    });
    expect(h.log.lines).toContainEqual(expect.objectContaining({ msg: "bluesky.posts_dropped", untagged: 2 }));

    // Every request went through the hub's guarded fetch (its User-Agent), the search with the session.
    expect(h.calls.map((c) => c.nsid)).toEqual(["com.atproto.server.createSession", "app.bsky.feed.searchPosts"]);
    for (const c of h.calls) expect(c.userAgent).toMatch(/^Tributary/i);
    expect(h.calls[0]!.authorization).toBeNull();
    expect(h.calls[1]!.authorization).toMatch(/^Bearer /);
  });

  it("keeps the session: signs in once, resumes it next run, and logs no secret", async () => {
    await post(alice, "Session test #sessiontag");
    await net.network.processAll();
    const h = await hub();
    const first = await blueskyReader.read(h.deps, source("sessiontag"));
    expect(first.posts).toHaveLength(1);
    const stored = await storedSession(h);
    expect(stored).toMatchObject({
      handle: HUB.handle,
      did: expect.stringMatching(/^did:plc:/),
      accessJwt: expect.any(String),
      refreshJwt: expect.any(String),
    });
    expect(JSON.stringify(stored)).not.toContain(appPassword);

    const second = await blueskyReader.read(h.deps, source("sessiontag", { cursor: first.cursor }));
    expect(second.posts).toEqual([]);
    expect(h.calls.filter((c) => c.nsid === "com.atproto.server.createSession")).toHaveLength(1);
    expect(h.calls.filter((c) => c.nsid === "com.atproto.server.refreshSession")).toHaveLength(0);

    const logged = JSON.stringify(h.log.lines);
    for (const secret of [appPassword, stored.accessJwt, stored.refreshJwt]) expect(logged).not.toContain(secret);
  });

  it("refreshes a stored session whose access token has expired, without signing in", async () => {
    await post(alice, "Refresh test #refreshtag");
    await net.network.processAll();
    const h = await hub();
    await blueskyReader.read(h.deps, source("refreshtag"));
    const before = await storedSession(h);
    const expired = accessTokenExpiring(before.accessJwt, Math.floor(Date.now() / 1000) - 60);
    await storeSession(h, { ...before, accessJwt: expired });
    h.calls.length = 0;

    const page = await blueskyReader.read(h.deps, source("refreshtag"));
    expect(page.posts).toHaveLength(1);
    expect(h.calls.map((c) => c.nsid)).toEqual([
      "com.atproto.server.refreshSession",
      "com.atproto.server.getSession", // @atproto/api completes a refreshed session this way
      "app.bsky.feed.searchPosts",
    ]);
    const after = await storedSession(h);
    expect(after.accessJwt).not.toBe(expired);
    expect(after.refreshJwt).not.toBe(before.refreshJwt);
  });

  it("a session that expires mid-run is refreshed, and the run goes on", async () => {
    await post(alice, "Mid-run zero #midruntag");
    await net.network.processAll();
    const h = await hub({ SOCIAL_PAGE_BUDGET: "10" });
    const reader = createBlueskyReader({ pageLimit: 1 });
    const first = await reader.read(h.deps, source("midruntag"));
    expect(first.posts).toHaveLength(1);
    const fresh = [];
    for (let i = 1; i <= 3; i++) fresh.push(await post(alice, `Mid-run ${i} #midruntag`));
    await net.network.processAll();

    // A genuine access token that expires two seconds from now…
    const stored = await storedSession(h);
    const exp = Math.floor(Date.now() / 1000) + 2;
    await storeSession(h, { ...stored, accessJwt: accessTokenExpiring(stored.accessJwt, exp) });
    // …which the hub's clock (a few minutes behind) takes for a good one, so the run starts with it.
    h.clock.now = new Date(Date.now() - 5 * 60_000);
    let searches = 0;
    h.before.hook = async (nsid) => {
      // After the first page, wait until the PDS sees the token as expired.
      if (nsid === "app.bsky.feed.searchPosts" && ++searches === 2) {
        while (Date.now() < exp * 1000 + 250) await new Promise((r) => setTimeout(r, 100));
      }
    };
    h.calls.length = 0;
    const page = await reader.read(h.deps, source("midruntag", { cursor: first.cursor }));
    expect(uris(page.posts)).toEqual(fresh.sort());
    const nsids = h.calls.map((c) => c.nsid);
    expect(nsids.slice(0, 5)).toEqual([
      "app.bsky.feed.searchPosts",
      "app.bsky.feed.searchPosts", // refused: 400 ExpiredToken
      "com.atproto.server.refreshSession",
      "com.atproto.server.getSession",
      "app.bsky.feed.searchPosts", // the same page again, with the new token
    ]);
    expect(nsids).not.toContain("com.atproto.server.createSession");
    expect((await storedSession(h)).accessJwt).not.toBe(stored.accessJwt);
  });

  it("signs in again when the stored session can no longer be refreshed", async () => {
    await post(alice, "Revoked test #revokedtag");
    await net.network.processAll();
    const h = await hub();
    await blueskyReader.read(h.deps, source("revokedtag"));
    const stored = await storedSession(h);
    await revoke(stored.refreshJwt);
    await storeSession(h, { ...stored, accessJwt: accessTokenExpiring(stored.accessJwt, Math.floor(Date.now() / 1000) - 60) });
    h.calls.length = 0;

    const page = await blueskyReader.read(h.deps, source("revokedtag"));
    expect(page.posts).toHaveLength(1);
    expect(h.calls.map((c) => c.nsid)).toEqual([
      "com.atproto.server.refreshSession", // refused: revoked
      "com.atproto.server.createSession",
      "app.bsky.feed.searchPosts",
    ]);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ msg: "bluesky.refresh_refused" }));
    expect((await storedSession(h)).refreshJwt).not.toBe(stored.refreshJwt);
  });

  it("signs in again, once, when the service refuses the session's token mid-run", async () => {
    await post(alice, "Refused test #refusedtag");
    await net.network.processAll();
    const h = await hub();
    await blueskyReader.read(h.deps, source("refusedtag"));
    const stored = await storedSession(h);
    await revoke(stored.refreshJwt);
    // Looks good to the hub (far from expiry), but the PDS no longer takes it: not signed with its key.
    const [head, body] = stored.accessJwt.split(".");
    await storeSession(h, { ...stored, accessJwt: `${head}.${body}.${"A".repeat(43)}` });
    h.calls.length = 0;

    const page = await blueskyReader.read(h.deps, source("refusedtag"));
    expect(page.posts).toHaveLength(1);
    expect(h.calls.map((c) => c.nsid)).toEqual([
      "app.bsky.feed.searchPosts", // refused: 400 InvalidToken (nothing a refresh fixes)
      "com.atproto.server.createSession", // signed in again, once
      "app.bsky.feed.searchPosts",
    ]);
    expect(h.log.lines).toContainEqual(expect.objectContaining({ msg: "bluesky.session_refused" }));
  });

  it("reads from the cursor: only newer posts, and an unchanged cursor when nothing is new", async () => {
    const old = await post(alice, "Old #cursortag");
    await net.network.processAll();
    const h = await hub();
    const first = await blueskyReader.read(h.deps, source("cursortag"));
    expect(uris(first.posts)).toEqual([old]);
    expect(parseCursor(first.cursor)).toMatchObject({ backlog: null });

    const same = await blueskyReader.read(h.deps, source("cursortag", { cursor: first.cursor }));
    expect(same).toEqual({ posts: [], cursor: first.cursor, more: false });

    const newer = [await post(bob, "New one #cursortag"), await post(alice, "New two #cursortag")];
    await net.network.processAll();
    const next = await blueskyReader.read(h.deps, source("cursortag", { cursor: first.cursor }));
    expect(uris(next.posts)).toEqual(newer.sort());
    expect(next.more).toBe(false);
    expect(next.cursor).not.toBe(first.cursor);
  });

  it("stops at the page budget and finishes the backlog next run: nothing skipped, nothing repeated", async () => {
    await post(alice, "Start #budgettag");
    await net.network.processAll();
    const h = await hub({ SOCIAL_PAGE_BUDGET: "2" });
    const reader = createBlueskyReader({ pageLimit: 2 });
    const first = await reader.read(h.deps, source("budgettag"));
    expect(first.posts).toHaveLength(1);

    const fresh: string[] = [];
    for (let i = 1; i <= 7; i++) fresh.push(await post(i % 2 ? alice : bob, `Post ${i} #budgettag`));
    await net.network.processAll();

    const a = await reader.read(h.deps, source("budgettag", { cursor: first.cursor }));
    expect(a.posts).toHaveLength(4); // two pages of two
    expect(a.more).toBe(true);
    expect(parseCursor(a.cursor)).toMatchObject({ backlog: { page: expect.any(String) } });

    const late = await post(bob, "Arrives during the backlog #budgettag");
    await net.network.processAll();
    // With room in the budget, the next run finishes the backlog, then reads what came in meanwhile.
    h.deps.config.socialPageBudget = 10;
    const b = await reader.read(h.deps, source("budgettag", { cursor: a.cursor }));
    expect(b.more).toBe(false);
    expect(parseCursor(b.cursor)).toMatchObject({ backlog: null });
    const all = [...a.posts, ...b.posts];
    expect(uris(all)).toEqual([...fresh, late].sort());
    expect(new Set(uris(all)).size).toBe(all.length);

    const c = await reader.read(h.deps, source("budgettag", { cursor: b.cursor }));
    expect(c).toEqual({ posts: [], cursor: b.cursor, more: false });
  });

  it("re-checks: a deleted post is missing, a present one is served afresh, others inconclusive", async () => {
    const kept = await post(alice, "Stays #rechecktag");
    const gone = await post(bob, "Will be deleted #rechecktag");
    await net.network.processAll();
    const h = await hub();
    const page = await blueskyReader.read(h.deps, source("rechecktag"));
    expect(uris(page.posts)).toEqual([kept, gone].sort());

    const { AtUri } = await import("@atproto/api");
    await sc.deletePost(bob, new AtUri(gone));
    await net.network.processAll();

    // 27 at-uris: more than one getPosts call (25 at most each), plus junk the service must not see.
    const neverWere = Array.from({ length: 25 }, (_, i) => `at://${alice}/app.bsky.feed.post/3zzzzzzzzz${String(i).padStart(3, "0")}`);
    const junk = ["https://bsky.app/profile/alice.test/post/3abc", "at://alice.test/app.bsky.feed.post/3abc", ""];
    h.calls.length = 0;
    const answers = await blueskyReader.recheck(h.deps, source("rechecktag"), [kept, gone, ...neverWere, ...junk]);
    expect(h.calls.filter((c) => c.nsid === "app.bsky.feed.getPosts")).toHaveLength(2);
    const present = answers.get(kept);
    expect(typeof present).toBe("object");
    expect(present).toMatchObject({ remoteId: kept, tags: ["rechecktag"], hide: false });
    expect(answers.get(gone)).toBe("missing");
    for (const u of neverWere) expect(answers.get(u)).toBe("missing");
    for (const j of junk) expect(answers.get(j)).toBe("inconclusive");
  });

  it("labels: an adult self-label hides the post, nudity only marks it sensitive", async () => {
    const selfLabels = (val: string) => ({ labels: { $type: "com.atproto.label.defs#selfLabels", values: [{ val }] } });
    const sexual = await post(alice, "Figure study #labeltag", { extra: selfLabels("sexual") });
    const nudity = await post(alice, "Life drawing #labeltag", { extra: selfLabels("nudity") });
    const warn = await post(bob, "Exam results #labeltag", { extra: selfLabels("!warn") });
    const plain = await post(bob, "Plain #labeltag");
    await net.network.processAll();
    const h = await hub();
    const page = await blueskyReader.read(h.deps, source("labeltag"));
    const by = new Map(page.posts.map((p) => [p.remoteId, p]));
    expect(by.get(sexual)).toMatchObject({ hide: true, sensitive: true, contentWarning: null });
    expect(by.get(nudity)).toMatchObject({ hide: false, sensitive: true, contentWarning: null });
    expect(by.get(warn)).toMatchObject({ hide: false, sensitive: false, contentWarning: expect.stringMatching(/content warning/) });
    expect(by.get(plain)).toMatchObject({ hide: false, sensitive: false, contentWarning: null });
  });

  it("a wrong app password is a plain error that names the setting, not the password", async () => {
    const h = await hub({ BLUESKY_APP_PASSWORD: "wrong-wrong-wrong-wrong" });
    const err = await blueskyReader.read(h.deps, source("t509massive")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).status).toBe(401);
    expect((err as IngestError).message).toMatch(/refused the hub's sign-in as hub\.test .*BLUESKY_APP_PASSWORD/);
    expect((err as IngestError).message).not.toContain("wrong-wrong");
    expect(JSON.stringify(h.log.lines)).not.toContain("wrong-wrong");
    expect(await h.deps.db.select().from(serviceSessions)).toEqual([]);
  });

  it("the SSRF guard is in the path: with loopback fetching off, nothing reaches the local service", async () => {
    const h = await hub({ ALLOW_LOOPBACK_FETCH: "false" });
    const err = await blueskyReader.read(h.deps, source("t509massive")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe("blocked_address");
    expect(h.calls).toEqual([]);
  });
});
