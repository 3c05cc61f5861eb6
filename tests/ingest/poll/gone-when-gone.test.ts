// "Gone when gone, for as long as it is shown": a post deleted on day 40 or day 400 leaves the
// course; a post whose author takes the course tag off leaves at the next poll and comes back when
// tagged again; a post that drops out of its feed's window is re-checked at once; a Spotlight copy
// in a new cohort is re-checked too. Real SQLite file, feeds and posts served on 127.0.0.1,
// an injected clock.
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { items, type Source, sources, spotlightEntries, tombstones } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { flowPage } from "../../../src/hub/flow.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { copySpotlight } from "../../../src/hub/spotlight.js";
import { pollSource } from "../../../src/ingest/poll/poll.js";
import { recheckDueItems } from "../../../src/ingest/poll/recheck.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let hub: TestHub;
let server: FeedServer;
let courseId: number;
let adminId: number;
const status = new Map<string, number>();

interface Post {
  path: string;
  tags?: string[];
  day?: number;
}

/** An RSS feed of these posts, newest last in `posts` (dates in October 2026). */
function feed(posts: Post[]) {
  const entries = posts
    .map(
      ({ path, tags = ["t509massive"], day = 1 }) =>
        `<item><title>Post ${path}</title><link>${server.url(path)}</link><guid>${server.url(path)}</guid><pubDate>${new Date(Date.UTC(2026, 9, day)).toUTCString()}</pubDate>${tags.map((t) => `<category>${t}</category>`).join("")}</item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>${server.url("/")}</link>${entries}</channel></rss>`;
}

function servePosts(paths: string[]) {
  for (const p of paths) {
    status.set(p, 200);
    server.route(p, (req, res) => res.writeHead(status.get(p)!).end(req.method === "HEAD" ? undefined : "<html>post</html>"));
  }
}

async function visibleTitles(course = courseId) {
  return (await flowPage(hub.deps.db, course)).items.map((i) => i.title).sort();
}

async function source(): Promise<Source> {
  return (await hub.deps.db.select().from(sources).where(eq(sources.courseId, courseId)))[0]!;
}

/** Polls the feed again as it is now (validators dropped, so the new body is read). */
async function repoll() {
  await pollSource(hub.deps, { ...(await source()), etag: null, lastModified: null });
}

/** Runs re-checks until none is due at this moment. */
async function recheckAll() {
  for (let i = 0; i < 10; i++) if ((await recheckDueItems(hub.deps)).checked === 0) return;
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  adminId = (await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" }))!.id;
  courseId = (
    await createCourse(hub.deps.db, { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null }, {
      id: adminId,
    } as never)
  ).id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("deleted at the source, however old", () => {
  for (const age of [40, 400]) {
    it(`removes a post deleted on day ${age} after two missing answers`, async () => {
      servePosts(["/a", "/b"]);
      server.feed("/feed.xml", feed([{ path: "/a" }, { path: "/b", day: 2 }]));
      await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
      await repoll();
      // Every look up to this day finds both posts.
      for (let day = 0; day < age; day += 5) {
        hub.clock.advance(5 * DAY);
        await recheckAll();
      }
      expect(await visibleTitles()).toEqual(["Post /a", "Post /b"]);
      const [b] = await hub.deps.db
        .select()
        .from(items)
        .where(eq(items.canonicalUrl, server.url("/b")));
      expect(b!.recheckAt, "still re-checked on its schedule").not.toBeNull();
      expect(b!.recheckAt!.getTime() - hub.clock.now.getTime()).toBeLessThanOrEqual(30 * DAY);

      status.set("/b", 404); // deleted now, long after the early checks
      hub.clock.advance(30 * DAY);
      await recheckAll();
      hub.clock.advance(HOUR);
      await recheckAll();
      expect(await visibleTitles()).toEqual(["Post /a"]);
      const [stone] = await hub.deps.db.select().from(tombstones);
      expect(stone).toMatchObject({ canonicalUrl: server.url("/b"), reason: "deleted_at_source" });
    });
  }

  it("never removes a post on answers that prove nothing (5xx, timeouts), however many", async () => {
    servePosts(["/a"]);
    server.feed("/feed.xml", feed([{ path: "/a" }]));
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await repoll();
    status.set("/a", 503);
    for (let i = 0; i < 12; i++) {
      hub.clock.advance(DAY);
      await recheckAll();
    }
    expect(await visibleTitles()).toEqual(["Post /a"]);
  });
});

describe("untagged is gone", () => {
  it("takes a post out at the next poll when its author removes the course tag, and brings it back when tagged again", async () => {
    servePosts(["/a", "/b"]);
    server.feed("/feed.xml", feed([{ path: "/a" }, { path: "/b", day: 2 }]));
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await repoll();
    const [before] = await hub.deps.db
      .select()
      .from(items)
      .where(eq(items.canonicalUrl, server.url("/b")));
    await hub.deps.db.insert(spotlightEntries).values({ courseId, itemId: before!.id, curatorId: adminId, note: "Lovely", position: 0 });

    server.feed("/feed.xml", feed([{ path: "/a" }, { path: "/b", day: 2, tags: ["cooking"] }]));
    hub.clock.advance(HOUR);
    await repoll();
    expect(await visibleTitles()).toEqual(["Post /a"]);
    const [stone] = await hub.deps.db.select().from(tombstones);
    expect(stone).toMatchObject({ canonicalUrl: server.url("/b"), reason: "untagged" });

    server.feed("/feed.xml", feed([{ path: "/a" }, { path: "/b", day: 2, tags: ["cooking", "t509massive"] }]));
    hub.clock.advance(HOUR);
    await repoll();
    expect(await visibleTitles()).toEqual(["Post /a", "Post /b"]);
    const [after] = await hub.deps.db
      .select()
      .from(items)
      .where(eq(items.canonicalUrl, server.url("/b")));
    expect(after!.id).toBe(before!.id); // the same item, with its curation
    expect(await hub.deps.db.select().from(spotlightEntries)).toMatchObject([{ itemId: before!.id, note: "Lovely" }]);
    expect(await hub.deps.db.select().from(tombstones)).toEqual([]);
  });

  it("leaves a source in all-posts mode alone: its posts belong by construction", async () => {
    servePosts(["/a"]);
    server.feed("/feed.xml", feed([{ path: "/a", tags: [] }]));
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "all" }, null, hub.clock.now);
    await repoll();
    hub.clock.advance(HOUR);
    await repoll();
    expect(await visibleTitles()).toEqual(["Post /a"]);
    expect(await hub.deps.db.select().from(tombstones)).toEqual([]);
  });

  it("keeps a post withdrawn by its learner out, even when it is tagged again", async () => {
    servePosts(["/a"]);
    server.feed("/feed.xml", feed([{ path: "/a" }]));
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await repoll();
    await hub.deps.db.update(items).set({ deletedAt: hub.clock.now });
    await hub.deps.db.insert(tombstones).values({ courseId, canonicalUrl: server.url("/a"), reason: "withdrawn" });
    hub.clock.advance(HOUR);
    await repoll();
    expect(await visibleTitles()).toEqual([]);
  });
});

describe("a post that drops out of its feed's window", () => {
  it("is re-checked at once, and removed when its page is gone", async () => {
    servePosts(["/a", "/b", "/c"]);
    server.feed(
      "/feed.xml",
      feed([
        { path: "/a", day: 1 },
        { path: "/b", day: 2 },
        { path: "/c", day: 3 },
      ]),
    );
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await repoll();
    // /b is gone from the feed while /a, older, is still listed: deleted (or untagged) at the source.
    status.set("/b", 404);
    server.feed(
      "/feed.xml",
      feed([
        { path: "/a", day: 1 },
        { path: "/c", day: 3 },
      ]),
    );
    hub.clock.advance(HOUR);
    await repoll();
    const [b] = await hub.deps.db
      .select()
      .from(items)
      .where(eq(items.canonicalUrl, server.url("/b")));
    expect(b!.recheckAt!.getTime()).toBe(hub.clock.now.getTime());
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 1, missing: 1 });
    hub.clock.advance(HOUR);
    await recheckAll();
    expect(await visibleTitles()).toEqual(["Post /a", "Post /c"]);

    // A post older than the feed's window is not "dropped out": feeds show only their newest posts.
    server.feed("/feed.xml", feed([{ path: "/c", day: 3 }]));
    hub.clock.advance(HOUR);
    await repoll();
    const [a] = await hub.deps.db
      .select()
      .from(items)
      .where(eq(items.canonicalUrl, server.url("/a")));
    expect(a!.recheckAt!.getTime()).toBeGreaterThan(hub.clock.now.getTime());
  });

  it("is re-checked once, not at every poll after", async () => {
    servePosts(["/a", "/b", "/c"]);
    server.feed(
      "/feed.xml",
      feed([
        { path: "/a", day: 1 },
        { path: "/b", day: 2 },
        { path: "/c", day: 3 },
      ]),
    );
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await repoll();
    server.feed(
      "/feed.xml",
      feed([
        { path: "/a", day: 1 },
        { path: "/c", day: 3 },
      ]),
    ); // /b moved off the feed but lives
    for (let i = 0; i < 3; i++) {
      hub.clock.advance(HOUR);
      await repoll();
      await recheckAll();
    }
    expect(server.hits("/b")).toBe(1);
    expect(await visibleTitles()).toEqual(["Post /a", "Post /b", "Post /c"]);
  });
});

