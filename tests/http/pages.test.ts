// The course's pages through the real app: Flow (with filters), Blog, Social,
// Spotlight, People, a learner, a tag and search show the right posts, never a
// hidden, withdrawn or blocked one, page newest first, and escape everything.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { blockedAuthors, identities, items, memberships, sources, spotlightEntries } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { type CourseFixture, courseFixture, titlesIn } from "../hub/course-fixtures.js";

let f: CourseFixture;

beforeEach(async () => {
  f = await courseFixture();
});
afterEach(async () => f.hub.close());

const html = async (path: string, client = f.visitor()) => {
  const res = await client.get(path);
  expect(res.status, path).toBe(200);
  return res.text();
};

/** A course with one of everything: a learner's blog post and toot, a guest's skeet, and what must never show. */
async function mixedCourse() {
  const { mayaId } = f;
  const blog = await f.item({ title: "Maya's blog post", personId: mayaId, authorName: "M. O.", tags: ["t509massive", "week1"] });
  const toot = await f.item({
    kind: "mastodon",
    title: "Maya's toot",
    personId: mayaId,
    authorKey: "maya@mastodon.social",
    authorHandle: "@maya@mastodon.social",
    canonicalUrl: "https://mastodon.social/@maya/1",
    tags: ["t509massive"],
  });
  const skeet = await f.item({
    kind: "bluesky",
    title: "A guest's skeet",
    authorKey: "did:plc:guest",
    authorHandle: "guest.bsky.social",
    canonicalUrl: "https://bsky.app/profile/guest.bsky.social/post/1",
    tags: ["t509massive", "week1"],
  });
  await f.item({
    kind: "mastodon",
    title: "Announcing my post",
    personId: mayaId,
    canonicalUrl: "https://mastodon.social/@maya/2",
    crossPostOf: blog.id,
  });
  await f.item({ title: "Quietly hidden entry", hidden: true, tags: ["week1"] });
  await f.item({ title: "Withdrawn post", personId: mayaId, deletedAt: f.hub.clock.now, tags: ["week1"] });
  await f.item({
    kind: "mastodon",
    title: "Blocked guest toot",
    authorKey: "troll@bad.example",
    authorHandle: "@troll@bad.example",
    canonicalUrl: "https://bad.example/@troll/1",
    tags: ["week1"],
  });
  await f.hub.deps.db
    .insert(blockedAuthors)
    .values({ courseId: 1, kind: "mastodon", authorKey: "troll@bad.example", label: "@troll@bad.example" });
  return { blog, toot, skeet };
}

const NEVER = ["Quietly hidden entry", "Withdrawn post", "Blocked guest toot"];

