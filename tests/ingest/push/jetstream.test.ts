// Bluesky Jetstream in the Node hub. The events are made from records written to the real
// @atproto/dev-env PDS (the post record and its CID as the repository holds them), replayed in
// Jetstream's documented JSON by a loopback Jetstream (tests/helpers/jetstream-server.ts). The hub
// asks only for its learners' DIDs, keeps tagged posts, follows deletions, saves its cursor, replays
// the gap after a drop or a restart, refuses a cursor in the future, and follows learners who verify.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RichText } from "@atproto/api";
import type { SeedClient as SeedClientType } from "@atproto/dev-env";
import { createClient } from "@libsql/client";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin, createPerson } from "../../../src/accounts/people.js";
import { jsonLog, type Log } from "../../../src/core/log.js";
import { identities, items, memberships, streamCursors } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addSocialSource } from "../../../src/hub/sources/social-sources.js";
import { REWIND_US } from "../../../src/ingest/push/jetstream.js";
import { type NodeHub, startNodeHub } from "../../../src/node.js";
import { type BlueskyNetwork, blueskyStackMissing, startBlueskyNetwork, underCi } from "../../helpers/bluesky-network.js";
import { type JetstreamCommit, type JetstreamServer, startJetstreamServer } from "../../helpers/jetstream-server.js";

