// Feed discovery against a real HTTP server on 127.0.0.1 serving pages that
// mimic each platform's markup (tests/fixtures/discover/), with the tag feed
// present, missing (404), a soft 404 page, or a redirect back to the main feed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/core/config.js";
import { AddressUnreachable, type DiscoverDeps, discoverFeed } from "../../../src/ingest/discover/discover.js";
import { IngestError } from "../../../src/ingest/errors.js";
import { parseFeed } from "../../../src/ingest/parse/parse.js";
import { type FeedServer, fixture, startFeedServer } from "../../helpers/feed-server.js";

const dir = fileURLToPath(new URL("../../fixtures/discover/", import.meta.url));
/** What parseFeed itself says about `text` (its wording belongs to parse.ts, not to these tests). */
const parseMessage = (text: string) =>
  parseFeed(text).then(
    () => "",
    (e: unknown) => (e as Error).message,
  );
/** A fixture page with `{{site}}` replaced by where the test serves the blog. */
const page = (name: string, site: string) => readFileSync(dir + name, "utf8").replaceAll("{{site}}", site);
const file = (name: string) => readFileSync(dir + name, "utf8");

const HTML = "text/html; charset=UTF-8";
const ATOM = "application/atom+xml; charset=UTF-8";
const deps: DiscoverDeps = {
  fetch: globalThis.fetch.bind(globalThis),
  config: loadConfig({ ALLOW_LOOPBACK_FETCH: "true", FETCH_TIMEOUT_MS: "3000" }),
  userAgent: "Tributary-test",
};
const TAG = ["t509massive"];

let server: FeedServer;
beforeEach(async () => {
  server = await startFeedServer();
});
afterEach(async () => {
  await server.close();
});

async function rejection(p: Promise<unknown>): Promise<IngestError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  return err as IngestError;
}

describe("WordPress", () => {
  function serveWordPress(prefix = "/") {
    server.feed(prefix, page("wordpress-home.html", server.url(prefix)), HTML);
    server.feed(`${prefix}feed/`, fixture("wordpress-rss2.xml"));
  }

  it("prefers the tag feed when it answers, and never reads the comments feed", async () => {
    serveWordPress();
    server.feed("/tag/t509massive/feed/", file("wordpress-tag-rss2.xml"));
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d).toMatchObject({
      feedUrl: server.url("/tag/t509massive/feed/"),
      platform: "wordpress",
      homePageUrl: server.url("/"),
      siteUrl: "https://maya.example.org/",
      title: "T509Massive – Maya learns in the open",
      keepAll: false,
      note: "WordPress blog: using its tag feed for #t509massive, so only course posts are read.",
    });
    // The older course post that fell out of the 10-item main feed is there.
    expect(d.feed.entries.map((e) => e.title)).toContain("Week 1: hello, network");
    expect(server.hits("/comments/feed/")).toBe(0);
    expect(server.hits("/old-feed.xml")).toBe(0); // commented out in the page
  });

  it("finds a WordPress installed in a sub-folder and its tag feed there", async () => {
    serveWordPress("/blog/");
    server.feed("/blog/tag/t509massive/feed/", file("wordpress-tag-rss2.xml"));
    const d = await discoverFeed(server.url("/blog/"), TAG, deps);
    expect(d.feedUrl).toBe(server.url("/blog/tag/t509massive/feed/"));
  });

  it("falls back to the main feed when the tag feed is 404", async () => {
    serveWordPress();
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d.feedUrl).toBe(server.url("/feed/"));
    expect(d.platform).toBe("wordpress");
    expect(d.title).toBe("Maya learns in the open");
    expect(d.note).toBe(
      "WordPress blog: its tag feed for #t509massive did not answer with a feed (the server answered 404 Not Found), so its main feed is read and only posts tagged #t509massive are kept.",
    );
    expect(server.hits("/tag/t509massive/feed/")).toBe(1);
  });

  it("falls back when the tag address answers a web page (a soft 404)", async () => {
    serveWordPress();
    const soft404 = "<!DOCTYPE html><html><body>Nothing here</body></html>";
    server.feed("/tag/t509massive/feed/", soft404, HTML);
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d.feedUrl).toBe(server.url("/feed/"));
    const why = (await parseMessage(soft404)).split(". ")[0]!.replace(/^T/, "t");
    expect(d.note).toContain(`did not answer with a feed (${why})`);
  });

  it("falls back when the tag feed redirects back to the main feed", async () => {
    serveWordPress();
    server.route("/tag/t509massive/feed/", (_req, res) => res.writeHead(302, { location: "/feed/" }).end());
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d.feedUrl).toBe(server.url("/feed/"));
    expect(d.note).toContain("its tag feed for #t509massive leads back to the main feed");
  });

  it("reads the main feed when the course has several tags or keeps all posts", async () => {
    serveWordPress();
    server.feed("/tag/t509massive/feed/", file("wordpress-tag-rss2.xml"));
    const several = await discoverFeed(server.url("/"), ["t509massive", "t509"], deps);
    expect(several.feedUrl).toBe(server.url("/feed/"));
    expect(several.note).toBe(
      "WordPress blog: using its main feed, because the course listens to several tags (#t509massive, #t509); posts carrying one of them are kept.",
    );
    const all = await discoverFeed(server.url("/"), [], deps);
    expect(all.feedUrl).toBe(server.url("/feed/"));
    expect(all.note).toBe("WordPress blog: using its main feed.");
    expect(server.hits("/tag/t509massive/feed/")).toBe(0);
  });
});

