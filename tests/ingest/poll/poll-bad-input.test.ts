// Every kind of bad source named in the ingestion issue, polled in one run next
// to a good one: each bad source gets a clear error, the good one is stored, and
// the run neither crashes nor stalls.
import { gzipSync } from "node:zlib";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { items, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import type { PollSummary } from "../../../src/ingest/poll/outcome.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { type FeedServer, fixture, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let summary: PollSummary;
let runMs: number;
const ids = new Map<string, number>();

function rss(entries: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed</title><link>https://blog.example.org/</link>${entries}</channel></rss>`;
}

const bad: Record<string, (s: FeedServer) => void> = {
  malformed: (s) => s.feed("/malformed", fixture("broken.xml")),
  html: (s) => s.feed("/html", fixture("html-page.html"), "text/html"),
  empty: (s) => s.feed("/empty", ""),
  huge: (s) =>
    s.route("/huge", (_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent >= 50) res.end();
        else res.once("drain", pump);
      };
      res.on("close", () => (sent = 50));
      pump();
    }),
  drip: (s) =>
    s.route("/drip", (_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml" });
      const t = setInterval(() => res.write("<"), 1000);
      res.on("close", () => clearInterval(t));
    }),
  bomb: (s) =>
    s.route("/bomb", (_req, res) => {
      res
        .writeHead(200, { "content-type": "application/rss+xml", "content-encoding": "gzip" })
        .end(gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20)));
    }),
  loop: (s) => s.route("/loop", (_req, res) => res.writeHead(301, { location: "/loop2" }).end()),
  // Half a feed, then the connection goes (a server crashing, a proxy timing out).
  truncated: (s) =>
    s.route("/truncated", (_req, res) => {
      res.writeHead(200, { "content-type": "application/rss+xml", "content-length": "5000" });
      res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Half</title><item><title>Week 3 #t509massive</title>');
      setTimeout(() => res.socket?.destroy(), 20);
    }),
  notFound: () => {}, // nothing at /notFound: 404
  error: (s) => s.route("/error", (_req, res) => res.writeHead(500).end()),
  entityBomb: (s) =>
    s.feed(
      "/entityBomb",
      `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>` +
        `<rss version="2.0"><channel><title>Bomb &h;</title><item><title>Boom &h; #t509massive</title><link>https://bomb.example.org/1</link></item></channel></rss>`,
    ),
};

beforeAll(async () => {
  hub = await createTestHub({ FETCH_TIMEOUT_MS: "2500", POLL_CONCURRENCY: "16" });
  server = await startFeedServer();
  for (const setup of Object.values(bad)) setup(server);
  server.route("/loop2", (_req, res) => res.writeHead(301, { location: "/loop" }).end());
  server.feed("/good", fixture("wordpress-rss2.xml"));
  // Invalid UTF-8 inside an otherwise good feed: kept, with U+FFFD for the bad bytes.
  const good = Buffer.from(rss(`<item><title>Caf\u00e9 BAD #t509massive</title><link>https://blog.example.org/utf8</link></item>`));
  const badBytes = Buffer.concat([
    good.subarray(0, good.indexOf("BAD")),
    Buffer.from([0xff, 0xfe, 0xc3]),
    good.subarray(good.indexOf("BAD") + 3),
  ]);
  server.route("/utf8", (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8" }).end(badBytes));
  const many = Array.from(
    { length: 10_000 },
    (_, i) => `<item><title>Post ${i}</title><link>https://many.example.org/${i}</link><category>t509massive</category></item>`,
  ).join("");
  server.feed("/many", rss(many));

  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  const course = await createCourse(
    hub.deps.db,
    { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  for (const name of [...Object.keys(bad), "good", "utf8", "many"]) {
    const s = await addFeedSource(hub.deps.db, course.id, { url: server.url(`/${name}`), filter: "tagged" }, null, hub.clock.now);
    ids.set(name, s.id);
  }
  const started = Date.now();
  summary = await pollDueSources(hub.deps);
  runMs = Date.now() - started;
}, 60_000);
afterAll(async () => {
  await server.close();
  await hub.close();
});

async function source(name: string) {
  const [row] = await hub.deps.db
    .select()
    .from(sources)
    .where(eq(sources.id, ids.get(name)!));
  return row!;
}

async function itemsOf(name: string) {
  const [row] = await hub.deps.db
    .select({ n: count() })
    .from(items)
    .where(eq(items.sourceId, ids.get(name)!));
  return row!.n;
}

describe("bad sources in one poll run", () => {
  it("finishes the run without stalling, polling every source", () => {
    expect(summary.polled).toBe(Object.keys(bad).length + 3);
    expect(runMs).toBeLessThan(20_000);
  });

  it.each([
    ["malformed", /not a readable RSS or Atom feed/],
    ["html", /web page, not a feed/],
    ["empty", /empty/],
    ["huge", /larger than 5 MB/],
    ["drip", /No complete answer within 3 s|did not answer/],
    ["bomb", /larger than 5 MB/],
    ["loop", /More than 5 redirects/],
    [
      "truncated",
      /^The connection broke off while the answer was being read \(connection (closed early|reset)\); it will be tried again\.$/,
    ],
    ["notFound", /^The server answered 404 Not Found\.$/],
    ["error", /^The server answered 500 Internal Server Error\.$/],
  ])("%s: a clear error on the source, nothing stored", async (name, message) => {
    const row = await source(name);
    expect(row.lastError).toMatch(message);
    expect(row.failureCount).toBe(1);
    expect(await itemsOf(name)).toBe(0);
  });

  it("an entity-expansion bomb is never expanded", async () => {
    const row = await source("entityBomb");
    const stored = await hub.deps.db
      .select({ title: items.title })
      .from(items)
      .where(eq(items.sourceId, ids.get("entityBomb")!));
    // Either refused with a clear error, or parsed without expanding the entities.
    if (row.lastError) expect(row.lastError).toMatch(/feed/);
    else expect(stored.length).toBeGreaterThan(0);
    for (const item of stored) expect(item.title.length).toBeLessThan(300);
  });

  it("the good sources are stored in full, invalid UTF-8 and 10,000 entries included", async () => {
    expect(await itemsOf("good")).toBe(2);
    expect((await source("good")).lastError).toBeNull();
    const [utf8] = await hub.deps.db
      .select({ title: items.title })
      .from(items)
      .where(eq(items.sourceId, ids.get("utf8")!));
    expect(utf8!.title).toMatch(/^Café \uFFFD+ #t509massive$/);
    expect(await itemsOf("many")).toBe(10_000);
  });
});
