// The outbound feeds through the real app: every course list as RSS, Atom and
// JSON Feed, the same visibility rules as the pages, conditional GET, and the
// autodiscovery links the layout renders; the Spotlight with its notes.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { blockedAuthors, courses, feedVersions, items, memberships } from "../../src/db/schema.js";
import { alternatesFor } from "../../src/hub/outbound/links.js";
import { addToSpotlight } from "../../src/hub/spotlight.js";
import { parseFeed } from "../../src/ingest/parse/parse.js";
import { render } from "../../src/views/render.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PUBLIC = "https://hub.example.org";
let hub: TestHub;
let visitor: Client;
let mayaId: number;
let samId: number;

const day = 86_400_000;
async function item(title: string, over: Partial<typeof items.$inferInsert> = {}) {
  const at = new Date(hub.clock.now.getTime() - day);
  const [row] = await hub.deps.db
    .insert(items)
    .values({
      courseId: 1,
      kind: "blog",
      externalId: title,
      canonicalUrl: `https://maya.example.org/${encodeURIComponent(title)}`,
      title,
      // A toot or a skeet is its text; the hub stores its first words as the title.
      excerpt: over.kind && over.kind !== "blog" ? title : `About ${title}`,
      publishedAt: at,
      firstSeenAt: at,
      lastSeenAt: at,
      tags: ["t509massive"],
      ...over,
    })
    .returning();
  return row!;
}

const FORMATS = [
  ["rss", "application/rss+xml; charset=utf-8"],
  ["atom", "application/atom+xml; charset=utf-8"],
  ["json", "application/feed+json; charset=utf-8"],
] as const;

/** What a reader shows for an entry: its title, or a social post's text (RSS and JSON Feed give no title, Atom a label). */
function shown(e: { title: string; excerpt: string }): string {
  return !e.title || e.title.startsWith("Post by ") ? e.excerpt : e.title;
}

async function titles(path: string, format: string): Promise<string[]> {
  const res = await visitor.get(`${path}/feed.${format}`);
  expect(res.status, `${path}/feed.${format}`).toBe(200);
  return (await parseFeed(await res.text())).entries.map(shown).sort();
}