describe("the course's lists", () => {
  it("shows each page's own posts, newest first, and never a hidden, withdrawn or blocked one", async () => {
    await mixedCourse();
    const flow = await html("/c/t509");
    expect(titlesIn(flow)).toEqual(["Maya&#39;s blog post", "Maya&#39;s toot", "A guest&#39;s skeet"]);
    // The toot announcing the blog post is shown under it, not as an entry of its own.
    expect(flow).toContain('href="https://mastodon.social/@maya/2" rel="noopener nofollow ugc">also on Mastodon</a>');
    expect(titlesIn(await html("/c/t509/blog"))).toEqual(["Maya&#39;s blog post"]);
    expect(titlesIn(await html("/c/t509/social"))).toEqual(["Maya&#39;s toot", "A guest&#39;s skeet"]);
    expect(titlesIn(await html("/c/t509/tags/week1"))).toEqual(["Maya&#39;s blog post", "A guest&#39;s skeet"]);
    expect(titlesIn(await html("/c/t509/tags/%23Week1"))).toEqual(["Maya&#39;s blog post", "A guest&#39;s skeet"]);
    expect(titlesIn(await html(`/c/t509/people/${f.mayaId}`))).toEqual(["Maya&#39;s blog post", "Maya&#39;s toot"]);
    for (const path of [
      "/c/t509",
      "/c/t509/blog",
      "/c/t509/social",
      "/c/t509/tags/week1",
      `/c/t509/people/${f.mayaId}`,
      "/c/t509/search?q=post",
      "/c/t509/spotlight",
    ]) {
      const page = await html(path, f.ida);
      for (const never of NEVER) expect(page, `${path} shows ${never}`).not.toContain(never);
    }
  });

  it("says who, where and when for each post, links learners to their course page and marks guests", async () => {
    await mixedCourse();
    const flow = await html("/c/t509");
    // A learner goes by their hub name and links to their page in the course.
    expect(flow).toContain(`<a class="author" href="/c/t509/people/${f.mayaId}">Maya Okafor</a>`);
    expect(flow).toMatch(/<span class="author">guest.bsky.social<\/span> <span class="badge guest">guest<\/span>/);
    expect(flow).toContain('<span class="where">blog.example.org</span>');
    expect(flow).toContain('<span class="where">Bluesky</span>');
    expect(flow).toMatch(/<time datetime="2026-11-01T11:\d\d:00.000Z">1 Nov 2026<\/time>/);
    expect(flow).toContain('<a class="tag" href="/c/t509/tags/week1">#week1</a>');
    expect(flow).toContain('>Read on blog.example.org<span class="visually-hidden">: Maya&#39;s blog post</span></a>');
  });

  it("shows a content warning instead of the excerpt", async () => {
    await f.item({
      kind: "mastodon",
      title: "CW toot",
      excerpt: "the spoiler text itself",
      contentWarning: "exam answers",
      canonicalUrl: "https://m.example/@a/1",
    });
    const flow = await html("/c/t509");
    expect(flow).toContain("<strong>Content warning:</strong> exam answers.");
    expect(flow).not.toContain("the spoiler text itself");
  });

  it("has the course tabs on every course page, the current one marked", async () => {
    const tabs = {
      "/c/t509": "Flow",
      "/c/t509/blog": "Blog",
      "/c/t509/social": "Social",
      "/c/t509/spotlight": "Spotlight",
      "/c/t509/people": "People",
      "/c/t509/search": "Search",
    };
    for (const [path, label] of Object.entries(tabs)) {
      const page = await html(path);
      expect(page).toContain('<nav aria-label="Course" class="tabs">');
      expect(page).toContain(`<a href="${path}" aria-current="page">${label}</a>`);
      expect(page.match(/aria-current="page"/g), path).toHaveLength(1);
      expect(page.match(/<h1>/g), path).toHaveLength(1);
      expect(page).toContain('<main id="main">');
    }
    expect(await html("/c/t509/tags/week1")).not.toContain('aria-current="page"');
    // Managers also see links to manage the course; visitors do not.
    expect(await html("/c/t509", f.ida)).toContain('<a href="/c/t509/manage/settings">Settings</a>');
    expect(await html("/c/t509")).not.toContain("/manage");
    expect(await html("/c/t509", f.maya)).not.toContain("/manage");
  });

  it("points feed readers at each list's own feeds", async () => {
    const feeds = {
      "/c/t509": "",
      "/c/t509/blog": "/blog",
      "/c/t509/social": "/social",
      "/c/t509/spotlight": "/spotlight",
      "/c/t509/tags/week1": "/tags/week1",
    };
    for (const [path, list] of Object.entries(feeds)) {
      const page = await html(path);
      for (const format of ["rss", "atom", "json"]) expect(page, path).toContain(`href="/c/t509${list}/feed.${format}">`);
      expect(page).toContain('<link rel="alternate" type="text/x-opml"');
    }
    await f.item({ personId: f.mayaId });
    expect(await html(`/c/t509/people/${f.mayaId}`)).toContain(`href="/c/t509/people/${f.mayaId}/feed.atom">`);
    expect(await html("/c/t509/search?q=x")).not.toContain("/feed.");
    // A category with a space is a tag page with its own feeds, like any other tag.
    expect(await html("/c/t509/tags/open%20pedagogy")).toContain('href="/c/t509/tags/open%20pedagogy/feed.atom"');
  });

  it("answers 404 in plain words for an unknown course, learner or empty tag", async () => {
    for (const path of ["/c/nope", "/c/nope/blog", "/c/nope/spotlight", "/c/nope/search?q=x", "/c/t509/people/999", "/c/t509/people/abc"]) {
      const res = await f.visitor().get(path);
      expect(res.status, path).toBe(404);
    }
    expect(await (await f.visitor().get("/c/t509/people/999")).text()).toContain("No one with posts in this course is at this address.");
  });
});

