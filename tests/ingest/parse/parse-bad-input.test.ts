// Every bad input named in "Blog ingestion that survives the real web": each
// shows the clear error, or that the feed is read and nothing in it was lost.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IngestError } from "../../../src/ingest/errors.js";
import { decodeBody } from "../../../src/ingest/fetch/decode.js";
import { parseFeed } from "../../../src/ingest/parse/parse.js";
import { fixture, fixturesDir } from "../../helpers/feed-server.js";

async function rejection(p: Promise<unknown>): Promise<IngestError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  return err as IngestError;
}

const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "utf8")] : p)));

describe("parseFeed on bad input", () => {
  it("rejects malformed XML with not_a_feed and says where it broke", async () => {
    const err = await rejection(parseFeed(fixture("broken.xml"), "https://broken.example.org/feed"));
    expect(err.code).toBe("not_a_feed");
    expect(err.message).toMatch(/XML is broken \(.+ on line \d+\)/);
    expect(err.message).not.toMatch(/\n|at .*\.js/); // no stack trace, no parser dump
  });

  it("rejects an HTML page, with or without a doctype, as a web page", async () => {
    for (const page of [
      fixture("html-page.html"),
      "<html><head><title>Blog</title></head><body>Hi</body></html>",
      "\n<!-- generated -->\n<!DOCTYPE html>\n<HTML lang=en><body><p>Hello</p></body></HTML>",
      "<!doctype html><title>x</title><p>Not even well-formed <br> HTML",
    ]) {
      const err = await rejection(parseFeed(page));
      expect(err).toMatchObject({ code: "not_a_feed", message: expect.stringMatching(/web page, not a feed/) });
    }
  });

  it("rejects other documents that are not feeds, saying what they are", async () => {
    await expect(parseFeed('<?xml version="1.0"?><opml version="2.0"><body/></opml>')).rejects.toMatchObject({
      code: "not_a_feed",
      message: expect.stringMatching(/OPML/),
    });
    await expect(parseFeed('<svg xmlns="http://www.w3.org/2000/svg"/>')).rejects.toMatchObject({
      code: "not_a_feed",
      message: expect.stringMatching(/root element is <svg>/),
    });
    await expect(parseFeed("Service temporarily unavailable")).rejects.toMatchObject({ code: "not_a_feed" });
    await expect(parseFeed('{"hello": "world"}')).rejects.toMatchObject({
      code: "not_a_feed",
      message: expect.stringMatching(/not a JSON Feed/),
    });
    await expect(parseFeed('{"version": "https://jsonfeed.org/version/1.1", "items": [')).rejects.toMatchObject({
      code: "not_a_feed",
      message: expect.stringMatching(/not valid JSON/),
    });
  });

  it("rejects an empty body, including one that is only a byte order mark or white space", async () => {
    for (const body of ["", "   \n\t", decodeBody(bytes([0xef, 0xbb, 0xbf]), null), decodeBody(bytes([0xef, 0xbb, 0xbf], "  \n"), null)]) {
      await expect(parseFeed(body)).rejects.toMatchObject({ code: "empty", message: "The feed is empty." });
    }
  });

  it("reads invalid UTF-8 without throwing: bad bytes become U+FFFD, the rest survives", async () => {
    const body = bytes(
      '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bad ',
      [0xc3, 0x28, 0xff],
      " bytes</title><item><title>Caf",
      [0xe9], // Latin-1 é in a UTF-8 document
      " #t509massive</title><link>https://bad.example.org/1</link></item></channel></rss>",
    );
    const feed = await parseFeed(decodeBody(body, "application/rss+xml; charset=utf-8"), "https://bad.example.org/feed");
    expect(feed.title).toBe("Bad \uFFFD(\uFFFD bytes");
    expect(feed.entries[0]).toMatchObject({ title: "Caf\uFFFD #t509massive", url: "https://bad.example.org/1", tags: ["t509massive"] });
  });

  it("honours the HTTP charset over a wrong XML declaration, and a BOM over both", async () => {
    const latin = bytes('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf', [0xe9], "</title></channel></rss>");
    expect((await parseFeed(decodeBody(latin, "text/xml; charset=windows-1252"))).title).toBe("Café");
    const utf16 = new Uint8Array([
      0xff,
      0xfe,
      ...Buffer.from(
        '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Zoë</title></channel></rss>',
        "utf16le",
      ),
    ]);
    expect((await parseFeed(decodeBody(utf16, "text/xml; charset=iso-8859-1"))).title).toBe("Zoë");
  });

  it("never expands DTD entities (billion laughs): it finishes fast, in little memory, with the references left as text", async () => {
    const before = process.memoryUsage().heapUsed;
    const started = performance.now();
    const feed = await parseFeed(fixture("billion-laughs.xml"), "https://lol.example.org/feed");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
    expect(feed.title).toBe("Laughs &lol9;");
    expect(feed.entries).toHaveLength(1);
    expect(feed.entries[0]!.title).toBe("&lol9;&lol9;&lol9;");
    expect(feed.entries[0]!.text).not.toMatch(/lollol/);
  });

  it("parses a feed of 10,000 entries in well under five seconds", async () => {
    const items = Array.from(
      { length: 10_000 },
      (_, i) =>
        `<item><title>Post ${i} &amp; more</title><link>https://big.example.org/${i}</link><guid>big-${i}</guid>` +
        `<pubDate>${new Date(Date.UTC(2026, 0, 1) + i * 60_000).toUTCString()}</pubDate>` +
        `<description><![CDATA[<p>Body of post ${i}. #t509massive</p>]]></description><category>week${i % 12}</category></item>`,
    ).join("\n");
    const xml = `<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><link>https://big.example.org/</link>${items}</channel></rss>`;
    const started = performance.now();
    const feed = await parseFeed(xml, "https://big.example.org/feed");
    expect(performance.now() - started).toBeLessThan(5000);
    expect(feed.entries).toHaveLength(10_000);
    expect(feed.entries[9_999]).toMatchObject({ id: "big-9999", url: "https://big.example.org/9999", title: "Post 9999 & more" });
    expect(feed.entries[9_999]!.published?.toISOString()).toBe("2026-01-07T22:39:00.000Z");
  });

  it("reads a JSON Feed 1.1", async () => {
    const feed = await parseFeed(fixture("json-feed-1.1.json"), "https://noor.example.org/feed.json");
    expect(feed).toMatchObject({ title: "Noor's notebook", link: "https://noor.example.org/" });
    const [first, note, noUrl] = feed.entries;
    expect(first).toMatchObject({
      id: "https://noor.example.org/2026/11/05/open-syllabus",
      url: "https://noor.example.org/2026/11/05/open-syllabus",
      title: "An open syllabus, week 4",
      author: "Noor Haddad",
      categories: ["T509Massive", "open pedagogy"],
      excerpt: "Our syllabus is a wiki now. #T509Massive",
    });
    expect(first!.tags).toEqual(expect.arrayContaining(["t509massive", "open pedagogy"]));
    expect(first!.published?.toISOString()).toBe("2026-11-05T09:15:00.000Z");
    expect(first!.updated?.toISOString()).toBe("2026-11-05T11:00:00.000Z");
    // No title: the text stands in. A relative url resolves against the feed's address. 1.1 authors per item.
    expect(note).toMatchObject({
      id: "note-77",
      url: "https://noor.example.org/notes/77",
      title: "A short note with no title, about annotation as conversation. #t509massive",
      author: "Guest Writer",
      tags: ["t509massive"],
      updated: null,
    });
    // No url: an id that is a web address stands in for it.
    expect(noUrl).toMatchObject({
      url: "https://noor.example.org/2026/11/01/no-url",
      published: null,
      excerpt: "The url field is missing, so the id stands in for it.",
    });
  });

  it("reads a JSON Feed 1.0 (one author object, numeric ids, a bad date)", async () => {
    const feed = await parseFeed(fixture("json-feed-1.0.json"), "https://sam.example.com/feed.json");
    expect(feed.title).toBe("Sam's microblog");
    expect(feed.entries).toHaveLength(2);
    expect(feed.entries[0]).toMatchObject({
      id: "2026110301",
      author: "Sam Ortiz",
      excerpt: "We annotated the reading & argued in the margins.",
    });
    expect(feed.entries[0]!.published?.toISOString()).toBe("2026-11-03T12:30:00.000Z");
    expect(feed.entries[1]).toMatchObject({ id: "2", title: "Untitled thoughts on feedback loops.", published: null });
  });

  it("resolves Atom links against xml:base on the feed, the entry and the link itself", async () => {
    const feed = await parseFeed(fixture("atom-xml-base.xml"), "https://feeds.example.com/ines.atom");
    expect(feed.link).toBe("https://ines.example.org/blog/");
    expect(feed.entries.map((e) => e.url)).toEqual([
      "https://ines.example.org/blog/2026/11/first.html",
      "https://ines.example.org/archive/2026/second.html",
      "https://mirror.example.net/x/deep/third.html",
    ]);
    expect(feed.entries[0]!.author).toBe("Inès Moreau"); // the feed's author, without the e-mail address
    // type="xhtml": markup is read as markup, in document order.
    expect(feed.entries[2]!.title).toBe("An xhtml title & more");
    expect(feed.entries[2]!.text).toBe("First bold then plain. Second paragraph.");
  });

  it("falls back to the feed URL when there is no xml:base", async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id><link href="posts/1"/></entry></feed>`;
    expect((await parseFeed(atom, "https://plain.example.org/blog/atom.xml")).entries[0]!.url).toBe(
      "https://plain.example.org/blog/posts/1",
    );
  });

  it("reads CDATA titles and HTML named entities sent without a DTD", async () => {
    const feed = await parseFeed(fixture("rss-cdata-entities.xml"), "https://cafe.example.org/feed");
    expect(feed.title).toBe("Café — notes & sketches");
    const [cdata, entities] = feed.entries;
    expect(cdata).toMatchObject({
      title: 'Week 5: remix & reuse — "R&D" #T509Massive',
      url: "https://cafe.example.org/week-5?utm=feed&ref=rss", // a bare & in a link survives
      author: "Zoë Brandt",
      categories: ["Open & Online"],
      text: "In CDATA, stays for the HTML parser & tags are markup. ]]> is how CDATA escapes its end.",
    });
    expect(cdata!.tags).toEqual(expect.arrayContaining(["t509massive", "open & online"]));
    expect(cdata!.published?.toISOString()).toBe("2026-11-05T13:00:00.000Z"); // MEZ = UTC+1
    expect(entities!.title).toBe("Entities in a plain title: naïve résumé <3");
    // Named entities decoded; &#150; read as Windows-1252 (an en dash); an unknown entity and a
    // bare ampersand kept as text; &#0; (not an XML character) replaced; escaped HTML read as HTML.
    expect(entities!.text).toBe("Cafés & libraries … © – — &unknownentity; AT&T \uFFFD escaped & double-escaped HTML");
    expect(entities!.published?.toISOString()).toBe("2026-11-04T14:05:00.000Z"); // "Wed, 4 Nov 26 9:05 EST"
  });

  it("keeps every entry of a feed with duplicate GUIDs", async () => {
    const feed = await parseFeed(fixture("rss-duplicate-guids.xml"), "https://dup.example.org/rss");
    expect(feed.entries.map((e) => [e.id, e.url, e.title])).toEqual([
      ["same-guid", "https://dup.example.org/1", "First post"],
      ["same-guid", "https://dup.example.org/2", "Second post"],
      ["same-guid", "https://dup.example.org/1", "Third post, same GUID and same link as the first"],
    ]);
  });

  it("uses the link as the id of an entry without a GUID, and the text as its missing title", async () => {
    const feed = await parseFeed(fixture("rss-no-guid.xml"), "https://old.example.com/rss.xml");
    const [relative, untitled] = feed.entries;
    expect(relative).toMatchObject({
      id: "https://old.example.com/2026/11/no-guid.html",
      url: "https://old.example.com/2026/11/no-guid.html",
      published: null,
      updated: null,
    });
    expect(untitled!.id).toBe("https://old.example.com/2026/11/untitled.html");
    expect(untitled!.title).toBe("No title, no GUID, no date: the title falls back to the text, which is long…");
  });

  it("tolerates junk around the document and a last end tag cut short", async () => {
    const feed = await parseFeed(
      'Warning: something in /var/www/feed.php on line 3\n<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x">' +
        "<rss><channel><title>Found</title><item><title>A</title><link>https://junk.example.org/a</link></item></channel></rss>\n<b>Notice</b>: more junk",
    );
    expect(feed).toMatchObject({ title: "Found", entries: [{ title: "A" }] });
    expect((await parseFeed("<rss><channel><title>Cut</title></channel></rss")).title).toBe("Cut");
  });

  it("keeps an Atom feed whose dates are nonsense or whose links have no attributes", async () => {
    const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>Odd</title>
      <entry><id>1</id><title>Bad date</title><published>last Tuesday</published><updated>soon</updated><link href="https://odd.example.org/1"/></entry>
      <entry><id>2</id><title>Text link</title><link>https://odd.example.org/2</link><updated>2026-11-02T10:00:00Z</updated></entry>
    </feed>`;
    const feed = await parseFeed(atom, "https://odd.example.org/feed");
    expect(feed.entries.map((e) => [e.url, e.published?.toISOString() ?? null])).toEqual([
      ["https://odd.example.org/1", null],
      ["https://odd.example.org/2", "2026-11-02T10:00:00.000Z"],
    ]);
  });

  it("reads the fixtures as bytes too (decodeBody then parseFeed, as poll.ts does)", async () => {
    const raw = new Uint8Array(readFileSync(`${fixturesDir}rss-cdata-entities.xml`));
    const feed = await parseFeed(decodeBody(raw, "application/rss+xml"), "https://cafe.example.org/feed");
    expect(feed.entries).toHaveLength(2);
  });
});
