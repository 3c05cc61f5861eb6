// One post, one item: the same post reached through two spellings of its address, or through two
// sources of one course, is one item; its sources are remembered, so removing one source leaves a
// post the other still carries; items written before post keys are re-keyed and their duplicates
// merged without losing curation. Real SQLite file, feeds on 127.0.0.1.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin, createPerson } from "../../../src/accounts/people.js";
import { itemSources, items, portfolioEntries, sources as sourcesTable, spotlightEntries, tombstones } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { flowPage } from "../../../src/hub/flow.js";
import { addFeedSource, removeSource } from "../../../src/hub/sources/sources.js";
import { postKey } from "../../../src/ingest/canonical-url.js";
import { pollSource } from "../../../src/ingest/poll/poll.js";
import { crossPostLinks } from "../../../src/ingest/poll/social-store.js";
import { rekeyItems } from "../../../src/jobs/rekey.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let courseId: number;
let adminId: number;

function feed(links: string[]) {
  const entries = links
    .map(
      (link, i) =>
        `<item><title>Week 3</title><link>${link}</link><guid isPermaLink="false">feed-${i}-${link}</guid><pubDate>${new Date(Date.UTC(2026, 9, 3)).toUTCString()}</pubDate><category>t509massive</category></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>https://maya.example.org/</link>${entries}</channel></rss>`;
}

const all = () => hub.deps.db.select().from(items).orderBy(items.id);

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

describe("one post, one item", () => {
  it("counts a post reached as http and https, with and without www. and a trailing slash, once", async () => {
    server.feed(
      "/feed.xml",
      feed([
        "http://maya.example.org/2026/10/week-3/",
        "https://maya.example.org/2026/10/week-3/",
        "https://www.maya.example.org/2026/10/week-3",
        "http://www.maya.example.org/2026/10/week-3",
      ]),
    );
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollSource(hub.deps, s);
    const rows = await all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      canonicalUrl: "http://maya.example.org/2026/10/week-3/",
      postKey: "https://maya.example.org/2026/10/week-3",
    });
  });

  it("keeps posts apart whose query strings name them (?p=12, ?p=13)", async () => {
    server.feed("/feed.xml", feed(["https://maya.example.org/?p=12", "https://maya.example.org/?p=13"]));
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollSource(hub.deps, s);
    expect((await all()).map((r) => r.canonicalUrl)).toEqual(["https://maya.example.org/?p=12", "https://maya.example.org/?p=13"]);
  });

  it("is one item through two sources of the course, and stays while one of them still carries it", async () => {
    server.feed("/tag.xml", feed(["https://maya.example.org/2026/10/week-3/"]));
    server.feed("/main.xml", feed(["http://www.maya.example.org/2026/10/week-3"]));
    const tagFeed = await addFeedSource(hub.deps.db, courseId, { url: server.url("/tag.xml"), filter: "tagged" }, null, hub.clock.now);
    const mainFeed = await addFeedSource(hub.deps.db, courseId, { url: server.url("/main.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollSource(hub.deps, tagFeed);
    await pollSource(hub.deps, mainFeed);
    const [item] = await all();
    expect(await all()).toHaveLength(1);
    expect((await hub.deps.db.select().from(itemSources)).map((r) => r.sourceId).sort()).toEqual([tagFeed.id, mainFeed.id].sort());

    expect(await removeSource(hub.deps.db, courseId, tagFeed.id)).toBe(true);
    expect(await all()).toMatchObject([{ id: item!.id, sourceId: mainFeed.id }]);
    expect((await flowPage(hub.deps.db, courseId)).items).toHaveLength(1);

    expect(await removeSource(hub.deps.db, courseId, mainFeed.id)).toBe(true);
    expect(await all()).toEqual([]);
  });

  it("links a learner's toot to their blog post however either spells the address", async () => {
    const maya = (await createPerson(hub.deps.db, { email: "m@example.org", displayName: "Maya", password: "long enough password" }))!.id;
    const at = hub.clock.now;
    const [blog] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "blog",
        externalId: "b",
        canonicalUrl: "https://maya.example.org/2026/10/week-3/",
        postKey: postKey("https://maya.example.org/2026/10/week-3/"),
        title: "Week 3",
        personId: maya,
        publishedAt: at,
        firstSeenAt: at,
        lastSeenAt: at,
      })
      .returning();
    const [toot] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "mastodon",
        externalId: "t",
        canonicalUrl: "https://mastodon.example/@maya/1",
        postKey: postKey("https://mastodon.example/@maya/1"),
        title: "New post",
        personId: maya,
        links: [postKey("http://www.maya.example.org/2026/10/week-3")],
        publishedAt: at,
        firstSeenAt: at,
        lastSeenAt: at,
      })
      .returning();
    await hub.deps.db.batch(crossPostLinks(hub.deps.db, courseId, [maya]) as never);
    const [linked] = await hub.deps.db.select().from(items).where(eq(items.id, toot!.id));
    expect(linked!.crossPostOf).toBe(blog!.id);
  });
});

