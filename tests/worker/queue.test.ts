// The Worker's fan-out in workerd: the built bundle, D1, and the poll queue
// declared in wrangler.toml (producer and consumer). The cron tick must only
// claim and queue; the queue consumer must ingest every feed once; a message
// delivered twice must neither fetch again nor duplicate items.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PollMessage } from "../../src/ingest/poll/fanout.js";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";
import { setUpCourse } from "../helpers/hub.js";
import { buildWorker, declaredQueues, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

const FEEDS = 25;
const POSTS = 2;

let worker: WorkerHarness;
let server: FeedServer;
let db: D1Database;
const logs: Array<Record<string, unknown>> = [];

/** A small RSS feed whose posts (tagged for the course) are its own. */
function learnerFeed(n: number): string {
  const items = Array.from({ length: POSTS }, (_, j) => {
    const date = new Date(Date.UTC(2026, 9, 1 + j, 9, n)).toUTCString();
    return `<item><title>Learner ${n}, post ${j}</title><link>https://learner${n}.example.org/${j}/</link>
<guid>learner${n}-${j}</guid><pubDate>${date}</pubDate><category>t509massive</category><description>Post ${j}.</description></item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Learner ${n}</title><link>https://learner${n}.example.org/</link>${items.join("")}</channel></rss>`;
}

const paths = Array.from({ length: FEEDS }, (_, n) => `/learner${n}.xml`);
const hits = () => paths.reduce((sum, p) => sum + server.hits(p), 0);
const lines = (msg: string, via: string) => logs.filter((l) => l.msg === msg && l.via === via);

async function scalar(sql: string): Promise<number> {
  return (await db.prepare(sql).first<{ n: number }>())!.n;
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startFeedServer();
  for (const [n, p] of paths.entries()) server.feed(p, learnerFeed(n));
  worker = await startWorker(
    buildWorker(),
    { ALLOW_LOOPBACK_FETCH: "true" },
    {
      queues: true,
      onLog: (line) => {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not one of our JSON lines (workerd's own output)
        }
      },
    },
  );
  db = await worker.d1();
  await setUpCourse(workerClient(worker));
  const course = await db.prepare("SELECT id FROM courses WHERE slug = 't509'").first<{ id: number }>();
  await db.batch(
    paths.map((p) =>
      db
        .prepare("INSERT INTO sources (course_id, kind, url, filter, status, next_poll_at) VALUES (?, 'feed', ?, 'tagged', 'active', 0)")
        .bind(course!.id, server.url(p)),
    ),
  );
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await server?.close();
});

describe("polling through the queue in workerd", () => {
  it("binds the queue wrangler.toml declares, with a consumer small enough for 50 subrequests", () => {
    const { queueProducers, queueConsumers } = declaredQueues();
    expect(queueProducers).toMatchObject({ POLL_QUEUE: { queueName: "tributary-poll" } });
    expect(queueConsumers).toMatchObject({ "tributary-poll": { maxBatchSize: 1, maxRetries: 3 } });
  });

  it("the cron tick only claims and queues; the consumer ingests every feed once", async () => {
    await worker.scheduled();
    // The tick itself fetched nothing: it logged its fan-out and no poll of its own.
    expect(lines("cron.tick", "cron")).toEqual([expect.objectContaining({ queue: true })]);
    expect(lines("poll.fanout", "cron")).toEqual([expect.objectContaining({ claimed: FEEDS, messages: Math.ceil(FEEDS / 10) })]);
    for (const msg of ["poll.done", "poll.unchanged", "poll.failed", "poll.run"]) expect(lines(msg, "cron")).toHaveLength(0);

    await waitFor(
      "the consumer to poll every source",
      async () => (await scalar("SELECT count(*) AS n FROM sources WHERE last_polled_at IS NOT NULL AND lease_until IS NULL")) === FEEDS,
    );
    expect(await scalar("SELECT count(*) AS n FROM items")).toBe(FEEDS * POSTS);
    expect(await scalar("SELECT count(DISTINCT canonical_url) AS n FROM items")).toBe(FEEDS * POSTS);
    expect(await scalar("SELECT count(*) AS n FROM sources WHERE failure_count > 0")).toBe(0);
    expect(paths.map((p) => server.hits(p))).toEqual(paths.map(() => 1)); // each feed fetched exactly once
    // Bound to the course's life on D1 too: these posts are two months old, but the course runs
    // (no end date), so every feed is due again within the hour, not in a day.
    expect(await scalar("SELECT max(next_poll_at - last_polled_at) AS n FROM sources")).toBeLessThanOrEqual(60 * 60_000);
    expect(await scalar("SELECT min(next_poll_at - last_polled_at) AS n FROM sources")).toBeGreaterThan(30 * 60_000);
    expect(lines("poll.done", "queue")).toHaveLength(FEEDS);
    expect(lines("poll.message", "queue")).toHaveLength(Math.ceil(FEEDS / 10));
    // Adaptive schedule: nothing is due again yet, so a second tick claims nothing.
    await worker.scheduled();
    expect(lines("poll.fanout", "cron").at(-1)).toMatchObject({ claimed: 0, messages: 0 });
  });

  it("a message delivered twice fetches once and never duplicates items", async () => {
    // Claim ten sources the way a tick would (due, leased), and forget their ETags so a poll really re-reads them.
    const lease = Date.now() + 10 * 60_000;
    const ids = (await db.prepare("SELECT id FROM sources ORDER BY id LIMIT 10").all<{ id: number }>()).results.map((r) => r.id);
    await db
      .prepare(`UPDATE sources SET lease_until = ?, next_poll_at = 0, etag = NULL WHERE id IN (${ids.join(",")})`)
      .bind(lease)
      .run();
    const message: PollMessage = { v: 1, lease, sources: ids };
    const queue = await worker.mf.getQueueProducer<PollMessage>("POLL_QUEUE");
    const before = hits();
    const messagesBefore = lines("poll.message", "queue").length;

    await queue.send(message, { contentType: "json" });
    await waitFor("the first delivery", () => lines("poll.message", "queue").length === messagesBefore + 1);
    expect(hits() - before).toBe(10);
    await queue.send(message, { contentType: "json" }); // the same message again (at-least-once delivery)
    await waitFor("the second delivery", () => lines("poll.message", "queue").length === messagesBefore + 2);
    expect(lines("poll.message", "queue").at(-1)).toMatchObject({ polled: 0, skipped: 10 });
    expect(hits() - before).toBe(10); // the re-delivered message fetched nothing
    expect(await scalar("SELECT count(*) AS n FROM items")).toBe(FEEDS * POSTS);
    expect(await scalar(`SELECT count(*) AS n FROM sources WHERE lease_until IS NOT NULL`)).toBe(0);
  });

  it("the cron tick sends due re-checks to the queue, whose consumer removes a post deleted at its source", async () => {
    // One post whose page now answers 404, already missed once: this check is the confirming second.
    server.route("/learner0/deleted-post/", (_req, res) => res.writeHead(404).end());
    const item = await db.prepare("SELECT id FROM items ORDER BY id LIMIT 1").first<{ id: number }>();
    await db
      .prepare("UPDATE items SET canonical_url = ?, recheck_at = 0, recheck_misses = 1 WHERE id = ?")
      .bind(server.url("/learner0/deleted-post/"), item!.id)
      .run();
    await worker.scheduled();
    expect(lines("recheck.fanout", "cron").at(-1)).toMatchObject({ due: 1, messages: 1 });
    expect(lines("recheck.run", "cron")).toHaveLength(0); // the tick checks nothing itself
    await waitFor("the consumer to re-check", () => lines("recheck.run", "queue").length > 0);
    expect(lines("recheck.run", "queue").at(-1)).toMatchObject({ checked: 1, missing: 1, removed: 1 });
    expect(await scalar(`SELECT count(*) AS n FROM items WHERE deleted_at IS NOT NULL AND id = ${item!.id}`)).toBe(1);
    expect(await scalar("SELECT count(*) AS n FROM tombstones WHERE reason = 'deleted_at_source'")).toBe(1);
  });

  it("re-checks more posts a tick than one invocation could, each message inside its own subrequests", async () => {
    // 40 posts due, pages that answer: three messages of at most 15, none checked by the tick itself.
    const due = (await db.prepare("SELECT id FROM items WHERE deleted_at IS NULL ORDER BY id LIMIT 40").all<{ id: number }>()).results;
    for (const [k, { id }] of due.entries()) {
      server.route(`/page/${k}/`, (_req, res) => res.writeHead(200).end());
      await db
        .prepare("UPDATE items SET canonical_url = ?, recheck_at = 0 WHERE id = ?")
        .bind(server.url(`/page/${k}/`), id)
        .run();
    }
    const runsBefore = lines("recheck.run", "queue").length;
    await worker.scheduled();
    expect(lines("recheck.fanout", "cron").at(-1)).toMatchObject({ due: 40, messages: 3 });
    await waitFor(
      "every due post to be re-checked",
      async () => (await scalar("SELECT count(*) AS n FROM items WHERE recheck_at <= 1")) === 0,
    );
    await waitFor("the three consumers", () => lines("recheck.run", "queue").length >= runsBefore + 3);
    const runs = lines("recheck.run", "queue").slice(runsBefore);
    expect(runs.reduce((n, r) => n + Number(r.checked), 0)).toBe(40);
    expect(runs.every((r) => Number(r.checked) <= 15)).toBe(true);
    expect(due.map((_, k) => server.hits(`/page/${k}/`))).toEqual(due.map(() => 1));
  });

  it("two copies of one message racing still leave every item once", async () => {
    const lease = Date.now() + 10 * 60_000;
    const ids = (await db.prepare("SELECT id FROM sources ORDER BY id DESC LIMIT 10").all<{ id: number }>()).results.map((r) => r.id);
    await db
      .prepare(`UPDATE sources SET lease_until = ?, next_poll_at = 0, etag = NULL WHERE id IN (${ids.join(",")})`)
      .bind(lease)
      .run();
    const message: PollMessage = { v: 1, lease, sources: ids };
    const queue = await worker.mf.getQueueProducer<PollMessage>("POLL_QUEUE");
    const messagesBefore = lines("poll.message", "queue").length;
    await queue.sendBatch([
      { body: message, contentType: "json" },
      { body: message, contentType: "json" },
    ]);
    await waitFor("both deliveries", () => lines("poll.message", "queue").length === messagesBefore + 2);
    expect(await scalar("SELECT count(*) AS n FROM items")).toBe(FEEDS * POSTS);
    expect(await scalar("SELECT count(DISTINCT canonical_url) AS n FROM items")).toBe(FEEDS * POSTS);
    expect(await scalar("SELECT count(*) AS n FROM sources WHERE failure_count > 0 OR lease_until IS NOT NULL")).toBe(0);
  });
});
