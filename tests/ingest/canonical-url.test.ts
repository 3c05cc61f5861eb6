// A post's identity is its URL after canonicalising: every spelling of one page folds together,
// and nothing that can tell two posts apart does.
import { describe, expect, it } from "vitest";
import { canonicalUrl, postKey } from "../../src/ingest/canonical-url.js";
import { parseFeed } from "../../src/ingest/parse/parse.js";

describe("postKey", () => {
  it("folds http and https, www., host case, default ports and a trailing slash", () => {
    const spellings = [
      "http://maya.example.org/2026/10/week-3/",
      "https://maya.example.org/2026/10/week-3/",
      "https://www.maya.example.org/2026/10/week-3",
      "http://WWW.Maya.Example.org:80/2026/10/week-3/",
      "https://maya.example.org:443/2026/10/week-3/#comments",
      "https://maya.example.org/2026/10/week-3/?utm_source=rss&utm_medium=feed",
    ];
    expect(new Set(spellings.map(postKey))).toEqual(new Set(["https://maya.example.org/2026/10/week-3"]));
  });

  it("folds index pages and AMP variants", () => {
    for (const u of [
      "https://maya.example.org/week-3/index.html",
      "https://maya.example.org/week-3/index.php",
      "https://maya.example.org/week-3/amp/",
      "https://maya.example.org/amp/week-3/",
      "https://amp.maya.example.org/week-3/",
      "https://maya.example.org/week-3/?amp=1",
      "https://maya.example.org/week-3?amp",
    ]) {
      expect(postKey(u), u).toBe("https://maya.example.org/week-3");
    }
  });

  it("keeps posts apart that differ in what matters: the path, and query strings that name the post", () => {
    expect(postKey("https://maya.example.org/?p=12")).not.toBe(postKey("https://maya.example.org/?p=13"));
    expect(postKey("https://maya.example.org/index.php?p=12")).toBe(postKey("https://maya.example.org/?p=12"));
    expect(postKey("https://maya.example.org/week-3/")).not.toBe(postKey("https://maya.example.org/week-4/"));
    expect(postKey("https://maya.example.org/2026/week-3/")).not.toBe(postKey("https://maya.example.org/2027/week-3/"));
    expect(postKey("https://maya.example.org/Week-3")).not.toBe(postKey("https://maya.example.org/week-3")); // paths are case-sensitive
    expect(postKey("https://maya.example.org/post?id=1&page=2")).not.toBe(postKey("https://maya.example.org/post?id=1&page=3"));
    expect(postKey("https://omar.example.org/week-3/")).not.toBe(postKey("https://maya.example.org/week-3/"));
    expect(postKey("https://maya.example.org/camp/")).toBe("https://maya.example.org/camp"); // "amp" only as a whole segment
  });

  it("leaves the link as published for display: only tracking and fragments go", () => {
    expect(canonicalUrl("http://www.maya.example.org/week-3/?utm_source=x#c")).toBe("http://www.maya.example.org/week-3/");
  });
});

describe("FeedBurner", () => {
  it("takes the post's real address from feedburner:origLink, not FeedBurner's redirect", async () => {
    const feed = await parseFeed(`<?xml version="1.0"?>
<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><title>Maya</title><link>https://maya.example.org/</link>
<item><title>Week 3</title><link>https://feedproxy.google.com/~r/maya/~3/AbC123/</link><feedburner:origLink>https://maya.example.org/2026/10/week-3/</feedburner:origLink>
<guid isPermaLink="false">maya-3</guid><category>t509massive</category></item></channel></rss>`);
    expect(feed.entries[0]!.url).toBe("https://maya.example.org/2026/10/week-3/");
  });
});

describe("the sites a social profile proves", () => {
  it("are the verified links of a Mastodon profile, and a Bluesky domain handle", async () => {
    const { authorOf: mastodonAuthor } = await import("../../src/ingest/social/mastodon/normalise.js");
    const { authorOf: blueskyAuthor } = await import("../../src/ingest/social/bluesky/normalise.js");
    const account = {
      acct: "omar",
      url: "https://mastodon.example/@omar",
      fields: [
        {
          name: "Blog",
          value: '<a href="https://www.omar.example.org/" rel="me nofollow">omar.example.org</a>',
          verifiedAt: "2026-10-01T00:00:00.000Z",
        },
        { name: "Unproven", value: '<a href="https://eve.example.net/">eve</a>', verifiedAt: null },
      ],
    };
    expect(mastodonAuthor(account, "mastodon.example")!.sites).toEqual(["omar.example.org"]);
    expect(blueskyAuthor({ did: "did:plc:abcdefghijklmnopqrstuvwx", handle: "omar.example.org" })!.sites).toEqual(["omar.example.org"]);
    expect(blueskyAuthor({ did: "did:plc:abcdefghijklmnopqrstuvwx", handle: "omar.bsky.social" })!.sites).toEqual([]);
  });
});
