// Post views → SocialPosts, from a view recorded on the local atproto network
// (tests/fixtures/bluesky/search-posts.json) with one field changed at a time,
// and the cursor's round trip.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatCursor, OVERLAP_MS, parseCursor } from "../../../../src/ingest/social/bluesky/cursor.js";
import { retryAfterFrom } from "../../../../src/ingest/social/bluesky/failures.js";
import { carriesTag, normalisePostView, sortAtOf } from "../../../../src/ingest/social/bluesky/normalise.js";
import { jwtExpiry, serviceOrigin, sessionKey } from "../../../../src/ingest/social/bluesky/session.js";

type View = Record<string, unknown> & { uri: string; author: Record<string, unknown>; record: Record<string, unknown> };
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../fixtures/bluesky/search-posts.json", import.meta.url)), "utf8"),
) as { posts: View[] };
/** The plain one: tag facet, link facet, external embed, no labels. */
const base = (): View => structuredClone(fixture.posts.find((p) => !(p.labels as unknown[]).length)!);
const now = new Date("2026-12-01T00:00:00Z");

describe("normalisePostView", () => {
  it("keeps a post's identity, link, author, text, tags and links", () => {
    const v = base();
    const post = normalisePostView(v, now)!;
    const rkey = v.uri.split("/").pop();
    expect(post).toMatchObject({
      kind: "bluesky",
      externalId: v.uri,
      remoteId: v.uri,
      url: `https://bsky.app/profile/alice.test/post/${rkey}`,
      author: { key: v.author.did, handle: "alice.test", name: "Alice Learner", url: "https://bsky.app/profile/alice.test" },
      tags: ["t509massive"],
      contentWarning: null,
      hide: false,
      sensitive: false,
      editedAt: null,
    });
    expect(post.publishedAt.toISOString()).toBe(v.record.createdAt);
  });

  it("hidden tags (record.tags) count as the author's tags; a facet's tag is normalised", () => {
    const v = base();
    v.record.text = "No hashtag in the text";
    v.record.facets = [{ index: { byteStart: 0, byteEnd: 2 }, features: [{ $type: "app.bsky.richtext.facet#tag", tag: "#T509Massive" }] }];
    v.record.tags = ["Extra_Tag"];
    expect(normalisePostView(v, now)!.tags.sort()).toEqual(["extra_tag", "t509massive"]);
  });

  it("a post that only mentions the word does not carry the tag", () => {
    for (const text of ["t509massive is great", "#t509massivefan", "see example.org/x#t509massive", "&#t509massive"]) {
      const v = base();
      v.record.text = text;
      delete v.record.facets;
      expect(carriesTag(normalisePostView(v, now)!, "t509massive"), text).toBe(false);
    }
  });

  it("a handle that could not be verified falls back to the DID in links", () => {
    const v = base();
    v.author.handle = "handle.invalid";
    const post = normalisePostView(v, now)!;
    expect(post.author.handle).toBe(v.author.did);
    expect(post.url).toBe(`https://bsky.app/profile/${String(v.author.did)}/post/${v.uri.split("/").pop()}`);
  });

  it("a date in the future falls back to indexedAt, and never passes now", () => {
    const v = base();
    v.record.createdAt = "2099-01-01T00:00:00.000Z";
    expect(normalisePostView(v, now)!.publishedAt.toISOString()).toBe(v.indexedAt);
    v.indexedAt = "2099-01-02T00:00:00.000Z";
    expect(normalisePostView(v, now)!.publishedAt).toEqual(now);
    expect(sortAtOf(v)!.toISOString()).toBe("2099-01-01T00:00:00.000Z");
    v.record.createdAt = "not a date";
    expect(normalisePostView(v, new Date("2100-01-01T00:00:00Z"))!.publishedAt.toISOString()).toBe("2099-01-02T00:00:00.000Z");
  });

  it("skips what is not a post the hub can point to", () => {
    const cases: Array<(v: View) => void> = [
      (v) => (v.uri = v.uri.replace("app.bsky.feed.post", "app.bsky.feed.like")),
      (v) => (v.uri = "https://example.com/x"),
      (v) => (v.author.did = "did:plc:someoneelseentirely"), // the record is not in the author's repo
      (v) => (v.author.did = "not-a-did"),
      (v) => (v.record = "text" as never),
      (v) => (v.record.$type = "app.bsky.feed.repost"),
      (v) => {
        v.record.createdAt = "nope";
        v.indexedAt = "nope";
      },
    ];
    for (const change of cases) {
      const v = base();
      change(v);
      expect(normalisePostView(v, now)).toBeNull();
    }
    expect(normalisePostView(null, now)).toBeNull();
  });

  it("links: only http(s), from link facets, a link card, and a card beside a quote", () => {
    const v = base();
    v.record.facets = [
      { index: { byteStart: 0, byteEnd: 1 }, features: [{ $type: "app.bsky.richtext.facet#link", uri: "javascript:alert(1)" }] },
      { index: { byteStart: 1, byteEnd: 2 }, features: [{ $type: "app.bsky.richtext.facet#link", uri: "https://learner.example/post" }] },
    ];
    v.record.embed = {
      $type: "app.bsky.embed.recordWithMedia",
      record: { $type: "app.bsky.embed.record", record: { uri: v.uri, cid: v.cid } },
      media: { $type: "app.bsky.embed.external", external: { uri: "https://learner.example/card", title: "", description: "" } },
    };
    expect(normalisePostView(v, now)!.links).toEqual(["https://learner.example/post", "https://learner.example/card"]);
  });

  it("labels: moderation labels hide, media labels mark sensitive, negated and expired labels do not count", () => {
    const label = (val: string, extra: Record<string, unknown> = {}) => ({
      src: "did:plc:ar7c4by46qjdydhdevvrndac",
      uri: "at://x",
      val,
      cts: "2026-11-01T00:00:00Z",
      ...extra,
    });
    const check = (labels: unknown[], authorLabels: unknown[] = []) => {
      const v = base();
      v.labels = labels;
      v.author.labels = authorLabels;
      const p = normalisePostView(v, now)!;
      return { hide: p.hide, sensitive: p.sensitive, cw: p.contentWarning };
    };
    expect(check([label("!hide")])).toEqual({ hide: true, sensitive: false, cw: null });
    expect(check([label("!takedown")])).toEqual({ hide: true, sensitive: false, cw: null });
    expect(check([label("porn")])).toEqual({ hide: true, sensitive: true, cw: null });
    expect(check([label("graphic-media")])).toEqual({ hide: true, sensitive: true, cw: null });
    expect(check([label("nudity")])).toEqual({ hide: false, sensitive: true, cw: null });
    expect(check([label("!hide", { neg: true })])).toEqual({ hide: false, sensitive: false, cw: null });
    expect(check([label("!hide", { exp: "2026-11-30T00:00:00Z" })])).toEqual({ hide: false, sensitive: false, cw: null });
    expect(check([label("spam")])).toEqual({ hide: false, sensitive: false, cw: null });
    // On the author's account: a takedown, or their wish not to be shown to signed-out readers.
    expect(check([], [label("!takedown")])).toEqual({ hide: true, sensitive: false, cw: null });
    expect(check([], [{ ...label("!no-unauthenticated"), src: base().author.did }])).toEqual({ hide: true, sensitive: false, cw: null });
    // A `!warn` by a labeler is not the author's content warning.
    expect(check([label("!warn")]).cw).toBeNull();
  });
});

