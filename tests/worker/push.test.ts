// Webmentions and weblogs pings in the built Worker, in workerd on D1 with the poll queue of
// wrangler.toml: plain routes. A mention is answered 202 and checked by a queue consumer (the
// pending row is also the durable job the cron picks up, should the message be lost); a ping of a
// known blog has its feed read by the queue's consumer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";
import { type Client, setUpCourse } from "../helpers/hub.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

const HUB = "https://hub.example.org";
let worker: WorkerHarness;
let client: Client;
let pages: FeedServer;
const logs: Array<Record<string, unknown>> = [];

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const titles = async () =>
  (
    await (await worker.d1()).prepare("SELECT title FROM items WHERE deleted_at IS NULL ORDER BY title").all<{ title: string }>()
  ).results.map((r) => r.title);

beforeAll(async () => {
  pages = await startFeedServer();
  worker = await startWorker(
    buildWorker(),
    { PAGE_CACHE_SECONDS: "0", PUBLIC_URL: HUB, ALLOW_LOOPBACK_FETCH: "true" },
    {
      queues: true,
      onLog: (line) => {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // workerd's own output
        }
      },
    },
  );
  client = workerClient(worker);
  await setUpCourse(client);
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await pages?.close();
});

describe("push routes in workerd", () => {
  it("advertises the Webmention endpoint and takes a tagged guest post", async () => {
    const page = await client.get("/c/t509");
    expect(page.headers.get("link")).toContain(`<${HUB}/webmention>; rel="webmention"`);
    pages.route("/guest-post/", (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(
          `<article class="h-entry"><h1 class="p-name">A guest's week</h1><div class="e-content">On <a href="${HUB}/c/t509">the course</a> #t509massive</div></article>`,
        ),
    );
    const res = await client.post("/webmention", { source: pages.url("/guest-post/"), target: `${HUB}/c/t509` });
    expect(res.status).toBe(202);
    expect(res.headers.get("location")).toMatch(new RegExp(`^${HUB}/webmention/`));
    await waitFor("the guest's post", async () => (await titles()).includes("A guest's week"));
    const status = new URL(res.headers.get("location")!).pathname;
    expect(await (await client.get(status)).text()).toContain("Accepted");
    // The check ran in a queue consumer's invocation of its own.
    expect(logs.some((l) => l.msg === "webmention.checked" && l.via === "queue")).toBe(true);
  });

  it("has a pinged blog's feed read by the queue consumer", async () => {
    pages.route("/feed.xml", (_req, res) =>
      res
        .writeHead(200, { "content-type": "application/rss+xml" })
        .end(
          `<rss version="2.0"><channel><title>Maya</title><link>${pages.url("/maya/")}</link><item><title>Pinged post</title><link>${pages.url("/maya/1/")}</link><category>t509massive</category></item></channel></rss>`,
        ),
    );
    const db = await worker.d1();
    // Known to the course, last read two minutes ago, next due in an hour.
    await db
      .prepare(
        `INSERT INTO sources (course_id, kind, url, site_url, filter, status, next_poll_at, last_polled_at, created_at)
         VALUES (1, 'feed', ?1, ?2, 'tagged', 'active', ?3, ?4, ?4)`,
      )
      .bind(pages.url("/feed.xml"), pages.url("/maya/"), Date.now() + 3_600_000, Date.now() - 120_000)
      .run();
    const res = await client.request("/xmlrpc", {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: `<?xml version="1.0"?><methodCall><methodName>weblogUpdates.ping</methodName><params><param><value>Maya</value></param><param><value>${pages.url("/maya/")}</value></param></params></methodCall>`,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("being read now");
    await waitFor("the pinged post", async () => (await titles()).includes("Pinged post"));
    expect(logs.some((l) => l.msg === "poll.done" && l.via === "queue")).toBe(true);
  });
});