describe("re-keying items written before post keys", () => {
  async function legacy(url: string, over: Partial<typeof items.$inferInsert> = {}) {
    const at = hub.clock.now;
    const [row] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "blog",
        externalId: url,
        canonicalUrl: url,
        title: url,
        publishedAt: at,
        firstSeenAt: at,
        lastSeenAt: at,
        ...over,
      })
      .returning();
    return row!;
  }

  it("merges the duplicates into the oldest, keeping the Spotlight, hides, portfolio entries and announcements", async () => {
    const maya = (await createPerson(hub.deps.db, { email: "m@example.org", displayName: "Maya", password: "long enough password" }))!.id;
    const first = await legacy("http://maya.example.org/2026/10/week-3/");
    const second = await legacy("https://maya.example.org/2026/10/week-3/");
    const third = await legacy("https://www.maya.example.org/2026/10/week-3", { hidden: true, personId: maya });
    const p12 = await legacy("https://maya.example.org/?p=12");
    const p13 = await legacy("https://maya.example.org/?p=13");
    await hub.deps.db
      .insert(spotlightEntries)
      .values({ courseId, itemId: second.id, curatorId: adminId, note: "A fine week", position: 0 });
    await hub.deps.db.insert(portfolioEntries).values({
      personId: maya,
      kind: "item",
      itemId: third.id,
      url: third.canonicalUrl,
      title: "Week 3",
      createdAt: hub.clock.now,
      updatedAt: hub.clock.now,
    } as never);
    const toot = await legacy("https://mastodon.example/@maya/1", { kind: "mastodon", crossPostOf: third.id });
    await hub.deps.db.insert(tombstones).values({ courseId, canonicalUrl: "https://maya.example.org/gone/", reason: "deleted_at_source" });

    const summary = await rekeyItems(hub.deps, 1000);
    expect(summary).toMatchObject({ merged: 2, tombstones: 1 });
    const rows = await all();
    expect(rows.map((r) => r.id)).toEqual([first.id, p12.id, p13.id, toot.id]);
    expect(rows.every((r) => r.postKey !== null)).toBe(true);
    expect(rows[0]).toMatchObject({ canonicalUrl: "http://maya.example.org/2026/10/week-3/", hidden: true, personId: maya });
    expect(await hub.deps.db.select().from(spotlightEntries)).toMatchObject([{ itemId: first.id, note: "A fine week" }]);
    expect(await hub.deps.db.select().from(portfolioEntries)).toMatchObject([{ itemId: first.id }]);
    expect(rows.find((r) => r.id === toot.id)!.crossPostOf).toBe(first.id);
    expect(await hub.deps.db.select().from(tombstones)).toMatchObject([{ postKey: "https://maya.example.org/gone" }]);

    // Run again: nothing left to do.
    expect(await rekeyItems(hub.deps, 1000)).toEqual({ keyed: 0, merged: 0, tombstones: 0 });
  });

  it("keeps the older row when a poll since the upgrade wrote the same post under its key", async () => {
    const old = await legacy("https://maya.example.org/2026/10/week-3/");
    await hub.deps.db.insert(spotlightEntries).values({ courseId, itemId: old.id, curatorId: adminId, note: "Kept", position: 0 });
    server.feed("/feed.xml", feed(["http://maya.example.org/2026/10/week-3"]));
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollSource(hub.deps, s);
    expect(await all()).toHaveLength(2); // until the job comes by
    await rekeyItems(hub.deps, 1000);
    const rows = await all();
    expect(rows).toMatchObject([{ id: old.id, postKey: "https://maya.example.org/2026/10/week-3" }]);
    expect(await hub.deps.db.select().from(spotlightEntries)).toMatchObject([{ itemId: old.id, note: "Kept" }]);
    expect((await hub.deps.db.select().from(itemSources)).map((r) => r.itemId)).toEqual([old.id]);
    // And the next poll updates that one row.
    await pollSource(hub.deps, { ...s, etag: null });
    expect(await all()).toHaveLength(1);
  });
});

