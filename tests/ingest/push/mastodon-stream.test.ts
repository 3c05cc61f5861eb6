// Mastodon streaming in the Node hub: masto's streaming client against a loopback instance that
// speaks the documented streaming API over WebSocket (tests/helpers/mastodon-server.ts). A status
// posted while the stream is open is in the course within moments; edits and deletions follow; a
// connection dropped mid-event is reconnected with backoff and the gap is caught up through REST,
// with nothing missed or doubled; garbage and a flood change nothing else.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { jsonLog, type Log } from "../../../src/core/log.js";
import { items, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addSocialSource } from "../../../src/hub/sources/social-sources.js";
import { PUSH_SAFETY_NET_MS } from "../../../src/ingest/poll/poll.js";
import { sseEvents } from "../../../src/ingest/push/mastodon-sse.js";
import { backoffMs } from "../../../src/ingest/push/streams.js";
import { type NodeHub, startNodeHub } from "../../../src/node.js";
import { type MastodonServer, startMastodonServer } from "../../helpers/mastodon-server.js";

let dir: string;
let node: NodeHub;
let instance: MastodonServer;
let sourceId: number;
const lines: Array<Record<string, unknown>> = [];

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const live = async () =>
  (
    await node.deps.db
      .select()
      .from(items)
      .where(and(eq(items.kind, "mastodon"), isNull(items.deletedAt)))
  ).map((i) => i.remoteId);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tributary-stream-"));
  instance = await startMastodonServer();
  lines.length = 0;
  const json = jsonLog(() => {});
  const log: Log = (level, msg, fields) => {
    lines.push({ msg, ...fields });
    json(level, msg, fields);
  };
  node = await startNodeHub(
    { PORT: "0", HOST: "127.0.0.1", DATABASE_URL: `file:${join(dir, "hub.db")}`, ALLOW_LOOPBACK_FETCH: "true", POLL_CRON: "0 0 1 1 *" },
    log,
  );
  const { db } = node.deps;
  const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  const course = await createCourse(
    db,
    { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  instance.post(); // before the hub looked: the first read takes it
  const source = await addSocialSource(
    db,
    course.id,
    { kind: "mastodon_tag", url: instance.url, tag: "t509massive", accessToken: null },
    null,
    node.deps.now(),
  );
  sourceId = source.id;
  await node.streams!.reconcile();
});
afterEach(async () => {
  await node.stop();
  await instance.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Mastodon streaming", () => {
  it("carries new posts, edits and deletions in moments, and the stream is the source's health", async () => {
    const { db } = node.deps;
    await until("the stream", () => instance.stream.subscriptions.length > 0 && lines.some((l) => l.msg === "stream.open"));
    expect(instance.stream.subscriptions[0]).toMatchObject({ stream: "hashtag", tag: "t509massive" });
    // The catch-up read the status posted before the stream opened.
    const first = instance.timeline()[0]!;
    await until("the catch-up", async () => (await live()).includes(first.id));
    const row = (await db.select().from(sources).where(eq(sources.id, sourceId)))[0]!;
    expect(row.streamLiveAt).not.toBeNull();
    // While the stream is open, the poll is only the safety net.
    expect(row.nextPollAt.getTime() - Date.now()).toBeGreaterThan(PUSH_SAFETY_NET_MS - 120_000);
    const restReads = instance.hits("/api/v1/timelines/tag/").length;

    const pushed = instance.post({ content: "<p>Live from class #t509massive</p>" });
    await until("the pushed post", async () => (await live()).includes(pushed.id), 3000);
    instance.edit(pushed.id, "<p>Live from class, edited #t509massive</p>");
    await until("the edit", async () => {
      const [item] = await db.select().from(items).where(eq(items.remoteId, pushed.id));
      return item?.excerpt.includes("edited");
    });
    // An edit that drops the tag takes the post out; a deletion takes another out.
    const other = instance.post();
    await until("the other post", async () => (await live()).includes(other.id));
    instance.edit(pushed.id, "<p>Nothing to do with the course now</p>");
    await until("the untagged edit", async () => !(await live()).includes(pushed.id));
    instance.delete(other.id);
    await until("the deletion", async () => !(await live()).includes(other.id));
    // None of it needed the REST timeline.
    expect(instance.hits("/api/v1/timelines/tag/").length).toBe(restReads);
    expect(lines.some((l) => l.msg === "stream.post" && l.kept === 1)).toBe(true);
  }, 30_000);

  it("reconnects after a drop mid-event, catches up what it missed through REST, and doubles nothing", async () => {
    await until("the stream", () => instance.stream.open() === 1 && lines.some((l) => l.msg === "stream.open"));
    await until("the catch-up", async () => (await live()).length === 1);
    // The connection dies half way through a frame; the next two attempts are refused.
    instance.stream.refuseNext = 2;
    instance.stream.drop({ midFrame: true });
    await until("the hub to notice", () => lines.some((l) => l.msg === "stream.closed" || l.msg === "stream.failed"));
    // Posted while no stream is open: only REST has them.
    const missed = [instance.post(), instance.post(), instance.post()];
    await until("the reconnect", () => instance.stream.connections >= 2 && instance.stream.open() === 1, 20_000);
    await until(
      "the caught-up posts",
      async () => {
        const now = await live();
        return missed.every((s) => now.includes(s.id)) && now.length === 4;
      },
      10_000,
    );
    expect(lines.filter((l) => l.msg === "stream.reconnecting").length).toBeGreaterThanOrEqual(1);
    // The source was due while the stream was down (the poll covers a gap at once).
    expect((await node.deps.db.select().from(items)).length).toBe(4);
  }, 40_000);

  it("shrugs off garbage and a flood, and stops the stream when the source is paused", async () => {
    await until("the stream", () => instance.stream.open() === 1 && lines.some((l) => l.msg === "stream.open"));
    instance.stream.sendRaw("this is not JSON");
    await until("the garbage to be seen", () => lines.some((l) => l.msg === "stream.failed" || l.msg === "stream.closed"));
    await until("the reconnect", () => instance.stream.open() === 1 && instance.stream.connections >= 2, 20_000);
    // A burst of 200 statuses: every one stored once.
    const burst = instance.postMany(200);
    await until(
      "the burst",
      async () => {
        const now = await live();
        return burst.every((s) => now.includes(s.id));
      },
      20_000,
    );
    expect(new Set(await live()).size).toBe((await live()).length);
    // Paused: no source follows the tag any more, so the stream ends.
    await node.deps.db.update(sources).set({ status: "paused" }).where(eq(sources.id, sourceId));
    await node.streams!.reconcile();
    await until("the stream to end", () => instance.stream.open() === 0);
    expect(lines.some((l) => l.msg === "stream.ended")).toBe(true);
  }, 40_000);

  it("falls back to Server-Sent Events when the instance will not upgrade to a WebSocket", async () => {
    // Every upgrade is refused: after three failed opens the hub reads the same stream as SSE.
    instance.stream.websocketOff = true;
    instance.stream.drop();
    await until("the SSE stream", () => instance.stream.sseOpen() === 1, 20_000);
    expect(lines.some((l) => l.msg === "stream.fallback" && l.transport === "sse")).toBe(true);
    const pushed = instance.post({ content: "<p>Over SSE #t509massive</p>" });
    await until("the post over SSE", async () => (await live()).includes(pushed.id), 3000);
    instance.delete(pushed.id);
    await until("the deletion over SSE", async () => !(await live()).includes(pushed.id), 3000);
  }, 40_000);

  it("reads the EventSource format: CRLF or LF, split chunks, several data lines, comments", () => {
    const got: Array<[string, string]> = [];
    const feed = sseEvents((e, d) => got.push([e, d]));
    feed(":thump\r\n\r\nevent: upd");
    feed('ate\r\ndata: {"a":1}\r\n\r\nevent: delete\ndata: 123\n\ndata: one\ndata: two\n\n');
    expect(got).toEqual([
      ["update", '{"a":1}'],
      ["delete", "123"],
      ["message", "one\ntwo"],
    ]);
    expect(() => feed("data: ".padEnd(600_000, "x"))).toThrow(/larger than the hub accepts/);
  });

  it("waits longer after each failure, with jitter, up to five minutes", () => {
    expect(backoffMs(0, () => 0.5)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(8000);
    expect(backoffMs(20, () => 0.5)).toBe(300_000);
    expect(backoffMs(2, () => 0)).toBe(2000);
    expect(backoffMs(2, () => 0.999)).toBeCloseTo(5996, 0);
  });
});
