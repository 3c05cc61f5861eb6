// The Worker, built as it would be deployed, running in workerd with D1 and no
// queue bound: the cron handler falls back to polling one small batch itself.
// (tests/worker/queue.test.ts runs it with the queue.)
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { setUpCourse } from "../helpers/hub.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

let worker: WorkerHarness;
let server: FeedServer;
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  server = await startFeedServer();
  server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
  server.feed("/leo.xml", fixture("blogger-atom.xml"), "application/atom+xml");
  server.route("/broken", (_req, res) => res.writeHead(500).end());
  worker = await startWorker(
    buildWorker(),
    { ALLOW_LOOPBACK_FETCH: "true", PAGE_CACHE_SECONDS: "0" },
    {
      onLog: (line) => {
        if (line.startsWith("{")) logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await server?.close();
});

describe("the Worker in workerd", () => {
  it("has D1 migrated by wrangler from the same migrations/ files as Node", async () => {
    const db = await worker.d1();
    const applied = await db.prepare("SELECT name FROM d1_migrations ORDER BY id").all<{ name: string }>();
    const files = readdirSync(new URL("../../migrations/", import.meta.url))
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(applied.results.map((r) => r.name)).toEqual(files);
    const tables = await db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name='items'").all();
    expect(tables.results).toHaveLength(1);
  });

  it("serves setup, course creation and the Flow, and its cron handler ingests feeds", async () => {
    const client = workerClient(worker);
    const first = await client.get("/");
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe("/setup");
    await setUpCourse(client);

    // Register the feeds directly in D1 (as due), so it is the scheduled handler that reads them.
    const db = await worker.d1();
    const course = await db.prepare("SELECT id FROM courses WHERE slug = 't509'").first<{ id: number }>();
    for (const path of ["/maya.xml", "/leo.xml", "/broken"]) {
      await db
        .prepare("INSERT INTO sources (course_id, kind, url, filter, status, next_poll_at) VALUES (?, 'feed', ?, 'tagged', 'active', 0)")
        .bind(course!.id, server.url(path))
        .run();
    }
    await worker.scheduled();
    // No queue bound: the tick polled its one small batch (POLL_MESSAGE_SIZE) inline.
    expect(logs.find((l) => l.msg === "cron.tick")).toMatchObject({ via: "cron", queue: false });
    expect(logs.find((l) => l.msg === "poll.run")).toMatchObject({ via: "cron", polled: 3 });

    const flow = await client.get("/c/t509");
    expect(flow.status).toBe(200);
    const html = await flow.text();
    const titles = [...html.matchAll(/<h3><a href="[^"]+"[^>]*>([^<]+)<\/a><\/h3>/g)].map((m) => m[1]);
    expect(titles).toEqual([
      "Remix as a way of reading",
      "Week 3: networks are made of people",
      "Sketchnotes from the live session",
      "Week 2: a long read on open pedagogy",
    ]);
    expect(html).toContain('href="https://maya.example.org/2026/11/03/week-3-networks/"');
    expect(flow.headers.get("content-security-policy")).toContain("default-src 'none'");

    const broken = await db
      .prepare("SELECT failure_count, last_error FROM sources WHERE url LIKE '%/broken'")
      .first<{ failure_count: number; last_error: string }>();
    expect(broken).toEqual({ failure_count: 1, last_error: "The server answered 500 Internal Server Error." });

    // A second cron run finds nothing due, and nothing is duplicated.
    await worker.scheduled();
    const n = await db.prepare("SELECT count(*) AS n FROM items").first<{ n: number }>();
    expect(n!.n).toBe(4);

    const css = await client.get("/static/style.css");
    expect(css.headers.get("content-type")).toContain("text/css");
  });
});
