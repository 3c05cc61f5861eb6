// The outbound formats against their specifications (RSS 2.0, Atom 1.0 /
// RFC 4287, JSON Feed 1.1), read back by the hub's own feed reader, and a
// hostile title that must reach every reader as the same plain text.
import { describe, expect, it } from "vitest";
import type { FlowItem } from "../../../src/hub/flow.js";
import { renderAtom } from "../../../src/hub/outbound/atom.js";
import { JSON_FEED_VERSION, renderJsonFeed } from "../../../src/hub/outbound/json-feed.js";
import { entryOf, type OutboundFeed, tagUri } from "../../../src/hub/outbound/model.js";
import { renderRss } from "../../../src/hub/outbound/rss.js";
import { cleanText, csvField, xmlAttr, xmlText } from "../../../src/hub/outbound/text.js";
import { parseFeed } from "../../../src/ingest/parse/parse.js";
import { all, type El, kid, kids, parseStrict } from "./strict-xml.js";

const PUBLIC = "https://hub.example.org";
const ATOM = "http://www.w3.org/2005/Atom";
const DC = "http://purl.org/dc/elements/1.1/";
const HOSTILE = 'Fish & <script>alert("x")</script> ]]> chips\u0001\u0008\uFFFE\uD800 &amp; done';
const HOSTILE_CLEAN = 'Fish & <script>alert("x")</script> ]]> chips &amp; done';

let nextId = 1;
function flowItem(over: Partial<FlowItem> = {}): FlowItem {
  const at = new Date("2026-10-30T09:15:00Z");
  return {
    id: nextId++,
    courseId: 1,
    sourceId: 1,
    personId: null,
    kind: "blog",
    externalId: "x",
    canonicalUrl: `https://maya.example.org/2026/10/post-${nextId}`,
    postKey: `https://maya.example.org/2026/10/post-${nextId}`,
    authorSites: [],
    title: "Reading Illich on learning webs",
    excerpt: "Illich imagined learning webs long before the web: peers, skills and things, matched.",
    authorName: "Maya Okafor",
    tags: ["t509massive", "illich"],
    publishedAt: at,
    publishedGuessed: false,
    updatedAt: null,
    firstSeenAt: at,
    lastSeenAt: at,
    hidden: false,
    deletedAt: null,
    recheckAt: null,
    recheckMisses: 0,
    remoteId: null,
    authorKey: null,
    authorHandle: null,
    authorUrl: null,
    contentWarning: null,
    sensitive: false,
    crossPostOf: null,
    links: [],
    alsoOn: [],
    ...over,
  };
}

function feedOf(items: FlowItem[], spot = false): OutboundFeed {
  const entries = items.map((i, n) =>
    entryOf(
      i,
      PUBLIC,
      spot ? { note: `Note ${n} <b>& why</b>`, curator: "Ida Instructor", at: new Date("2026-10-31T10:00:00Z"), position: n } : null,
    ),
  );
  return {
    id: tagUri(PUBLIC, new Date("2026-09-01T08:00:00Z"), "/c/t509/blog"),
    title: "T509 Massive: Blog",
    description: "Blog posts in T509 Massive.",
    pageUrl: `${PUBLIC}/c/t509/blog`,
    feedUrls: { rss: `${PUBLIC}/c/t509/blog/feed.rss`, atom: `${PUBLIC}/c/t509/blog/feed.atom`, json: `${PUBLIC}/c/t509/blog/feed.json` },
    updated: new Date("2026-10-31T10:00:00Z"),
    entries,
  };
}

const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const text = (el: El | undefined) => el?.text ?? "";

describe("text escaping", () => {
  it("escapes markup, keeps ]]> harmless and drops what XML 1.0 cannot hold", () => {
    expect(xmlText("a < b & c ]]> d")).toBe("a &lt; b &amp; c ]]&gt; d");
    expect(xmlAttr('say "hi"\n')).toBe("say &#34;hi&#34;&#10;");
    expect(cleanText("a\u0000b\u001Fc\uFFFFd\uDC00e\u{1F600}")).toBe("abcde\u{1F600}");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("maya@mastodon.social")).toBe("maya@mastodon.social");
  });
});

