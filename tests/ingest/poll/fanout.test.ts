// The runtime-neutral fan-out (the Workers cron tick → queue → consumer path)
// on a real libSQL file and a real feed server: messages are planned per host,
// a failed send gives the sources back, a consumer acknowledges each message,
// retries one whose polling crashed, and a re-delivered message neither fetches
// a polled feed again nor duplicates an item.
import { count, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import type { Db } from "../../../src/db/database.js";
import { items, type Source, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import {
  consumePollMessages,
  type DeliveredMessage,
  fanOutDueSources,
  isPollMessage,
  type PollMessage,
  planMessages,
} from "../../../src/ingest/poll/fanout.js";
import { claimDueSources } from "../../../src/ingest/poll/poll.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let courseId: number;

function feed(n: number): string {
  const posts = [0, 1].map(
    (j) => `<item><title>Blog ${n} post ${j}</title><link>https://blog${n}.example.org/${j}/</link><category>t509massive</category></item>`,
  );
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog ${n}</title><link>https://blog${n}.example.org/</link>${posts.join("")}</channel></rss>`;
}

async function addFeeds(n: number): Promise<Source[]> {
  const added: Source[] = [];
  for (let i = 0; i < n; i++) {
    server.feed(`/blog${i}.xml`, feed(i));
    added.push(await addFeedSource(hub.deps.db, courseId, { url: server.url(`/blog${i}.xml`), filter: "tagged" }, null, hub.clock.now));
  }
  return added;
}

async function itemCount(): Promise<number> {
  return (await hub.deps.db.select({ n: count() }).from(items))[0]!.n;
}

/** A delivered message that records what the consumer did with it. */
function delivery(body: unknown): DeliveredMessage & { outcome: "ack" | "retry" | null } {
  const m = {
    id: "m1",
    body,
    outcome: null as "ack" | "retry" | null,
    ack: () => {
      m.outcome = "ack";
    },
    retry: () => {
      m.outcome = "retry";
    },
  };
  return m;
}

/** The hub's database, except that writes start failing after `healthyBatches` item batches (a D1 outage mid-run). */
function failingDb(db: Db, healthyBatches: number): Db {
  let batches = 0;
  let down = false;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "batch") {
        return (statements: Parameters<Db["batch"]>[0]) => {
          if (down || batches++ >= healthyBatches) {
            down = true;
            return Promise.reject(new Error("D1_ERROR: Network connection lost."));
          }
          return target.batch(statements);
        };
      }
      if (prop === "update" && down) {
        return () => {
          throw new Error("D1_ERROR: Network connection lost.");
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

beforeEach(async () => {
  hub = await createTestHub({ POLL_CONCURRENCY: "1" });
  server = await startFeedServer();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  courseId = (
    await createCourse(hub.deps.db, { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null }, admin!)
  ).id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("planning messages", () => {
  const lease = new Date("2026-11-01T12:10:00Z");
  const source = (id: number, host: string) => ({ id, url: `https://${host}/feed${id}`, leaseUntil: lease }) as Source;

  it("keeps each message small, one host's feeds together, most overdue host first", () => {
    const claimed = [
      source(1, "a.org"),
      source(2, "b.org"),
      source(3, "a.org"),
      source(4, "c.org"),
      source(5, "a.org"),
      source(6, "b.org"),
    ];
    const messages = planMessages(claimed, 2);
    expect(messages.map((m) => m.sources)).toEqual([
      [1, 3],
      [5, 2],
      [6, 4],
    ]);
    expect(messages.every((m) => m.lease === lease.getTime() && m.v === 1 && isPollMessage(m))).toBe(true);
  });

  it("recognises only well-formed messages", () => {
    expect(isPollMessage({ v: 1, lease: 1, sources: [1, 2] })).toBe(true);
    for (const bad of [
      null,
      "x",
      { v: 2, lease: 1, sources: [1] },
      { v: 1, lease: 1, sources: [] },
      { v: 1, lease: "1", sources: [1] },
      { v: 1, lease: 1, sources: ["1"] },
    ]) {
      expect(isPollMessage(bad)).toBe(false);
    }
  });
});

describe("the cron side", () => {
  it("claims due sources and sends them in messages, fetching nothing", async () => {
    await addFeeds(5);
    const sent: PollMessage[][] = [];
    const summary = await fanOutDueSources(hub.deps, async (m) => void sent.push(m), { perMessage: 2 });
    expect(summary).toMatchObject({ claimed: 5, messages: 3 });
    expect(
      sent
        .flat()
        .flatMap((m) => m.sources)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5]);
    expect(server.hits("/blog0.xml")).toBe(0);
    // Claimed: a second tick finds nothing to send.
    expect((await fanOutDueSources(hub.deps, async () => {})).claimed).toBe(0);
  });

  it("gives the sources back when the queue refuses the messages", async () => {
    await addFeeds(3);
    await expect(fanOutDueSources(hub.deps, () => Promise.reject(new Error("queue unavailable")))).rejects.toThrow("queue unavailable");
    expect(await claimDueSources(hub.deps, 10)).toHaveLength(3); // due again at once, not after the lease
  });
});

describe("the consumer side", () => {
  async function oneMessage(): Promise<PollMessage> {
    const sent: PollMessage[] = [];
    await fanOutDueSources(hub.deps, async (m) => void sent.push(...m));
    expect(sent).toHaveLength(1);
    return sent[0]!;
  }

  it("polls a message's sources and acknowledges it; a second delivery fetches nothing and adds nothing", async () => {
    await addFeeds(3);
    const message = await oneMessage();
    const first = delivery(message);
    await consumePollMessages(hub.deps, [first]);
    expect(first.outcome).toBe("ack");
    expect(await itemCount()).toBe(6);

    const again = delivery(structuredClone(message));
    await consumePollMessages(hub.deps, [again]);
    expect(again.outcome).toBe("ack");
    expect([0, 1, 2].map((i) => server.hits(`/blog${i}.xml`))).toEqual([1, 1, 1]);
    expect(await itemCount()).toBe(6);
    expect(hub.log.lines.filter((l) => l.msg === "poll.message").at(-1)).toMatchObject({ polled: 0, skipped: 3 });
  });

  it("retries a message whose polling crashed; the retry polls only what the crash left, and duplicates nothing", async () => {
    await addFeeds(3);
    const message = await oneMessage();
    const crashed = delivery(message);
    await consumePollMessages({ ...hub.deps, db: failingDb(hub.deps.db, 1) }, [crashed]);
    expect(crashed.outcome).toBe("retry");
    expect(await itemCount()).toBe(2); // the first feed was stored before the database went away
    expect(hub.log.lines.some((l) => l.msg === "poll.message_crashed")).toBe(true);

    const retried = delivery(message);
    await consumePollMessages(hub.deps, [retried]);
    expect(retried.outcome).toBe("ack");
    expect(await itemCount()).toBe(6);
    expect([0, 1, 2].map((i) => server.hits(`/blog${i}.xml`))).toEqual([1, 2, 2]);
    const rows = await hub.deps.db.select().from(sources);
    expect(rows.every((r) => r.leaseUntil === null && r.failureCount === 0)).toBe(true);
  });

  it("leaves sources a later claim took over to that claim's message", async () => {
    await addFeeds(2);
    const stale = await oneMessage();
    hub.clock.advance(11 * 60_000); // the lease lapsed before the message was consumed: the next tick claims again
    const fresh = await oneMessage();
    expect(fresh.lease).not.toBe(stale.lease);

    const old = delivery(stale);
    await consumePollMessages(hub.deps, [old]);
    expect(old.outcome).toBe("ack");
    expect(server.hits("/blog0.xml")).toBe(0);
    await consumePollMessages(hub.deps, [delivery(fresh)]);
    expect(server.hits("/blog0.xml") + server.hits("/blog1.xml")).toBe(2);
    expect(await itemCount()).toBe(4);
  });

  it("acknowledges and logs a malformed message: delivering it again cannot help", async () => {
    const bad = delivery({ hello: "world" });
    await consumePollMessages(hub.deps, [bad]);
    expect(bad.outcome).toBe("ack");
    expect(hub.log.lines.find((l) => l.msg === "poll.message_malformed")).toMatchObject({ level: "error" });
  });

  it("skips a source paused while its message waited", async () => {
    const [a] = await addFeeds(2);
    const message = await oneMessage();
    await hub.deps.db.update(sources).set({ status: "paused" }).where(eq(sources.id, a!.id));
    await consumePollMessages(hub.deps, [delivery(message)]);
    expect(server.hits("/blog0.xml")).toBe(0);
    expect(server.hits("/blog1.xml")).toBe(1);
  });
});