beforeEach(async () => {
  hub = await createTestHub({ PUBLIC_URL: PUBLIC });
  await setUpCourse(hub.app);
  visitor = Client.forApp(hub.app);
  mayaId = (await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya Okafor", password: "correct horse battery" }))!
    .id;
  samId = (await createPerson(hub.deps.db, { email: "sam@example.org", displayName: "Sam Stone", password: "correct horse battery" }))!.id;
  await hub.deps.db.insert(memberships).values({ courseId: 1, personId: samId, role: "learner" });

  const post = await item("Maya's post", { personId: mayaId, tags: ["t509massive", "illich"] });
  await item("A guest toot", {
    kind: "mastodon",
    canonicalUrl: "https://mastodon.social/@g/1",
    authorKey: "g@mastodon.social",
    authorHandle: "@g@mastodon.social",
  });
  await item("Maya's skeet", { kind: "bluesky", canonicalUrl: "https://bsky.app/profile/maya/post/1", personId: mayaId, tags: ["illich"] });
  await item("Hidden post", { hidden: true, tags: ["illich"] });
  await item("Withdrawn post", { deletedAt: hub.clock.now, personId: mayaId, tags: ["illich"] });
  await item("Blocked guest's toot", {
    kind: "mastodon",
    canonicalUrl: "https://spam.example/@x/1",
    authorKey: "x@spam.example",
    tags: ["illich"],
  });
  await hub.deps.db.insert(blockedAuthors).values({ courseId: 1, kind: "mastodon", authorKey: "x@spam.example", label: "@x@spam.example" });
  await item("Maya announces her post", {
    kind: "mastodon",
    canonicalUrl: "https://mastodon.social/@maya/2",
    personId: mayaId,
    crossPostOf: post.id,
  });
});
afterEach(async () => hub.close());

describe("course feeds", () => {
  it("serve every list in all three formats, with their content types, and only what the pages show", async () => {
    const lists: Array<[string, string[]]> = [
      ["/c/t509", ["A guest toot", "Maya's post", "Maya's skeet"]],
      ["/c/t509/blog", ["Maya's post"]],
      ["/c/t509/social", ["A guest toot", "Maya's skeet"]],
      [`/c/t509/people/${mayaId}`, ["Maya's post", "Maya's skeet"]],
      [`/c/t509/people/${samId}`, []],
      ["/c/t509/tags/illich", ["Maya's post", "Maya's skeet"]],
      ["/c/t509/tags/%23Illich", ["Maya's post", "Maya's skeet"]],
    ];
    for (const [path, expected] of lists) {
      for (const [format, type] of FORMATS) {
        const res = await visitor.get(`${path}/feed.${format}`);
        expect(res.status, `${path}/feed.${format}`).toBe(200);
        expect(res.headers.get("content-type")).toBe(type);
        const body = await res.text();
        for (const gone of ["Hidden post", "Withdrawn post", "Blocked guest", "announces her post"])
          expect(body, `${path} ${format}`).not.toContain(gone);
        expect(await titles(path, format), `${path}/feed.${format}`).toEqual(expected);
      }
    }
  });

  it("link back with the hub's public address, and name the list", async () => {
    const atom = await (await visitor.get("/c/t509/tags/illich/feed.atom")).text();
    expect(atom).toContain(`<link rel="self" type="application/atom+xml" href="${PUBLIC}/c/t509/tags/illich/feed.atom"/>`);
    expect(atom).toContain(`<link rel="alternate" type="text/html" href="${PUBLIC}/c/t509/tags/illich"/>`);
    const [course] = await hub.deps.db.select().from(courses);
    expect(atom).toContain(`<id>tag:hub.example.org,${course!.createdAt.toISOString().slice(0, 10)}:/c/t509/tags/illich</id>`);
    expect(atom).toContain('<title type="text">T509 Massive: #illich</title>');
    const person = await parseFeed(await (await visitor.get(`/c/t509/people/${mayaId}/feed.json`)).text());
    expect(person.title).toBe("T509 Massive: posts by Maya Okafor");
    expect(person.link).toBe(`${PUBLIC}/c/t509/people/${mayaId}`);
  });

  it("serve a tag with a space or a hyphen, and the tag page advertises those feeds", async () => {
    await item("Notes on design", { personId: mayaId, tags: ["learning design", "reading-notes"] });
    for (const path of ["/c/t509/tags/learning%20design", "/c/t509/tags/reading-notes"]) {
      const rss = await visitor.get(`${path}/feed.rss`);
      expect(rss.status, path).toBe(200);
      expect(await rss.text()).toContain("Notes on design");
      const page = await (await visitor.get(path)).text();
      expect(page, path).toContain(`href="${path}/feed.atom"`);
    }
  });

  it("serve a narrowed Flow as its own feed, which the narrowed page advertises and links visibly", async () => {
    const cases: Array<[string, string[]]> = [
      ["?kind=blog", ["Maya's post"]],
      [`?person=${mayaId}`, ["Maya's post", "Maya's skeet"]],
      ["?kind=bluesky&tag=illich", ["Maya's skeet"]],
      ["?tag=%23Illich", ["Maya's post", "Maya's skeet"]],
    ];
    for (const [query, expected] of cases) {
      const res = await visitor.get(`/c/t509/feed.json${query}`);
      expect(res.status, query).toBe(200);
      const feed = (await res.json()) as { items: Array<{ title?: string; content_text: string }>; feed_url: string };
      expect(feed.items.map((i) => i.title ?? i.content_text).sort(), query).toEqual(expected);
      expect(feed.feed_url, query).toMatch(/^https:\/\/hub\.example\.org\/c\/t509\/feed\.json\?/);
    }
    const page = await (await visitor.get("/c/t509?tag=illich&kind=bluesky")).text();
    expect(page).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(page).toContain('href="/c/t509/feed.atom?kind=bluesky&amp;tag=illich"');
    expect(page).toMatch(
      /Subscribe to this list: <a href="\/c\/t509\/feed\.rss\?kind=bluesky&amp;tag=illich" type="application\/rss\+xml">RSS<\/a>/,
    );
    // Every list page shows its Subscribe links; a page that is not a list shows none.
    for (const path of [
      "/c/t509",
      "/c/t509/blog",
      "/c/t509/social",
      "/c/t509/spotlight",
      "/c/t509/tags/illich",
      `/c/t509/people/${mayaId}`,
    ])
      expect(await (await visitor.get(path)).text(), path).toContain(`Subscribe to this list: <a href="${path}/feed.rss"`);
    expect(await (await visitor.get("/c/t509/search?q=x")).text()).not.toContain("Subscribe to this list");
    for (const bad of ["?kind=video", "?person=x", "?person=999", "?tag=a%00b"])
      expect((await visitor.get(`/c/t509/feed.rss${bad}`)).status, bad).toBe(404);
  });

  it("answer 404 for a course, learner or tag that is not there", async () => {
    const nobody = (await createPerson(hub.deps.db, { email: "zed@example.org", displayName: "Zed", password: "correct horse battery" }))!
      .id;
    for (const path of [
      "/c/nope/feed.rss",
      `/c/t509/people/${nobody}/feed.atom`,
      "/c/t509/people/999/feed.json",
      "/c/t509/people/x/feed.rss",
      "/c/t509/tags/bad%00tag/feed.rss",
      `/c/t509/tags/${"x".repeat(101)}/feed.rss`,
    ]) {
      expect((await visitor.get(path)).status, path).toBe(404);
    }
  });

  it("answer 304 to a matching ETag or an unchanged Last-Modified, and 200 once something new arrives", async () => {
    const first = await visitor.get("/c/t509/feed.atom");
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    expect(first.headers.get("cache-control")).toBe("public, max-age=300");
    // Publicly cacheable, so it must not hand a visitor's CSRF cookie to a shared cache.
    expect(first.headers.get("set-cookie")).toBeNull();
    expect(first.headers.get("access-control-allow-origin")).toBe("*");

    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const again = await visitor.request("/c/t509/feed.atom", { headers: { "if-none-match": inm } });
      expect(again.status, inm).toBe(304);
      expect(await again.text()).toBe("");
      expect(again.headers.get("etag")).toBe(etag);
    }
    expect((await visitor.request("/c/t509/feed.atom", { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    expect((await visitor.request("/c/t509/feed.atom", { headers: { "if-none-match": '"stale"' } })).status).toBe(200);
    // The same list in another format is another representation.
    expect((await visitor.request("/c/t509/feed.rss", { headers: { "if-none-match": etag } })).status).toBe(200);

    // A post published last week but read only now is news to the feed: both validators must see it.
    hub.clock.advance(60_000);
    await item("Late arrival", { publishedAt: new Date(hub.clock.now.getTime() - 7 * day), firstSeenAt: hub.clock.now });
    const changed = await visitor.request("/c/t509/feed.atom", { headers: { "if-none-match": etag, "if-modified-since": lastModified } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("Late arrival");
    expect((await visitor.request("/c/t509/feed.atom", { headers: { "if-modified-since": lastModified } })).status).toBe(200);
  });

  it("changes its ETag and its Last-Modified when a post is hidden, withdrawn or its author blocked", async () => {
    const removals: Array<[string, () => Promise<unknown>]> = [
      ["hidden", () => hub.deps.db.update(items).set({ hidden: true }).where(eq(items.title, "Maya's post"))],
      ["withdrawn", () => hub.deps.db.update(items).set({ deletedAt: hub.clock.now }).where(eq(items.title, "Maya's skeet"))],
      [
        "blocked",
        () =>
          hub.deps.db
            .insert(blockedAuthors)
            .values({ courseId: 1, kind: "mastodon", authorKey: "g@mastodon.social", label: "@g@mastodon.social" }),
      ],
    ];
    const titles: Record<string, string> = { hidden: "Maya's post", withdrawn: "Maya's skeet", blocked: "A guest toot" };
    let first = await visitor.get("/c/t509/feed.rss");
    for (const [how, remove] of removals) {
      const etag = first.headers.get("etag")!;
      const lastModified = first.headers.get("last-modified")!;
      expect(await first.text(), how).toContain(titles[how]);
      hub.clock.advance(60_000);
      await remove();
      const validators: Array<Record<string, string>> = [{ "if-none-match": etag }, { "if-modified-since": lastModified }];
      for (const headers of validators) {
        const after = await visitor.request("/c/t509/feed.rss", { headers });
        expect(after.status, `${how} ${JSON.stringify(headers)}`).toBe(200);
        expect(await after.text(), how).not.toContain(titles[how]);
        expect(Date.parse(after.headers.get("last-modified")!), how).toBeGreaterThan(Date.parse(lastModified));
      }
      // Unchanged since: both validators answer 304 again, and the date holds still.
      first = await visitor.get("/c/t509/feed.rss");
      const again = await visitor.request("/c/t509/feed.rss", { headers: { "if-modified-since": first.headers.get("last-modified")! } });
      expect(again.status, how).toBe(304);
      expect(again.headers.get("last-modified"), how).toBe(first.headers.get("last-modified"));
    }
  });

  it("keeps no history for a made-up tag with nothing in it", async () => {
    for (const tag of ["nothing1", "nothing2", "nothing3"]) expect((await visitor.get(`/c/t509/tags/${tag}/feed.rss`)).status).toBe(200);
    const rows = await hub.deps.db.select().from(feedVersions);
    expect(rows.filter((r) => r.path.includes("/tags/nothing"))).toEqual([]);
    await visitor.get("/c/t509/tags/illich/feed.rss");
    expect((await hub.deps.db.select().from(feedVersions)).map((r) => r.path)).toContain(`${PUBLIC}/c/t509/tags/illich/feed.rss`);
  });
});

describe("feed autodiscovery", () => {
  it("puts the list's feeds and the course's OPML in the page head, escaped", () => {
    const html = render("partials/error", {
      title: "x",
      heading: "x",
      message: "x",
      alternates: alternatesFor("t509", "/tags/illich", 'T509 "Massive" <Blog>'),
    });
    expect(html).toContain(
      '<link rel="alternate" type="application/rss+xml" title="T509 &quot;Massive&quot; &lt;Blog&gt; (RSS)" href="/c/t509/tags/illich/feed.rss">',
    );
    expect(html).toContain(
      '<link rel="alternate" type="application/atom+xml" title="T509 &quot;Massive&quot; &lt;Blog&gt; (Atom)" href="/c/t509/tags/illich/feed.atom">',
    );
    expect(html).toContain(
      '<link rel="alternate" type="application/feed+json" title="T509 &quot;Massive&quot; &lt;Blog&gt; (JSON Feed)" href="/c/t509/tags/illich/feed.json">',
    );
    expect(html).toContain('<link rel="alternate" type="text/x-opml" title="The course&#39;s blogs (OPML)" href="/c/t509/blogs.opml">');
    expect(render("partials/error", { title: "x", heading: "x", message: "x" })).not.toContain('rel="alternate"');
  });

  it("documents the JSON Feed extension at its about address", async () => {
    const res = await visitor.get("/feeds/json-feed-extension");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"_tributary"');
  });
});

describe("the Spotlight feed", () => {
  it("lists the curators' choices in their order, each with the curator's note, and drops a post hidden since", async () => {
    const all = await hub.deps.db.select().from(items);
    const byTitle = (t: string) => all.find((i) => i.title === t)!;
    await addToSpotlight(hub.deps.db, 1, { itemId: byTitle("Maya's post").id, note: "A model of <b>linking</b> & citing", curatorId: 1 });
    hub.clock.advance(1000);
    await addToSpotlight(hub.deps.db, 1, { itemId: byTitle("A guest toot").id, note: "", curatorId: 1 });

    for (const [format, type] of FORMATS) {
      const res = await visitor.get(`/c/t509/spotlight/feed.${format}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      const feed = await parseFeed(await res.text());
      expect(feed.title).toBe("T509 Massive: Spotlight");
      // Newest choice first, as the curators' order puts it.
      expect(feed.entries.map(shown)).toEqual(["A guest toot", "Maya's post"]);
      expect(feed.entries[1]!.text).toContain("Why it is in the Spotlight (Ida Instructor): A model of <b>linking</b> & citing");
      expect(feed.entries[0]!.text).not.toContain("Why it is in the Spotlight");
    }
    const json = (await (await visitor.get("/c/t509/spotlight/feed.json")).json()) as {
      items: Array<{ _tributary: { spotlight?: { note: string; curator: string; position: number } } }>;
    };
    expect(json.items[1]!._tributary.spotlight).toMatchObject({
      note: "A model of <b>linking</b> & citing",
      curator: "Ida Instructor",
      position: 1,
    });

    await hub.deps.db
      .update(items)
      .set({ hidden: true })
      .where(eq(items.id, byTitle("Maya's post").id));
    const after = await parseFeed(await (await visitor.get("/c/t509/spotlight/feed.atom")).text());
    expect(after.entries.map(shown)).toEqual(["A guest toot"]);
  });
});
