// OPML rosters: reading them (nested outlines, owner names, bad lines), importing
// one into a course against a real libSQL file and a feed server on 127.0.0.1
// (each line stands alone; private addresses refused; duplicates skipped), and
// exporting a course as well-formed OPML 2.0 that imports back the same.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FormError } from "../../src/core/errors.js";
import type { Source } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { exportOpml, MAX_OPML_CHARS, MAX_OUTLINES, parseOpml } from "../../src/hub/sources/opml.js";
import { FETCH_BUDGET_PER_IMPORT, importRoster } from "../../src/hub/sources/opml-import.js";
import { sourcesOf } from "../../src/hub/sources/sources.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const dir = fileURLToPath(new URL("../fixtures/", import.meta.url));
const read = (path: string, site = "") => readFileSync(dir + path, "utf8").replaceAll("{{site}}", site);

/** A strict XML parser (sax, which rss-parser already depends on) to prove the export is well-formed. */
interface SaxParser {
  onerror: (e: Error) => void;
  write(s: string): SaxParser;
  close(): void;
}
const sax = createRequire(import.meta.url)("sax") as { parser(strict: boolean): SaxParser };
function wellFormedError(xml: string): string | null {
  const p = sax.parser(true);
  let error: string | null = null;
  p.onerror = (e) => {
    error ??= e.message.split("\n")[0]!;
    throw e;
  };
  try {
    p.write(xml).close();
  } catch {
    /* recorded above */
  }
  return error;
}

function formError(fn: () => unknown): FormError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FormError);
    return err as FormError;
  }
  throw new Error("expected a FormError");
}

describe("reading OPML", () => {
  it("reads nested outlines with their lines, owners and addresses; folders are left out", () => {
    const lines = parseOpml(read("opml/roster.opml", "https://blogs.example.org/"));
    expect(lines.map((l) => [l.line, l.ownerName])).toEqual([
      [10, "Maya Okafor"],
      [11, "Leo Park"],
      [14, "Ravi Menon"],
      [15, "Broken Line"],
      [16, "Sneaky"],
      [17, "No address yet"],
      [18, "Maya, listed twice"],
      [19, "Zoë & <Sam>"],
    ]);
    expect(lines[0]).toMatchObject({
      xmlUrl: "https://blogs.example.org/maya/feed/",
      htmlUrl: "https://blogs.example.org/maya/",
      problem: null,
    });
    // Attribute names are matched case-insensitively (xmlurl), and a title is the blog's name.
    expect(lines[1]).toMatchObject({ xmlUrl: "https://blogs.example.org/leo/atom.xml", title: "Leo's Learning Log" });
    expect(lines[5]!.problem).toBe("No feed or blog address (xmlUrl or htmlUrl) on this line.");
  });

  it("tells a feed reader's blog names from a roster's people (OPML 1.0)", () => {
    const lines = parseOpml(read("opml/feed-reader-1.0.opml"));
    expect(lines.map((l) => [l.ownerName, l.title])).toEqual([
      [null, "Maya learns in the open"], // text = title: the blog's name
      [null, null], // text = its address
      ["Café notes", null],
      ["Old list", null],
    ]);
    expect(lines[3]!.problem).toMatch(/^Included OPML files are not followed/);
  });

  it("refuses what is not OPML, and files over the caps", () => {
    expect(formError(() => parseOpml(fixture("wordpress-rss2.xml"))).message).toMatch(/^This is not an OPML file/);
    expect(formError(() => parseOpml("<!doctype html><html><body>hi</body></html>")).field).toBe("opml");
    expect(formError(() => parseOpml(`<opml><body>${" ".repeat(MAX_OPML_CHARS)}</body></opml>`)).message).toMatch(/larger than 512 KB/);
    const many = Array.from({ length: MAX_OUTLINES + 1 }, (_, i) => `<outline text="${i}" xmlUrl="https://e.org/${i}"/>`).join("\n");
    expect(formError(() => parseOpml(`<opml><body>${many}</body></opml>`)).message).toMatch(/more than 1000 entries/);
  });

  it("never expands external entities", () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://e.org/feed"/></body></opml>`;
    const [line] = parseOpml(xxe);
    expect(line!.ownerName ?? "").not.toMatch(/root:/);
  });
});