describe("RSS 2.0", () => {
  const items = [flowItem(), flowItem({ title: HOSTILE, authorName: "Sam <Stone>" })];
  const xml = renderRss(feedOf(items));

  it("is well-formed, with the channel's required elements and a self link", () => {
    const rss = parseStrict(xml);
    expect(rss.name).toBe("rss");
    expect(rss.attrs.version).toBe("2.0");
    const channel = kid(rss, "", "channel")!;
    expect(text(kid(channel, "", "title"))).toBeTruthy();
    expect(text(kid(channel, "", "link"))).toBe(`${PUBLIC}/c/t509/blog`);
    expect(text(kid(channel, "", "description"))).toBeTruthy();
    const self = kid(channel, ATOM, "link")!;
    expect(self.attrs).toMatchObject({ rel: "self", type: "application/rss+xml", href: `${PUBLIC}/c/t509/blog/feed.rss` });
    expect(text(kid(channel, "", "lastBuildDate"))).toMatch(RFC822);
    expect(all(rss, (e) => e.sawCdata)).toHaveLength(0);
  });

  it("gives each item a title, link, permalink guid, date, author and categories", () => {
    const channel = kid(parseStrict(xml), "", "channel")!;
    const entries = kids(channel, "", "item");
    expect(entries).toHaveLength(2);
    for (const [n, item] of entries.entries()) {
      const guid = kid(item, "", "guid")!;
      expect(guid.attrs.isPermaLink).toBe("true");
      expect(guid.text).toBe(items[n]!.canonicalUrl);
      expect(text(kid(item, "", "link"))).toBe(items[n]!.canonicalUrl);
      expect(text(kid(item, "", "pubDate"))).toMatch(RFC822);
      expect(kids(item, "", "category").map((c) => c.text)).toEqual(["t509massive", "illich"]);
      expect(text(kid(item, DC, "creator"))).toBeTruthy();
      // RSS 2.0 <author> must be an e-mail address: names go in dc:creator instead.
      expect(kid(item, "", "author")).toBeUndefined();
    }
  });

  it("reads back through the hub's own feed reader, hostile title included", async () => {
    expect(xml).not.toContain("<script>");
    expect(xml).not.toContain("CDATA");
    const feed = await parseFeed(xml);
    expect(feed.title).toBe("T509 Massive: Blog");
    expect(feed.link).toBe(`${PUBLIC}/c/t509/blog`);
    expect(feed.entries.map((e) => e.url)).toEqual(items.map((i) => i.canonicalUrl));
    expect(feed.entries.map((e) => e.id)).toEqual(items.map((i) => i.canonicalUrl));
    // The hub's reader, like feedparser, takes an RSS title as HTML: the markup goes, the words stay.
    expect(feed.entries[1]!.title).toBe("Fish & ]]> chips & done");
    expect(feed.entries[0]!.author).toBe("Maya Okafor");
    expect(feed.entries[0]!.published).toEqual(items[0]!.publishedAt);
    expect(feed.entries[0]!.excerpt).toBe(items[0]!.excerpt);
    expect(feed.entries[0]!.categories).toEqual(["t509massive", "illich"]);
  });
});

describe("RSS 2.0 plain text, escaped once (RSS Profile, Character Data)", () => {
  const xml = renderRss(feedOf([flowItem({ title: "Fish & chips: <notes>", authorName: "Sam & Ada", tags: ["r&d"] })]));
  const item = () => kid(kid(parseStrict(xml), "", "channel")!, "", "item")!;

  it("writes &, < and > in titles, names and categories as hexadecimal references, never &amp;amp;", () => {
    expect(xml).toContain("<title>Fish &#x26; chips: &#x3C;notes&#x3E;</title>");
    expect(xml).toContain("<dc:creator>Sam &#x26; Ada</dc:creator>");
    expect(xml).toContain("<category>r&#x26;d</category>");
    expect(xml).not.toMatch(/&amp;(amp|lt|gt);/);
  });

  it("reads as the plain text in a reader that takes the title as text, and in one that takes it as HTML", async () => {
    // newsboat shows the XML text as it is.
    expect(text(kid(item(), "", "title"))).toBe("Fish & chips: <notes>");
    expect(text(kid(item(), DC, "creator"))).toBe("Sam & Ada");
    // The hub's reader (and feedparser) read it as HTML; "&" stays "&".
    expect((await parseFeed(xml)).entries[0]!.title).toMatch(/^Fish & chips:/);
  });
});

