// Push latency: from "published at the source" to "visible in the course's JSON feed", for
// BENCH_PUSH_POSTS (100) posts through each push path, beside the polling path. The hub runs as in
// `npm start` (startNodeHub: a real port, a SQLite file, its own stream supervisor); the sources are
// loopback stand-ins built from each protocol's documents (the test helpers):
// - WebSub: a signed fat ping to the subscription's callback;
// - Webmention: a page with an h-entry linking to the course, mentioned to /webmention;
// - Mastodon streaming: a status posted on a loopback instance whose stream the hub holds;
// - Jetstream: a commit emitted by a loopback Jetstream carrying the learner's DID.
// Half way through, the Mastodon and Jetstream connections are dropped (and what is posted while
// they are down is not sent live): the figures count any post lost across that reconnect.
// Polling is modelled with the hub's own scheduler for an active course blog (a post lands at a
// uniformly random moment between two polls). Prints figures; never fails on them.
//
//   BENCH_PUSH_POSTS (100)
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { createFirstAdmin, createPerson } from "../src/accounts/people.js";
import { loadConfig } from "../src/core/config.js";
import { jsonLog } from "../src/core/log.js";
import { identities, memberships, websubSubscriptions } from "../src/db/schema.js";
import { createCourse } from "../src/hub/courses.js";
import { addSocialSource } from "../src/hub/sources/social-sources.js";
import { addFeedSource } from "../src/hub/sources/sources.js";
import { nextPollAfterFetch, scheduleSettings } from "../src/ingest/poll/schedule.js";
import { startNodeHub } from "../src/node.js";
import { startFeedServer } from "../tests/helpers/feed-server.js";
import { startJetstreamServer } from "../tests/helpers/jetstream-server.js";
import { startMastodonServer } from "../tests/helpers/mastodon-server.js";

const POSTS = Number(process.env.BENCH_PUSH_POSTS ?? 100);
const TIMEOUT_MS = 15_000;

interface Figures {
  path: string;
  ms: number[];
  lost: number;
  note: string;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const fmt = (ms: number) => (Number.isNaN(ms) ? "–" : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${ms.toFixed(0)} ms`);

export async function run(): Promise<void> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "tributary-bench-push-"));
  const feeds = await startFeedServer();
  const mastodon = await startMastodonServer();
  const jet = await startJetstreamServer();
  const node = await startNodeHub(
    {
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: `file:${join(dir, "hub.db")}`,
      ALLOW_LOOPBACK_FETCH: "true",
      POLL_CRON: "0 0 1 1 *",
      PAGE_CACHE_SECONDS: "0",
      JETSTREAM_URL: jet.url,
      // Every mention here comes from one address; the default (60 an hour) is a classroom's.
      WEBMENTIONS_PER_CLIENT_PER_HOUR: String(POSTS * 2),
    },
    jsonLog(() => {}),
  );
  node.deps.config.publicUrl = node.url;
  const { db } = node.deps;
  const results: Figures[] = [];
  try {
    const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    // Seen in the JSON feed: the newest items, read over HTTP like any feed reader.
    const visible = async (url: string) => {
      const feed = (await (await fetch(`${node.url}/c/t509/feed.json`)).json()) as { items: Array<{ url: string }> };
      return feed.items.some((i) => i.url === url);
    };
    const waitVisible = async (url: string, since: number): Promise<number | null> => {
      while (performance.now() - since < TIMEOUT_MS) {
        if (await visible(url)) return performance.now() - since;
        await new Promise((r) => setTimeout(r, 5));
      }
      return null;
    };

    // WebSub: an active subscription, as the hub's verification would leave it.
    const feedSource = await addFeedSource(db, course.id, { url: feeds.url("/maya.xml"), filter: "tagged" }, null, node.deps.now());
    const secret = "bench-secret-0123456789abcdef0123456789";
    await db.insert(websubSubscriptions).values({
      sourceId: feedSource.id,
      hub: "https://hub.example.net/",
      topic: feeds.url("/maya.xml"),
      callbackId: "b".repeat(32),
      secret,
      state: "active",
      requestedAt: new Date(),
      verifiedAt: new Date(),
      leaseExpiresAt: new Date(Date.now() + 86_400_000),
    });
    const websub: Figures = { path: "WebSub (fat ping)", ms: [], lost: 0, note: "" };
    for (let i = 0; i < POSTS; i++) {
      const url = `https://maya.example.org/ws/${i}/`;
      const body = `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><item><title>WebSub ${i}</title><link>${url}</link><pubDate>${new Date().toUTCString()}</pubDate><category>t509massive</category></item></channel></rss>`;
      const t0 = performance.now();
      await fetch(`${node.url}/websub/${"b".repeat(32)}`, {
        method: "POST",
        headers: {
          "content-type": "application/rss+xml",
          "x-hub-signature": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
        },
        body,
      });
      const ms = await waitVisible(url, t0);
      if (ms === null) websub.lost++;
      else websub.ms.push(ms);
    }
    results.push(websub);