describe("paging", () => {
  it("pages every list newest first through `before`, with no overlap, and keeps the filters", async () => {
    for (let i = 0; i < 35; i++) await f.item({ title: `Numbered ${i}`, tags: ["week2"] });
    for (const path of ["/c/t509", "/c/t509/blog", "/c/t509/tags/week2", "/c/t509?kind=blog&tag=week2"]) {
      const page1 = await html(path);
      const first = titlesIn(page1);
      expect(first, path).toHaveLength(30);
      expect(first[0]).toBe("Numbered 0");
      const next = /<a href="([^"]+)" rel="next">Older posts<\/a>/.exec(page1)?.[1]?.replaceAll("&amp;", "&");
      expect(next, path).toMatch(/before=/);
      if (path.includes("kind=")) expect(next).toContain("kind=blog&tag=week2");
      const page2 = await html(next!);
      const second = titlesIn(page2);
      expect(second).toEqual(["Numbered 30", "Numbered 31", "Numbered 32", "Numbered 33", "Numbered 34"]);
      expect(page2).not.toContain('rel="next"');
      expect(page2).toContain(">Newest posts</a>");
    }
  });

  it("starts at the newest page when the cursor is nonsense", async () => {
    await f.item({ title: "Only one" });
    expect(titlesIn(await html("/c/t509?before=%27%3B%20DROP%20TABLE%20items"))).toEqual(["Only one"]);
  });
});

describe("filters on the Flow", () => {
  it("narrows by kind, learner and tag, says what it shows, and ignores values it does not know", async () => {
    await mixedCourse();
    const byKind = await html("/c/t509?kind=mastodon");
    expect(titlesIn(byKind)).toEqual(["Maya&#39;s toot"]);
    expect(byKind).toContain("Showing Mastodon posts.");
    expect(titlesIn(await html(`/c/t509?person=${f.mayaId}`))).toEqual(["Maya&#39;s blog post", "Maya&#39;s toot"]);
    const all3 = await html(`/c/t509?kind=blog&person=${f.mayaId}&tag=%23WEEK1`);
    expect(titlesIn(all3)).toEqual(["Maya&#39;s blog post"]);
    expect(all3).toContain("Showing blog posts by Maya Okafor tagged #week1.");
    expect(all3).toContain('<option value="blog" selected>Blogs</option>');
    expect(all3).toContain(`<option value="${f.mayaId}" selected>Maya Okafor</option>`);
    expect(all3).toContain('value="week1"');
    expect(titlesIn(await html("/c/t509?kind=evil&person=x"))).toHaveLength(3);
    expect(await html("/c/t509?tag=nothing-has-this")).toContain("No posts match these filters.");
  });
});

describe("the Spotlight page", () => {
  it("lists chosen posts in the curators' order with each note and curator's name, and leaves hidden ones out", async () => {
    const a = await f.item({ title: "First chosen" });
    const b = await f.item({ title: "Second chosen" });
    const hidden = await f.item({ title: "Chosen then hidden" });
    await f.hub.deps.db.insert(spotlightEntries).values([
      { courseId: 1, itemId: b.id, curatorId: 1, note: "Read the <b>second</b> one first", position: 0 },
      { courseId: 1, itemId: a.id, curatorId: null, note: "", position: 1 },
      { courseId: 1, itemId: hidden.id, curatorId: 1, note: "gone", position: 2 },
    ]);
    await f.hub.deps.db.update(items).set({ hidden: true }).where(eq(items.id, hidden.id));
    const page = await html("/c/t509/spotlight");
    expect(titlesIn(page)).toEqual(["Second chosen", "First chosen"]);
    expect(page).toContain("Read the &lt;b&gt;second&lt;/b&gt; one first");
    expect(page).toContain("Chosen by Ida Instructor");
    expect(page).toContain("Chosen by the course team");
    expect(page).not.toContain("gone");
  });
});

