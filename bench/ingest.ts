// Ingest benchmark: how fast one Node process polls many feeds through the real
// path (claim → safeFetch → parseFeed → tag filter → upsert batch) into a local
// libSQL file. A feed farm on 127.0.0.1 stands in for learners' blogs, so the
// figures measure the hub, not the internet. Round 1 is cold (every feed is
// new); round 2 is the steady state, where most feeds answer 304 Not Modified.
// It prints figures and never fails on them.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import { loadConfig } from "../src/config.js";
import { openLibsql, tuneLocalFile } from "../src/db/libsql.js";
import { migrateLibsql } from "../src/db/migrate-libsql.js";
import { items, sources } from "../src/db/schema.js";
import { createCourse } from "../src/hub/courses.js";
import { createFirstAdmin } from "../src/hub/people.js";
import { parseFeed } from "../src/ingest/parse.js";
import { pollDueSources, type PollDeps, type PollSummary } from "../src/ingest/poll.js";

const TAG = "t509massive";

function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

// ── The feed farm ───────────────────────────────────────────────────────────

interface FarmFeed {
  items: number; // newest item is number `items - 1`
  body: string;
  etag: string;
}

const WORDS =
  "learners publish on their own blogs and the course hub points at each post so conversation moves between sites while every learner keeps their writing where they chose to put it".split(" ");

/** ~700 characters of HTML per item, varied so the parser cannot coast on repetition. */
function itemBody(feed: number, item: number): string {
  const paras: string[] = [];
  for (let p = 0; p < 3; p++) {
    const words = Array.from({ length: 35 }, (_, w) => WORDS[(feed * 7 + item * 13 + p * 5 + w) % WORDS.length]);
    paras.push(`<p>${words.join(" ")}.</p>`);
  }
  return `${paras.join("")}<p>Week ${(item % 12) + 1} reflection. #${TAG}</p>`;
}

