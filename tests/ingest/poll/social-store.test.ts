// What social posts become in the hub, whatever reader delivered them: the
// reader here is a list of SocialPosts (the contract in social/post.ts); the
// Mastodon and Bluesky readers are tested against their own servers.
import { eq, isNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin, createPerson } from "../../../src/accounts/people.js";
import { identities, items, type Source, sources, tombstones } from "../../../src/db/schema.js";
import { blockAuthor, unblockAuthor } from "../../../src/hub/blocks.js";
import { createCourse } from "../../../src/hub/courses.js";
import { flowPage } from "../../../src/hub/flow.js";
import { addSocialSource } from "../../../src/hub/sources/social-sources.js";
import { withdrawItem } from "../../../src/hub/withdraw.js";
import { postKey } from "../../../src/ingest/canonical-url.js";
import { pollDueSources, pollSource } from "../../../src/ingest/poll/poll.js";
import { recheckDueItems } from "../../../src/ingest/poll/recheck.js";
import type { SocialPage, SocialPost, SocialReader } from "../../../src/ingest/social/post.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let courseId: number;
let pages: SocialPage[];
let answers: Map<string, "present" | "missing" | "inconclusive">;
let instanceA: Source;

const reader: SocialReader = {
  kind: "mastodon",
  async read() {
    return pages.shift() ?? { posts: [], cursor: null, more: false };
  },
  async recheck(_deps, _source, ids) {
    return new Map(ids.map((id) => [id, answers.get(id) ?? "present"]));
  },
};

function post(n: number, over: Partial<SocialPost> = {}): SocialPost {
  return {
    kind: "mastodon",
    externalId: `https://mastodon.social/users/guest${n}/statuses/${n}`,
    url: `https://mastodon.social/@guest${n}/${n}`,
    remoteId: String(1000 + n),
    author: {
      key: `guest${n}@mastodon.social`,
      handle: `@guest${n}@mastodon.social`,
      name: `Guest ${n}`,
      url: `https://mastodon.social/@guest${n}`,
    },
    text: `Thinking about networks #t509massive post ${n}`,
    contentWarning: null,
    sensitive: false,
    hide: false,
    tags: ["t509massive"],
    links: [],
    publishedAt: new Date(Date.UTC(2026, 9, 1, 12, n)),
    editedAt: null,
    ...over,
  };
}

async function visible() {
  return (await flowPage(hub.deps.db, courseId)).items;
}