describe("Atom 1.0", () => {
  const items = [flowItem({ updatedAt: new Date("2026-10-31T08:00:00Z") }), flowItem({ title: HOSTILE, personId: 7 })];
  const xml = renderAtom(feedOf(items));

  it("has the feed's required elements (RFC 4287 §4.1.1) and no xml:lang", () => {
    const feed = parseStrict(xml);
    expect(feed.ns).toBe(ATOM);
    expect(feed.name).toBe("feed");
    expect(text(kid(feed, ATOM, "id"))).toBe("tag:hub.example.org,2026-09-01:/c/t509/blog");
    expect(text(kid(feed, ATOM, "title"))).toBe("T509 Massive: Blog");
    expect(text(kid(feed, ATOM, "updated"))).toMatch(RFC3339);
    expect(kids(feed, ATOM, "link").find((l) => l.attrs.rel === "self")?.attrs).toMatchObject({
      type: "application/atom+xml",
      href: `${PUBLIC}/c/t509/blog/feed.atom`,
    });
    expect(kids(feed, ATOM, "link").find((l) => l.attrs.rel === "alternate")?.attrs.href).toBe(`${PUBLIC}/c/t509/blog`);
    expect(xml).not.toContain("xml:lang");
    expect(all(feed, (e) => e.sawCdata)).toHaveLength(0);
  });

  it("gives every entry id, title, updated, an author and a rel=alternate link (§4.1.2)", () => {
    const feed = parseStrict(xml);
    const entries = kids(feed, ATOM, "entry");
    expect(entries).toHaveLength(2);
    for (const [n, e] of entries.entries()) {
      expect(kids(e, ATOM, "id").map((i) => i.text)).toEqual([items[n]!.canonicalUrl]);
      expect(kids(e, ATOM, "title")).toHaveLength(1);
      expect(kids(e, ATOM, "updated")).toHaveLength(1);
      expect(text(kid(e, ATOM, "updated"))).toMatch(RFC3339);
      expect(text(kid(e, ATOM, "published"))).toMatch(RFC3339);
      expect(text(kid(kid(e, ATOM, "author")!, ATOM, "name"))).toBeTruthy();
      expect(
        kids(e, ATOM, "link")
          .filter((l) => l.attrs.rel === "alternate")
          .map((l) => l.attrs.href),
      ).toEqual([items[n]!.canonicalUrl]);
      expect(kids(e, ATOM, "category").map((c) => c.attrs.term)).toEqual(["t509massive", "illich"]);
    }
    expect(text(kid(entries[0]!, ATOM, "updated"))).toBe("2026-10-31T08:00:00.000Z");
    // A learner's entry links their hub profile when the post gave no author link.
    expect(text(kid(kid(entries[1]!, ATOM, "author")!, ATOM, "uri"))).toBe(`${PUBLIC}/people/7`);
  });

  it("reads back through the hub's own feed reader, hostile title included", async () => {
    expect(xml).not.toContain("<script>");
    const feed = await parseFeed(xml);
    expect(feed.title).toBe("T509 Massive: Blog");
    expect(feed.entries[1]!.title).toBe(HOSTILE_CLEAN);
    expect(feed.entries[0]!.url).toBe(items[0]!.canonicalUrl);
    expect(feed.entries[0]!.updated).toEqual(new Date("2026-10-31T08:00:00Z"));
    expect(feed.entries[0]!.author).toBe("Maya Okafor");
    expect(feed.entries[0]!.excerpt).toBe(items[0]!.excerpt);
  });
});

