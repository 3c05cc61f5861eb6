// The WebSub callback in the built Worker, in workerd on D1 with the poll queue of wrangler.toml: a
// plain route, no Durable Object. The intent check echoes the challenge only for our topic; a
// delivery is 202 whatever it holds, and only a correctly signed one is taken. A fat ping is stored
// from its body with no fetch; a light ping has the feed polled by the queue's consumer.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";
import { type Client, setUpCourse } from "../helpers/hub.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

let worker: WorkerHarness;
let client: Client;
let feeds: FeedServer;
const logs: Array<Record<string, unknown>> = [];
const CALLBACK = "w".repeat(32);
const SECRET = "a-secret-the-hub-was-given-0123456789abcdef";
let TOPIC: string;

const rss = (titles: string[]) =>
  `<rss version="2.0"><channel><title>Maya</title>${titles
    .map(
      (t, i) =>
        `<item><title>${t}</title><link>https://maya.example.org/${i}/</link><pubDate>${new Date(Date.UTC(2026, 11, 1 + i)).toUTCString()}</pubDate></item>`,
    )
    .join("")}</channel></rss>`;

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  feeds = await startFeedServer();
  TOPIC = feeds.url("/feed.xml");
  worker = await startWorker(
    buildWorker(),
    { PAGE_CACHE_SECONDS: "0", PUBLIC_URL: "https://hub.example.org", ALLOW_LOOPBACK_FETCH: "true" },
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
  const db = await worker.d1();
  const now = Date.now();
  await db
    .prepare(
      `INSERT INTO sources (course_id, kind, url, filter, status, next_poll_at, created_at, websub_hub, websub_topic)
       VALUES (1, 'feed', ?1, 'all', 'active', ?2, ?2, 'https://hub.example.net/', ?1)`,
    )
    .bind(TOPIC, now + 3_600_000)
    .run();
  await db
    .prepare(
      `INSERT INTO websub_subscriptions (source_id, hub, topic, callback_id, secret, state, requested_at, verified_at, lease_expires_at)
       VALUES (1, 'https://hub.example.net/', ?1, ?2, ?3, 'active', ?4, ?4, ?5)`,
    )
    .bind(TOPIC, CALLBACK, SECRET, now, now + 86_400_000)
    .run();
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await feeds?.close();
});

const delivered = async () =>
  (await (await worker.d1()).prepare("SELECT last_delivery_at AS at FROM websub_subscriptions").first<{ at: number | null }>())!.at;

describe("the WebSub callback in workerd", () => {
  it("answers the hub's intent check only for the topic it subscribed to", async () => {
    const ok = await client.get(
      `/websub/${CALLBACK}?hub.mode=subscribe&hub.topic=${encodeURIComponent(TOPIC)}&hub.challenge=abc123&hub.lease_seconds=864000`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("abc123");
    expect(
      (await client.get(`/websub/${CALLBACK}?hub.mode=subscribe&hub.topic=https%3A%2F%2Fevil.example%2F&hub.challenge=x`)).status,
    ).toBe(404);
    expect(
      (await client.get(`/websub/${"z".repeat(32)}?hub.mode=subscribe&hub.topic=${encodeURIComponent(TOPIC)}&hub.challenge=x`)).status,
    ).toBe(404);
  });

  it("takes only a correctly signed delivery", async () => {
    const body = `<rss version="2.0"><channel><title>Maya</title></channel></rss>`;
    const post = (signature?: string) =>
      client.request(`/websub/${CALLBACK}`, {
        method: "POST",
        headers: { "content-type": "application/rss+xml", ...(signature ? { "x-hub-signature": signature } : {}) },
        body,
      });
    expect((await post()).status).toBe(202);
    expect((await post(`sha256=${createHmac("sha256", "wrong").update(body).digest("hex")}`)).status).toBe(202);
    expect(await delivered()).toBeNull();
    expect((await post(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`)).status).toBe(202);
    expect(await delivered()).toEqual(expect.any(Number));
  });

  const signed = (body: string) =>
    client.request(`/websub/${CALLBACK}`, {
      method: "POST",
      headers: {
        "content-type": "application/rss+xml",
        "x-hub-signature": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
  const titles = async () =>
    (await (await worker.d1()).prepare("SELECT title FROM items ORDER BY title").all<{ title: string }>()).results.map((r) => r.title);

  it("stores a fat ping's entries from the body, fetching nothing", async () => {
    // The delivery above held no entries: a light ping, whose poll is left to settle first.
    await waitFor("the earlier ping's poll", async () => logs.some((l) => l.via === "queue" && String(l.msg).startsWith("poll.")));
    const before = feeds.hits("/feed.xml");
    expect((await signed(rss(["Week 1: pushed"]))).status).toBe(202);
    await waitFor("the pushed post", async () => (await titles()).includes("Week 1: pushed"));
    expect(feeds.hits("/feed.xml")).toBe(before);
    expect(logs.some((l) => l.msg === "websub.stored")).toBe(true);
  });

  it("has a light ping's feed polled by the queue consumer", async () => {
    feeds.feed("/feed.xml", rss(["Week 1: pushed", "Week 2: polled"]));
    const before = feeds.hits("/feed.xml");
    expect((await signed("")).status).toBe(202);
    await waitFor("the polled post", async () => (await titles()).includes("Week 2: polled"));
    expect(feeds.hits("/feed.xml")).toBe(before + 1);
    expect(logs.some((l) => l.msg === "poll.done" && l.via === "queue")).toBe(true);
  });
});
