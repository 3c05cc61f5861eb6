// The WebSub callback in the built Worker, in workerd on D1: a plain route, no Durable Object.
// The intent check echoes the challenge only for our topic; a delivery is 202 whatever it holds,
// and only a correctly signed one is taken (its time recorded, its source read at once).
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, setUpCourse } from "../helpers/hub.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

let worker: WorkerHarness;
let client: Client;
const CALLBACK = "w".repeat(32);
const SECRET = "a-secret-the-hub-was-given-0123456789abcdef";
// On a loopback address the Worker (no ALLOW_LOOPBACK_FETCH) refuses to fetch: the read it starts makes no request.
const TOPIC = "http://127.0.0.1:9/feed/";

beforeAll(async () => {
  worker = await startWorker(buildWorker(), { PAGE_CACHE_SECONDS: "0", PUBLIC_URL: "https://hub.example.org" });
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
afterAll(async () => worker?.close());

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
});