describe("JSON Feed 1.1", () => {
  const items = [flowItem({ alsoOn: [{ kind: "mastodon", url: "https://mastodon.social/@maya/1" }] }), flowItem({ title: HOSTILE })];
  const body = renderJsonFeed(feedOf(items), PUBLIC);
  const doc = JSON.parse(body) as Record<string, unknown> & { items: Array<Record<string, unknown>> };

  // Top-level and item keys JSON Feed 1.1 defines; anything else must be an underscore extension.
  const FEED_KEYS = new Set([
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "user_comment",
    "next_url",
    "icon",
    "favicon",
    "authors",
    "author",
    "language",
    "expired",
    "hubs",
    "items",
  ]);
  const ITEM_KEYS = new Set([
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "banner_image",
    "date_published",
    "date_modified",
    "authors",
    "author",
    "tags",
    "language",
    "attachments",
  ]);

  it("has the version URL, a title, and items with string ids and text", () => {
    expect(doc.version).toBe(JSON_FEED_VERSION);
    expect(doc.title).toBe("T509 Massive: Blog");
    expect(doc.feed_url).toBe(`${PUBLIC}/c/t509/blog/feed.json`);
    expect(doc.home_page_url).toBe(`${PUBLIC}/c/t509/blog`);
    for (const k of Object.keys(doc)) expect(FEED_KEYS.has(k), k).toBe(true);
    for (const [n, item] of doc.items.entries()) {
      expect(item.id).toBe(items[n]!.canonicalUrl);
      expect(typeof item.content_text).toBe("string");
      expect(item.date_published).toMatch(RFC3339);
      expect(item.authors).toEqual([{ name: "Maya Okafor" }]);
      for (const k of Object.keys(item)) expect(ITEM_KEYS.has(k) || k === "_tributary", k).toBe(true);
      const ext = item._tributary as Record<string, unknown>;
      expect(ext.about).toBe(`${PUBLIC}/feeds/json-feed-extension`);
    }
    expect((doc.items[0]!._tributary as Record<string, unknown>).also_on).toEqual([
      { kind: "mastodon", url: "https://mastodon.social/@maya/1" },
    ]);
  });

  it("reads back through the hub's own feed reader, hostile title included", async () => {
    const feed = await parseFeed(body);
    expect(feed.entries[1]!.title).toBe(HOSTILE_CLEAN);
    expect(feed.entries[0]!.url).toBe(items[0]!.canonicalUrl);
    expect(feed.entries[0]!.excerpt).toBe(items[0]!.excerpt);
    expect(feed.entries[0]!.tags).toContain("illich");
  });
});

describe("pointers, not content", () => {
  it("shows a content warning instead of the text, in every format", async () => {
    const cw = flowItem({ kind: "mastodon", contentWarning: "exam stress", excerpt: "The hidden text of the toot", title: "A toot" });
    const feed = feedOf([cw]);
    for (const out of [renderRss(feed), renderAtom(feed), renderJsonFeed(feed, PUBLIC)]) {
      expect(out).not.toContain("hidden text");
      expect(out).toContain("Content warning: exam stress");
      expect((await parseFeed(out)).entries[0]!.excerpt).toContain("Content warning: exam stress");
    }
  });

  it("carries a Spotlight curator's note, escaped, in every format", async () => {
    const feed = feedOf([flowItem()], true);
    for (const out of [renderRss(feed), renderAtom(feed), renderJsonFeed(feed, PUBLIC)]) {
      if (out.startsWith("<?xml")) expect(out).not.toContain("<b>"); // JSON strings are plain text as they are
      expect((await parseFeed(out)).entries[0]!.text).toContain("Why it is in the Spotlight (Ida Instructor): Note 0 <b>& why</b>");
    }
    const json = JSON.parse(renderJsonFeed(feed, PUBLIC)) as { items: Array<{ _tributary: { spotlight: unknown } }> };
    expect(json.items[0]!._tributary.spotlight).toEqual({
      note: "Note 0 <b>& why</b>",
      curator: "Ida Instructor",
      spotlighted_at: "2026-10-31T10:00:00.000Z",
      position: 0,
    });
  });

  it("leaves out an author link that is not http(s)", () => {
    const entry = entryOf(flowItem({ authorUrl: "javascript:alert(1)" }), PUBLIC);
    expect(entry.authorUrl).toBeNull();
  });
});