describe("Blogger", () => {
  it("prefers the label feed /feeds/posts/default/-/<label>", async () => {
    server.feed("/", page("blogger-home.html", server.url("/")), HTML);
    server.feed("/feeds/posts/default", file("blogger-main-atom.xml"), ATOM);
    server.feed("/feeds/posts/default/-/t509massive", file("blogger-label-atom.xml"), ATOM);
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d).toMatchObject({
      feedUrl: server.url("/feeds/posts/default/-/t509massive"),
      platform: "blogger",
      note: "Blogger blog: using its tag feed for #t509massive, so only course posts are read.",
      siteUrl: "https://leo.example.net/",
    });
    // Atom is linked first; the RSS twin is not needed.
    expect(server.hits("/feeds/posts/default")).toBe(1);
  });

  it("keeps the main feed when the label feed misses a post tagged only in its text", async () => {
    server.feed("/", page("blogger-home.html", server.url("/")), HTML);
    server.feed("/feeds/posts/default", fixture("blogger-atom.xml"), ATOM); // "Sketchnotes … #T509Massive" has no label
    server.feed("/feeds/posts/default/-/t509massive", file("blogger-label-atom.xml"), ATOM);
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d.feedUrl).toBe(server.url("/feeds/posts/default"));
    expect(d.note).toBe(
      "Blogger blog: its tag feed for #t509massive misses 1 course post(s) that the main feed shows (tagged another way, e.g. #t509massive in the text), so its main feed is read and only posts tagged #t509massive are kept.",
    );
  });

  it("keeps the main feed when the label feed is empty (labels are case-sensitive)", async () => {
    server.feed("/", page("blogger-home.html", server.url("/")), HTML);
    server.feed("/feeds/posts/default", file("blogger-main-atom.xml"), ATOM);
    const empty = file("blogger-label-atom.xml").replace(/<entry>[\s\S]*<\/entry>/, "");
    server.feed("/feeds/posts/default/-/t509massive", empty, ATOM);
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d.feedUrl).toBe(server.url("/feeds/posts/default"));
    expect(d.note).toBe(
      "Blogger blog: its tag feed for #t509massive lists no posts yet, so its main feed is read and only posts tagged #t509massive are kept.",
    );
  });
});

