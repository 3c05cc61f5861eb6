import { count, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { courses, items, sources, tombstones } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { claimDueSources, pollDueSources } from "../../../src/ingest/poll/poll.js";
import { type FeedServer, fixture, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let courseId: number;

async function addFeed(path: string, filter: "tagged" | "all" = "tagged") {
  return addFeedSource(hub.deps.db, courseId, { url: server.url(path), filter }, null, hub.clock.now);
}

/** An RSS feed with `posts` entries, the newest `newestAgoMs` before the hub's clock and each `gapMs` apart. */
function rhythmFeed(posts: number, gapMs: number, newestAgoMs = 0): string {
  const items = Array.from({ length: posts }, (_, i) => {
    const date = new Date(hub.clock.now.getTime() - newestAgoMs - i * gapMs).toUTCString();
    return `<item><title>Post ${date}</title><link>https://maya.example.org/${encodeURIComponent(date)}/</link><pubDate>${date}</pubDate><category>t509massive</category></item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>https://maya.example.org/</link>${items.join("")}</channel></rss>`;
}

async function minutesToNextPoll(id: number): Promise<number> {
  const [row] = await hub.deps.db.select().from(sources).where(eq(sources.id, id));
  return (row!.nextPollAt.getTime() - hub.clock.now.getTime()) / 60_000;
}

async function itemCount() {
  const [row] = await hub.deps.db.select({ n: count() }).from(items);
  return row!.n;
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  const course = await createCourse(
    hub.deps.db,
    { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  courseId = course.id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("polling feeds", () => {
  it("stores tagged entries as pointers, and a second poll adds no duplicates", async () => {
    server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    server.feed("/leo.xml", fixture("blogger-atom.xml"), "application/atom+xml");
    await addFeed("/maya.xml");
    await addFeed("/leo.xml");

    const first = await pollDueSources(hub.deps);
    expect(first).toMatchObject({ polled: 2, ok: 2, failed: 0, stored: 4 });
    const rows = await hub.deps.db.select().from(items);
    expect(rows.map((r) => r.title).sort()).toEqual([
      "Remix as a way of reading",
      "Sketchnotes from the live session",
      "Week 2: a long read on open pedagogy",
      "Week 3: networks are made of people",
    ]);
    const week3 = rows.find((r) => r.title.startsWith("Week 3"))!;
    expect(week3).toMatchObject({
      canonicalUrl: "https://maya.example.org/2026/11/03/week-3-networks/",
      authorName: "Maya Okafor",
      kind: "blog",
      courseId,
    });
    expect(week3.excerpt.length).toBeLessThanOrEqual(280);

    // Next poll: everything due again; the server answers 304 and nothing changes.
    hub.clock.advance(60 * 60_000);
    const second = await pollDueSources(hub.deps);
    expect(second).toMatchObject({ polled: 2, ok: 2 });
    expect(server.notModified("/maya.xml")).toBe(1);
    expect(await itemCount()).toBe(4);

    // Even without validators (a server that ignores them), re-ingest is an idempotent upsert.
    await hub.deps.db.update(sources).set({ etag: null, lastModified: null, nextPollAt: hub.clock.now });
    await pollDueSources(hub.deps);
    expect(await itemCount()).toBe(4);
  });

  it("updates an edited post in place", async () => {
    const original = fixture("wordpress-rss2.xml");
    server.feed("/maya.xml", original);
    await addFeed("/maya.xml");
    await pollDueSources(hub.deps);
    server.feed("/maya.xml", original.replace("Week 3: networks are made of people", "Week 3: networks are made of people (edited)"));
    hub.clock.advance(60 * 60_000);
    await pollDueSources(hub.deps);
    const titles = (await hub.deps.db.select({ t: items.title }).from(items)).map((r) => r.t);
    expect(titles).toContain("Week 3: networks are made of people (edited)");
    expect(titles).toHaveLength(2);
  });

  it("moves a post whose slug was edited (same GUID, new link) instead of adding a second item", async () => {
    const post = (link: string) =>
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>https://maya.example.org/</link>` +
      `<item><title>Week 4</title><link>${link}</link><guid isPermaLink="false">maya-post-44</guid>` +
      `<pubDate>Mon, 05 Oct 2026 10:00:00 GMT</pubDate><category>t509massive</category></item></channel></rss>`;
    server.feed("/maya.xml", post("https://maya.example.org/2026/10/week-4-draft/"));
    await addFeed("/maya.xml");
    await pollDueSources(hub.deps);
    server.feed("/maya.xml", post("https://maya.example.org/2026/10/week-4-networks/"));
    hub.clock.advance(60 * 60_000);
    await hub.deps.db.update(sources).set({ nextPollAt: hub.clock.now });
    await pollDueSources(hub.deps);
    const rows = await hub.deps.db.select({ url: items.canonicalUrl }).from(items);
    expect(rows).toEqual([{ url: "https://maya.example.org/2026/10/week-4-networks/" }]);
  });

  it("keeps one item when two sources of a course carry the same post", async () => {
    server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    server.feed("/maya-tag.xml", fixture("wordpress-rss2.xml"));
    await addFeed("/maya.xml");
    await addFeed("/maya-tag.xml");
    const summary = await pollDueSources(hub.deps);
    expect(summary.ok).toBe(2);
    expect(await itemCount()).toBe(2);
  });

  it("keeps every entry of a blog made for the course when the source takes all posts", async () => {
    server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    await addFeed("/maya.xml", "all");
    expect((await pollDueSources(hub.deps)).stored).toBe(3);
  });

  it("records a broken feed's error on its source and still polls the others", async () => {
    server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    server.feed("/broken.xml", fixture("broken.xml"));
    server.feed("/page.html", fixture("html-page.html"), "text/html");
    server.route("/500", (_req, res) => res.writeHead(500).end("oops"));
    const broken = await addFeed("/broken.xml");
    const page = await addFeed("/page.html");
    const failing = await addFeed("/500");
    const good = await addFeed("/maya.xml");

    const summary = await pollDueSources(hub.deps);
    expect(summary).toMatchObject({ polled: 4, ok: 1, failed: 3, stored: 2 });
    const byId = new Map((await hub.deps.db.select().from(sources)).map((s) => [s.id, s]));
    expect(byId.get(broken.id)).toMatchObject({
      failureCount: 1,
      lastError: expect.stringMatching(/not a readable RSS or Atom feed|its XML is broken/),
    });
    expect(byId.get(page.id)!.lastError).toMatch(/web page, not a feed/);
    expect(byId.get(failing.id)).toMatchObject({ lastStatusCode: 500, lastError: "The server answered 500 Internal Server Error." });
    expect(byId.get(good.id)).toMatchObject({ failureCount: 0, lastError: null });
    // Failures back off: not due again at the normal interval.
    expect(byId.get(broken.id)!.nextPollAt.getTime()).toBeGreaterThan(hub.clock.now.getTime());
    expect(hub.log.lines.filter((l) => l.msg === "poll.failed")).toHaveLength(3);
  });

  it("marks a source gone on 410", async () => {
    server.route("/gone", (_req, res) => res.writeHead(410).end());
    const s = await addFeed("/gone");
    await pollDueSources(hub.deps);
    const [row] = await hub.deps.db.select().from(sources).where(eq(sources.id, s.id));
    expect(row!.status).toBe("gone");
  });

  it("honours Retry-After on 429", async () => {
    server.route("/busy", (_req, res) => res.writeHead(429, { "retry-after": "7200" }).end());
    const s = await addFeed("/busy");
    await pollDueSources(hub.deps);
    const [row] = await hub.deps.db.select().from(sources).where(eq(sources.id, s.id));
    expect(row!.nextPollAt.getTime() - hub.clock.now.getTime()).toBe(7200_000);
    expect(row!.lastError).toBe("The server answered 429 Too Many Requests.");
  });

  it("never brings back a tombstoned post", async () => {
    server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    await addFeed("/maya.xml");
    await hub.deps.db
      .insert(tombstones)
      .values({ courseId, canonicalUrl: "https://maya.example.org/2026/11/03/week-3-networks/", reason: "withdrawn" });
    await pollDueSources(hub.deps);
    const titles = (await hub.deps.db.select({ t: items.title }).from(items)).map((r) => r.t);
    expect(titles).toEqual(["Week 2: a long read on open pedagogy"]);
  });

  it("lets only one of two overlapping runs claim a source", async () => {
    server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    await addFeed("/maya.xml");
    const [a, b] = await Promise.all([claimDueSources(hub.deps, 10), claimDueSources(hub.deps, 10)]);
    expect(a.length + b.length).toBe(1);
    expect(await claimDueSources(hub.deps, 10)).toHaveLength(0);
    // A crashed run's lease expires and the source is polled again.
    hub.clock.advance(11 * 60_000);
    expect(await claimDueSources(hub.deps, 10)).toHaveLength(1);
  });

  it("picks due sources oldest-due first, within the batch limit", async () => {
    for (const p of ["/a", "/b", "/c"]) server.feed(p, fixture("wordpress-rss2.xml"));
    const a = await addFeed("/a");
    const b = await addFeed("/b");
    const c = await addFeed("/c");
    await hub.deps.db
      .update(sources)
      .set({ nextPollAt: new Date(hub.clock.now.getTime() - 3000) })
      .where(eq(sources.id, c.id));
    await hub.deps.db
      .update(sources)
      .set({ nextPollAt: new Date(hub.clock.now.getTime() - 2000) })
      .where(eq(sources.id, a.id));
    await hub.deps.db
      .update(sources)
      .set({ nextPollAt: new Date(hub.clock.now.getTime() + 60_000) })
      .where(eq(sources.id, b.id));
    const claimed = await claimDueSources(hub.deps, 1);
    expect(claimed.map((s) => s.id)).toEqual([c.id]);
    expect((await claimDueSources(hub.deps, 5)).map((s) => s.id)).toEqual([a.id]);
  });
});

describe("the adaptive schedule", () => {
  beforeEach(() => {
    hub.deps.random = () => 0.5; // no jitter: exact figures
  });

  it("polls as often as the feed posts, drifts slower while it answers 304, and speeds up on a new post", async () => {
    server.feed("/maya.xml", rhythmFeed(5, 60 * 60_000));
    const s = await addFeed("/maya.xml");
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(s.id)).toBe(15); // hourly posts: a look every quarter hour

    const drift: number[] = [];
    for (let i = 0; i < 3; i++) {
      hub.clock.advance((await minutesToNextPoll(s.id)) * 60_000);
      expect((await pollDueSources(hub.deps)).polled).toBe(1);
      drift.push(await minutesToNextPoll(s.id));
    }
    expect(server.notModified("/maya.xml")).toBe(3);
    expect(drift).toEqual([22.5, 33.75, 50.625]);

    // A new post: the feed's own rhythm again, not the drifted interval.
    server.feed("/maya.xml", rhythmFeed(5, 60 * 60_000));
    hub.clock.advance(drift.at(-1)! * 60_000);
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(s.id)).toBe(15);
  });

  it("holds a quiet blog to the course's bound while the course runs, and a busy one at the fastest", async () => {
    server.feed("/weekly.xml", rhythmFeed(4, 7 * 24 * 60 * 60_000));
    server.feed("/busy.xml", rhythmFeed(10, 60_000));
    const weekly = await addFeed("/weekly.xml");
    const busy = await addFeed("/busy.xml");
    await pollDueSources(hub.deps);
    // Posts weeks apart would wait a day: during the course, a post before class is seen in class.
    expect(await minutesToNextPoll(weekly.id)).toBe(60);
    expect(await minutesToNextPoll(busy.id)).toBe(10);

    // A 304 stretches the interval, but never past the course's bound either.
    hub.clock.advance(60 * 60_000);
    await pollDueSources(hub.deps);
    expect(server.notModified("/weekly.xml")).toBeGreaterThan(0);
    expect(await minutesToNextPoll(weekly.id)).toBe(60);
  });

  it("polls an archived course's quiet blog daily, within the configured bounds", async () => {
    await hub.deps.db.update(courses).set({ endsOn: "2026-10-31" }).where(eq(courses.id, courseId)); // the clock says 2026-11-01
    server.feed("/weekly.xml", rhythmFeed(4, 7 * 24 * 60 * 60_000));
    server.feed("/busy.xml", rhythmFeed(10, 60_000));
    const weekly = await addFeed("/weekly.xml");
    const busy = await addFeed("/busy.xml");
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(weekly.id)).toBe(24 * 60);
    expect(await minutesToNextPoll(busy.id)).toBe(10);

    hub.deps.config = { ...hub.deps.config, pollMinIntervalMinutes: 30, pollMaxIntervalMinutes: 180 };
    await hub.deps.db.update(sources).set({ nextPollAt: hub.clock.now, etag: null });
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(weekly.id)).toBe(180);
    expect(await minutesToNextPoll(busy.id)).toBe(30);
  });

  it("takes its bounds from the settings: POLL_ACTIVE_ and POLL_ARCHIVED_MAX_INTERVAL_MINUTES", async () => {
    hub.deps.config = { ...hub.deps.config, pollActiveMaxIntervalMinutes: 20, pollArchivedMaxIntervalMinutes: 300 };
    server.feed("/weekly.xml", rhythmFeed(4, 7 * 24 * 60 * 60_000));
    const weekly = await addFeed("/weekly.xml");
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(weekly.id)).toBe(20);
    await hub.deps.db.update(courses).set({ archived: true }).where(eq(courses.id, courseId));
    await hub.deps.db.update(sources).set({ nextPollAt: hub.clock.now, etag: null });
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(weekly.id)).toBe(300);
  });

  it("spreads feeds with the same rhythm apart with jitter", async () => {
    delete hub.deps.random;
    for (const p of ["/a", "/b", "/c", "/d"]) server.feed(p, rhythmFeed(5, 60 * 60_000).replaceAll("maya", p.slice(1)));
    for (const p of ["/a", "/b", "/c", "/d"]) await addFeed(p);
    await pollDueSources(hub.deps);
    const rows = await hub.deps.db.select().from(sources);
    const minutes = rows.map((r) => (r.nextPollAt.getTime() - hub.clock.now.getTime()) / 60_000);
    expect(minutes.every((m) => m >= 13.5 && m <= 16.5)).toBe(true);
    expect(new Set(minutes).size).toBeGreaterThan(1);
  });

  it("after a failure, backs off; the first 304 after recovery starts again from POLL_INTERVAL_MINUTES", async () => {
    let fail = true;
    const body = rhythmFeed(5, 60 * 60_000);
    server.feed("/ok.xml", body);
    server.route("/flaky.xml", (req, res) => {
      if (fail) return void res.writeHead(503).end();
      if (req.headers["if-none-match"] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { etag: '"v1"', "content-type": "application/rss+xml" }).end(body);
    });
    const s = await addFeed("/flaky.xml");
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(s.id)).toBe(30); // 1st failure: POLL_INTERVAL_MINUTES, ±20%
    fail = false;
    hub.clock.advance(30 * 60_000);
    await pollDueSources(hub.deps);
    expect(await minutesToNextPoll(s.id)).toBe(15);
    // a failure, then a 304: the backoff was no measure of the feed
    fail = true;
    hub.clock.advance(15 * 60_000);
    await pollDueSources(hub.deps);
    fail = false;
    hub.clock.advance(30 * 60_000);
    await pollDueSources(hub.deps);
    expect(server.hits("/flaky.xml")).toBe(4);
    expect(await minutesToNextPoll(s.id)).toBe(45);
  });
});