describe("exporting OPML", () => {
  const source = (over: Partial<Source>): Source =>
    ({ kind: "feed", url: "https://e.org/feed", title: null, ownerName: null, homePageUrl: null, siteUrl: null, ...over }) as Source;

  it("escapes everything and stays well-formed XML, even with control characters", () => {
    const hostile = `Zoë "<script>alert(1)</script>" & 'co'\u0001\u0000\nnext`;
    const xml = exportOpml(
      { title: `Course <b>&</b> "quotes"` },
      [source({ ownerName: hostile, title: "A&B <blog>", url: "https://e.org/feed?a=1&b=2", homePageUrl: "https://e.org/?x=<y>" })],
      new Date("2026-11-01T12:00:00Z"),
    );
    expect(wellFormedError(xml)).toBeNull();
    expect(xml).not.toMatch(/<script|<b>|\u0001|\u0000/);
    expect(xml).toContain("<title>Course &#60;b&#62;&#38;&#60;/b&#62; &#34;quotes&#34;: blogs</title>");
    expect(xml).toContain("<dateCreated>Sun, 01 Nov 2026 12:00:00 GMT</dateCreated>");
    const [back] = parseOpml(xml);
    expect(back).toMatchObject({
      ownerName: `Zoë "<script>alert(1)</script>" & 'co' next`,
      title: "A&B <blog>",
      xmlUrl: "https://e.org/feed?a=1&b=2",
      htmlUrl: "https://e.org/?x=<y>",
    });
  });
});

