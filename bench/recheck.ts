// Re-check benchmark: what keeping "gone when gone" costs. Every item a course shows is re-checked
// at its own URL for as long as it is shown (6 h, 1, 3, 7, 14, 30 days after first seen, then
// every RECHECK_MAX_INTERVAL_DAYS). Two parts:
// - the schedule, computed for BENCH_RECHECK_ITEMS (200,000) items: how many checks a day that
//   means for a hub whose items arrived evenly over two years, and over one semester;
// - the cost of one check, measured: the real recheckDueItems (claim, HEAD through the guarded
//   fetch, one at a time per host, the write) against post pages served by the feed farm in a
//   child process on loopback hosts, into a libSQL file.
// Together: requests and hub CPU per day, and how many items the default batch sizes sustain.
// It prints figures and never fails on them.
//
//   BENCH_RECHECK_ITEMS (200000)  BENCH_RECHECK_MEASURED (3000)  BENCH_HOSTS (50)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createFirstAdmin } from "../src/accounts/people.js";
import { loadConfig } from "../src/core/config.js";
import { openLibsql, tuneLocalFile } from "../src/db/libsql.js";
import { migrateLibsql } from "../src/db/migrate-libsql.js";
import { items } from "../src/db/schema.js";
import { createCourse } from "../src/hub/courses.js";
import { nextRecheck, recheckDueItems } from "../src/ingest/poll/recheck.js";
import { RECHECK_MAX_MESSAGES, RECHECK_MESSAGE_SIZE } from "../src/ingest/poll/recheck-fanout.js";
import { hubDeps } from "../src/jobs/hub-deps.js";
import { guardedFetch } from "../src/node.js";
import { startFarm } from "./farm.js";

const DAY = 86_400_000;

function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Checks falling in the day after `now` for `count` items first seen evenly over the last `spanDays`. */
export function checksPerDay(count: number, spanDays: number, maxIntervalDays: number): number {
  const now = Date.UTC(2027, 0, 1);
  let checks = 0;
  for (let i = 0; i < count; i++) {
    const first = new Date(now - ((i + 0.5) / count) * spanDays * DAY);
    // Walk the item's schedule to the first check at or after now, then count those within a day.
    let at = nextRecheck(first, new Date(now - 1), maxIntervalDays);
    while (at.getTime() < now + DAY) {
      if (at.getTime() >= now) checks++;
      at = nextRecheck(first, at, maxIntervalDays);
    }
  }
  return checks;
}

async function measure(count: number, hostCount: number) {
  const farm = await startFarm(hostCount, 1, hostCount);
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-recheck-"));
  const database = openLibsql(`file:${join(dir, "bench.db")}`);
  try {
    await tuneLocalFile(database.client);
    await migrateLibsql(database);
    const config = loadConfig({ ALLOW_LOOPBACK_FETCH: "true" });
    const deps = hubDeps({ db: database.db, config, log: () => {}, fetch: guardedFetch(config), now: () => new Date() });
    const admin = await createFirstAdmin(deps.db, { email: "bench@example.org", displayName: "Bench", password: "long enough password" });
    const course = await createCourse(
      deps.db,
      { title: "Bench", slug: "bench", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    const hosts = farm.urls.map((u) => new URL(u).origin);
    const now = new Date();
    const rows = Array.from({ length: count }, (_, i) => ({
      courseId: course.id,
      kind: "blog" as const,
      externalId: `post-${i}`,
      canonicalUrl: `${hosts[i % hosts.length]}/post/${i}/`,
      title: `Post ${i}`,
      publishedAt: new Date(now.getTime() - (i % 400) * DAY),
      firstSeenAt: new Date(now.getTime() - (i % 400) * DAY),
      lastSeenAt: now,
      recheckAt: now,
    }));
    for (let i = 0; i < rows.length; i += 500) await deps.db.insert(items).values(rows.slice(i, i + 500));
    await farm.counts(true);
    const batch = config.recheckBatchSize;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    let checked = 0;
    let runs = 0;
    for (;;) {
      const s = await recheckDueItems(deps, { limit: batch });
      if (s.checked === 0) break;
      checked += s.checked;
      runs++;
    }
    const secs = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    const served = await farm.counts();
    return { checked, runs, batch, secs, cpuMs: (used.user + used.system) / 1000, requests: served.requests, hostCount };
  } finally {
    database.client.close();
    await farm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const total = envInt("BENCH_RECHECK_ITEMS", 200_000);
  const measured = envInt("BENCH_RECHECK_MEASURED", 3000);
  const hostCount = Math.min(envInt("BENCH_HOSTS", 50), 254);
  const maxDays = loadConfig({}).recheckMaxIntervalDays;

  const m = await measure(measured, hostCount);
  const cpuPerCheck = m.cpuMs / m.checked;
  console.log(
    `recheck measured: ${m.checked} posts on ${m.hostCount} loopback hosts in ${m.secs.toFixed(2)} s ` +
      `(${Math.round(m.checked / m.secs)} checks/s, ${m.runs} runs of ${m.batch}), ${m.requests} requests, ` +
      `hub CPU ${cpuPerCheck.toFixed(2)} ms per check`,
  );

  for (const [label, spanDays] of [
    ["items arriving evenly over two years", 730],
    ["items arriving over one semester (120 days)", 120],
  ] as const) {
    const perDay = checksPerDay(total, spanDays, maxDays);
    const cpuSecs = (perDay * cpuPerCheck) / 1000;
    console.log(
      `recheck ${total.toLocaleString("en")} items, ${label}: ${perDay.toLocaleString("en")} checks a day ` +
        `(${(perDay / total).toFixed(3)} per item), ≈ ${perDay.toLocaleString("en")} HEAD requests and ${cpuSecs.toFixed(1)} s of hub CPU a day`,
    );
  }
  // What the defaults sustain, at one tick every 10 minutes (144 a day).
  const steady = checksPerDay(20_000, 730, maxDays) / 20_000;
  for (const [where, perTick] of [
    [`Node (RECHECK_BATCH_SIZE ${loadConfig({}).recheckBatchSize} a tick)`, loadConfig({}).recheckBatchSize],
    [
      `Workers with the queue (${RECHECK_MAX_MESSAGES} messages of ${RECHECK_MESSAGE_SIZE} a tick)`,
      RECHECK_MAX_MESSAGES * RECHECK_MESSAGE_SIZE,
    ],
    ["Workers without a queue (4 a tick)", 4],
  ] as const) {
    const capacity = 144 * perTick;
    console.log(
      `recheck capacity on ${where}: ${capacity.toLocaleString("en")} checks a day, ` +
        `enough for ≈ ${Math.floor(capacity / steady).toLocaleString("en")} shown items in the two-year steady state`,
    );
  }
}

// Runnable on its own too: `tsx bench/recheck.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