describe("people", () => {
  it("lists learners and authors with their blogs and verified accounts, and each learner's page links their profile", async () => {
    const { mayaId } = f;
    const omar = (await createPerson(f.hub.deps.db, {
      email: "omar@example.org",
      displayName: "Omar",
      password: "correct horse battery",
    }))!;
    const quiet = (await createPerson(f.hub.deps.db, {
      email: "q@example.org",
      displayName: "Quiet Learner",
      password: "correct horse battery",
    }))!;
    const stranger = (await createPerson(f.hub.deps.db, {
      email: "s@example.org",
      displayName: "Stranger",
      password: "correct horse battery",
    }))!;
    await f.hub.deps.db.insert(memberships).values({ courseId: 1, personId: quiet.id, role: "learner" });
    await f.item({ title: "Omar's post", personId: omar.id }); // not enrolled, but his verified blog brings posts in
    await f.item({ title: "Maya's", personId: mayaId });
    await f.hub.deps.db.insert(sources).values({
      courseId: 1,
      ownerId: mayaId,
      kind: "feed",
      url: "https://maya.example.org/feed/",
      homePageUrl: "https://maya.example.org/",
      title: "Maya learns",
      nextPollAt: f.hub.clock.now,
    });
    await f.hub.deps.db.insert(identities).values([
      {
        personId: mayaId,
        kind: "mastodon",
        address: "@maya@mastodon.social",
        authorKey: "maya@mastodon.social",
        verifyCode: "a",
        verifiedAt: f.hub.clock.now,
      },
      {
        personId: mayaId,
        kind: "bluesky",
        address: "maya.bsky.social",
        authorKey: "did:plc:abcdefghijklmnopqrstuvwx",
        verifyCode: "b",
        verifiedAt: f.hub.clock.now,
      },
      { personId: mayaId, kind: "bluesky", address: "notmaya.bsky.social", authorKey: "handle:notmaya.bsky.social", verifyCode: "c" },
      {
        personId: omar.id,
        kind: "blog",
        address: "https://omar.example.net/",
        authorKey: "https://omar.example.net",
        verifyCode: "d",
        verifiedAt: f.hub.clock.now,
      },
    ]);
    // In another course only: not on this roster.
    const admin = { id: 1 } as Parameters<typeof createCourse>[2];
    const other = await createCourse(
      f.hub.deps.db,
      { title: "Other", slug: "other", tags: ["other"], description: "", startsOn: null, endsOn: null },
      admin,
    );
    await f.item({ title: "Elsewhere", personId: stranger.id, courseId: other.id });

    const page = await html("/c/t509/people");
    expect([...page.matchAll(/<h3><a href="\/c\/t509\/people\/(\d+)">([^<]+)<\/a>/g)].map((m) => m[2])).toEqual([
      "Maya Okafor",
      "Omar",
      "Quiet Learner",
    ]);
    expect(page).toContain('Blog: <a href="https://maya.example.org/" rel="noopener nofollow">Maya learns</a>');
    expect(page).toContain('Mastodon: <a href="https://mastodon.social/@maya" rel="noopener nofollow">@maya@mastodon.social</a>');
    expect(page).toContain(
      'Bluesky: <a href="https://bsky.app/profile/did%3Aplc%3Aabcdefghijklmnopqrstuvwx" rel="noopener nofollow">maya.bsky.social</a>',
    );
    expect(page).toContain('Blog: <a href="https://omar.example.net/" rel="noopener nofollow">omar.example.net</a>');
    expect(page).not.toContain("notmaya");
    expect(page).not.toContain("Stranger");
    expect(page).not.toContain("Ida Instructor</a>");

    const maya = await html(`/c/t509/people/${mayaId}`);
    expect(maya).toContain(`<a href="/people/${mayaId}">Public profile`);
    expect(maya).toContain("Maya learns");
    expect(titlesIn(maya)).toEqual(["Maya&#39;s"]);
    expect(await html(`/c/t509/people/${quiet.id}`)).toContain("No posts in this course yet.");
    expect((await f.visitor().get(`/c/t509/people/${stranger.id}`)).status).toBe(404);
  });
});