function renderFeed(feed: number, n: number): string {
  const entries: string[] = [];
  for (let j = n - 1; j >= 0; j--) {
    const published = new Date(Date.UTC(2026, 8, 1) + feed * 60_000 + j * 86_400_000).toUTCString();
    entries.push(`<item>
<title>Post ${j} from learner ${feed}: notes on connected learning</title>
<link>https://learner${feed}.example.org/${j}/</link>
<guid isPermaLink="false">learner${feed}-post-${j}</guid>
<pubDate>${published}</pubDate>
<dc:creator>Learner ${feed}</dc:creator>
<category>${TAG}</category>
<category>reflection</category>
<description><![CDATA[${itemBody(feed, j)}]]></description>
</item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Learner ${feed}'s blog</title><link>https://learner${feed}.example.org/</link><description>Bench feed</description>
${entries.join("\n")}
</channel></rss>`;
}

function makeFeed(feed: number, n: number): FarmFeed {
  return { items: n, body: renderFeed(feed, n), etag: `"f${feed}-n${n}"` };
}

async function startFarm(feedCount: number, itemCount: number) {
  const feeds = Array.from({ length: feedCount }, (_, i) => makeFeed(i, itemCount));
  const counts = { requests: 0, notModified: 0 };
  const server = createServer((req, res) => {
    counts.requests++;
    const i = Number(/^\/feed\/(\d+)\.xml$/.exec(req.url ?? "")?.[1] ?? NaN);
    const feed = feeds[i];
    if (!feed) return void res.writeHead(404).end();
    if (req.headers["if-none-match"] === feed.etag) {
      counts.notModified++;
      return void res.writeHead(304, { etag: feed.etag }).end();
    }
    res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8", etag: feed.etag }).end(feed.body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    feeds,
    counts,
    url: (i: number) => `${base}/feed/${i}.xml`,
    /** Publishes one new post on feed `i` (new body, new ETag). */
    addItem(i: number) {
      feeds[i] = makeFeed(i, feeds[i]!.items + 1);
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

// ── Measurement helpers ─────────────────────────────────────────────────────

/** Peak RSS, sampled every 50 ms (a round's peak is what sizing a host needs). */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  timer.unref();
  return {
    reset: () => void (peak = process.memoryUsage().rss),
    peak: () => Math.max(peak, process.memoryUsage().rss),
    stop: () => clearInterval(timer),
  };
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const size = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : mb(bytes));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

// ── The benchmark ───────────────────────────────────────────────────────────

export async function run(): Promise<void> {
  const feedCount = envInt("BENCH_FEEDS", 500);
  const itemCount = envInt("BENCH_ITEMS", 20);
  const farm = await startFarm(feedCount, itemCount);
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-"));
  const database = openLibsql(`file:${join(dir, "bench.db")}`);
  const sampler = rssSampler();
  try {
    await tuneLocalFile(database.client);
    await migrateLibsql(database);
    const config = loadConfig({ ALLOW_LOOPBACK_FETCH: "true", POLL_CONCURRENCY: "16" });
    const deps: PollDeps = { db: database.db, config, log: () => {}, fetch: globalThis.fetch, now: () => new Date() };

    const admin = await createFirstAdmin(deps.db, {
      email: "bench@example.org",
      displayName: "Bench",
      password: randomBytes(16).toString("base64url"),
    });
    if (!admin) throw new Error("fresh bench database already had an account");
    const course = await createCourse(
      deps.db,
      { title: "Bench", slug: "bench", tags: [TAG], description: "", startsOn: null, endsOn: null },
      admin,
    );
    // Sources go in directly (not through addFeedSource) so seeding 500 of them takes milliseconds.
    const now = new Date();
    const rows = Array.from({ length: feedCount }, (_, i) => ({
      courseId: course.id,
      kind: "feed" as const,
      url: farm.url(i),
      filter: "tagged" as const,
      status: "active" as const,
      nextPollAt: now,
      createdAt: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await deps.db.insert(sources).values(rows.slice(i, i + 500));

    console.log(
      `ingest: ${feedCount} feeds × ${itemCount} items (${size(farm.feeds.reduce((n, f) => n + f.body.length, 0))} of RSS), ` +
        `concurrency ${config.pollConcurrency}, libSQL file DB`,
    );

    const round = async (label: string): Promise<void> => {
      const before = (await deps.db.select({ n: count() }).from(items))[0]?.n ?? 0;
      farm.counts.requests = 0;
      farm.counts.notModified = 0;
      sampler.reset();
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const s: PollSummary = await pollDueSources(deps, { limit: feedCount });
      const secs = (performance.now() - t0) / 1000;
      const used = process.cpuUsage(cpu);
      const after = (await deps.db.select({ n: count() }).from(items))[0]?.n ?? 0;
      const share304 = farm.counts.requests ? (100 * farm.counts.notModified) / farm.counts.requests : 0;
      console.log(
        `ingest ${label}: ${s.polled} feeds in ${secs.toFixed(2)} s — ${Math.round(s.polled / secs)} feeds/s, ` +
          `${Math.round(s.stored / secs)} items/s (${s.stored} upserted, ${after - before} new), ` +
          `304s ${share304.toFixed(1)}%, peak RSS ${mb(sampler.peak())}, ` +
          `CPU ${((used.user + used.system) / 1e6).toFixed(2)} s${s.failed ? `, ${s.failed} FAILED` : ""}`,
      );
    };

    await round("round 1 (cold)");
    // Steady state: 5% of learners published one new post since the last poll.
    const changed = Math.max(1, Math.round(feedCount * 0.05));
    for (let k = 0; k < changed; k++) farm.addItem(Math.floor((k * feedCount) / changed));
    await deps.db.update(sources).set({ nextPollAt: new Date() });
    await round(`round 2 (${changed} of ${feedCount} feeds changed)`);

    // Parse cost alone, apart from network and database: the CPU a poll spends per feed.
    const times: number[] = [];
    for (let i = 0; i < farm.feeds.length; i++) {
      const t0 = performance.now();
      await parseFeed(farm.feeds[i]!.body, farm.url(i));
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const avgKb = farm.feeds.reduce((n, f) => n + f.body.length, 0) / farm.feeds.length / 1024;
    console.log(
      `parse CPU per feed (${itemCount}–${itemCount + 1} items, ~${Math.round(avgKb)} KB): ` +
        `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms`,
    );
  } finally {
    sampler.stop();
    database.client.close();
    await farm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runnable on its own too: `tsx bench/ingest.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
