// Linking and proving accounts elsewhere. The Mastodon side is a loopback
// server answering /api/v1/accounts/lookup with an Account entity shaped as
// docs.joinmastodon.org/entities/Account documents it; the blog side is a
// real HTML home page.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkIdentity, parseIdentity, profileUrl, relMeLinks, unlinkIdentity, verifyIdentity } from "../../src/accounts/identities.js";
import { createFirstAdmin, createPerson } from "../../src/accounts/people.js";
import { identities, items, sources } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { addFeedSource } from "../../src/hub/sources/sources.js";
import { createObjective } from "../../src/pls/plan/objectives.js";
import { evidenceFor } from "../../src/pls/portfolio/portfolio.js";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let maya: number;
let omar: number;
let courseId: number;
let host: string;

function account(fields: Array<{ name: string; value: string }>, note = "<p>Learning in the open.</p>") {
  return {
    id: "109348",
    username: "maya",
    acct: "maya",
    display_name: "Maya",
    locked: false,
    bot: false,
    discoverable: true,
    group: false,
    created_at: "2022-11-10T00:00:00.000Z",
    note,
    url: `http://${host}/@maya`,
    uri: `http://${host}/users/maya`,
    avatar: `http://${host}/avatars/original/missing.png`,
    avatar_static: `http://${host}/avatars/original/missing.png`,
    header: `http://${host}/headers/original/missing.png`,
    header_static: `http://${host}/headers/original/missing.png`,
    followers_count: 3,
    following_count: 5,
    statuses_count: 12,
    last_status_at: "2026-10-30",
    emojis: [],
    fields: fields.map((f) => ({ ...f, verified_at: null })),
  };
}

function serveAccount(body: unknown) {
  server.route("/api/v1/accounts/lookup", (req, res) => {
    const acct = new URL(req.url!, "http://x").searchParams.get("acct");
    if (acct !== "maya") return void res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Record not found"}');
    res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  });
}

beforeEach(async () => {
  hub = await createTestHub({ PUBLIC_URL: "https://hub.example.org" });
  server = await startFeedServer();
  host = new URL(server.url("/")).host;
  const admin = await createFirstAdmin(hub.deps.db, { email: "ida@example.org", displayName: "Ida", password: "correct horse battery" });
  maya = (await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: "correct horse battery" }))!.id;
  omar = (await createPerson(hub.deps.db, { email: "omar@example.org", displayName: "Omar", password: "correct horse battery" }))!.id;
  courseId = (
    await createCourse(
      hub.deps.db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    )
  ).id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("parsing what learners type", () => {
  it("understands the usual ways of writing an account", () => {
    expect(parseIdentity("mastodon", "@Maya@Mastodon.Social")).toEqual({
      address: "@maya@mastodon.social",
      authorKey: "maya@mastodon.social",
    });
    expect(parseIdentity("mastodon", "https://mastodon.social/@maya")).toMatchObject({ authorKey: "maya@mastodon.social" });
    expect(parseIdentity("bluesky", "@maya.bsky.social")).toEqual({ address: "maya.bsky.social", authorKey: "handle:maya.bsky.social" });
    expect(parseIdentity("bluesky", "did:plc:ewvi7nxzyoun6zhxrhs64oiz")).toMatchObject({ authorKey: "did:plc:ewvi7nxzyoun6zhxrhs64oiz" });
    expect(parseIdentity("blog", "maya.example.org/")).toMatchObject({ authorKey: "https://maya.example.org" });
  });
  it("refuses nonsense with a message the learner can act on", () => {
    expect(() => parseIdentity("mastodon", "maya")).toThrow(/@maya@mastodon.social/);
    expect(() => parseIdentity("bluesky", "not a handle!")).toThrow(/maya.bsky.social/);
    expect(() => parseIdentity("blog", "javascript:alert(1)")).toThrow();
  });
  it("reads rel=me links only from a and link elements whose rel includes me", () => {
    const html = `<a rel="nofollow me" href="/people/1">x</a><a href="/people/2">y</a><link rel="me" href="https://a.example/"><img rel="me" src="z">`;
    expect(relMeLinks(html, "https://hub.example.org/")).toEqual(["https://hub.example.org/people/1", "https://a.example/"]);
  });
});