beforeEach(async () => {
  hub = await createTestHub();
  hub.deps.socialReaders = { mastodon: reader };
  pages = [];
  answers = new Map();
  const admin = await createFirstAdmin(hub.deps.db, { email: "ida@example.org", displayName: "Ida", password: "correct horse battery" });
  const course = await createCourse(
    hub.deps.db,
    { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  courseId = course.id;
  instanceA = await addSocialSource(
    hub.deps.db,
    courseId,
    { kind: "mastodon_tag", url: "https://mastodon.social", tag: "t509massive", accessToken: null },
    admin!.id,
    hub.clock.now,
  );
});
afterEach(async () => {
  await hub.close();
});

describe("storing social posts", () => {
  it("stores pointers with the cursor in one batch, as guests, and keeps one item for a status reached through two instances", async () => {
    pages.push({ posts: [post(1), post(2)], cursor: "1002", more: false });
    expect(await pollSource(hub.deps, instanceA)).toMatchObject({ ok: true, stored: 2 });
    const b = await addSocialSource(
      hub.deps.db,
      courseId,
      { kind: "mastodon_tag", url: "https://hachyderm.io", tag: "t509massive", accessToken: null },
      null,
      hub.clock.now,
    );
    // hachyderm.io knows status 2 under its own id, but with the same uri and url.
    pages.push({ posts: [post(2, { remoteId: "77" })], cursor: "77", more: false });
    expect(await pollSource(hub.deps, b)).toMatchObject({ ok: true, stored: 1 });
    const rows = await hub.deps.db.select().from(items);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.personId === null && r.kind === "mastodon")).toBe(true);
    const [source] = await hub.deps.db.select().from(sources).where(eq(sources.id, instanceA.id));
    expect(source!.cursor).toBe("1002");
    expect((await visible()).map((i) => i.authorHandle)).toEqual(["@guest2@mastodon.social", "@guest1@mastodon.social"]);
  });

  it("updates an edited status in place", async () => {
    pages.push({ posts: [post(1)], cursor: "1", more: false });
    await pollSource(hub.deps, instanceA);
    pages.push({
      posts: [post(1, { text: "Edited: networks are people #t509massive", editedAt: new Date(Date.UTC(2026, 9, 2)) })],
      cursor: "2",
      more: false,
    });
    await pollSource(hub.deps, { ...instanceA, cursor: "1" });
    const [row] = await hub.deps.db.select().from(items);
    expect(row!.excerpt).toBe("Edited: networks are people #t509massive");
    expect(row!.updatedAt).toEqual(new Date(Date.UTC(2026, 9, 2)));
  });

  it("shows a content warning instead of the text, stores nothing behind it, and hides posts labelled hide", async () => {
    pages.push({
      posts: [
        post(1, { contentWarning: "spoilers for week 3", text: "The secret is #t509massive" }),
        post(2, { hide: true }),
        post(3, { sensitive: true }),
      ],
      cursor: "3",
      more: false,
    });
    await pollSource(hub.deps, instanceA);
    const [cw] = await hub.deps.db.select().from(items).where(eq(items.remoteId, "1001"));
    expect(cw).toMatchObject({ title: "CW: spoilers for week 3", excerpt: "", contentWarning: "spoilers for week 3" });
    expect(JSON.stringify(cw)).not.toContain("The secret");
    const shown = await visible();
    expect(shown.map((i) => i.remoteId).sort()).toEqual(["1001", "1003"]);
    expect(shown.find((i) => i.remoteId === "1003")!.sensitive).toBe(true);
  });

  it("never unhides a post a curator hid when the post is read again", async () => {
    pages.push({ posts: [post(1)], cursor: "1", more: false });
    await pollSource(hub.deps, instanceA);
    await hub.deps.db.update(items).set({ hidden: true });
    pages.push({ posts: [post(1, { editedAt: new Date(Date.UTC(2026, 9, 3)) })], cursor: "1", more: false });
    await pollSource(hub.deps, instanceA);
    expect(await visible()).toHaveLength(0);
  });

  it("takes only posts that really carry a course tag", async () => {
    pages.push({ posts: [post(1), post(2, { tags: ["othertag"] })], cursor: "2", more: false });
    expect(await pollSource(hub.deps, instanceA)).toMatchObject({ stored: 1 });
  });

  it("blocking a guest hides their posts and takes no new ones; unblocking brings the old ones back", async () => {
    pages.push({ posts: [post(1), post(2)], cursor: "2", more: false });
    await pollSource(hub.deps, instanceA);
    const [g1] = await hub.deps.db.select().from(items).where(eq(items.remoteId, "1001"));
    await blockAuthor(hub.deps.db, courseId, g1!.id, 1);
    expect((await visible()).map((i) => i.remoteId)).toEqual(["1002"]);
    pages.push({
      posts: [post(1, { externalId: "x:new", url: "https://mastodon.social/@guest1/99", remoteId: "99" })],
      cursor: "99",
      more: false,
    });
    expect(await pollSource(hub.deps, instanceA)).toMatchObject({ ok: true, stored: 0 });
    await unblockAuthor(hub.deps.db, courseId, "mastodon", "guest1@mastodon.social");
    expect((await visible()).map((i) => i.remoteId)).toEqual(["1002", "1001"]);
  });

  it("refuses to block a learner's post (a learner is not a guest)", async () => {
    const maya = await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: "correct horse battery" });
    await hub.deps.db.insert(identities).values({
      personId: maya!.id,
      kind: "mastodon",
      address: "@guest1@mastodon.social",
      authorKey: "guest1@mastodon.social",
      verifyCode: "c",
      verifiedAt: hub.clock.now,
    });
    pages.push({ posts: [post(1)], cursor: "1", more: false });
    await pollSource(hub.deps, instanceA);
    const [item] = await hub.deps.db.select().from(items);
    expect(item!.personId).toBe(maya!.id);
    await expect(blockAuthor(hub.deps.db, courseId, item!.id, 1)).rejects.toThrow(/learner/);
  });

  it("a learner's toot announcing their own blog post is one Flow entry with an 'also on' link, whichever arrives first", async () => {
    const maya = await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: "correct horse battery" });
    await hub.deps.db.insert(identities).values({
      personId: maya!.id,
      kind: "mastodon",
      address: "@maya@mastodon.social",
      authorKey: "maya@mastodon.social",
      verifyCode: "c",
      verifiedAt: hub.clock.now,
    });
    const toot = post(5, {
      author: { key: "maya@mastodon.social", handle: "@maya@mastodon.social", name: "Maya", url: null },
      links: ["https://maya.example.org/2026/10/week-3/?utm_source=mastodon"],
    });
    pages.push({ posts: [toot], cursor: "5", more: false });
    await pollSource(hub.deps, instanceA); // the toot first: no blog item yet, so it stands alone
    expect(await visible()).toHaveLength(1);
    // The blog post arrives, from Maya's own blog.
    await hub.deps.db.insert(items).values({
      courseId,
      kind: "blog",
      externalId: "w3",
      canonicalUrl: "https://maya.example.org/2026/10/week-3/",
      postKey: postKey("https://maya.example.org/2026/10/week-3/"),
      title: "Week 3",
      personId: maya!.id,
      publishedAt: new Date(Date.UTC(2026, 9, 1)),
      firstSeenAt: hub.clock.now,
      lastSeenAt: hub.clock.now,
    });
    pages.push({ posts: [], cursor: "5", more: false });
    await pollSource(hub.deps, { ...instanceA, cursor: "5" });
    pages.push({ posts: [toot], cursor: "5", more: false }); // any later run links them
    await pollSource(hub.deps, { ...instanceA, cursor: "5" });
    const shown = await visible();
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ kind: "blog", alsoOn: [{ kind: "mastodon", url: "https://mastodon.social/@guest5/5" }] });
    // Withdrawing the blog post takes its announcement with it.
    await withdrawItem(hub.deps.db, maya!.id, shown[0]!.id, hub.clock.now);
    expect(await visible()).toHaveLength(0);
    expect(await hub.deps.db.select().from(tombstones)).toHaveLength(1);
  });

  it("a withdrawn or deleted post never comes back", async () => {
    const maya = await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: "correct horse battery" });
    await hub.deps.db.insert(identities).values({
      personId: maya!.id,
      kind: "mastodon",
      address: "@guest1@mastodon.social",
      authorKey: "guest1@mastodon.social",
      verifyCode: "c",
      verifiedAt: hub.clock.now,
    });
    pages.push({ posts: [post(1)], cursor: "1", more: false });
    await pollSource(hub.deps, instanceA);
    const [item] = await hub.deps.db.select().from(items);
    expect(await withdrawItem(hub.deps.db, 999, item!.id, hub.clock.now)).toBe(false); // not theirs
    expect(await withdrawItem(hub.deps.db, maya!.id, item!.id, hub.clock.now)).toBe(true);
    pages.push({ posts: [post(1)], cursor: "1", more: false });
    await pollSource(hub.deps, instanceA);
    expect(await visible()).toHaveLength(0);
  });

  it("re-checks recent social posts through the reader and removes one its server no longer has", async () => {
    pages.push({ posts: [post(1), post(2)], cursor: "2", more: false });
    await pollSource(hub.deps, instanceA);
    answers.set("1001", "missing");
    hub.clock.advance(7 * 3_600_000);
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 2, present: 1, missing: 1, removed: 1 });
    expect((await visible()).map((i) => i.remoteId)).toEqual(["1002"]);
    expect(await hub.deps.db.select().from(items).where(isNull(items.deletedAt))).toHaveLength(1);
  });

  it("comes back within a minute when the page budget ran out, and records a reader's failure on the source", async () => {
    pages.push({ posts: [post(1)], cursor: "1", more: true });
    await pollDueSources(hub.deps);
    const [after] = await hub.deps.db.select().from(sources).where(eq(sources.id, instanceA.id));
    expect(after!.nextPollAt.getTime() - hub.clock.now.getTime()).toBeLessThanOrEqual(60_000);
    hub.deps.socialReaders = {
      mastodon: {
        ...reader,
        read: async () =>
          Promise.reject(
            new (await import("../../../src/ingest/errors.js")).IngestError("http_error", "mastodon.social answered 500.", 500),
          ),
      },
    };
    expect(await pollSource(hub.deps, after!)).toMatchObject({ ok: false, error: "mastodon.social answered 500." });
    const [failed] = await hub.deps.db.select().from(sources).where(eq(sources.id, instanceA.id));
    expect(failed).toMatchObject({ failureCount: 1, lastError: "mastodon.social answered 500.", cursor: "1" });
  });
});