    // Webmention: guests' pages on several sites (each site may send 30 an hour).
    const sites = await Promise.all(Array.from({ length: Math.ceil(POSTS / 25) }, () => startFeedServer()));
    const mention: Figures = { path: "Webmention", ms: [], lost: 0, note: "" };
    for (let i = 0; i < POSTS; i++) {
      const site = sites[Math.floor(i / 25)]!;
      const path = `/wm/${i}/`;
      site.route(path, (_req, res) =>
        res
          .writeHead(200, { "content-type": "text/html" })
          .end(
            `<article class="h-entry"><h1 class="p-name">Mention ${i}</h1><div class="e-content">For <a href="${node.url}/c/t509">the course</a> #t509massive</div></article>`,
          ),
      );
      const t0 = performance.now();
      await fetch(`${node.url}/webmention`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ source: site.url(path), target: `${node.url}/c/t509` }),
      });
      const ms = await waitVisible(site.url(path), t0);
      if (ms === null) mention.lost++;
      else mention.ms.push(ms);
    }
    results.push(mention);
    await Promise.all(sites.map((s) => s.close()));

    // Mastodon streaming and Jetstream: a learner with a verified Bluesky account.
    const learner = await createPerson(db, { email: "l@example.org", displayName: "L", password: "long enough password" });
    const did = "did:plc:benchlearner00000000000";
    await db.insert(memberships).values({ courseId: course.id, personId: learner!.id, role: "learner" });
    await db.insert(identities).values({
      personId: learner!.id,
      kind: "bluesky",
      address: "learner.test",
      authorKey: did,
      verifyCode: "x",
      verifiedAt: new Date(),
      verifiedBy: "code",
    });
    await addSocialSource(
      db,
      course.id,
      { kind: "mastodon_tag", url: mastodon.url, tag: "t509massive", accessToken: null },
      null,
      node.deps.now(),
    );
    await addSocialSource(
      db,
      course.id,
      { kind: "bluesky_tag", url: "https://bsky.social", tag: "t509massive", accessToken: null },
      null,
      node.deps.now(),
    );
    await node.streams!.reconcile();
    const deadline = performance.now() + 10_000;
    while ((mastodon.stream.open() < 1 || jet.open() < 1) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const streamed = async (
      label: string,
      publish: (i: number) => { url: string },
      drop: () => void,
      setMuted: (m: boolean) => void,
      isOpen: () => boolean,
    ) => {
      const f: Figures = { path: label, ms: [], lost: 0, note: "" };
      let caught = 0;
      let caughtMs = 0;
      for (let i = 0; i < POSTS; i++) {
        if (i === Math.floor(POSTS / 2)) {
          // The forced reconnect: the connection dies; three posts are made while it is down, and
          // reach the hub only by its catch-up (REST, or Jetstream's replay from the cursor).
          const t = performance.now();
          drop();
          setMuted(true);
          const gap = [0, 1, 2].map((j) => publish(POSTS + j).url);
          setMuted(false);
          for (const url of gap) {
            const ms = await waitVisible(url, t);
            if (ms !== null) {
              caught++;
              caughtMs = Math.max(caughtMs, ms);
            } else f.lost++;
          }
          while (!isOpen() && performance.now() - t < 20_000) await new Promise((r) => setTimeout(r, 20));
        }
        const t0 = performance.now();
        const { url } = publish(i);
        const ms = await waitVisible(url, t0);
        if (ms === null) f.lost++;
        else f.ms.push(ms);
      }
      f.note = `reconnect: ${caught}/3 posts made while down caught up, within ${fmt(caughtMs)} of the drop`;
      results.push(f);
    };

    await streamed(
      "Mastodon streaming",
      () => {
        const s = mastodon.post({ createdAt: new Date() });
        return { url: String(s.url) };
      },
      () => mastodon.stream.drop(),
      (m) => (mastodon.stream.muted = m),
      () => mastodon.stream.open() === 1,
    );
    let rkey = 0;
    await streamed(
      "Bluesky Jetstream",
      (i) => {
        const key = `3lbench${(rkey++).toString().padStart(6, "0")}`;
        jet.emit({
          did,
          commit: {
            rev: key,
            operation: "create",
            collection: "app.bsky.feed.post",
            rkey: key,
            cid: "bafyreibench",
            record: {
              $type: "app.bsky.feed.post",
              text: `Post ${i} #t509massive`,
              createdAt: new Date().toISOString(),
              facets: [
                {
                  index: { byteStart: `Post ${i} `.length, byteEnd: `Post ${i} #t509massive`.length },
                  features: [{ $type: "app.bsky.richtext.facet#tag", tag: "t509massive" }],
                },
              ],
            },
          },
        });
        return { url: `https://bsky.app/profile/learner.test/post/${key}` };
      },
      () => jet.drop(),
      (m) => (jet.muted = m),
      () => jet.open() === 1,
    );

    // Polling, modelled with the scheduler: an active blog posting about daily, course running.
    const config = loadConfig({});
    const settings = scheduleSettings({ config }, "running");
    const now = new Date();
    const dates = Array.from({ length: 10 }, (_, i) => new Date(now.getTime() - i * 86_400_000));
    const poll: Figures = {
      path: "Polling (modelled)",
      ms: [],
      lost: 0,
      note: "the scheduler's interval for a daily blog, times a uniform random phase",
    };
    for (let i = 0; i < POSTS; i++) {
      const interval = nextPollAfterFetch(now, dates, settings).getTime() - now.getTime();
      poll.ms.push(interval * Math.random());
    }
    results.push(poll);
  } finally {
    await node.stop();
    await mastodon.close();
    await jet.close();
    await feeds.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`Push latency: published at the source → visible in /c/:slug/feed.json, ${POSTS} posts per path (loopback)`);
  console.log("path                  p50        p95        max        lost  ");
  for (const f of results) {
    const sorted = [...f.ms].sort((a, b) => a - b);
    console.log(
      `${f.path.padEnd(21)} ${fmt(pct(sorted, 50)).padEnd(10)} ${fmt(pct(sorted, 95)).padEnd(10)} ${fmt(sorted.at(-1) ?? Number.NaN).padEnd(10)} ${String(f.lost).padEnd(5)} ${f.note}`,
    );
  }
  const push = results.filter((r) => r.path !== "Polling (modelled)");
  const worst = Math.max(
    ...push.map((r) =>
      pct(
        [...r.ms].sort((a, b) => a - b),
        95,
      ),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `Hub and stand-ins in one process: ${((performance.now() - wall0) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB.`,
  );
  console.log(`Target: p95 ≤ 5 s for every push path. Worst push p95: ${fmt(worst)}; posts lost: ${push.reduce((n, r) => n + r.lost, 0)}.`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await run();
