// WebSub discovery (W3C WebSub §4) from real feed shapes: Link headers first, else the feed's own
// top-level links (Atom, and RSS with atom:link); entry-level links and non-http hubs never count.
import { describe, expect, it } from "vitest";
import { discoverWebSub, parseLinkHeader } from "../../../src/ingest/discover/websub.js";

const FEED = "https://maya.example.org/feed/";

describe("reading a Link header (RFC 8288)", () => {
  it("reads several links with quoted, bare and multiple rel values", () => {
    expect(
      parseLinkHeader(
        '<https://hub.example/>; rel="hub", <https://maya.example.org/feed/>; rel=self, <https://x.example/a,b>; rel="alternate hub"; title="A, \\"B\\""',
      ),
    ).toEqual([
      { target: "https://hub.example/", rels: ["hub"] },
      { target: "https://maya.example.org/feed/", rels: ["self"] },
      { target: "https://x.example/a,b", rels: ["alternate", "hub"] },
    ]);
  });

  it("stops at what it cannot read instead of guessing", () => {
    expect(parseLinkHeader("garbage, <https://hub.example/>; rel=hub")).toEqual([]);
    expect(parseLinkHeader("")).toEqual([]);
  });
});

describe("finding a feed's hub and topic", () => {
  it("prefers the HTTP Link headers, resolving relative targets against the feed", () => {
    const xml = `<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://other-hub.example/"/></feed>`;
    expect(discoverWebSub(FEED, '</hub>; rel="hub", <https://maya.example.org/feed/>; rel="self"', xml)).toEqual({
      hub: "https://maya.example.org/hub",
      self: "https://maya.example.org/feed/",
    });
  });

  it("reads WordPress's RSS (atom:link in the channel) and Blogger's Atom", () => {
    const rss = `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>Maya</title><link>https://maya.example.org/</link>
<atom:link href="https://maya.example.org/feed/" rel="self" type="application/rss+xml" />
<atom:link rel="hub" href="https://pubsubhubbub.appspot.com"/>
<atom:link rel='hub' href='https://websubhub.com/hub'/>
<item><title>x</title><atom:link rel="hub" href="https://evil.example/"/></item></channel></rss>`;
    expect(discoverWebSub(FEED, null, rss)).toEqual({ hub: "https://pubsubhubbub.appspot.com/", self: FEED });
    const atom = `<feed xmlns='http://www.w3.org/2005/Atom'><link rel='self' type='application/atom+xml' href='https://leo.blogspot.com/feeds/posts/default?alt=atom&amp;max=25'/><link rel='hub' href='http://pubsubhubbub.appspot.com/'/><entry><link rel='hub' href='https://evil.example/'/></entry></feed>`;
    expect(discoverWebSub("https://leo.blogspot.com/feeds/posts/default", null, atom)).toEqual({
      hub: "http://pubsubhubbub.appspot.com/",
      self: "https://leo.blogspot.com/feeds/posts/default?alt=atom&max=25",
    });
  });

  it("finds nothing in a feed without a hub, in entries only, or with a hub that is not http(s)", () => {
    expect(discoverWebSub(FEED, null, `<rss><channel><title>No hub</title><item><link>https://a/</link></item></channel></rss>`)).toEqual({
      hub: null,
      self: null,
    });
    expect(discoverWebSub(FEED, '<javascript:alert(1)>; rel="hub"', `<feed><link rel="hub" href="ftp://hub.example/"/></feed>`)).toEqual({
      hub: null,
      self: null,
    });
  });

  it("takes the feed's address as the topic when the hub comes with no self link", () => {
    expect(discoverWebSub(FEED, "<https://hub.example/>; rel=hub", "")).toEqual({ hub: "https://hub.example/", self: FEED });
  });
});
