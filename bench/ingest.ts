// Ingest benchmark: how fast one Node process polls many feeds through the real
// path (claim → guarded fetch → parseFeed → tag filter → upsert batch, with the
// per-host limit) into a local libSQL file. A feed farm in a child process
// serves the learners' blogs on loopback addresses, so the figures measure the
// hub alone, not the internet and not the farm. Round 1 is cold (every feed is
// new); round 2 is the steady state, where 5% of the feeds have a new post and
// the rest answer 304 Not Modified. It prints figures and never fails on them.
//
//   BENCH_FEEDS (2000)  BENCH_ITEMS (20)  BENCH_HOSTS (100)  BENCH_CONCURRENCY (16)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import { createFirstAdmin } from "../src/accounts/people.js";
import { loadConfig } from "../src/core/config.js";
import { openLibsql, tuneLocalFile } from "../src/db/libsql.js";
import { migrateLibsql } from "../src/db/migrate-libsql.js";
import { items, sources } from "../src/db/schema.js";
import { createCourse } from "../src/hub/courses.js";
import type { PollDeps } from "../src/ingest/deps.js";
import { parseFeed } from "../src/ingest/parse/parse.js";
import type { PollSummary } from "../src/ingest/poll/outcome.js";
import { pollDueSources } from "../src/ingest/poll/poll.js";
import { hubDeps } from "../src/jobs/hub-deps.js";
import { guardedFetch } from "../src/node.js";
import { type Farm, startFarm } from "./farm.js";
import { renderFeed, TAG } from "./feeds.js";

function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

// ── Measurement helpers ─────────────────────────────────────────────────────

/** Peak RSS of this process, sampled every 50 ms (a round's peak is what sizing a host needs). */
function rssSampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  timer.unref();
  return {
    reset: () => {
      peak = process.memoryUsage.rss();
    },
    peak: () => Math.max(peak, process.memoryUsage.rss()),
    stop: () => clearInterval(timer),
  };
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const size = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : mb(bytes));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

// ── The benchmark ───────────────────────────────────────────────────────────

async function seed(deps: PollDeps, farm: Farm): Promise<void> {
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
  // Sources go in directly (not through addFeedSource) so seeding thousands of them takes milliseconds.
  const now = new Date();
  const rows = farm.urls.map((url) => ({
    courseId: course.id,
    kind: "feed" as const,
    url,
    filter: "tagged" as const,
    status: "active" as const,
    nextPollAt: now,
    createdAt: now,
  }));
  for (let i = 0; i < rows.length; i += 500) await deps.db.insert(sources).values(rows.slice(i, i + 500));
}

/** Parse cost alone, apart from network and database: the CPU a poll spends per feed. */
async function measureParse(feedCount: number, itemCount: number, urls: string[]): Promise<string> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < feedCount; i++) {
    const body = renderFeed(i, itemCount);
    bytes += body.length;
    const t0 = performance.now();
    await parseFeed(body, urls[i]!);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return (
    `parse CPU per feed (${itemCount} items, ~${Math.round(bytes / feedCount / 1024)} KB): ` +
    `p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms`
  );
}

export async function run(): Promise<void> {
  const feedCount = envInt("BENCH_FEEDS", 2000);
  const itemCount = envInt("BENCH_ITEMS", 20);
  const hostCount = Math.min(envInt("BENCH_HOSTS", 100), 254, feedCount);
  const farm = await startFarm(feedCount, itemCount, hostCount);
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-"));
  const database = openLibsql(`file:${join(dir, "bench.db")}`);
  const sampler = rssSampler();
  try {
    await tuneLocalFile(database.client);
    await migrateLibsql(database);
    const config = loadConfig({ ALLOW_LOOPBACK_FETCH: "true", POLL_CONCURRENCY: String(envInt("BENCH_CONCURRENCY", 16)) });
    // The Node entry's own fetch: undici with the guarded DNS lookup and its connection pool.
    const deps: PollDeps = hubDeps({ db: database.db, config, log: () => {}, fetch: guardedFetch(config), now: () => new Date() });
    await seed(deps, farm);

    console.log(
      `ingest: ${feedCount} feeds × ${itemCount} items (${size(farm.bytes)} of RSS) on ${hostCount} loopback hosts, ` +
        `concurrency ${config.pollConcurrency}, ${config.pollPerHost} per host, libSQL file DB; feed farm in a child process`,
    );

    const round = async (label: string): Promise<void> => {
      const before = (await deps.db.select({ n: count() }).from(items))[0]?.n ?? 0;
      await farm.counts(true);
      sampler.reset();
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const s: PollSummary = await pollDueSources(deps, { limit: feedCount });
      const secs = (performance.now() - t0) / 1000;
      const used = process.cpuUsage(cpu);
      const after = (await deps.db.select({ n: count() }).from(items))[0]?.n ?? 0;
      const served = await farm.counts();
      const share304 = served.requests ? (100 * served.notModified) / served.requests : 0;
      console.log(
        `ingest ${label}: ${s.polled} feeds in ${secs.toFixed(2)} s — ${Math.round(s.polled / secs)} feeds/s, ` +
          `${Math.round(s.stored / secs)} items/s (${s.stored} upserted, ${after - before} new), ` +
          `304s ${share304.toFixed(1)}%, hub peak RSS ${mb(sampler.peak())}, ` +
          `hub CPU ${((used.user + used.system) / 1e6).toFixed(2)} s (farm RSS ${mb(served.rss)})${s.failed ? `, ${s.failed} FAILED` : ""}`,
      );
    };

    await round("round 1 (cold)");
    // Steady state: 5% of learners published one new post since the last poll.
    const changed = Math.max(1, Math.round(feedCount * 0.05));
    await farm.publish(Array.from({ length: changed }, (_, k) => Math.floor((k * feedCount) / changed)));
    await deps.db.update(sources).set({ nextPollAt: new Date() });
    await round(`round 2 (${changed} of ${feedCount} feeds changed)`);

    console.log(await measureParse(feedCount, itemCount, farm.urls));
  } finally {
    sampler.stop();
    database.client.close();
    await farm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runnable on its own too: `tsx bench/ingest.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