describe("Ghost, Medium, Hugo, micro.blog, Write.as", () => {
  it("Ghost: /tag/<tag>/rss/", async () => {
    server.feed("/", page("ghost-home.html", server.url("/")), HTML);
    server.feed("/rss/", file("ghost-rss.xml"));
    server.feed("/tag/t509massive/rss/", file("ghost-tag-rss.xml"));
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d).toMatchObject({ feedUrl: server.url("/tag/t509massive/rss/"), platform: "ghost", keepAll: false });
    expect(d.note).toBe("Ghost blog: using its tag feed for #t509massive, so only course posts are read.");
  });

  it("Medium: a profile's feed /feed/@user has a tagged twin /feed/@user/tagged/<tag>", async () => {
    server.feed("/@sam", page("medium-profile.html", server.url("/")), HTML);
    server.feed("/feed/@sam", file("medium-rss.xml"));
    server.feed("/feed/@sam/tagged/t509massive", file("medium-tagged-rss.xml"));
    const d = await discoverFeed(server.url("/@sam"), TAG, deps);
    expect(d).toMatchObject({ feedUrl: server.url("/feed/@sam/tagged/t509massive"), platform: "medium", homePageUrl: server.url("/@sam") });
    expect(d.note).toBe("Medium page: using its tag feed for #t509massive, so only course posts are read.");
  });

  it("Hugo: /tags/<tag>/index.xml under <base href>, kept whole since Hugo feeds carry no tags", async () => {
    const site = server.url("/garden/");
    server.feed("/garden/", page("hugo-home.html", site), HTML);
    server.feed("/garden/index.xml", file("hugo-index.xml"));
    server.feed("/garden/tags/t509massive/index.xml", file("hugo-tag-index.xml"));
    const d = await discoverFeed(site, TAG, deps);
    expect(d).toMatchObject({ feedUrl: server.url("/garden/tags/t509massive/index.xml"), platform: "hugo", keepAll: true });
    expect(d.note).toBe(
      "Hugo site: using its tag feed for #t509massive, so only course posts are read. Its feed does not list tags, so every post in the tag feed is kept.",
    );
  });

  it("Hugo without a tag feed: the main feed, filtered as usual", async () => {
    const site = server.url("/garden/");
    server.feed("/garden/", page("hugo-home.html", site), HTML);
    server.feed("/garden/index.xml", file("hugo-index.xml"));
    const d = await discoverFeed(site, TAG, deps);
    expect(d).toMatchObject({ feedUrl: server.url("/garden/index.xml"), keepAll: false });
  });

  it("micro.blog (built on Hugo): /categories/<tag>/feed.xml", async () => {
    server.feed("/", page("microblog-home.html", server.url("/")), HTML);
    server.feed("/feed.xml", file("microblog-feed.xml"));
    server.feed("/categories/t509massive/feed.xml", file("microblog-feed.xml"));
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d).toMatchObject({ feedUrl: server.url("/categories/t509massive/feed.xml"), platform: "microblog" });
    expect(server.hits("/feed.json")).toBe(0);
  });

  it("Write.as / WriteFreely: /tag:<tag>/feed/", async () => {
    server.feed("/", page("writeas-home.html", server.url("/")), HTML);
    server.feed("/feed/", file("writeas-feed.xml"));
    server.feed("/tag:t509massive/feed/", file("writeas-feed.xml"));
    const d = await discoverFeed(server.url("/"), TAG, deps);
    expect(d).toMatchObject({ feedUrl: server.url("/tag:t509massive/feed/"), platform: "writeas", keepAll: false });
  });

  it("tries the platform's usual feed address when the page links none", async () => {
    server.feed("/", '<!doctype html><html><head><meta name="generator" content="Ghost 5.0"><title>Bare</title></head></html>', HTML);
    server.feed("/rss/", file("ghost-rss.xml"));
    const d = await discoverFeed(server.url("/"), [], deps);
    expect(d.feedUrl).toBe(server.url("/rss/"));
    expect(d.note).toBe("Ghost blog: using its usual feed address (the page links no feed).");
  });
});

