// Pages benchmark: how the hub's busiest pages hold up under load. It seeds one
// course with 200,000 items plus 50 other courses (so indexes are shared, as
// on a real hub), starts the real Node hub (`src/node.ts`, the same flags as
// `npm start`) in a child process on 127.0.0.1, and drives it with autocannon
// at 50 connections (300 learners own the posts; every tenth is a public portfolio entry, so each
// Flow page carries its "In X's portfolio" links): Flow page 1, Flow page 50 (keyset paging: should cost
// what page 1 does), search, and the Flow's Atom feed. The hub's peak RSS is
// read from /proc (VmHWM), so the load generator's own memory is not counted.
// Prints figures; never fails on them.
//
//   BENCH_ITEMS (200000)  BENCH_COURSES (50)  BENCH_SECONDS (10)  BENCH_CONNECTIONS (50)
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { sql } from "drizzle-orm";
import { createFirstAdmin } from "../src/accounts/people.js";
import { openLibsql, tuneLocalFile } from "../src/db/libsql.js";
import { migrateLibsql } from "../src/db/migrate-libsql.js";
import { createCourse } from "../src/hub/courses.js";

function envInt(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Two words that appear together in about 1% of the posts. */
const SEARCH = "networks w0";
const WORDS =
  "networks learners open pedagogy connectivism rhizome reflection blog community practice commons remix annotation inquiry identity participation".split(
    " ",
  );

// Real writing has a large vocabulary in which most words are rare: besides the
// course's common words, each text draws from 5,000 made-up words, so a search
// for two topical words matches a fraction of the posts, as it would on a hub.
const RARE = Array.from({ length: 5000 }, (_, i) => `w${(i * 2654435761) % 1_000_003}`);

function text(i: number, n: number): string {
  return Array.from({ length: n }, (_, k) =>
    k % 3 === 0 ? WORDS[(i * 7 + k * 3) % WORDS.length] : RARE[(i * 31 + k * 97) % RARE.length],
  ).join(" ");
}

/** Seeds with multi-row INSERTs inside transactions: 200,000 rows in seconds, FTS triggers included. */
export async function seed(url: string, itemCount: number, courseCount: number): Promise<{ slug: string; seconds: number }> {
  const t0 = performance.now();
  const database = openLibsql(url);
  await tuneLocalFile(database.client);
  await migrateLibsql(database);
  const { db, client } = database;
  const admin = await createFirstAdmin(db, {
    email: "bench@example.org",
    displayName: "Bench",
    password: randomBytes(16).toString("base64url"),
  });
  const courses = [];
  for (let c = 0; c <= courseCount; c++) {
    courses.push(
      await createCourse(
        db,
        {
          title: c === 0 ? "Bench course" : `Other course ${c}`,
          slug: c === 0 ? "bench" : `other-${c}`,
          tags: [c === 0 ? "t509massive" : `course${c}`],
          description: "",
          startsOn: null,
          endsOn: null,
        },
        admin!,
      ),
    );
  }
  // 300 learners own the posts; every tenth post of the big course is a public portfolio entry
  // serving a public objective, so the Flow's "In X's portfolio" links cost what they would.
  const LEARNERS = 300;
  const people = Array.from({ length: LEARNERS }, (_, i) => i);
  await client.execute({
    sql: `INSERT INTO people (email, display_name, password_hash) VALUES ${people.map(() => "(?, ?, 'x')").join(",")}`,
    args: people.flatMap((i) => [`learner${i}@example.org`, `Learner ${i}`]),
  });
  const firstLearner = Number((await client.execute("SELECT min(id) AS id FROM people WHERE email LIKE 'learner%'")).rows[0]!.id);
  const start = Date.UTC(2024, 0, 1);
  const kinds = ["blog", "blog", "mastodon", "bluesky"] as const;
  // The big course gets BENCH_ITEMS; each other course a thousand.
  const plan = courses.map((c, i) => ({ id: c.id, n: i === 0 ? itemCount : 1000 }));
  for (const { id, n } of plan) {
    const BATCH = 500;
    for (let from = 0; from < n; from += BATCH) {
      const values: string[] = [];
      const args: Array<string | number> = [];
      for (let i = from; i < Math.min(n, from + BATCH); i++) {
        const at = start + i * 60_000;
        values.push("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        args.push(
          id,
          kinds[i % 4]!,
          `c${id}-${i}`,
          `https://learner${i % 300}.example.org/${id}/${i}/`,
          `Post ${i}: ${text(i, 6)}`,
          text(i + 1, 40),
          `Learner ${i % 300}`,
          '["t509massive"]',
          at,
          at,
          at,
          `@learner${i % 300}@example.social`,
          firstLearner + (i % LEARNERS),
        );
      }
      await client.batch(
        [
          {
            sql: `INSERT INTO items (course_id, kind, external_id, canonical_url, title, excerpt, author_name, tags, published_at, first_seen_at, last_seen_at, author_handle, person_id) VALUES ${values.join(",")}`,
            args,
          },
        ],
        "write",
      );
    }
  }
  const big = courses[0]!.id;
  await client.batch(
    [
      `INSERT INTO objectives (person_id, title, tags, status, visibility, created_at, updated_at)
         SELECT id, 'Learn in the open, ' || display_name, '[]', 'active', 'public', 0, 0 FROM people WHERE email LIKE 'learner%'`,
      `INSERT INTO portfolio_entries (person_id, item_id, url, title, kind, visibility, created_at, updated_at)
         SELECT person_id, id, canonical_url, title, 'item', 'public', first_seen_at, first_seen_at FROM items WHERE course_id = ${big} AND id % 10 = 0`,
      `INSERT INTO portfolio_links (entry_id, objective_id, auto, removed)
         SELECT e.id, o.id, 1, 0 FROM portfolio_entries e JOIN objectives o ON o.person_id = e.person_id`,
    ],
    "write",
  );
  await db.run(sql`ANALYZE`);
  client.close();
  return { slug: "bench", seconds: (performance.now() - t0) / 1000 };
}

async function startHub(dbUrl: string, port: number, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const child = spawn(process.execPath, ["--max-old-space-size=512", "--import", "tsx", "src/node.ts"], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      POLL_CRON: "0 0 1 1 *",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ...extraEnv,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > until || child.exitCode !== null) throw new Error("the hub did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Peak resident memory of a process so far (Linux VmHWM). */
function peakRss(pid: number): number | null {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return null;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(path, "utf8"));
  return m ? Number(m[1]) * 1024 : null;
}

async function load(label: string, url: string, seconds: number, connections: number): Promise<void> {
  const probe = await fetch(url);
  const bytes = (await probe.arrayBuffer()).byteLength;
  const r = await autocannon({ url, connections, duration: seconds, pipelining: 1 });
  const bad = r.non2xx + r.errors + r.timeouts;
  console.log(
    `pages ${label.padEnd(16)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms` +
      `  (${Math.round(bytes / 1024)} KB, status ${probe.status}${bad ? `, ${bad} non-2xx/errors` : ""})`,
  );
}

export async function run(): Promise<void> {
  const itemCount = envInt("BENCH_ITEMS", 200_000);
  const courseCount = envInt("BENCH_COURSES", 50);
  const seconds = envInt("BENCH_SECONDS", 10);
  const connections = envInt("BENCH_CONNECTIONS", 50);
  const dir = mkdtempSync(join(tmpdir(), "tributary-pages-"));
  const dbUrl = `file:${join(dir, "pages.db")}`;
  let hub: ChildProcess | null = null;
  try {
    const seeded = await seed(dbUrl, itemCount, courseCount);
    console.log(
      `pages: seeded ${itemCount} items in one course + ${courseCount} courses × 1,000 in ${seeded.seconds.toFixed(1)} s; ${connections} connections, ${seconds} s each, hub in a child process`,
    );
    const port = 20000 + Math.floor(Math.random() * 20000);
    hub = await startHub(dbUrl, port);
    const base = `http://127.0.0.1:${port}/c/${seeded.slug}`;
    const firstPage = await (await fetch(base)).text();
    console.log(`pages: Flow page 1 shows ${(firstPage.match(/class="portfolio-link"/g) ?? []).length} "in the portfolio" links`);
    // Page 50's cursor, found the way a reader would get there: following "Older posts" 49 times.
    let page50 = base;
    for (let p = 1; p < 50; p++) {
      const html = await (await fetch(page50)).text();
      const next = /[?&](?:amp;)?before=([\d.]+)/.exec(html)?.[1];
      if (!next) throw new Error(`no "Older posts" link on page ${p}`);
      page50 = `${base}?before=${next}`;
    }
    await load("Flow page 1", base, seconds, connections);
    await load("Flow page 50", page50, seconds, connections);
    await load("search", `${base}/search?q=${encodeURIComponent(SEARCH)}`, seconds, connections);
    await load("Atom feed", `${base}/feed.atom`, seconds, connections);
    const peak = hub.pid ? peakRss(hub.pid) : null;
    console.log(
      `pages: hub peak RSS ${peak ? `${Math.round(peak / 1024 / 1024)} MB` : "unknown (no /proc)"} (anonymous micro-cache on: PAGE_CACHE_SECONDS=2, the default)`,
    );
    // The same pages with the micro-cache off: what every signed-in viewer gets.
    hub.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    const port2 = port + 1;
    hub = await startHub(dbUrl, port2, { PAGE_CACHE_SECONDS: "0" });
    const base2 = base.replace(`:${port}/`, `:${port2}/`);
    await load("Flow p1, no cache", base2, seconds, connections);
    await load("Flow p50, no cache", page50.replace(`:${port}/`, `:${port2}/`), seconds, connections);
    await load("search, no cache", `${base2}/search?q=${encodeURIComponent(SEARCH)}`, seconds, connections);
    const peak2 = hub.pid ? peakRss(hub.pid) : null;
    console.log(`pages: hub peak RSS without cache ${peak2 ? `${Math.round(peak2 / 1024 / 1024)} MB` : "unknown"}`);
  } finally {
    hub?.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await run();
