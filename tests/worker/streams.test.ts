// The push streams in the built Worker, in workerd: the StreamHub Durable Object declared in
// wrangler.toml holds a Mastodon hashtag stream and a Bluesky Jetstream (both opened with fetch's
// WebSocket upgrade) against loopback stand-ins speaking the documented protocols, and stores what
// they carry in D1. The cron tick wakes it; with nothing to stream it holds nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUpCourse } from "../helpers/hub.js";
import { type JetstreamServer, startJetstreamServer } from "../helpers/jetstream-server.js";
import { type MastodonServer, startMastodonServer } from "../helpers/mastodon-server.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

let worker: WorkerHarness;
let instance: MastodonServer;
let jet: JetstreamServer;
const logs: Array<Record<string, unknown>> = [];

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  instance = await startMastodonServer();
  jet = await startJetstreamServer();
  worker = await startWorker(
    buildWorker(),
    { PAGE_CACHE_SECONDS: "0", ALLOW_LOOPBACK_FETCH: "true", JETSTREAM_URL: jet.url },
    {
      durableObjects: true,
      onLog: (line) => {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // workerd's own output
        }
      },
    },
  );
  await setUpCourse(workerClient(worker));
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await instance?.close();
  await jet?.close();
});

const remoteIds = async () =>
  (
    await (
      await worker.d1()
    )
      .prepare("SELECT remote_id AS id FROM items WHERE kind = 'mastodon' AND deleted_at IS NULL")
      .all<{ id: string }>()
  ).results.map((r) => r.id);

describe("the StreamHub Durable Object", () => {
  it("holds nothing while no source wants a stream", async () => {
    await worker.scheduled();
    expect(instance.stream.connections).toBe(0);
  });

  it("opens the hashtag stream once woken, and stores what it carries", async () => {
    const db = await worker.d1();
    await db
      .prepare(
        `INSERT INTO sources (course_id, kind, url, tag, filter, status, next_poll_at, created_at)
         VALUES (1, 'mastodon_tag', ?1, 't509massive', 'tagged', 'active', ?2, ?2)`,
      )
      .bind(instance.url, Date.now() + 3_600_000)
      .run();
    await worker.scheduled();
    await waitFor("the stream", () => instance.stream.open() === 1 && instance.stream.subscriptions.length > 0);
    expect(instance.stream.subscriptions[0]).toMatchObject({ stream: "hashtag", tag: "t509massive" });
    const pushed = instance.post({ content: "<p>From class, via the Durable Object #t509massive</p>" });
    await waitFor("the pushed post", async () => (await remoteIds()).includes(pushed.id));
    expect(logs.some((l) => l.msg === "stream.open" && l.via === "streams")).toBe(true);
    instance.delete(pushed.id);
    await waitFor("the deletion", async () => !(await remoteIds()).includes(pushed.id));
    // A tick while it runs changes nothing: still one stream.
    await worker.scheduled();
    expect(instance.stream.open()).toBe(1);
  }, 60_000);

  it("holds the Jetstream for the course's verified Bluesky learners and stores their tagged posts", async () => {
    const db = await worker.d1();
    const now = Date.now();
    const did = "did:plc:workerlearner000000000000";
    await db.batch([
      db.prepare("INSERT INTO people (email, display_name, password_hash, created_at) VALUES ('l@example.org', 'L', 'x', ?1)").bind(now),
      db
        .prepare(
          "INSERT INTO memberships (course_id, person_id, role, created_at) SELECT 1, id, 'learner', ?1 FROM people WHERE email = 'l@example.org'",
        )
        .bind(now),
      db
        .prepare(
          `INSERT INTO identities (person_id, kind, address, author_key, verify_code, verified_at, verified_by, created_at)
           SELECT id, 'bluesky', 'learner.test', ?1, 'x', ?2, 'code', ?2 FROM people WHERE email = 'l@example.org'`,
        )
        .bind(did, now),
      db
        .prepare(
          `INSERT INTO sources (course_id, kind, url, tag, filter, status, next_poll_at, created_at)
           VALUES (1, 'bluesky_tag', 'https://bsky.social', 't509massive', 'tagged', 'active', ?1, ?1)`,
        )
        .bind(now + 3_600_000),
    ]);
    await worker.scheduled();
    await waitFor("the Jetstream", () => jet.open() === 1);
    expect(jet.filters[0]).toEqual([did]);
    const text = "From the Durable Object #t509massive";
    jet.emit({
      did,
      commit: {
        rev: "3lworker1",
        operation: "create",
        collection: "app.bsky.feed.post",
        rkey: "3lworker1",
        cid: "bafyreiworker",
        record: {
          $type: "app.bsky.feed.post",
          text,
          createdAt: new Date().toISOString(),
          facets: [
            {
              index: { byteStart: text.indexOf("#"), byteEnd: text.length },
              features: [{ $type: "app.bsky.richtext.facet#tag", tag: "t509massive" }],
            },
          ],
        },
      },
    });
    await waitFor("the skeet", async () => {
      const row = await db.prepare("SELECT count(*) AS n FROM items WHERE kind = 'bluesky' AND deleted_at IS NULL").first<{ n: number }>();
      return (row?.n ?? 0) === 1;
    });
  }, 60_000);
});