describe("addresses, relative links and failures", () => {
  it("accepts a feed address as given, even one served as text/html", async () => {
    server.feed("/feed/", fixture("wordpress-rss2.xml"), "text/html; charset=UTF-8");
    const d = await discoverFeed(server.url("/feed/"), TAG, deps);
    expect(d).toMatchObject({
      feedUrl: server.url("/feed/"),
      platform: "feed",
      homePageUrl: null,
      title: "Maya learns in the open",
      note: "This address is a feed, so it is read as given.",
    });
    expect(d.feed.entries).toHaveLength(3);
  });

  it("resolves root-relative and path-relative feed links against the page", async () => {
    server.feed("/blog/", fixture("html-page.html"), HTML); // href="/feed.xml"
    server.feed("/feed.xml", fixture("wordpress-rss2.xml"));
    const rootRelative = await discoverFeed(server.url("/blog/"), TAG, deps);
    expect(rootRelative.feedUrl).toBe(server.url("/feed.xml"));
    expect(rootRelative.platform).toBe("unknown");
    expect(rootRelative.note).toBe(
      'Using the feed "Maya learns in the open" linked from this page; only posts tagged #t509massive are kept.',
    );

    server.feed(
      "/notes/2026/",
      '<html><head><link rel="alternate feed" type="application/atom+xml; charset=utf-8" href="../atom.xml"></head></html>',
      HTML,
    );
    server.feed("/notes/atom.xml", fixture("blogger-atom.xml"), ATOM);
    expect((await discoverFeed(server.url("/notes/2026/"), [], deps)).feedUrl).toBe(server.url("/notes/atom.xml"));
  });

  it("follows a redirect and resolves links against where it ended", async () => {
    server.route("/old", (_req, res) => res.writeHead(302, { location: "/blog/" }).end());
    server.feed("/blog/", '<html><head><link rel="alternate" type="application/rss+xml" href="feed.xml"></head></html>', HTML);
    server.feed("/blog/feed.xml", fixture("wordpress-rss2.xml"));
    const d = await discoverFeed(server.url("/old"), [], deps);
    expect(d.feedUrl).toBe(server.url("/blog/feed.xml"));
  });

  it("says plainly when a page links no feed, without guessing addresses", async () => {
    server.feed("/", file("no-feed.html"), HTML);
    const err = await rejection(discoverFeed(server.url("/"), TAG, deps));
    expect(err.message).toBe(
      `No feed found on this page: ${server.url("/")} links no RSS, Atom or JSON feed. Ask the blog's author for its feed address.`,
    );
    expect(server.hits("/rss.xml") + server.hits("/comments.xml")).toBe(0);
  });

  it("says which linked feed failed and why", async () => {
    server.feed("/", page("ghost-home.html", server.url("/")), HTML);
    server.route("/rss/", (_req, res) => res.writeHead(500).end());
    const err = await rejection(discoverFeed(server.url("/"), [], deps));
    expect(err.message).toBe(
      `This page links a feed (${server.url("/rss/")}), but it could not be read: the server answered 500 Internal Server Error.`,
    );
  });

  it("applies the SSRF guard to feed links found on the page", async () => {
    server.feed(
      "/",
      '<html><head><link rel="alternate" type="application/rss+xml" href="http://169.254.169.254/latest/feed.xml"></head></html>',
      HTML,
    );
    const err = await rejection(discoverFeed(server.url("/"), [], deps));
    expect(err.message).toContain("This page links a feed (http://169.254.169.254/latest/feed.xml), but it could not be read");
    expect(err.message).toContain("link-local");
  });

  it("refuses loopback pages unless loopback is allowed", async () => {
    const strict = { ...deps, config: loadConfig({}) };
    const err = await rejection(discoverFeed(server.url("/"), [], strict));
    expect(err).not.toBeInstanceOf(AddressUnreachable);
    expect(err.code).toBe("blocked_address");
  });

  it("marks an address that cannot be reached at all, so a caller may keep it and retry", async () => {
    server.route("/down", (_req, res) => res.writeHead(503).end());
    const err = await rejection(discoverFeed(server.url("/down"), TAG, deps));
    expect(err).toBeInstanceOf(AddressUnreachable);
    expect(err.message).toBe("The server answered 503 Service Unavailable.");
  });

  it("reports a broken feed as a broken feed", async () => {
    server.feed("/broken.xml", fixture("broken.xml"));
    const err = await rejection(discoverFeed(server.url("/broken.xml"), TAG, deps));
    expect(err.code).toBe("not_a_feed");
    // The wording is parse.ts's; here it only has to be one plain line, no stack.
    expect(err.message).toMatch(/^This .*feed.*\.$/);
    expect(err.message).not.toContain("\n");
  });
});
