// `npm run demo`: a hub with a course and four learners' blogs, in one command.
// The sample feeds in demo/feeds/ are served by a tiny local feed server, so the
// demo needs no network and behaves the same every run. The hub then fetches
// them through its real ingest path (safeFetch → parseFeed → tag filter →
// upsert), exactly as it would fetch a learner's blog on the web.
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { count, desc, eq } from "drizzle-orm";
import { createFirstAdmin } from "../src/accounts/people.js";
import { jsonLog, type Log } from "../src/core/log.js";
import { items } from "../src/db/schema.js";
import { createCourse, readCourseForm } from "../src/hub/courses.js";
import { addFeedSource } from "../src/hub/sources/sources.js";
import { addToSpotlight } from "../src/hub/spotlight.js";
import { startNodeHub } from "../src/node.js";
import { createDemoLearner, DEMO_LEARNER_EMAIL, seedDemoPls } from "./demo-learner.js";

const FEEDS_DIR = fileURLToPath(new URL("./feeds/", import.meta.url));

/** Whose each sample blog is: the demo learner's own, or a classmate on the roster by name. */
const OWNERS: Record<string, string> = {
  "/maya-wordpress.xml": "learner",
  "/ana-ghost.xml": "Ana Ribeiro",
  "/leo-blogger.xml": "Leo Okafor",
  "/sam-hugo.xml": "Sam Achterberg",
};
const DEFAULT_DEMO_DB = "file:./data/demo.db";

interface FeedFile {
  body: Buffer;
  type: string;
  etag: string;
  lastModified: string;
}

/** Reads demo/feeds/*.xml once; Atom or RSS is told by the root element. */
function loadFeeds(): Map<string, FeedFile> {
  const feeds = new Map<string, FeedFile>();
  for (const name of readdirSync(FEEDS_DIR)
    .filter((n) => n.endsWith(".xml"))
    .sort()) {
    const body = readFileSync(FEEDS_DIR + name);
    const atom = /<feed[\s>]/.test(body.toString("utf8", 0, 2048));
    feeds.set(`/${name}`, {
      body,
      type: `${atom ? "application/atom+xml" : "application/rss+xml"}; charset=utf-8`,
      etag: `"${createHash("sha1").update(body).digest("base64url").slice(0, 16)}"`,
      lastModified: new Date(statSync(FEEDS_DIR + name).mtime.setMilliseconds(0)).toUTCString(),
    });
  }
  return feeds;
}

/**
 * A static feed server with conditional GET, like a well-behaved blog host: the
 * hub's second poll gets a 304 and does no parsing or writing.
 */
