// Following the learner's posts on another hub, against real servers on 127.0.0.1: hub A runs on
// a Node HTTP server and serves Maya's items feed; hub B's PLS follows it. New and changed posts
// arrive, withdrawn ones leave, the feed is fetched conditionally, a broken feed leaves a plain
// error and the pointers as they were, and a private address is refused unless loopback is allowed.

import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../../src/accounts/people.js";
import { items, type Person, type PlsFollow, plsFollows, plsRemoteItems, portfolioEntries } from "../../../src/db/schema.js";
import { withdrawItem } from "../../../src/hub/withdraw.js";
import { ingestTick } from "../../../src/jobs/tick.js";
import { addFollow, pollFollows } from "../../../src/pls/portability/follows.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../../helpers/hub.js";
import { addItem, formError } from "../seed.js";
import { learnerWithPosts, PASSWORD } from "./backpack-fixture.js";

let a: TestHub;
let b: TestHub;
let server: ServerType;
let statuses: number[];
let origin: string;
let mayaA: Person;
let mayaB: Person;
let feedUrl: string;

const LATER = 31 * 60_000; // past the poll interval (30 minutes)

beforeEach(async () => {
  a = await createTestHub();
  await setUpCourse(a.app);
  mayaA = await learnerWithPosts(a, "Maya");
  statuses = [];
  server = await new Promise((ok) => {
    const s = serve(
      {
        fetch: async (req: Request) => {
          const res = await a.app.fetch(req);
          statuses.push(res.status);
          return res;
        },
        port: 0,
        hostname: "127.0.0.1",
      },
      () => ok(s),
    );
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  feedUrl = `${origin}/c/t509/people/${mayaA.id}/items.json`;
  b = await createTestHub({ PUBLIC_URL: "https://hub-b.example.net" });
  mayaB = (await createPerson(b.deps.db, { email: "maya@example.org", displayName: "Maya", password: PASSWORD }))!;
});
afterEach(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  await a.close();
  await b.close();
});

async function remote(followId: number) {
  return b.deps.db.select().from(plsRemoteItems).where(eq(plsRemoteItems.followId, followId)).orderBy(plsRemoteItems.url);
}

async function follow(id: number): Promise<PlsFollow> {
  return (await b.deps.db.select().from(plsFollows).where(eq(plsFollows.id, id)))[0]!;
}

describe("pollFollows", () => {
  it("keeps pointers to the posts on the other hub, up to date, fetched conditionally", async () => {
    const f = await addFollow(b.deps, mayaB.id, { feedUrl });
    expect(await pollFollows(b.deps)).toEqual({ polled: 1, ok: 1, failed: 0 });
    expect((await remote(f.id)).map((r) => [r.url, r.title, r.excerpt, r.tags, r.publishedAt?.toISOString()])).toEqual([
      ["https://maya.example.org/charts/", "Charts that lie", "Charts that lie", ["t509massive", "datavis"], "2026-10-01T00:00:00.000Z"],
      ["https://maya.example.org/hello/", "Hello, T509", "Hello, T509", ["t509massive"], "2026-10-01T00:00:00.000Z"],
    ]);
    expect(await follow(f.id)).toMatchObject({ title: "T509 Massive: posts by Maya", lastError: null, etag: expect.stringMatching(/^"/) });

    // Not due again until the interval has passed.
    expect(await pollFollows(b.deps)).toEqual({ polled: 0, ok: 0, failed: 0 });
    b.clock.advance(LATER);
    expect(await pollFollows(b.deps)).toEqual({ polled: 1, ok: 1, failed: 0 });
    expect(statuses).toEqual([200, 304]);

    // A new post, a changed title and a withdrawn post on hub A.
    const courseA = (await a.deps.db.select().from(items).where(eq(items.personId, mayaA.id)))[0]!.courseId;
    await addItem(a.deps.db, {
      courseId: courseA,
      personId: mayaA.id,
      url: "https://maya.example.org/maps/",
      tags: ["maps"],
      title: "Maps",
    });
    await a.deps.db
      .update(items)
      .set({ title: "Charts that tell the truth" })
      .where(eq(items.canonicalUrl, "https://maya.example.org/charts/"));
    const [hello] = await a.deps.db.select().from(items).where(eq(items.canonicalUrl, "https://maya.example.org/hello/"));
    await withdrawItem(a.deps.db, mayaA.id, hello!.id, a.clock.now);
    b.clock.advance(LATER);
    await pollFollows(b.deps);
    expect((await remote(f.id)).map((r) => [r.url, r.title])).toEqual([
      ["https://maya.example.org/charts/", "Charts that tell the truth"],
      ["https://maya.example.org/maps/", "Maps"],
    ]);
  });

  it("runs from the ingest tick, a few follows at a time", async () => {
    for (let i = 0; i < 5; i++) await addFollow(b.deps, mayaB.id, { feedUrl: `${feedUrl}?copy=${i}` });
    const tick = await ingestTick(b.deps);
    expect(tick.follows).toEqual({ polled: 3, ok: 3, failed: 0 });
    expect((await ingestTick(b.deps)).follows).toEqual({ polled: 2, ok: 2, failed: 0 });
  });
});

describe("a feed that breaks", () => {
  let feeds: FeedServer;
  beforeEach(async () => {
    feeds = await startFeedServer();
  });
  afterEach(async () => {
    await feeds.close();
  });

  async function followWorking(): Promise<PlsFollow> {
    const good = await (await Client.forApp(a.app).get(`/c/t509/people/${mayaA.id}/items.json`)).text();
    feeds.feed("/items.json", good, "application/feed+json");
    const f = await addFollow(b.deps, mayaB.id, { feedUrl: feeds.url("/items.json") });
    await pollFollows(b.deps);
    expect(await remote(f.id)).toHaveLength(2);
    return f;
  }

  const broken: Array<[string, (feeds: FeedServer) => void, RegExp]> = [
    [
      "bad JSON",
      (s) => s.feed("/items.json", '{"version": "https://jsonfeed.org/version/1.1", "items": [', "application/feed+json"),
      /not valid JSON/,
    ],
    ["JSON that is no feed", (s) => s.feed("/items.json", '{"hello": "world"}', "application/json"), /not a JSON Feed/],
    ["a 404", (s) => s.route("/items.json", (_req, res) => res.writeHead(404).end("gone")), /The hub answered 404: there is no such feed/],
    [
      "a body over 1 MB",
      (s) =>
        s.feed(
          "/items.json",
          JSON.stringify({ version: "https://jsonfeed.org/version/1.1", items: [], pad: "x".repeat(1_100_000) }),
          "application/feed+json",
        ),
      /larger than 1 MB/,
    ],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`writes a plain error on ${what} and keeps the pointers`, async () => {
      const f = await followWorking();
      const before = await remote(f.id);
      breakIt(feeds);
      b.clock.advance(LATER);
      expect(await pollFollows(b.deps)).toEqual({ polled: 1, ok: 0, failed: 1 });
      expect((await follow(f.id)).lastError).toMatch(message);
      expect(await remote(f.id)).toEqual(before);
    });
  }

  it("removes only posts newer than the oldest a full list names", async () => {
    const f = await addFollow(b.deps, mayaB.id, { feedUrl: feeds.url("/full.json") });
    const at = (i: number) => new Date(Date.parse("2026-06-01T00:00:00Z") + i * 86_400_000);
    const entry = (i: number) => ({
      id: `https://maya.example.org/p${i}/`,
      url: `https://maya.example.org/p${i}/`,
      title: `P${i}`,
      content_text: `P${i}`,
      date_published: at(i).toISOString(),
    });
    // 200 posts, p10 … p209: the list is full.
    feeds.feed(
      "/full.json",
      JSON.stringify({
        version: "https://jsonfeed.org/version/1.1",
        title: "Full",
        items: Array.from({ length: 200 }, (_, k) => entry(209 - k)),
      }),
      "application/feed+json",
    );
    await b.deps.db.insert(plsRemoteItems).values([
      { followId: f.id, url: "https://maya.example.org/p3/", title: "older than the list", publishedAt: at(3) },
      { followId: f.id, url: "https://maya.example.org/removed/", title: "removed there", publishedAt: at(100) },
    ]);
    await pollFollows(b.deps);
    const urls = (await remote(f.id)).map((r) => r.url);
    expect(urls).toHaveLength(201);
    expect(urls).toContain("https://maya.example.org/p3/");
    expect(urls).not.toContain("https://maya.example.org/removed/");
  });
});

describe("private addresses", () => {
  let c: TestHub;
  afterEach(async () => {
    await c.close();
  });

  it("are refused when loopback fetching is off, when added and when polled", async () => {
    c = await createTestHub({ ALLOW_LOOPBACK_FETCH: "false", PUBLIC_URL: "https://hub-c.example.net" });
    const maya = (await createPerson(c.deps.db, { email: "maya@example.org", displayName: "Maya", password: PASSWORD }))!;
    const err = await formError(addFollow(c.deps, maya.id, { feedUrl }));
    expect(err.field).toBe("feedUrl");
    expect(err.message).toMatch(/loopback/);
    expect((await formError(addFollow(c.deps, maya.id, { feedUrl: "http://192.168.1.20/items.json" }))).message).toMatch(/private/);
    // A follow stored while loopback was allowed (a copied database) is not fetched either.
    const [f] = await c.deps.db.insert(plsFollows).values({ personId: maya.id, feedUrl, createdAt: c.clock.now }).returning();
    expect(await pollFollows(c.deps)).toEqual({ polled: 1, ok: 0, failed: 1 });
    expect((await c.deps.db.select().from(plsFollows).where(eq(plsFollows.id, f!.id)))[0]!.lastError).toMatch(/loopback/);
    expect(statuses).toEqual([]);
  });
});

describe("the follows page", () => {
  it("adds a follow, reads it at once, adds a post to the portfolio once, and stops following", async () => {
    const client = Client.forApp(b.app);
    expect((await client.submit("/login", "/login", { email: "maya@example.org", password: PASSWORD })).status).toBe(303);
    const bad = await client.submit("/pls/follows", "/pls/follows", { feedUrl: "https://hub-b.example.net/c/x/people/1/items.json" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("That feed is on this hub");

    expect((await client.submit("/pls/follows", "/pls/follows", { feedUrl })).status).toBe(303);
    const html = await (await client.get("/pls/follows")).text();
    expect(html).toContain("Charts that lie");
    expect(html).toContain('<span class="badge ok">Working</span>');
    const [charts] = await b.deps.db.select().from(plsRemoteItems).where(eq(plsRemoteItems.url, "https://maya.example.org/charts/"));
    const add = () => client.submit("/pls/follows", `/pls/follows/items/${charts!.id}/add`, {});
    expect((await add()).status).toBe(303);
    expect((await add()).status).toBe(303);
    const entries = await b.deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, mayaB.id));
    expect(entries.map((e) => [e.kind, e.url, e.title, e.itemId])).toEqual([
      ["external", "https://maya.example.org/charts/", "Charts that lie", null],
    ]);
    expect(await (await client.get("/pls/follows")).text()).toContain("In your portfolio.");

    // Someone else's follow and pointers are as good as missing.
    const noor = (await createPerson(b.deps.db, { email: "noor@example.org", displayName: "Noor", password: PASSWORD }))!;
    const other = Client.forApp(b.app);
    await other.submit("/login", "/login", { email: "noor@example.org", password: PASSWORD });
    expect((await other.submit("/pls/follows", `/pls/follows/items/${charts!.id}/add`, {})).status).toBe(404);
    const [f] = await b.deps.db.select().from(plsFollows).where(eq(plsFollows.personId, mayaB.id));
    expect((await other.submit("/pls/follows", `/pls/follows/${f!.id}/delete`, {})).status).toBe(404);
    expect(await b.deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, noor.id))).toEqual([]);

    expect((await client.submit("/pls/follows", `/pls/follows/${f!.id}/delete`, {})).status).toBe(303);
    expect(
      await b.deps.db
        .select()
        .from(plsFollows)
        .where(and(eq(plsFollows.personId, mayaB.id))),
    ).toEqual([]);
    expect(await b.deps.db.select().from(plsRemoteItems)).toEqual([]);
    // The portfolio entry stays: it is the learner's now.
    expect(await b.deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, mayaB.id))).toHaveLength(1);
  });
});
