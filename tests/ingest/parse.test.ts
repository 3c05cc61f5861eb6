import { describe, expect, it } from "vitest";
import { IngestError } from "../../src/ingest/errors.js";
import { parseFeed } from "../../src/ingest/parse.js";
import { fixture } from "../helpers/feed-server.js";

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
    const original = "Open pedagogy asks learners to make things that outlast the course. In this post I compare three renewable assignments from last year's cohort, what worked, what did not, and why the audience beyond the classroom changed how carefully people wrote. The first assignment was a shared glossary;";
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
    await expect(parseFeed(fixture("html-page.html"))).rejects.toMatchObject({ code: "not_a_feed", message: expect.stringMatching(/web page, not a feed/) });
    await expect(parseFeed("   ")).rejects.toMatchObject({ code: "empty" });
    const err = await parseFeed(fixture("broken.xml")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe("not_a_feed");
  });
});