describe("importing a roster into a course", () => {
  let hub: TestHub;
  let server: FeedServer;
  beforeEach(async () => {
    hub = await createTestHub();
    server = await startFeedServer();
    server.feed("/maya/feed/", fixture("wordpress-rss2.xml"));
    server.feed("/leo/atom.xml", fixture("blogger-atom.xml"), "application/atom+xml");
    server.feed("/zoe/feed.xml", fixture("wordpress-rss2.xml"));
    server.feed("/ravi/", read("discover/ghost-home.html", server.url("/ravi/")), "text/html; charset=utf-8");
    server.feed("/ravi/rss/", read("discover/ghost-rss.xml"));
    server.feed("/ravi/tag/t509massive/rss/", read("discover/ghost-tag-rss.xml"));
  });
  afterEach(async () => {
    await server.close();
    await hub.close();
  });

  async function course(slug = "t509") {
    return (await courseBySlug(hub.deps.db, slug))!;
  }

  it("imports the good lines, reports each bad one, and skips duplicates", async () => {
    await setUpCourse(hub.app);
    const { id } = await course();
    const report = await importRoster(hub.deps, id, read("opml/roster.opml", server.url("/")), "tagged");
    expect(report.lines.map((l) => [l.line, l.outcome])).toEqual([
      [10, "added"],
      [11, "added"],
      [14, "added"],
      [15, "failed"],
      [16, "failed"],
      [17, "failed"],
      [18, "skipped"],
      [19, "added"],
    ]);
    expect(report.counts).toEqual({ added: 4, skipped: 1, failed: 3, later: 0 });
    const byLine = new Map(report.lines.map((l) => [l.line, l.message]));
    expect(byLine.get(15)).toBe('"http://my blog.example.org/feed" is not a valid web address.');
    expect(byLine.get(16)).toBe("10.0.0.5 is a private address; the hub only reads public web addresses.");
    expect(byLine.get(18)).toBe("Listed twice in this file (first on line 10).");
    expect(byLine.get(14)).toBe("Ghost blog: using its tag feed for #t509massive, so only course posts are read.");

    const stored = await sourcesOf(hub.deps.db, id);
    const byUrl = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(stored.map((s) => [s.url, s.ownerName, s.homePageUrl, s.title]).sort(byUrl)).toEqual(
      [
        [server.url("/maya/feed/"), "Maya Okafor", server.url("/maya/"), "Maya learns in the open"],
        [server.url("/leo/atom.xml"), "Leo Park", null, "Leo's Learning Log"],
        [server.url("/ravi/tag/t509massive/rss/"), "Ravi Menon", server.url("/ravi/"), "T509 Massive - Ravi's notebook"],
        [server.url("/zoe/feed.xml"), "Zoë & <Sam>", null, "Maya learns in the open"],
      ].sort(byUrl),
    );
    expect(stored.every((s) => s.filter === "tagged" && s.nextPollAt.getTime() <= hub.clock.now.getTime())).toBe(true);
    // Each feed line was checked with one fetch (the duplicate line with none).
    expect([server.hits("/maya/feed/"), server.hits("/leo/atom.xml"), server.hits("/zoe/feed.xml")]).toEqual([1, 1, 1]);
    expect(byLine.get(10)).toMatch(/^Checked: it answers with a feed \(\d+ posts listed now\)\. It is read at the next poll\.$/);
    expect(stored.find((s) => s.ownerName === "Leo Park")!.discoveryNote).toBe("Feed address taken from the imported roster (OPML).");
    expect(hub.log.lines.find((l) => l.msg === "opml.imported")).toMatchObject({ added: 4, skipped: 1, failed: 3 });

    // Importing the same roster again adds nothing.
    const again = await importRoster(hub.deps, id, read("opml/roster.opml", server.url("/")), "tagged");
    expect(again.counts).toEqual({ added: 0, skipped: 5, failed: 3, later: 0 });
    expect(await sourcesOf(hub.deps.db, id)).toHaveLength(4);
  });

  /** A fetch that counts what one import makes, redirects included. */
  function countingFetches() {
    const counter = { n: 0 };
    const real = hub.deps.fetch;
    hub.deps.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      counter.n++;
      return real(input, init);
    }) as typeof fetch;
    return counter;
  }

  it("looks up home pages within one import's fetch budget; importing again continues until all are in", async () => {
    await setUpCourse(hub.app);
    const { id } = await course();
    const n = 30; // two fetches each (the page, its feed): more than one import may make
    for (let i = 0; i < n; i++) {
      server.feed(`/b${i}/`, `<html><head><link rel="alternate" type="application/rss+xml" href="feed.xml"></head></html>`, "text/html");
      server.feed(`/b${i}/feed.xml`, fixture("wordpress-rss2.xml").replaceAll("maya.example.org", `b${i}.example.org`));
    }
    const roster = `<opml version="2.0"><body>${Array.from({ length: n }, (_, i) => `<outline text="Learner ${i}" htmlUrl="${server.url(`/b${i}/`)}"/>`).join("\n")}</body></opml>`;
    const fetches = countingFetches();
    const first = await importRoster(hub.deps, id, roster, "tagged");
    expect(fetches.n).toBeLessThanOrEqual(FETCH_BUDGET_PER_IMPORT);
    expect(first.counts.added).toBeGreaterThanOrEqual(10);
    expect(first.counts.added + first.counts.later).toBe(n);
    expect(first.lines.find((l) => l.outcome === "later")!.message).toMatch(/import the same file again to continue\.$/);
    let imports = 1;
    for (let report = first; report.counts.later > 0; imports++) {
      fetches.n = 0;
      report = await importRoster(hub.deps, id, roster, "tagged");
      expect(fetches.n).toBeLessThanOrEqual(FETCH_BUDGET_PER_IMPORT);
      expect(imports).toBeLessThan(5);
    }
    expect(await sourcesOf(hub.deps.db, id)).toHaveLength(n);
    for (let i = 0; i < n; i++) expect(server.hits(`/b${i}/`), `page ${i}`).toBe(1);
  });

  it("checks each feed line and reports the ones that fail, with the reason; a blog down just now is kept", async () => {
    await setUpCourse(hub.app);
    const { id } = await course();
    server.feed("/page-no-feed/", "<!doctype html><title>Just a page</title><p>Hello</p>", "text/html; charset=utf-8");
    server.feed("/broken.xml", "<rss><channel><title>Half", "application/rss+xml");
    server.route("/down.xml", (_req, res) => res.writeHead(503).end("busy"));
    server.route("/gone.xml", (_req, res) => res.writeHead(404).end("no"));
    // A "feed" address that is really the blog's home page: its feed is found.
    const xml = `<opml version="2.0"><body>
<outline text="Gone" type="rss" xmlUrl="${server.url("/gone.xml")}"/>
<outline text="Page" type="rss" xmlUrl="${server.url("/page-no-feed/")}"/>
<outline text="Broken" type="rss" xmlUrl="${server.url("/broken.xml")}"/>
<outline text="Down" type="rss" xmlUrl="${server.url("/down.xml")}"/>
<outline text="Ravi" type="rss" xmlUrl="${server.url("/ravi/")}"/>
<outline text="Maya" type="rss" xmlUrl="${server.url("/maya/feed/")}"/>
</body></opml>`;
    const report = await importRoster(hub.deps, id, xml, "all");
    const outcome = Object.fromEntries(report.lines.map((l) => [l.name, [l.outcome, l.message]]));
    expect(outcome.Gone).toEqual(["failed", expect.stringMatching(/404/)]);
    expect(outcome.Page).toEqual(["failed", expect.stringMatching(/^No feed found on this page/)]);
    expect(outcome.Broken![0]).toBe("failed");
    expect(outcome.Broken![1]).not.toMatch(/TypeError|Error:/);
    expect(outcome.Down).toEqual(["added", expect.stringMatching(/could not be reached just now/)]);
    expect(outcome.Ravi![0]).toBe("added");
    expect(outcome.Maya![0]).toBe("added");
    expect(report.counts).toEqual({ added: 3, skipped: 0, failed: 3, later: 0 });
    const urls = (await sourcesOf(hub.deps.db, id)).map((s) => s.url).sort();
    expect(urls).toEqual([server.url("/down.xml"), server.url("/maya/feed/"), server.url("/ravi/rss/")].sort());
  });

  it("checks feeds within one import's fetch budget, each once; importing again continues", async () => {
    await setUpCourse(hub.app);
    const { id } = await course();
    const n = 60;
    for (let i = 0; i < n; i++) server.feed(`/f${i}.xml`, fixture("wordpress-rss2.xml"));
    const roster = `<opml version="2.0"><body>${Array.from({ length: n }, (_, i) => `<outline text="L${i}" xmlUrl="${server.url(`/f${i}.xml`)}"/>`).join("\n")}</body></opml>`;
    const fetches = countingFetches();
    const first = await importRoster(hub.deps, id, roster, "tagged");
    expect(fetches.n).toBeLessThanOrEqual(FETCH_BUDGET_PER_IMPORT);
    expect(first.counts.added).toBeGreaterThanOrEqual(30);
    expect(first.counts.later).toBe(n - first.counts.added);
    fetches.n = 0;
    const second = await importRoster(hub.deps, id, roster, "tagged");
    expect(second.counts).toEqual({ added: n - first.counts.added, skipped: first.counts.added, failed: 0, later: 0 });
    let total = 0;
    for (let i = 0; i < n; i++) total += server.hits(`/f${i}.xml`);
    expect(total).toBe(n);
  });

  it("round-trips: a course exported as OPML imports into another course the same", async () => {
    const client = await setUpCourse(hub.app);
    await client.submit("/courses/new", "/courses", { title: "Next cohort", slug: "t510", tags: "t509massive" });
    const from = await course("t509");
    const to = await course("t510");
    await importRoster(hub.deps, from.id, read("opml/roster.opml", server.url("/")), "tagged");
    const xml = exportOpml(from, await sourcesOf(hub.deps.db, from.id), hub.deps.now());
    expect(wellFormedError(xml)).toBeNull();

    const report = await importRoster(hub.deps, to.id, xml, "tagged");
    expect(report.counts).toEqual({ added: 4, skipped: 0, failed: 0, later: 0 });
    const pick = (list: Source[]) =>
      list
        .map((s) => ({ url: s.url, ownerName: s.ownerName, home: s.homePageUrl ?? s.siteUrl, title: s.title }))
        .sort((a, b) => a.url.localeCompare(b.url));
    expect(pick(await sourcesOf(hub.deps.db, to.id))).toEqual(pick(await sourcesOf(hub.deps.db, from.id)));
  });
});
