// The learner's own page, their public profile, withdrawing a post, following
// a tag on Mastodon, and blocking a guest, through the real app and forms.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { identities, items, sources } from "../../src/db/schema.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let ida: Client;
let maya: Client;
let mayaId: number;

async function item(over: Partial<typeof items.$inferInsert> = {}) {
  const [row] = await hub.deps.db
    .insert(items)
    .values({
      courseId: 1,
      kind: "mastodon",
      externalId: `u${Math.random()}`,
      canonicalUrl: `https://mastodon.social/@g/${Math.random()}`,
      title: "A toot",
      authorKey: "g@mastodon.social",
      authorHandle: "@g@mastodon.social",
      publishedAt: hub.clock.now,
      firstSeenAt: hub.clock.now,
      lastSeenAt: hub.clock.now,
      ...over,
    })
    .returning();
  return row!;
}

beforeEach(async () => {
  hub = await createTestHub({ PUBLIC_URL: "https://hub.example.org" });
  ida = await setUpCourse(hub.app);
  mayaId = (await createPerson(hub.deps.db, {
    email: "maya@example.org",
    displayName: "Maya <Learner>",
    password: "correct horse battery",
  }))!.id;
  maya = Client.forApp(hub.app);
  const res = await maya.submit("/login", "/login", { email: "maya@example.org", password: "correct horse battery" });
  expect(res.status).toBe(303);
});
afterEach(async () => {
  await hub.close();
});

describe("a learner's own page", () => {
  it("links an account, shows its one-time code and the profile address, and refuses a bad address", async () => {
    const bad = await maya.submit("/me", "/me/identities", { kind: "mastodon", address: "maya" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Enter your Mastodon address");
    const ok = await maya.submit("/me", "/me/identities", { kind: "mastodon", address: "@maya@mastodon.social" });
    expect(ok.status).toBe(303);
    const html = await (await maya.get("/me")).text();
    const [row] = await hub.deps.db.select().from(identities);
    expect(html).toContain("@maya@mastodon.social");
    expect(html).toContain(row!.verifyCode);
    expect(html).toContain(`https://hub.example.org/people/${mayaId}`);
    expect(html).toContain("Maya &lt;Learner&gt;");
  });

  it("sends a visitor to sign in, and refuses a form without its CSRF token", async () => {
    const visitor = Client.forApp(hub.app);
    expect((await visitor.get("/me")).headers.get("location")).toBe("/login?next=%2Fme");
    expect((await maya.post("/me/identities", { kind: "mastodon", address: "@maya@mastodon.social" })).status).toBe(403);
  });

  it("withdraws one of the learner's posts at once, and no one else's", async () => {
    const mine = await item({ personId: mayaId, title: "Maya's toot" });
    const other = await item({ title: "Someone else's" });
    expect((await maya.submit("/me", `/me/items/${other.id}/withdraw`, {})).status).toBe(404);
    expect(await (await maya.get("/me")).text()).toContain("Maya&#39;s toot");
    expect((await maya.submit("/me", `/me/items/${mine.id}/withdraw`, {})).status).toBe(303);
    const flow = await (await ida.get("/c/t509")).text();
    expect(flow).not.toContain("Maya&#39;s toot");
    expect(flow).toContain("Someone else&#39;s");
  });
});

describe("the public profile", () => {
  it("links verified accounts back with rel=me, and only verified ones", async () => {
    await hub.deps.db.insert(identities).values([
      {
        personId: mayaId,
        kind: "mastodon",
        address: "@maya@mastodon.social",
        authorKey: "maya@mastodon.social",
        verifyCode: "a",
        verifiedAt: hub.clock.now,
      },
      { personId: mayaId, kind: "bluesky", address: "fake.bsky.social", authorKey: "handle:fake.bsky.social", verifyCode: "b" },
    ]);
    const html = await (await Client.forApp(hub.app).get(`/people/${mayaId}`)).text();
    expect(html).toContain('rel="me" class="u-url" href="https://mastodon.social/@maya"');
    expect(html).not.toContain("fake.bsky.social");
    expect((await Client.forApp(hub.app).get("/people/999")).status).toBe(404);
  });
});

describe("the course's social side", () => {
  it("marks guests in the Flow, lets an instructor block one, and refuses a learner who tries", async () => {
    const guest = await item({ title: "Guest toot" });
    await item({
      title: "Learner toot",
      personId: mayaId,
      authorKey: "maya@mastodon.social",
      authorHandle: "@maya@mastodon.social",
      authorName: "Maya",
    });
    const flow = await (await ida.get("/c/t509")).text();
    expect(flow).toMatch(/@g@mastodon.social<\/span> <span class="badge guest">guest<\/span>/);
    // A learner links to their page in the course, under their hub name.
    expect(flow).toContain(`href="/c/t509/people/${mayaId}">Maya &lt;Learner&gt;</a>`);
    expect((await maya.submit("/c/t509", "/c/t509/blocks", { item: String(guest.id), confirm: "yes" })).status).toBe(403);
    const ask = await ida.submit("/c/t509", "/c/t509/blocks", { item: String(guest.id) });
    expect(ask.status).toBe(200);
    const question = await ask.text();
    expect(question).toContain("Block @g@mastodon.social in this course?");
    expect(question).toContain(`<input type="hidden" name="item" value="${guest.id}">`);
    expect(await (await ida.get("/c/t509")).text()).toContain("Guest toot");
    expect((await ida.submit("/c/t509", "/c/t509/blocks", { item: String(guest.id), confirm: "yes" })).status).toBe(303);
    const after = await (await ida.get("/c/t509")).text();
    expect(after).not.toContain("Guest toot");
    expect(await (await ida.get("/c/t509/manage")).text()).toContain("Blocked guests");
    expect((await ida.submit("/c/t509/manage", "/c/t509/blocks/remove", { kind: "mastodon", authorKey: "g@mastodon.social" })).status).toBe(
      303,
    );
    expect(await (await ida.get("/c/t509")).text()).toContain("Guest toot");
  });

  it("follows the tag on a Mastodon instance with a token it never shows back, and refuses a tag the course does not use", async () => {
    const wrong = await ida.submit("/c/t509/manage", "/c/t509/manage/social", {
      kind: "mastodon_tag",
      instance: "https://mastodon.social",
      tag: "othertag",
      accessToken: "s3cret-token",
    });
    expect(wrong.status).toBe(400);
    const body = await wrong.text();
    expect(body).toContain("Follow one of the course&#39;s tags");
    expect(body).not.toContain("s3cret-token");
    const noBluesky = await ida.submit("/c/t509/manage", "/c/t509/manage/social", { kind: "bluesky_tag", tag: "" });
    expect(await noBluesky.text()).toContain("Bluesky is not set up on this hub");
    // The route reads the new source at once: a closed port on 127.0.0.1, so no traffic leaves the machine.
    const ok = await ida.submit("/c/t509/manage", "/c/t509/manage/social", {
      kind: "mastodon_tag",
      instance: "http://127.0.0.1:9/about",
      tag: "#T509Massive",
      accessToken: "s3cret-token",
    });
    expect(ok.status).toBe(303);
    const [source] = await hub.deps.db.select().from(sources).where(eq(sources.kind, "mastodon_tag"));
    expect(source).toMatchObject({ url: "http://127.0.0.1:9", tag: "t509massive", accessToken: "s3cret-token" });
    expect(await (await ida.get("/c/t509/manage")).text()).not.toContain("s3cret-token");
  });
});
