import { describe, expect, it } from "vitest";
import { IngestError } from "../../../src/ingest/errors.js";
import { parseFeed } from "../../../src/ingest/parse/parse.js";
import { fixture } from "../../helpers/feed-server.js";

describe("parseFeed", () => {
  it("normalises a WordPress RSS 2.0 feed", async () => {
    const feed = await parseFeed(fixture("wordpress-rss2.xml"), "https://maya.example.org/feed/");
    expect(feed.title).toBe("Maya learns in the open");
    expect(feed.link).toBe("https://maya.example.org/");
    expect(feed.entries).toHaveLength(3);
    const [first] = feed.entries;
    expect(first).toMatchObject({
      id: "https://maya.example.org/?p=41",
      url: "https://maya.example.org/2026/11/03/week-3-networks/",
      title: "Week 3: networks are made of people",
      author: "Maya Okafor",
      categories: ["T509Massive", "reflection"],
    });
    expect(first!.published?.toISOString()).toBe("2026-11-03T09:30:00.000Z");
    expect(first!.tags).toEqual(expect.arrayContaining(["t509massive", "reflection"]));
    // Scripts, styles and comments never reach the text.
    expect(first!.excerpt).toContain("people I have never met in person. The course tag made them visible.");
    expect(first!.excerpt).not.toMatch(/alert|p\{\}|hidden comment/);
  });

  it("cuts long excerpts to 280 characters at a word", async () => {
    const feed = await parseFeed(fixture("wordpress-rss2.xml"), "https://maya.example.org/feed/");
    const long = feed.entries[2]!.excerpt;
    expect(Array.from(long).length).toBeLessThanOrEqual(280);
    expect(long.endsWith("…")).toBe(true);
    expect(long).toMatch(/^Open pedagogy asks learners/);
    // The cut falls after a whole word of the original text.
    const original =
      "Open pedagogy asks learners to make things that outlast the course. In this post I compare three renewable assignments from last year's cohort, what worked, what did not, and why the audience beyond the classroom changed how carefully people wrote. The first assignment was a shared glossary;";
    const kept = long.slice(0, -1);
    expect(original.startsWith(kept)).toBe(true);
    expect([" ", ",", ".", ";"]).toContain(original[kept.length]);
  });

  it("normalises a Blogger Atom feed, passing the feed author down to entries", async () => {
    const feed = await parseFeed(fixture("blogger-atom.xml"), "https://leo.example.net/feeds/posts/default");
    expect(feed.title).toBe("Leo's Learning Log");
    expect(feed.entries.map((e) => e.url)).toEqual([
      "https://leo.example.net/2026/11/remix.html",
      "https://leo.example.net/2026/11/sketchnotes.html",
      "https://leo.example.net/2026/10/other.html",
    ]);
    expect(feed.entries[0]!.author).toBe("Leo Park");
    expect(feed.entries[0]!.published?.toISOString()).toBe("2026-11-04T16:00:00.000Z");
    expect(feed.entries[0]!.updated?.toISOString()).toBe("2026-11-04T16:30:00.000Z");
    expect(feed.entries[0]!.excerpt).toBe("I remixed last week's reading into a zine.");
    expect(feed.entries[1]!.tags).toEqual(expect.arrayContaining(["t509massive", "sketchnotes"]));
  });

  it("keeps hostile markup as inert text and drops links that are not web addresses", async () => {
    const feed = await parseFeed(fixture("hostile.xml"), "https://evil.example.com/feed");
    const [post, scriptLink] = feed.entries;
    expect(post!.excerpt).toContain("<script>alert(2)</script> literally");
    expect(post!.excerpt).not.toContain("alert(3)");
    expect(scriptLink!.url).toBeNull();
  });

  it("rejects an HTML page, an empty body and malformed XML with clear errors", async () => {
    await expect(parseFeed(fixture("html-page.html"))).rejects.toMatchObject({
      code: "not_a_feed",
      message: expect.stringMatching(/web page, not a feed/),
    });
    await expect(parseFeed("   ")).rejects.toMatchObject({ code: "empty" });
    const err = await parseFeed(fixture("broken.xml")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe("not_a_feed");
  });
});

describe("parseFeed across formats", () => {
  it("reads RSS 1.0 (RDF): items beside the channel, rdf:about as the id, dc:date and dc:subject", async () => {
    const rdf = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.org/"><title>RDF log</title><link>https://rdf.example.org/</link></channel>
  <item rdf:about="https://rdf.example.org/1">
    <title>One</title><link>https://rdf.example.org/1.html</link>
    <dc:date>2026-11-05T10:00:00+01:00</dc:date><dc:creator>Ann Lee</dc:creator>
    <dc:subject>T509 Massive</dc:subject><dc:subject>notes</dc:subject>
  </item>
  <item rdf:about="https://rdf.example.org/2"><title>Two</title></item>
</rdf:RDF>`;
    const feed = await parseFeed(rdf, "https://rdf.example.org/index.rdf");
    expect(feed).toMatchObject({ title: "RDF log", link: "https://rdf.example.org/" });
    const [one, two] = feed.entries;
    expect(one).toMatchObject({
      id: "https://rdf.example.org/1",
      url: "https://rdf.example.org/1.html",
      author: "Ann Lee",
      categories: ["T509 Massive", "notes"],
    });
    // dc:date is the entry's update date (feedparser maps it so) and dates it when nothing else does.
    expect(one!.updated?.toISOString()).toBe("2026-11-05T09:00:00.000Z");
    expect(one!.published?.toISOString()).toBe("2026-11-05T09:00:00.000Z");
    expect(two).toMatchObject({ id: "https://rdf.example.org/2", url: "https://rdf.example.org/2" });
  });

  it("reads RSS 0.9x without a version attribute, and RSS 0.90", async () => {
    expect((await parseFeed("<rss><channel><title>No version</title></channel></rss>")).title).toBe("No version");
    const rss090 = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
      <channel><title>Old</title><link>https://old.example.net/</link></channel><item><title>Item</title><link>https://old.example.net/i</link></item></rdf:RDF>`;
    const feed = await parseFeed(rss090);
    expect(feed).toMatchObject({ title: "Old", entries: [{ title: "Item", url: "https://old.example.net/i" }] });
  });

  it("reads Atom 0.3: issued, modified, escaped and XML content, relative ids against the document address", async () => {
    const atom03 = `<feed version="0.3" xmlns="http://purl.org/atom/ns#">
      <title mode="escaped" type="text/html">Zero &lt;em&gt;three&lt;/em&gt;</title>
      <link rel="alternate" type="text/html" href="https://z.example.org/"/>
      <author><name>Zed</name></author>
      <entry>
        <title>Entry</title><link rel="alternate" type="text/html" href="/p/1"/><id>/p/1</id>
        <issued>2004-01-01T19:48:21Z</issued><modified>2004-01-02T19:48:21Z</modified>
        <content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml">Hello <b>there</b>, world</div></content>
      </entry>
    </feed>`;
    const feed = await parseFeed(atom03, "https://z.example.org/atom.xml");
    expect(feed.title).toBe("Zero three");
    const [e] = feed.entries;
    expect(e).toMatchObject({
      id: "https://z.example.org/p/1",
      url: "https://z.example.org/p/1",
      author: "Zed",
      text: "Hello there, world",
    });
    expect(e!.published?.toISOString()).toBe("2004-01-01T19:48:21.000Z");
    expect(e!.updated?.toISOString()).toBe("2004-01-02T19:48:21.000Z");
  });

  it("reads an Atom feed written with a namespace prefix", async () => {
    const atom = `<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>Prefixed</a:title>
      <a:entry><a:id>tag:p,2026:1</a:id><a:title>One</a:title><a:link href="https://p.example.org/1"/><a:updated>2026-11-05T10:00:00Z</a:updated></a:entry></a:feed>`;
    const feed = await parseFeed(atom);
    expect(feed).toMatchObject({ title: "Prefixed", entries: [{ id: "tag:p,2026:1", url: "https://p.example.org/1" }] });
  });

  it("honours Atom text types: type=text is taken literally, html and xhtml are read as markup", async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>1</id><title type="text">Use &lt;b&gt; for bold</title><link href="https://t.example.org/1"/></entry>
      <entry><id>2</id><title type="html">Use &lt;b&gt;bold&lt;/b&gt;</title><link href="https://t.example.org/2"/></entry>
      <entry><id>3</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Use <b>bold</b></div></title><link href="https://t.example.org/3"/></entry>
    </feed>`;
    expect((await parseFeed(atom)).entries.map((e) => e.title)).toEqual(["Use <b> for bold", "Use bold", "Use bold"]);
  });

  it("picks the alternate HTML link, prefers <published>, falls back to <updated>, and keeps the last of repeated dates", async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom">
      <entry><id>1</id>
        <link rel="edit" href="https://l.example.org/api/1"/><link rel="alternate" type="application/atom+xml" href="https://l.example.org/1.atom"/>
        <link rel="alternate" type="text/html" href="https://l.example.org/1"/>
        <updated>2026-11-01T00:00:00Z</updated><updated>2026-11-03T00:00:00Z</updated>
      </entry>
      <entry><id>2</id><link rel="self" href="https://l.example.org/api/2"/><updated>2026-11-02T00:00:00Z</updated></entry>
    </feed>`;
    const [one, two] = (await parseFeed(atom)).entries;
    expect(one!.url).toBe("https://l.example.org/1");
    expect(one!.updated?.toISOString()).toBe("2026-11-03T00:00:00.000Z");
    expect(one!.published?.toISOString()).toBe("2026-11-03T00:00:00.000Z");
    expect(two!.url).toBeNull(); // rel="self" is the entry's API address, not a page to point at
  });

  it("keeps the author's name and drops the e-mail address, whichever way round it is written", async () => {
    const authors = [
      "Ann Lee (ann@example.org)",
      "ann@example.org (Ann Lee)",
      "Ann Lee <ann@example.org>",
      '"Ann Lee" <ann@example.org>',
      "Ann Lee",
    ];
    const items = authors.map((a, i) => `<item><title>${i}</title><author>${a.replace(/</g, "&lt;")}</author></item>`).join("");
    const feed = await parseFeed(
      `<rss version="2.0"><channel><title>A</title>${items}<item><title>x</title><author>ann@example.org</author></item></channel></rss>`,
    );
    expect(feed.entries.map((e) => e.author)).toEqual([...authors.map(() => "Ann Lee"), null]);
  });

  it("resolves RSS links against xml:base on the root and the channel, else the document address, else the channel link", async () => {
    const rss = (attrs: string) =>
      `<rss version="2.0" ${attrs}><channel><title>B</title><link>https://home.example.org/</link><item><title>i</title><link>posts/1</link></item></channel></rss>`;
    const url = async (xml: string, feedUrl: string | null) => (await parseFeed(xml, feedUrl)).entries[0]!.url;
    expect(await url(rss('xml:base="https://base.example.org/blog/"'), "https://feeds.example.org/rss")).toBe(
      "https://base.example.org/blog/posts/1",
    );
    expect(await url(rss(""), "https://feeds.example.org/x/rss")).toBe("https://feeds.example.org/x/posts/1");
    expect(await url(rss(""), null)).toBe("https://home.example.org/posts/1");
    const channelBase = `<rss version="2.0"><channel xml:base="https://c.example.org/a/"><title>C</title><item><link>b</link></item></channel></rss>`;
    expect(await url(channelBase, null)).toBe("https://c.example.org/a/b");
  });

  it("reads feeds that have no entries yet", async () => {
    expect(await parseFeed(`<rss version="2.0"><channel><title>New blog</title></channel></rss>`)).toEqual({
      title: "New blog",
      link: null,
      entries: [],
    });
    expect(await parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom"><title>New</title></feed>`)).toEqual({
      title: "New",
      link: null,
      entries: [],
    });
    expect(await parseFeed(`{"version": "https://jsonfeed.org/version/1.1", "title": "New", "items": []}`)).toEqual({
      title: "New",
      link: null,
      entries: [],
    });
  });
});