describe("POSSE: a post published on the learner's site and syndicated elsewhere", () => {
  const at = () => hub.clock.now;
  async function blogPost(url: string, over: Partial<typeof items.$inferInsert> = {}) {
    const [row] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "blog",
        externalId: url,
        canonicalUrl: url,
        postKey: postKey(url),
        title: "Week 3",
        publishedAt: at(),
        firstSeenAt: at(),
        lastSeenAt: at(),
        ...over,
      })
      .returning();
    return row!;
  }
  async function toot(url: string, over: Partial<typeof items.$inferInsert> = {}) {
    const [row] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "mastodon",
        externalId: url,
        canonicalUrl: url,
        postKey: postKey(url),
        title: "New post",
        publishedAt: at(),
        firstSeenAt: at(),
        lastSeenAt: at(),
        ...over,
      })
      .returning();
    return row!;
  }
  const crossOf = async (id: number) => (await hub.deps.db.select().from(items).where(eq(items.id, id)))[0]!.crossPostOf;
  const link = () => hub.deps.db.batch(crossPostLinks(hub.deps.db, courseId, []) as never);

  it("links a guest's toot to the post on a site their profile proves (a verified profile link), not otherwise", async () => {
    const post = await blogPost("https://omar.example.org/2026/10/week-3/");
    const proven = await toot("https://mastodon.example/@omar/1", {
      links: [postKey("http://www.omar.example.org/2026/10/week-3")],
      authorSites: ["omar.example.org"],
    });
    const stranger = await toot("https://mastodon.example/@eve/2", {
      links: [postKey("https://omar.example.org/2026/10/week-3/")],
      authorSites: ["eve.example.net"],
    });
    const unproven = await toot("https://mastodon.example/@omar2/3", { links: [postKey("https://omar.example.org/2026/10/week-3/")] });
    await link();
    expect(await crossOf(proven.id)).toBe(post.id);
    expect(await crossOf(stranger.id)).toBeNull();
    expect(await crossOf(unproven.id)).toBeNull();
  });

  it("does not let a site claim a look-alike host (omar.example.org.evil.net, evilomar.example.org)", async () => {
    await blogPost("https://omar.example.org.evil.net/week-3/");
    await blogPost("https://evilomar.example.org/week-3/");
    const t = await toot("https://mastodon.example/@omar/1", {
      links: [postKey("https://omar.example.org.evil.net/week-3/"), postKey("https://evilomar.example.org/week-3/")],
      authorSites: ["omar.example.org"],
    });
    await link();
    expect(await crossOf(t.id)).toBeNull();
  });

  it("links the toot a blog post lists as its syndicated copy (u-syndication), in the poll that reads the post", async () => {
    const maya = (await createPerson(hub.deps.db, { email: "m@example.org", displayName: "Maya", password: "long enough password" }))!.id;
    const t = await toot("https://mastodon.example/@maya/109", { personId: maya });
    server.feed(
      "/feed.xml",
      `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Maya</title><link>https://maya.example.org/</link>
<item><title>Week 3</title><link>https://maya.example.org/week-3/</link><pubDate>${new Date(Date.UTC(2026, 9, 3)).toUTCString()}</pubDate><category>t509massive</category>
<content:encoded><![CDATA[<p>My notes.</p><p>Also on <a class="u-syndication" href="https://mastodon.example/@maya/109">Mastodon</a>.</p>]]></content:encoded></item></channel></rss>`,
    );
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, maya, hub.clock.now);
    await pollSource(hub.deps, s);
    const post = (await all()).find((r) => r.kind === "blog")!;
    expect(post.links).toEqual([postKey("https://mastodon.example/@maya/109")]);
    expect(await crossOf(t.id)).toBe(post.id);
    expect((await flowPage(hub.deps.db, courseId)).items.map((i) => i.title)).toEqual(["Week 3"]); // one entry, "also on"
  });
});