describe("a Spotlight copied into a new cohort", () => {
  it("re-checks the copied posts, a toot whose source is not in the new course among them", async () => {
    servePosts(["/a", "/@maya/1"]);
    server.feed("/feed.xml", feed([{ path: "/a" }]));
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await repoll();
    const [blog] = await hub.deps.db.select().from(items);
    const [toot] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "mastodon",
        externalId: server.url("/users/maya/statuses/1"),
        canonicalUrl: server.url("/@maya/1"),
        remoteId: "1",
        title: "A toot",
        authorKey: "maya@127.0.0.1",
        publishedAt: hub.clock.now,
        firstSeenAt: hub.clock.now,
        lastSeenAt: hub.clock.now,
      })
      .returning();
    await hub.deps.db.insert(spotlightEntries).values([
      { courseId, itemId: blog!.id, curatorId: adminId, note: "A", position: 0 },
      { courseId, itemId: toot!.id, curatorId: adminId, note: "B", position: 1 },
    ]);
    const next = (
      await createCourse(hub.deps.db, { title: "T2", slug: "t2", tags: ["t509massive"], description: "", startsOn: null, endsOn: null }, {
        id: adminId,
      } as never)
    ).id;
    expect(await copySpotlight(hub.deps.db, { fromCourseId: courseId, toCourseId: next, now: hub.clock.now })).toMatchObject({ copied: 2 });
    const copies = await hub.deps.db.select().from(items).where(eq(items.courseId, next));
    expect(copies.every((c) => c.recheckAt !== null)).toBe(true);

    status.set("/@maya/1", 404); // the toot was deleted on its server
    for (let i = 0; i < 2; i++) {
      hub.clock.advance(DAY);
      await recheckAll();
    }
    const left = await hub.deps.db
      .select()
      .from(items)
      .where(and(eq(items.courseId, next), eq(items.kind, "mastodon")));
    expect(left[0]!.deletedAt).not.toBeNull();
    expect(await visibleTitles(next)).toEqual(["Post /a"]);
  });
});