const missing = blueskyStackMissing();
const skip = missing !== null && !underCi();
if (skip) console.warn(`[jetstream] SKIPPED: ${missing}. Install postgresql and redis-server to run it; under CI it runs.`);

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(skip)("Bluesky Jetstream", () => {
  let net: BlueskyNetwork;
  let sc: SeedClientType;
  let alice: string;
  let bob: string;
  let jet: JetstreamServer;
  let node: NodeHub;
  let dir: string;
  let courseId: number;
  let bobPerson: number;
  const lines: Array<Record<string, unknown>> = [];
  let startError: unknown = null;

  /** Writes a post to the PDS and returns the Jetstream commit for it, as the relay would carry it. */
  async function written(did: string, text: string): Promise<Omit<JetstreamCommit, "time_us" | "kind">> {
    const rt = new RichText({ text });
    rt.detectFacetsWithoutResolution();
    const { ref } = await sc.post(did, rt.text, rt.facets);
    const rkey = ref.uriStr.split("/").pop()!;
    const got = await net.network.pds.getClient().com.atproto.repo.getRecord({ repo: did, collection: "app.bsky.feed.post", rkey });
    return {
      did,
      commit: { rev: `3l${rkey}`, operation: "create", collection: "app.bsky.feed.post", rkey, record: got.data.value, cid: got.data.cid! },
    };
  }

  const posts = async () =>
    (
      await node.deps.db
        .select()
        .from(items)
        .where(and(eq(items.kind, "bluesky"), isNull(items.deletedAt)))
    ).map((i) => i.excerpt);

  async function startHub() {
    const json = jsonLog(() => {});
    const log: Log = (level, msg, fields) => {
      lines.push({ msg, ...fields });
      json(level, msg, fields);
    };
    node = await startNodeHub(
      {
        PORT: "0",
        HOST: "127.0.0.1",
        DATABASE_URL: `file:${join(dir, "hub.db")}`,
        ALLOW_LOOPBACK_FETCH: "true",
        POLL_CRON: "0 0 1 1 *",
        JETSTREAM_URL: jet.url,
      },
      log,
    );
  }

  beforeAll(async () => {
    try {
      net = await startBlueskyNetwork();
    } catch (err) {
      startError = err;
      return;
    }
    const { SeedClient } = await import("@atproto/dev-env");
    sc = new SeedClient(net.network, net.network.pds.getClient());
    alice = (await sc.createAccount("alice", { handle: "alice.test", email: "alice@test.com", password: "alice-pass" })).did;
    bob = (await sc.createAccount("bob", { handle: "bob.test", email: "bob@test.com", password: "bob-pass" })).did;
    jet = await startJetstreamServer();
    dir = mkdtempSync(join(tmpdir(), "tributary-jetstream-"));
    await startHub();
    const { db } = node.deps;
    const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    courseId = course.id;
    await addSocialSource(
      db,
      course.id,
      { kind: "bluesky_tag", url: net.pdsUrl, tag: "t509massive", accessToken: null },
      null,
      node.deps.now(),
    );
    // Alice is a learner with her Bluesky account verified; Bob is in the course but has not verified yet.
    for (const [email, name, did, verified] of [
      ["alice@example.org", "Alice", alice, true],
      ["bob@example.org", "Bob", bob, false],
    ] as const) {
      const person = await createPerson(db, { email, displayName: name, password: "long enough password" });
      await db.insert(memberships).values({ courseId, personId: person!.id, role: "learner" });
      await db.insert(identities).values({
        personId: person!.id,
        kind: "bluesky",
        address: `${name.toLowerCase()}.test`,
        authorKey: did,
        verifyCode: "x",
        verifiedAt: verified ? new Date() : null,
        verifiedBy: verified ? "code" : null,
      });
      if (!verified) bobPerson = person!.id;
    }
  }, 180_000);

  beforeEach(() => {
    if (startError) throw startError;
  });

  afterAll(async () => {
    await node?.stop();
    await jet?.close();
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("asks only for the learners' DIDs, keeps their tagged posts in moments, and follows deletions", async () => {
    await node.streams!.reconcile();
    await until("the Jetstream connection", () => jet.open() === 1 && lines.some((l) => l.msg === "stream.open"));
    expect(jet.filters[0]).toEqual([alice]);
    const tagged = jet.emit(await written(alice, "Notes from the first week #t509massive"));
    jet.emit(await written(alice, "Lunch, no course tag"));
    await until("the tagged post", async () => (await posts()).some((p) => p.includes("first week")), 5000);
    expect(await posts()).toHaveLength(1);
    const [row] = await node.deps.db.select().from(items).where(eq(items.kind, "bluesky"));
    expect(row!.remoteId).toBe(`at://${alice}/app.bsky.feed.post/${tagged.commit.rkey}`);
    expect(row!.personId).not.toBeNull();
    // Deleted in her repository: the relay's delete event takes it out.
    jet.emit({ did: alice, commit: { rev: "3lz", operation: "delete", collection: "app.bsky.feed.post", rkey: tagged.commit.rkey } });
    await until("the deletion", async () => (await posts()).length === 0);
  }, 30_000);

  it("replays the gap after a drop, from its cursor, without doubling anything", async () => {
    const before = jet.cursors.length;
    jet.muted = true; // what follows reaches only a new connection's replay
    jet.drop();
    const missed = jet.emit(await written(alice, "Posted while the socket was down #t509massive"));
    jet.muted = false;
    await until("the reconnect", () => jet.cursors.length > before && jet.open() === 1, 20_000);
    const asked = jet.cursors.at(-1)!;
    expect(asked).not.toBeNull();
    expect(asked).toBeLessThan(missed.time_us);
    await until("the replayed post", async () => (await posts()).some((p) => p.includes("socket was down")));
    expect((await posts()).filter((p) => p.includes("socket was down"))).toHaveLength(1);
  }, 40_000);

  it("follows a learner once they verify, and shrugs off garbage", async () => {
    await node.deps.db.update(identities).set({ verifiedAt: new Date(), verifiedBy: "code" }).where(eq(identities.personId, bobPerson));
    await node.streams!.reconcile();
    await until("the new filter", () => jet.filters.some((f) => f.includes(bob) && f.includes(alice)));
    jet.sendRaw("not json {");
    jet.sendRaw(JSON.stringify({ kind: "commit", did: bob, time_us: 1, commit: { operation: "create" } }));
    jet.emit(await written(bob, "Bob joins in #t509massive"));
    await until("Bob's post", async () => (await posts()).some((p) => p.includes("Bob joins in")));
  }, 30_000);

  it("saves its cursor, resumes from it (rewound) after a restart, and refuses one in the future", async () => {
    const saved = await until("a saved cursor", async () => (await node.deps.db.select().from(streamCursors))[0], 10_000);
    await node.stop();
    const whileDown = jet.emit(await written(alice, "Posted while the hub was down #t509massive"));
    await startHub();
    await node.streams!.reconcile();
    await until("the resumed connection", () => jet.open() === 1);
    const resumed = jet.cursors.at(-1)!;
    expect(resumed).toBeLessThanOrEqual(Number(saved.cursor));
    expect(Number(saved.cursor) - resumed).toBeLessThanOrEqual(REWIND_US + 10_000_000);
    expect(resumed).toBeLessThan(whileDown.time_us);
    await until("the post made while down", async () => (await posts()).some((p) => p.includes("hub was down")));

    // A cursor in the future (a bad clock, a hand-edited row): refused, the stream starts live.
    await node.stop();
    const file = createClient({ url: `file:${join(dir, "hub.db")}` });
    await file.execute({ sql: "UPDATE stream_cursors SET cursor = ?", args: [String((Date.now() + 3_600_000) * 1000)] });
    file.close();
    const connections = jet.cursors.length;
    await startHub();
    await until("the live connection", () => jet.cursors.length > connections && jet.open() === 1);
    expect(jet.cursors.at(-1)).toBeNull();
    expect(lines.some((l) => l.msg === "jetstream.cursor_in_future")).toBe(true);
  }, 60_000);
});