describe("a blog that moved to another domain", () => {
  it("keeps one item per post when the feed's 301 says so and the posts keep their GUIDs", async () => {
    const posts = (host: string) =>
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>https://${host}/</link>
<item><title>Week 3</title><link>https://${host}/week-3/</link><guid isPermaLink="false">maya-3</guid><pubDate>${new Date(Date.UTC(2026, 9, 3)).toUTCString()}</pubDate><category>t509massive</category></item>
</channel></rss>`;
    server.feed("/old.xml", posts("maya.example.org"));
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/old.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollSource(hub.deps, s);
    const [before] = await all();
    // The blog moved: the old feed address answers 301, the new feed lists the same posts on the new domain.
    server.route("/old.xml", (_req, res) => void res.writeHead(301, { location: server.url("/new.xml") }).end());
    server.feed("/new.xml", posts("maya.example.net"));
    hub.clock.advance(60 * 60_000);
    await pollSource(hub.deps, { ...s, etag: null, lastModified: null });
    const after = await all();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      id: before!.id,
      canonicalUrl: "https://maya.example.net/week-3/",
      postKey: "https://maya.example.net/week-3",
    });
    const [moved] = await hub.deps.db.select().from(sourcesTable);
    expect(moved!.url).toBe(server.url("/new.xml"));
  });
});

describe("syndication links on the post's own page", () => {
  it("are read at the post's one-day look, and its toot becomes 'also on' under it", async () => {
    const maya = (await createPerson(hub.deps.db, { email: "m2@example.org", displayName: "Maya", password: "long enough password" }))!.id;
    const tootUrl = "https://mastodon.example/@maya/110";
    server.route("/week-3/", (req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(
        req.method === "HEAD"
          ? undefined
          : `<!doctype html><article class="h-entry"><h1 class="p-name">Week 3</h1><a class="u-syndication" href="${tootUrl}">Also on Mastodon</a></article>`,
      );
    });
    server.feed(
      "/feed.xml",
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>${server.url("/")}</link><item><title>Week 3</title><link>${server.url("/week-3/")}</link><pubDate>${new Date(Date.UTC(2026, 9, 3)).toUTCString()}</pubDate><category>t509massive</category></item></channel></rss>`,
    );
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, maya, hub.clock.now);
    await pollSource(hub.deps, s);
    const at = hub.clock.now;
    const [toot] = await hub.deps.db
      .insert(items)
      .values({
        courseId,
        kind: "mastodon",
        externalId: tootUrl,
        canonicalUrl: tootUrl,
        postKey: postKey(tootUrl),
        title: "New post",
        personId: maya,
        publishedAt: at,
        firstSeenAt: at,
        lastSeenAt: at,
      })
      .returning();
    const { recheckDueItems } = await import("../../../src/ingest/poll/recheck.js");
    hub.clock.advance(6 * 60 * 60_000);
    await recheckDueItems(hub.deps); // the 6-hour look: a HEAD
    expect((await hub.deps.db.select().from(items).where(eq(items.id, toot!.id)))[0]!.crossPostOf).toBeNull();
    hub.clock.advance(18 * 60 * 60_000);
    await recheckDueItems(hub.deps); // the one-day look reads the page
    const blog = (await all()).find((r) => r.kind === "blog")!;
    expect(blog.links).toEqual([postKey(tootUrl)]);
    expect((await hub.deps.db.select().from(items).where(eq(items.id, toot!.id)))[0]!.crossPostOf).toBe(blog.id);
  });
});