async function startFeedServer(feeds: Map<string, FeedFile>): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const feed = feeds.get((req.url ?? "/").split("?")[0]!);
    if (!feed || (req.method !== "GET" && req.method !== "HEAD")) {
      // Relative post links in sam-hugo.xml resolve to this server; they are only sample links.
      res
        .writeHead(404, { "content-type": "text/plain; charset=utf-8" })
        .end("Only the sample feeds live here; their posts are made up.\n");
      return;
    }
    const validators = { etag: feed.etag, "last-modified": feed.lastModified };
    const inm = req.headers["if-none-match"];
    const ims = req.headers["if-modified-since"];
    const fresh = inm
      ? inm.split(",").some((t) => t.trim().replace(/^W\//, "") === feed.etag || t.trim() === "*")
      : !!ims && Date.parse(ims) >= Date.parse(feed.lastModified); // If-None-Match wins when both are sent (RFC 9110)
    if (fresh) {
      res.writeHead(304, validators).end();
      return;
    }
    res.writeHead(200, { ...validators, "content-type": feed.type, "content-length": feed.body.length });
    res.end(req.method === "HEAD" ? undefined : feed.body);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Deletes a local demo database and its WAL files, so every run starts from the same state. */
function resetDatabase(url: string): void {
  if (!url.startsWith("file:")) {
    throw new Error(
      `The demo resets its database each run, so it only uses a local file (DEMO_DATABASE_URL=file:...), not ${url.split("?")[0]}.`,
    );
  }
  const path = url.slice("file:".length).split("?")[0]!;
  if (!path || path === ":memory:") return;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(resolve(path + suffix), { force: true });
}

/** The hub's info lines would bury the banner; warnings and errors still show. */
function quietLog(): Log {
  const json = jsonLog((line) => console.error(line));
  return (level, msg, fields) => {
    if (level === "warn" || level === "error") json(level, msg, fields);
  };
}

async function main(): Promise<void> {
  const feeds = loadFeeds();
  const farm = await startFeedServer(feeds);
  const databaseUrl = process.env.DEMO_DATABASE_URL?.trim() || DEFAULT_DEMO_DB;
  resetDatabase(databaseUrl);
  console.log(`Demo database: ${databaseUrl} (fresh)`);

  const hub = await startNodeHub(
    { ...process.env, ALLOW_LOOPBACK_FETCH: "true", DATABASE_URL: databaseUrl, PORT: process.env.PORT ?? "8787" },
    quietLog(),
  );
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await hub.stop();
      farm.server.closeAllConnections();
      await new Promise<void>((ok) => farm.server.close(() => ok()));
    })());
  process.once("SIGINT", () => void stop().then(() => process.exit(0)));
  process.once("SIGTERM", () => void stop().then(() => process.exit(0)));

  const { db } = hub.deps;
  // A fresh random password each run: the demo never ships a default credential.
  const password = randomBytes(16).toString("base64url");
  const admin = await createFirstAdmin(db, { email: "demo@example.org", displayName: "Demo Instructor", password });
  if (!admin) throw new Error("The demo database already had accounts; it should have been reset.");
  const course = await createCourse(
    db,
    readCourseForm({
      title: "T509 Massive — Demo",
      slug: "t509-demo",
      tags: "t509massive",
      description:
        "A connected course on learning design. Learners write on their own blogs and tag course posts #t509massive; this Flow points at them.",
      startsOn: "2026-09-01",
      endsOn: "2026-12-11",
    }),
    admin,
  );
  const now = new Date();
  const learner = await createDemoLearner(db, course.id, password);
  for (const path of feeds.keys()) {
    // Each learner's own blog: Maya's (the demo learner, with an account and a PLS) is hers; the
    // others are on the course's roster by the names their instructor knows them by, as an
    // instructor adding a class's blogs would, until each claims their place.
    const owner = OWNERS[path];
    await addFeedSource(
      db,
      course.id,
      { url: farm.base + path, filter: "tagged", ownerName: owner === "learner" ? learner.displayName : (owner ?? null) },
      owner === "learner" ? learner.id : null,
      now,
    );
  }
  // The hub polls once at start-up; if that run is still in flight our poll is
  // skipped (not queued), so wait and try again until one run covers the new sources.
  while ((await hub.pollNow()) === "skipped") await new Promise((ok) => setTimeout(ok, 50));

  // Two curated picks, so the Spotlight shows what instructors' notes look like.
  const picks = await db
    .select({ id: items.id })
    .from(items)
    .where(eq(items.courseId, course.id))
    .orderBy(desc(items.publishedAt))
    .limit(2);
  const notes = [
    "A model reflection: it links two classmates' posts and says what changed in the author's thinking.",
    "Worth reading before Thursday's session: a clear question we will come back to.",
  ];
  for (const [i, pick] of picks.entries()) await addToSpotlight(db, course.id, { itemId: pick.id, note: notes[i]!, curatorId: admin.id });

  await seedDemoPls(db, course.id, learner.id);

  const [row] = await db.select({ n: count() }).from(items);
  const flowUrl = `${hub.url}/c/${course.slug}`;
  console.log(
    [
      "",
      "  Tributary demo is running",
      "  ─────────────────────────",
      `  Flow:      ${flowUrl}`,
      `  Log in:    ${hub.url}/login`,
      `  Email:     demo@example.org`,
      `  Password:  ${password}   (random, shown only now)`,
      `  Learner:   ${DEMO_LEARNER_EMAIL} (same password): her plan at ${hub.url}/pls, public portfolio at ${hub.url}/people/${learner.id}/portfolio`,
      `  Sources:   ${feeds.size} sample blogs served from ${farm.base}/`,
      `  Items:     ${row?.n ?? 0} tagged posts stored (untagged posts were left out)`,
      "",
      process.env.DEMO_EXIT_AFTER_SEED === "1" ? "  DEMO_EXIT_AFTER_SEED=1: stopping now." : "  Press Ctrl+C to stop.",
      "",
    ].join("\n"),
  );
  if (process.env.DEMO_EXIT_AFTER_SEED === "1") {
    await stop();
    process.exit(0);
  }
}

main().catch((err: unknown) => {
  console.error(`Demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
