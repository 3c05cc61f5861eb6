// The WebSub subscriber against a hub built from the W3C WebSub spec (no hub is installable
// offline), on 127.0.0.1, with the hub running as a real Node server: a feed names the hub in its
// Link header → the poll records it → the subscriber asks → the hub verifies intent with a
// challenge → a signed delivery makes the post appear at once. Forged and missing signatures, a
// verification for a topic never asked for, and a paused source (unsubscribed) are each checked.
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { jsonLog, type Log } from "../../../src/core/log.js";
import { items, sources, websubSubscriptions } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { setSourceStatus } from "../../../src/hub/curation.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { PUSH_SAFETY_NET_MS, pollDueSources, pollSource } from "../../../src/ingest/poll/poll.js";
import { liveWebSub, syncWebSub } from "../../../src/ingest/push/websub.js";
import { type NodeHub, startNodeHub } from "../../../src/node.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";

interface Subscription {
  callback: string;
  topic: string;
  secret: string;
  mode: string;
}

/** A WebSub hub (§5-§7): takes form-encoded (un)subscription requests, verifies intent, delivers signed. */
async function startTestHub(): Promise<{
  url: string;
  requests: Subscription[];
  verified: Array<{ mode: string; echoed: string; status: number }>;
  close(): Promise<void>;
  server: Server;
}> {
  const requests: Subscription[] = [];
  const verified: Array<{ mode: string; echoed: string; status: number }> = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      // A hub that has moved answers 307 or 308 (§5.1: a subscriber follows, method and body kept).
      if (req.url === "/old-hub") return void res.writeHead(307, { location: "/hub" }).end();
      const form = new URLSearchParams(raw);
      const sub = {
        callback: form.get("hub.callback") ?? "",
        topic: form.get("hub.topic") ?? "",
        secret: form.get("hub.secret") ?? "",
        mode: form.get("hub.mode") ?? "",
      };
      if (req.method !== "POST" || !sub.callback || !sub.topic) return void res.writeHead(400).end();
      requests.push(sub);
      res.writeHead(202).end();
      // Verification of intent, after answering (§5.3).
      setTimeout(async () => {
        const challenge = randomBytes(12).toString("hex");
        const url = new URL(sub.callback);
        url.searchParams.set("hub.mode", sub.mode);
        url.searchParams.set("hub.topic", sub.topic);
        url.searchParams.set("hub.challenge", challenge);
        if (sub.mode === "subscribe") url.searchParams.set("hub.lease_seconds", "3600");
        try {
          const answer = await fetch(url);
          const echoed = await answer.text();
          verified.push({ mode: sub.mode, echoed: echoed === challenge ? "challenge" : echoed, status: answer.status });
        } catch {
          verified.push({ mode: sub.mode, echoed: "", status: 0 }); // the subscriber is gone
        }
      }, 10);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  return { url, requests, verified, server, close: () => new Promise((ok) => server.close(() => ok())) };
}