describe("cursor", () => {
  it("round-trips, keeping only what is inside the overlap", () => {
    const newest = Date.parse("2026-11-24T12:00:00Z");
    const seen = new Map([
      ["at://a/app.bsky.feed.post/1", newest],
      ["at://a/app.bsky.feed.post/2", newest - OVERLAP_MS + 1],
      ["at://a/app.bsky.feed.post/3", newest - OVERLAP_MS - 1],
    ]);
    const parsed = parseCursor(formatCursor({ newest, seen, backlog: null }));
    expect(parsed).toEqual({ newest, seen: new Map([...seen].slice(0, 2)), backlog: null });
    const withBacklog = parseCursor(formatCursor({ newest, seen, backlog: { floor: newest - 3 * OVERLAP_MS, page: "abc" } }));
    expect(withBacklog).toMatchObject({ backlog: { floor: newest - 3 * OVERLAP_MS, page: "abc" } });
    expect((withBacklog as { seen: Map<string, number> }).seen.size).toBe(3);
  });

  it("reads a bare date-time, and says so when a cursor is unreadable", () => {
    expect(parseCursor("2026-11-24T12:00:00Z")).toEqual({ newest: Date.parse("2026-11-24T12:00:00Z"), seen: new Map(), backlog: null });
    expect(parseCursor(null)).toBeNull();
    expect(parseCursor("  ")).toBeNull();
    for (const bad of ["103270115826048975x", "{", '{"v":2,"newest":"2026-11-24T12:00:00Z"}', "[]"])
      expect(parseCursor(bad)).toBe("unreadable");
  });
});

describe("session helpers", () => {
  it("reads a JWT's expiry, and nothing from garbage", () => {
    const jwt = `x.${Buffer.from(JSON.stringify({ exp: 1796000000 })).toString("base64url")}.y`;
    expect(jwtExpiry(jwt)).toBe(1796000000 * 1000);
    for (const bad of ["", "abc", "a.b.c", `x.${Buffer.from("[]").toString("base64url")}.y`]) expect(jwtExpiry(bad)).toBeNull();
  });

  it("keys sessions by service origin and account; refuses addresses that are not http(s)", () => {
    expect(sessionKey(serviceOrigin("https://bsky.social/xrpc/", "https://x"), " Hub.Example.COM ")).toBe(
      "bluesky:https://bsky.social:hub.example.com",
    );
    expect(serviceOrigin(null, "https://bsky.social").href).toBe("https://bsky.social/");
    expect(() => serviceOrigin("ftp://bsky.social", "https://x")).toThrow(/not an http\(s\) address/);
    expect(() => serviceOrigin("bsky social", "https://x")).toThrow(/not a web address/);
  });

  it("turns ratelimit-reset into a Retry-After date; a Retry-After header wins", () => {
    expect(retryAfterFrom({ "ratelimit-reset": "1796000000" })).toBe(new Date(1796000000 * 1000).toUTCString());
    expect(retryAfterFrom({ "Retry-After": "30", "ratelimit-reset": "1796000000" })).toBe("30");
    expect(retryAfterFrom({ "ratelimit-reset": "soon" })).toBeNull();
    expect(retryAfterFrom(undefined)).toBeNull();
  });
});
