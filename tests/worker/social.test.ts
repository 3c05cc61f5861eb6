// Social ingest on Workers: the built bundle in workerd reads a course's tag
// from a Mastodon-shaped server on 127.0.0.1 through masto and the guarded
// fetch, via the cron tick and the poll queue, and re-checks what it stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUpCourse } from "../helpers/hub.js";
import { type MastodonServer, startMastodonServer } from "../helpers/mastodon-server.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

let worker: WorkerHarness;
let mastodon: MastodonServer;
let db: D1Database;

async function scalar(sql: string): Promise<number> {
  return (await db.prepare(sql).first<{ n: number }>())!.n;
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  mastodon = await startMastodonServer();
  worker = await startWorker(buildWorker(), { ALLOW_LOOPBACK_FETCH: "true" }, { queues: true });
  db = await worker.d1();
  await setUpCourse(workerClient(worker));
  const course = await db.prepare("SELECT id FROM courses WHERE slug = 't509'").first<{ id: number }>();
  await db
    .prepare(
      "INSERT INTO sources (course_id, kind, url, tag, filter, status, next_poll_at) VALUES (?, 'mastodon_tag', ?, 't509massive', 'tagged', 'active', 0)",
    )
    .bind(course!.id, mastodon.url)
    .run();
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await mastodon?.close();
});

describe("a Mastodon tag on Workers", () => {
  it("is read through the queue into items, once", async () => {
    mastodon.postMany(5);
    await worker.scheduled();
    await waitFor(
      "the consumer to read the tag",
      async () => (await scalar("SELECT count(*) AS n FROM items WHERE kind = 'mastodon'")) === 5,
    );
    expect(await scalar("SELECT count(*) AS n FROM sources WHERE kind = 'mastodon_tag' AND cursor IS NOT NULL AND failure_count = 0")).toBe(
      1,
    );
    expect(mastodon.hits("/api/v1/timelines/tag/")).toHaveLength(1);
    // Every request carried the hub's User-Agent: it went through the guarded fetch, not masto's own.
    expect(mastodon.requests.every((r) => r.userAgent?.startsWith("Tributary/"))).toBe(true);
  });

  it("removes a deleted status at the cron tick's re-check", async () => {
    const first = await db
      .prepare("SELECT id, remote_id FROM items WHERE kind = 'mastodon' ORDER BY id LIMIT 1")
      .first<{ id: number; remote_id: string }>();
    mastodon.delete(first!.remote_id);
    await db.prepare("UPDATE items SET recheck_at = 0 WHERE id = ?").bind(first!.id).run();
    await worker.scheduled();
    await waitFor(
      "the re-check",
      async () => (await scalar(`SELECT count(*) AS n FROM items WHERE id = ${first!.id} AND deleted_at IS NOT NULL`)) === 1,
    );
    expect(await scalar("SELECT count(*) AS n FROM items WHERE kind = 'mastodon' AND deleted_at IS NULL")).toBe(4);
  });
});