function sign(secret: string, body: string, algo = "sha256"): string {
  return `${algo}=${createHmac(algo, secret).update(body).digest("hex")}`;
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

let dir: string;
let node: NodeHub;
let feeds: FeedServer;
let hub: Awaited<ReturnType<typeof startTestHub>>;
const lines: Array<{ msg: string }> = [];

function feedWith(posts: string[]): string {
  const entries = posts
    .map(
      (t, i) =>
        `<item><title>${t}</title><link>https://maya.example.org/${i}/</link><guid>https://maya.example.org/${i}/</guid><pubDate>${new Date(Date.now() - (posts.length - i) * 60_000).toUTCString()}</pubDate><category>t509massive</category></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>https://maya.example.org/</link>${entries}</channel></rss>`;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "tributary-websub-"));
  hub = await startTestHub();
  feeds = await startFeedServer();
  lines.length = 0;
  const json = jsonLog(() => {});
  const log: Log = (level, msg, fields) => {
    lines.push({ msg });
    json(level, msg, fields);
  };
  node = await startNodeHub(
    { PORT: "0", HOST: "127.0.0.1", DATABASE_URL: `file:${join(dir, "hub.db")}`, ALLOW_LOOPBACK_FETCH: "true", POLL_CRON: "0 0 1 1 *" },
    log,
  );
});
afterEach(async () => {
  await node.stop();
  await feeds.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the WebSub subscriber", () => {
  it("subscribes to the hub a feed names, passes its verification, and shows a signed delivery's post at once", async () => {
    const { db } = node.deps;
    let body = feedWith(["Week 1"]);
    feeds.route("/feed.xml", (_req, res) =>
      res
        .writeHead(200, { "content-type": "application/rss+xml", link: `<${hub.url}>; rel="hub", <${feeds.url("/feed.xml")}>; rel="self"` })
        .end(body),
    );
    const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    const source = await addFeedSource(db, course.id, { url: feeds.url("/feed.xml"), filter: "tagged" }, null, node.deps.now());
    await pollDueSources(node.deps);

    expect(await syncWebSub(node.deps)).toMatchObject({ subscribed: 1, failed: 0 });
    const [asked] = hub.requests;
    expect(asked).toMatchObject({ mode: "subscribe", topic: feeds.url("/feed.xml") });
    expect(asked!.callback).toMatch(new RegExp(`^${node.deps.config.publicUrl}/websub/[A-Za-z0-9_-]{32}$`));
    expect(asked!.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(await until(async () => hub.verified[0])).toEqual({ mode: "subscribe", echoed: "challenge", status: 200 });
    const [sub] = await db.select().from(websubSubscriptions);
    expect(sub).toMatchObject({ state: "active", sourceId: source.id });
    expect(sub!.leaseExpiresAt!.getTime() - sub!.verifiedAt!.getTime()).toBe(3600_000);
    // While the hub pushes, the poll is only the safety net, and the Manage page says push is live.
    await pollSource(node.deps, (await db.select().from(sources).where(eq(sources.id, source.id)))[0]!);
    const next = (await db.select().from(sources).where(eq(sources.id, source.id)))[0]!.nextPollAt;
    expect(next.getTime() - node.deps.now().getTime()).toBeGreaterThanOrEqual(PUSH_SAFETY_NET_MS - 60_000);
    expect((await liveWebSub(node.deps, [source.id])).get(source.id)).toMatchObject({ hub: hub.url });
    // Asked once: a second run has nothing to do until the lease nears its end.
    expect(await syncWebSub(node.deps)).toMatchObject({ subscribed: 0 });

    // A verification for a topic we never asked for, or in the wrong mode, is refused.
    const wrongTopic = new URL(asked!.callback);
    wrongTopic.search = new URLSearchParams({
      "hub.mode": "subscribe",
      "hub.topic": "https://evil.example/feed",
      "hub.challenge": "x",
    }).toString();
    expect((await fetch(wrongTopic)).status).toBe(404);
    const wrongMode = new URL(asked!.callback);
    wrongMode.search = new URLSearchParams({ "hub.mode": "unsubscribe", "hub.topic": asked!.topic, "hub.challenge": "x" }).toString();
    expect((await fetch(wrongMode)).status).toBe(404);

    // Forged, missing and wrong-secret signatures: answered 202, and nothing happens.
    body = feedWith(["Week 1", "Week 2: forged"]);
    for (const signature of [undefined, "sha256=00", sign("not the secret", body), `md5=${"0".repeat(32)}`]) {
      const res = await fetch(asked!.callback, {
        method: "POST",
        headers: { "content-type": "application/rss+xml", ...(signature ? { "x-hub-signature": signature } : {}) },
        body,
      });
      expect(res.status).toBe(202);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await db.select().from(items)).map((i) => i.title)).toEqual(["Week 1"]);
    expect(lines.filter((l) => l.msg === "websub.bad_signature").length).toBe(4);

    // A signed delivery: the post is in the course within moments, through the poll's own path.
    body = feedWith(["Week 1", "Week 2: pushed"]);
    const res = await fetch(asked!.callback, {
      method: "POST",
      headers: { "content-type": "application/rss+xml", "x-hub-signature": sign(asked!.secret, body, "sha512") },
      body,
    });
    expect(res.status).toBe(202);
    const titles = await until(async () => {
      const t = (await db.select().from(items)).map((i) => i.title).sort();
      return t.length === 2 ? t : null;
    });
    expect(titles).toEqual(["Week 1", "Week 2: pushed"]);

    // Paused: the subscription is ended with the hub, which verifies the unsubscription.
    await setSourceStatus(db, course.id, source.id, "pause", node.deps.now());
    expect(await syncWebSub(node.deps)).toMatchObject({ unsubscribed: 1 });
    expect(hub.requests.at(-1)).toMatchObject({ mode: "unsubscribe", topic: asked!.topic, callback: asked!.callback });
    await until(async () => hub.verified.find((v) => v.mode === "unsubscribe"));
    expect(hub.verified.find((v) => v.mode === "unsubscribe")).toEqual({ mode: "unsubscribe", echoed: "challenge", status: 200 });
    expect(await db.select().from(websubSubscriptions)).toEqual([]);
    // A delivery to the ended subscription changes nothing.
    const late = await fetch(asked!.callback, { method: "POST", headers: { "x-hub-signature": sign(asked!.secret, body) }, body });
    expect(late.status).toBe(202);
    expect((await db.select().from(sources).where(eq(sources.id, source.id)))[0]!.status).toBe("paused");
  }, 30_000);

  it("follows a hub's redirect to its new address, the request kept whole", async () => {
    const { db } = node.deps;
    const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    const source = await addFeedSource(db, course.id, { url: feeds.url("/feed.xml"), filter: "tagged" }, null, node.deps.now());
    await db
      .update(sources)
      .set({ websubHub: hub.url.replace(/\/hub$/, "/old-hub"), websubTopic: feeds.url("/feed.xml") })
      .where(eq(sources.id, source.id));
    expect(await syncWebSub(node.deps)).toMatchObject({ subscribed: 1, failed: 0 });
    expect(hub.requests[0]).toMatchObject({ mode: "subscribe", topic: feeds.url("/feed.xml") });
    expect(hub.requests[0]!.secret).not.toBe("");
    expect(await until(async () => hub.verified[0])).toEqual({ mode: "subscribe", echoed: "challenge", status: 200 });
  });

  it("refuses a hub on a private address, and says so on the subscription", async () => {
    const { db } = node.deps;
    const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    const source = await addFeedSource(db, course.id, { url: feeds.url("/feed.xml"), filter: "tagged" }, null, node.deps.now());
    await db
      .update(sources)
      .set({ websubHub: "http://10.0.0.5/hub", websubTopic: feeds.url("/feed.xml") })
      .where(eq(sources.id, source.id));
    expect(await syncWebSub(node.deps)).toMatchObject({ subscribed: 0, failed: 1 });
    const [sub] = await db.select().from(websubSubscriptions);
    expect(sub!.state).toBe("requested");
    expect(sub!.lastError).toMatch(/private address/);
  });
  it("stores a fat ping's entries without fetching, keeps what a partial ping leaves out, and polls on a light ping", async () => {
    const { db } = node.deps;
    let body = feedWith(["Week 1", "Week 2", "Week 3"]);
    feeds.route("/feed.xml", (_req, res) =>
      res
        .writeHead(200, { "content-type": "application/rss+xml", link: `<${hub.url}>; rel="hub", <${feeds.url("/feed.xml")}>; rel="self"` })
        .end(body),
    );
    const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    const source = await addFeedSource(db, course.id, { url: feeds.url("/feed.xml"), filter: "tagged" }, null, node.deps.now());
    await pollDueSources(node.deps);
    await syncWebSub(node.deps);
    const [asked] = hub.requests;
    await until(async () => (await db.select().from(websubSubscriptions))[0]?.state === "active");
    const titles = async () =>
      (await db.select().from(items))
        .filter((i) => !i.deletedAt)
        .map((i) => i.title)
        .sort();
    const deliver = (b: string, headers: Record<string, string> = {}) =>
      fetch(asked!.callback, {
        method: "POST",
        headers: { "content-type": "application/rss+xml", "x-hub-signature": sign(asked!.secret, b), ...headers },
        body: b,
      });
    const fetched = feeds.hits("/feed.xml");

    // A fat ping holding only the new entry: stored as it came, with no fetch, and the older posts
    // it does not list stay (a partial feed says nothing about what left).
    const ping = feedWith(["Week 1", "Week 2", "Week 3", "Week 4: fat"]).replace(/<item>.*?<\/item>/g, (m) =>
      m.includes("Week 4") ? m : "",
    );
    expect((await deliver(ping)).status).toBe(202);
    expect(await until(async () => ((await titles()).length === 4 ? titles() : null))).toEqual([
      "Week 1",
      "Week 2",
      "Week 3",
      "Week 4: fat",
    ]);
    expect(feeds.hits("/feed.xml")).toBe(fetched);
    expect(lines.some((l) => l.msg === "websub.stored")).toBe(true);
    // Stored, the source is back at the safety net's pace rather than due.
    const after = (await db.select().from(sources).where(eq(sources.id, source.id)))[0]!;
    // The pinged post carries the last whole read's stamp, so the next poll still tells what dropped out.
    const pinged = (await db.select().from(items)).find((i) => i.title === "Week 4: fat")!;
    expect(pinged.lastSeenAt.getTime()).toBe(after.lastPolledAt!.getTime());
    expect(after.nextPollAt.getTime() - Date.now()).toBeGreaterThan(PUSH_SAFETY_NET_MS - 60_000);

    // The same delivery again (a replay, or a hub retrying): nothing doubles.
    expect((await deliver(ping)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 300));
    expect((await db.select().from(items)).length).toBe(4);

    // A light ping (an empty body, or a body that is no feed): the feed is fetched now.
    body = feedWith(["Week 1", "Week 2", "Week 3", "Week 4: fat", "Week 5: light"]);
    expect((await deliver("")).status).toBe(202);
    await until(async () => (await titles()).includes("Week 5: light"));
    expect(feeds.hits("/feed.xml")).toBe(fetched + 1);
    body = feedWith(["Week 1", "Week 2", "Week 3", "Week 4: fat", "Week 5: light", "Week 6: not a feed"]);
    expect((await deliver("changed", { "content-type": "text/plain" })).status).toBe(202);
    await until(async () => (await titles()).includes("Week 6: not a feed"));

    // A body over the limit is refused before anything is read into the store.
    const huge = feedWith(["x".repeat(2 * 1024 * 1024)]);
    expect((await deliver(huge)).status).toBe(413);
    expect((await titles()).length).toBe(6);
  }, 30_000);
});