describe("WebSub discovery while polling", () => {
  it("records the hub a feed names, from its Link header or its own links, and forgets one it drops", async () => {
    let linkHeader: string | null = '<https://hub.example/>; rel="hub", <https://maya.example.org/feed/>; rel="self"';
    let body = rhythmFeed(2, 3_600_000);
    server.route("/maya.xml", (_req, res) =>
      res.writeHead(200, { "content-type": "application/rss+xml", ...(linkHeader ? { link: linkHeader } : {}) }).end(body),
    );
    const source = await addFeed("/maya.xml");
    const row = async () => (await hub.deps.db.select().from(sources).where(eq(sources.id, source.id)))[0]!;
    await pollDueSources(hub.deps);
    expect(await row()).toMatchObject({ websubHub: "https://hub.example/", websubTopic: "https://maya.example.org/feed/" });
    expect(hub.log.lines.some((l) => l.msg === "websub.discovered")).toBe(true);

    // Without the header, the feed's own atom:link counts; when it goes too, so does the hub.
    linkHeader = null;
    body = body.replace(
      "<channel>",
      '<channel><atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub" href="https://websubhub.example/hub"/>',
    );
    hub.clock.advance(2 * 24 * 3_600_000);
    await pollDueSources(hub.deps);
    expect(await row()).toMatchObject({ websubHub: "https://websubhub.example/hub", websubTopic: server.url("/maya.xml") });
    body = rhythmFeed(2, 3_600_000);
    hub.clock.advance(2 * 24 * 3_600_000);
    await pollDueSources(hub.deps);
    expect(await row()).toMatchObject({ websubHub: null, websubTopic: null });
  });
});