describe("search", () => {
  it("finds posts by title, excerpt or author, best match first, and only what the course shows", async () => {
    await f.item({ title: "Weekly notes", excerpt: "Some thoughts on rhizomatic learning and networks" });
    await f.item({ title: "Rhizomatic learning, explained", excerpt: "A primer" });
    await f.item({ title: "Hidden rhizomatic", hidden: true });
    await f.item({ title: "Withdrawn rhizomatic", deletedAt: f.hub.clock.now });
    await f.item({ title: "By Zadie", authorName: "Zadie Rhizomatic" });
    const admin = { id: 1 } as Parameters<typeof createCourse>[2];
    const other = await createCourse(
      f.hub.deps.db,
      { title: "Other", slug: "other", tags: ["other"], description: "", startsOn: null, endsOn: null },
      admin,
    );
    await f.item({ title: "Other course rhizomatic", courseId: other.id });
    const page = await html("/c/t509/search?q=rhizomatic");
    const found = titlesIn(page);
    expect(found[0]).toBe("Rhizomatic learning, explained");
    expect(found).toHaveLength(3);
    expect(found).toEqual(expect.arrayContaining(["Weekly notes", "By Zadie"]));
    expect(page).toContain("Posts matching rhizomatic");
    expect(page).toContain('value="rhizomatic"');
    // Every word must appear; a word's start finds longer words.
    expect(titlesIn(await html("/c/t509/search?q=explained%20rhizom"))).toEqual(["Rhizomatic learning, explained"]); // the last word is a prefix
    expect(await html("/c/t509/search?q=nothingmatches")).toContain("No posts match nothingmatches.");
    expect(await html("/c/t509/search")).not.toContain("No posts match");
  });

  it("treats query syntax as plain words: hostile queries neither fail nor inject", async () => {
    await f.item({ title: "A title about OR and NEAR", excerpt: "" });
    await f.item({ title: "Secret hidden title", hidden: true });
    for (const q of [
      '"a" OR title:*',
      "NEAR(",
      "title:secret",
      "secret*",
      '"',
      "*",
      "AND",
      ")",
      "-",
      "^x",
      "a:b:c",
      "{title excerpt}: secret",
      "x' OR 1=1 --",
      "🙂",
      "NOT NOT",
    ]) {
      const res = await f.visitor().get(`/c/t509/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      const body = await res.text();
      expect(body, q).not.toContain("Secret hidden title");
      expect(body, q).not.toContain("Something went wrong");
    }
    // "OR" is a word to look for, not an operator: both words must appear.
    expect(titlesIn(await html(`/c/t509/search?q=${encodeURIComponent('"title" OR nowhere')}`))).toEqual([]);
    expect(titlesIn(await html(`/c/t509/search?q=${encodeURIComponent('"title" OR near(')}`))).toEqual(["A title about OR and NEAR"]);
    expect(await html(`/c/t509/search?q=${encodeURIComponent("*** ((")}`)).toContain("punctuation on its own finds nothing");
  });

  it("pages results", async () => {
    for (let i = 0; i < 25; i++) await f.item({ title: `Connectivism ${i}` });
    const page1 = await html("/c/t509/search?q=connectivism");
    expect(titlesIn(page1)).toHaveLength(20);
    const next = /<a href="([^"]+)" rel="next">More results<\/a>/.exec(page1)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toBe("/c/t509/search?q=connectivism&page=2");
    const page2 = await html(next!);
    expect(titlesIn(page2)).toHaveLength(5);
    expect(new Set([...titlesIn(page1), ...titlesIn(page2)]).size).toBe(25);
  });
});

describe("escaping", () => {
  it("escapes a hostile title, excerpt, author, tag and note on every page, for visitors and managers", async () => {
    const evil = "<script>alert(1)</script>";
    const item = await f.item({
      title: evil,
      excerpt: `${evil} excerpt`,
      authorName: `${evil}`,
      personId: f.mayaId,
      tags: ["week1", "<img src=x onerror=alert(1)>"],
    });
    await f.item({
      kind: "mastodon",
      title: `guest ${evil}`,
      authorHandle: `@${evil}@x.example`,
      authorKey: "e@x.example",
      canonicalUrl: "https://x.example/@e/1",
    });
    await f.item({ title: `hidden ${evil}`, hidden: true });
    const evilPerson = (await createPerson(f.hub.deps.db, {
      email: "e@example.org",
      displayName: evil,
      password: "correct horse battery",
    }))!;
    await f.item({ title: "By the evil name", personId: evilPerson.id });
    await f.hub.deps.db.insert(spotlightEntries).values({ courseId: 1, itemId: item.id, curatorId: 1, note: `note ${evil}`, position: 0 });
    const paths = [
      "/c/t509",
      "/c/t509/blog",
      "/c/t509/social",
      "/c/t509/spotlight",
      "/c/t509/people",
      `/c/t509/people/${f.mayaId}`,
      `/c/t509/people/${evilPerson.id}`,
      "/c/t509/tags/week1",
      `/c/t509/search?q=${encodeURIComponent(`alert ${evil}`)}`,
      "/c/t509/manage/hidden",
    ];
    for (const client of [f.visitor(), f.ida]) {
      for (const path of paths) {
        const res = await client.get(path);
        if (path.includes("/manage/") && client !== f.ida) continue;
        const body = await res.text();
        expect(body, path).not.toContain("<script");
        // Escaped text may say "onerror=", but never inside a tag.
        expect(body, path).not.toMatch(/<img|<[^>]*onerror=|javascript:/i);
        expect(body, path).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      }
    }
  });

  it("renders a post whose link is not http(s) without a link", async () => {
    await f.item({ title: "Odd link", canonicalUrl: "javascript:alert(1)" });
    const flow = await html("/c/t509");
    expect(flow).toContain("<h3>Odd link</h3>");
    expect(flow).toContain("Odd link");
    expect(flow).not.toContain("javascript:");
  });
});