describe("verifying an account", () => {
  it("verifies a Mastodon account whose profile field links to the hub profile with rel=me, and gives the learner their past posts", async () => {
    await hub.deps.db.insert(items).values({
      courseId,
      kind: "mastodon",
      externalId: "u1",
      canonicalUrl: `http://${host}/@maya/1`,
      title: "Toot",
      authorKey: "maya@127.0.0.1",
      publishedAt: hub.clock.now,
      firstSeenAt: hub.clock.now,
      lastSeenAt: hub.clock.now,
    });
    const link = `<a href="${profileUrl(hub.deps.config.publicUrl, maya)}" target="_blank" rel="nofollow noopener noreferrer me" translate="no">hub.example.org/people/${maya}</a>`;
    serveAccount(account([{ name: "Course hub", value: link }]));
    const identity = await linkIdentity(hub.deps.db, maya, "mastodon", `@maya@${host}`);
    expect(await verifyIdentity(hub.deps, maya, identity.id)).toEqual({ ok: true, via: "rel_me" });
    const [item] = await hub.deps.db.select().from(items);
    expect(item!.personId).toBe(maya);
    // Unlinking gives the posts back to "guest".
    await unlinkIdentity(hub.deps.db, maya, identity.id);
    expect((await hub.deps.db.select().from(items))[0]!.personId).toBeNull();
  });

  it("makes the newly attributed posts evidence for the learner's active objective with their tag (the /me route)", async () => {
    await hub.deps.db.insert(items).values({
      courseId,
      kind: "mastodon",
      externalId: "u2",
      canonicalUrl: `http://${host}/@maya/2`,
      title: "A chart I made",
      authorKey: "maya@127.0.0.1",
      tags: ["t509massive", "datavis"],
      publishedAt: hub.clock.now,
      firstSeenAt: hub.clock.now,
      lastSeenAt: hub.clock.now,
    });
    const objective = await createObjective(hub.deps, maya, { title: "Tell stories with data", tags: "datavis", status: "active" });
    expect((await evidenceFor(hub.deps, [objective.id])).get(objective.id)).toEqual([]);
    const link = `<a href="${profileUrl(hub.deps.config.publicUrl, maya)}" rel="me">hub</a>`;
    serveAccount(account([{ name: "Course hub", value: link }]));
    const identity = await linkIdentity(hub.deps.db, maya, "mastodon", `@maya@${host}`);
    // Verification itself only attributes the posts; the /me route that verifies makes them evidence.
    const browser = Client.forApp(hub.app);
    expect((await browser.submit("/login", "/login", { email: "maya@example.org", password: "correct horse battery" })).status).toBe(303);
    const verified = await browser.submit("/me", `/me/identities/${identity.id}/verify`, {});
    expect(verified.status).toBe(303);
    expect((await hub.deps.db.select().from(identities).where(eq(identities.id, identity.id)))[0]?.verifiedBy).toBe("rel_me");
    const evidence = (await evidenceFor(hub.deps, [objective.id])).get(objective.id)!;
    expect(evidence.map((e) => [e.title, e.auto])).toEqual([["A chart I made", true]]);
  });

  it("verifies by the one-time code in the bio, and not by a link without rel=me or to someone else", async () => {
    const identity = await linkIdentity(hub.deps.db, maya, "mastodon", `@maya@${host}`);
    serveAccount(
      account([
        { name: "Hub", value: `<a href="${profileUrl(hub.deps.config.publicUrl, maya)}">no rel</a>` },
        { name: "Other", value: `<a rel="me" href="${profileUrl(hub.deps.config.publicUrl, omar)}">omar</a>` },
      ]),
    );
    const refused = await verifyIdentity(hub.deps, maya, identity.id);
    expect(refused).toMatchObject({ ok: false });
    expect((refused as { error: string }).error).toContain(identity.verifyCode);
    const [stored] = await hub.deps.db.select().from(identities).where(eq(identities.id, identity.id));
    expect(stored!.verifiedAt).toBeNull();
    expect(stored!.lastCheckError).toContain('rel="me"');
    serveAccount(account([], `<p>Learning in the open. ${identity.verifyCode}</p>`));
    expect(await verifyIdentity(hub.deps, maya, identity.id)).toEqual({ ok: true, via: "code" });
  });

  it("keeps an account with the first learner who verified it", async () => {
    const mine = await linkIdentity(hub.deps.db, maya, "mastodon", `@maya@${host}`);
    const theirs = await linkIdentity(hub.deps.db, omar, "mastodon", `@maya@${host}`);
    serveAccount(account([], `<p>${mine.verifyCode} ${theirs.verifyCode}</p>`));
    expect(await verifyIdentity(hub.deps, maya, mine.id)).toMatchObject({ ok: true });
    expect(await verifyIdentity(hub.deps, omar, theirs.id)).toMatchObject({ ok: false, error: expect.stringMatching(/already verified/) });
    expect(await verifyIdentity(hub.deps, omar, mine.id)).toMatchObject({ ok: false }); // not Omar's row to check
  });

  it("says clearly when the account does not exist or the server is not Mastodon", async () => {
    const ghost = await linkIdentity(hub.deps.db, maya, "mastodon", `@ghost@${host}`);
    serveAccount(account([]));
    expect(await verifyIdentity(hub.deps, maya, ghost.id)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/has no account @ghost/),
    });
    server.route("/api/v1/accounts/lookup", (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>"));
    const real = await linkIdentity(hub.deps.db, maya, "mastodon", `@maya@${host}`);
    expect(await verifyIdentity(hub.deps, maya, real.id)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/did not answer like a Mastodon server/),
    });
  });

  it("never reaches a private address: the guard refuses before connecting", async () => {
    const hub2 = await createTestHub({ ALLOW_LOOPBACK_FETCH: "false" });
    try {
      const p = (await createPerson(hub2.deps.db, { email: "p@example.org", displayName: "P", password: "correct horse battery" }))!.id;
      const identity = await linkIdentity(hub2.deps.db, p, "mastodon", "@maya@10.0.0.5");
      const before = server.hits("/api/v1/accounts/lookup");
      expect(await verifyIdentity(hub2.deps, p, identity.id)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/private|public web addresses/),
      });
      expect(server.hits("/api/v1/accounts/lookup")).toBe(before);
    } finally {
      await hub2.close();
    }
  });

  it("verifies a blog whose home page links to the hub profile with rel=me, and gives the learner its source and posts", async () => {
    const home = server.url("/");
    server.route("/", (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(`<!doctype html><title>Maya</title><link rel="me" href="${profileUrl(hub.deps.config.publicUrl, maya)}"><p>Hi</p>`),
    );
    const source = await addFeedSource(
      hub.deps.db,
      courseId,
      { url: server.url("/feed.xml"), filter: "tagged", homePageUrl: home },
      null,
      hub.clock.now,
    );
    await hub.deps.db.insert(items).values({
      courseId,
      sourceId: source.id,
      kind: "blog",
      externalId: "p1",
      canonicalUrl: server.url("/p1/"),
      title: "Post",
      publishedAt: hub.clock.now,
      firstSeenAt: hub.clock.now,
      lastSeenAt: hub.clock.now,
    });
    const identity = await linkIdentity(hub.deps.db, maya, "blog", home);
    expect(await verifyIdentity(hub.deps, maya, identity.id)).toEqual({ ok: true, via: "rel_me" });
    expect((await hub.deps.db.select().from(sources))[0]!.ownerId).toBe(maya);
    expect((await hub.deps.db.select().from(items))[0]!.personId).toBe(maya);
  });
});
