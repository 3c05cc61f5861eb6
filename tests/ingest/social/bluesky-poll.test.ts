// Bluesky end to end on a real local atproto network (PLC + PDS + AppView from
// @atproto/dev-env): a course follows its tag, learners and guests post with
// tag facets, a learner proves her account with the code in her profile, a
// post she deletes leaves the hub. Skips (saying why) only outside CI when
// PostgreSQL or Redis are missing; tests/helpers/bluesky-network.ts.
import { AtpAgent, RichText } from "@atproto/api";
import type { SeedClient as SeedClientType } from "@atproto/dev-env";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { linkIdentity, verifyIdentity } from "../../../src/accounts/identities.js";
import { createFirstAdmin, createPerson } from "../../../src/accounts/people.js";
import { items, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { flowPage } from "../../../src/hub/flow.js";
import { addSocialSource } from "../../../src/hub/sources/social-sources.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { recheckDueItems } from "../../../src/ingest/poll/recheck.js";
import {
  type BlueskyNetwork,
  blueskyStackMissing,
  createHubAccount,
  HUB_ACCOUNT,
  startBlueskyNetwork,
  underCi,
} from "../../helpers/bluesky-network.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

const missing = blueskyStackMissing();
const skip = missing !== null && !underCi();
if (skip) console.warn(`[bluesky] SKIPPED the Bluesky end-to-end tests: ${missing}. Under CI they run.`);

describe.skipIf(skip)("a course following its tag on Bluesky (local atproto network)", () => {
  let net: BlueskyNetwork;
  let sc: SeedClientType;
  let hub: TestHub;
  let alice: string;
  let guest: string;
  let courseId: number;
  let startError: unknown = null;

  async function post(by: string, text: string) {
    const rt = new RichText({ text });
    rt.detectFacetsWithoutResolution();
    return (await sc.post(by, rt.text, rt.facets)).ref.uriStr;
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
    const appPassword = await createHubAccount(net, sc);
    alice = (await sc.createAccount("alice", { handle: "alice.test", email: "alice@test.com", password: "alice-pass" })).did;
    guest = (await sc.createAccount("carol", { handle: "carol.test", email: "carol@test.com", password: "carol-pass" })).did;
    hub = await createTestHub({ BLUESKY_IDENTIFIER: HUB_ACCOUNT.handle, BLUESKY_APP_PASSWORD: appPassword, BLUESKY_SERVICE: net.pdsUrl });
    hub.clock.now = new Date();
    const admin = await createFirstAdmin(hub.deps.db, { email: "ida@example.org", displayName: "Ida", password: "correct horse battery" });
    courseId = (
      await createCourse(
        hub.deps.db,
        { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
        admin!,
      )
    ).id;
    await addSocialSource(
      hub.deps.db,
      courseId,
      { kind: "bluesky_tag", url: net.pdsUrl, tag: "t509massive", accessToken: null },
      null,
      hub.clock.now,
    );
  }, 120_000);
  beforeEach(() => {
    if (startError) throw startError;
  });
  afterAll(async () => {
    await hub?.close();
    await net?.close();
  }, 60_000);

  it("ingests tagged posts as guests, proves a learner's account by the code in her profile, and removes a deleted post", async () => {
    const kept = await post(alice, "My week 3 reflection #t509massive");
    const doomed = await post(alice, "A draft I will delete #t509massive");
    await post(guest, "A guest joins in #t509massive");
    await post(guest, "Nothing to do with the course #othertag");
    await net.network.processAll();

    expect(await pollDueSources(hub.deps)).toMatchObject({ ok: 1, stored: 3 });
    let flow = (await flowPage(hub.deps.db, courseId)).items;
    expect(flow.map((i) => i.kind)).toEqual(["bluesky", "bluesky", "bluesky"]);
    expect(flow.every((i) => i.personId === null)).toBe(true);
    expect(flow.find((i) => i.remoteId === kept)!.canonicalUrl).toMatch(/^https:\/\/bsky\.app\/profile\/alice\.test\/post\/[a-z0-9]+$/);

    // Alice links her handle; the code is not in her profile yet, then it is.
    const maya = (await createPerson(hub.deps.db, {
      email: "alice@example.org",
      displayName: "Alice",
      password: "correct horse battery",
    }))!;
    const identity = await linkIdentity(hub.deps.db, maya.id, "bluesky", "@alice.test");
    expect(await verifyIdentity(hub.deps, maya.id, identity.id)).toMatchObject({
      ok: false,
      error: expect.stringContaining(identity.verifyCode),
    });
    await sc.createProfile(alice, "Alice Learner", `Learning in the open. ${identity.verifyCode}`);
    await net.network.processAll();
    expect(await verifyIdentity(hub.deps, maya.id, identity.id)).toEqual({ ok: true, via: "code" });
    const aliceItems = await hub.deps.db.select().from(items).where(eq(items.personId, maya.id));
    expect(aliceItems.map((i) => i.remoteId).sort()).toEqual([doomed, kept].sort());
    expect(aliceItems[0]!.authorKey).toBe(alice);

    // Alice deletes a post on Bluesky: getPosts leaves it out, and the re-check removes it.
    await sc.deletePost(alice, doomed as never).catch(async () => {
      const agent = new AtpAgent({ service: net.pdsUrl });
      await agent.login({ identifier: "alice.test", password: "alice-pass" });
      await agent.deletePost(doomed);
    });
    await net.network.processAll();
    await hub.deps.db.update(items).set({ recheckAt: new Date(0) });
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 3, missing: 1, removed: 1 });
    flow = (await flowPage(hub.deps.db, courseId)).items;
    expect(flow.map((i) => i.remoteId)).not.toContain(doomed);
    expect(flow).toHaveLength(2);
    const [source] = await hub.deps.db.select().from(sources).where(eq(sources.kind, "bluesky_tag"));
    expect(source!.failureCount).toBe(0);
  }, 60_000);
});
