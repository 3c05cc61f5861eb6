// Mastodon end to end: a Mastodon-shaped server on 127.0.0.1 (documented
// Status/Account entities, Link paging, 404 on deleted statuses), the real
// reader through masto, the poll, the store, the Flow and the re-checks.
import { eq, isNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkIdentity, profileUrl, verifyIdentity } from "../../../src/accounts/identities.js";
import { createFirstAdmin, createPerson } from "../../../src/accounts/people.js";
import { items, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { flowPage } from "../../../src/hub/flow.js";
import { addSocialSource } from "../../../src/hub/sources/social-sources.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { recheckDueItems } from "../../../src/ingest/poll/recheck.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { type MastodonServer, startMastodonServer } from "../../helpers/mastodon-server.js";

let hub: TestHub;
let one: MastodonServer;
let two: MastodonServer;
let blogs: FeedServer;
let courseId: number;

async function due() {
  await hub.deps.db.update(sources).set({ nextPollAt: hub.clock.now });
  return pollDueSources(hub.deps);
}
const shown = async () => (await flowPage(hub.deps.db, courseId)).items;

beforeEach(async () => {
  hub = await createTestHub();
  one = await startMastodonServer();
  two = await startMastodonServer();
  blogs = await startFeedServer();
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
    { kind: "mastodon_tag", url: one.url, tag: "t509massive", accessToken: null },
    null,
    hub.clock.now,
  );
});
afterEach(async () => {
  await Promise.all([one.close(), two.close(), blogs.close()]);
  await hub.close();
});

describe("a course following its tag on Mastodon", () => {
  it("ingests the tag timeline, catches up without skipping or repeating, and updates edits in place", async () => {
    one.postMany(3);
    expect(await pollDueSources(hub.deps)).toMatchObject({ ok: 1, stored: 3 });
    const later = one.postMany(45); // more than one page of 40
    const run = await due();
    expect(run).toMatchObject({ ok: 1, stored: 45 });
    expect(await shown()).toHaveLength(30); // first Flow page
    expect(await hub.deps.db.select().from(items)).toHaveLength(48);
    // A timeline read from a cursor never sees an older status again: the re-check (statuses/:id) brings the edit.
    one.edit(later[44]!.id, "<p>Edited: networks are people #t509massive</p>");
    hub.clock.advance(7 * 3_600_000);
    await recheckDueItems(hub.deps, { limit: 100 });
    const [edited] = await hub.deps.db.select().from(items).where(eq(items.remoteId, later[44]!.id));
    expect(edited!.excerpt).toContain("Edited: networks are people");
    expect(edited!.updatedAt).not.toBeNull();
    expect(await hub.deps.db.select().from(items)).toHaveLength(48);
  });

  it("a status whose author took the course tag off leaves the hub at its re-check", async () => {
    const [a] = one.postMany(2);
    await pollDueSources(hub.deps);
    one.edit(a!.id, "<p>Never mind, not for the course</p>");
    hub.clock.advance(7 * 3_600_000);
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 2, removed: 1 });
    expect((await shown()).map((i) => i.remoteId)).not.toContain(a!.id);
  });

  it("attributes a learner's statuses, past and new, once their account is verified; others stay guests", async () => {
    one.post(); // by the local account (Gargron)
    one.post({ account: "remote" });
    await pollDueSources(hub.deps);
    const maya = (await createPerson(hub.deps.db, { email: "g@example.org", displayName: "Gargron", password: "correct horse battery" }))!;
    const identity = await linkIdentity(hub.deps.db, maya.id, "mastodon", `@Gargron@${new URL(one.url).host}`);
    one.override((_req, res, url) => {
      if (url.pathname !== "/api/v1/accounts/lookup") return false;
      const link = `<a href="${profileUrl(hub.deps.config.publicUrl, maya.id)}" rel="nofollow noopener me">hub</a>`;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "1",
          username: "Gargron",
          acct: "Gargron",
          url: `${one.url}/@Gargron`,
          note: "",
          fields: [{ name: "Hub", value: link, verified_at: null }],
        }),
      );
      return true;
    });
    const verified = await verifyIdentity(hub.deps, maya.id, identity.id);
    expect(verified).toEqual({ ok: true, via: "rel_me" });
    one.post();
    await due();
    const rows = await hub.deps.db.select({ personId: items.personId, handle: items.authorHandle }).from(items);
    expect(rows.filter((r) => r.personId === maya.id)).toHaveLength(2);
    expect(rows.filter((r) => r.personId === null)).toHaveLength(1);
  });

  it("counts a status federated to two instances once", async () => {
    const original = one.post({ account: "remote" });
    // The second instance serves a copy: its own id, the same uri and url.
    two.post({ account: "remote", raw: { uri: original.uri, url: original.url } });
    await addSocialSource(
      hub.deps.db,
      courseId,
      { kind: "mastodon_tag", url: two.url, tag: "t509massive", accessToken: null },
      null,
      hub.clock.now,
    );
    expect(await pollDueSources(hub.deps)).toMatchObject({ ok: 2, stored: 2 });
    expect(await hub.deps.db.select().from(items)).toHaveLength(1);
  });

  it("removes a status deleted on its instance (statuses/:id answers 404) at the next re-check", async () => {
    const [a, b] = one.postMany(2);
    await pollDueSources(hub.deps);
    one.delete(a!.id);
    hub.clock.advance(7 * 3_600_000);
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 2, present: 1, missing: 1, removed: 1 });
    expect((await shown()).map((i) => i.remoteId)).toEqual([b!.id]);
    expect(one.hits(`/api/v1/statuses/${a!.id}`)).toHaveLength(1);
  });

  it("one failing instance never stops the others, and its error is on its source", async () => {
    await addSocialSource(
      hub.deps.db,
      courseId,
      { kind: "mastodon_tag", url: two.url, tag: "t509massive", accessToken: null },
      null,
      hub.clock.now,
    );
    two.override((_req, res) => {
      res.writeHead(500).end("<html>oops</html>");
      return true;
    });
    await server500Blog();
    one.postMany(2);
    const run = await pollDueSources(hub.deps);
    expect(run).toMatchObject({ ok: 2, failed: 1, stored: 3 });
    const [broken] = await hub.deps.db.select().from(sources).where(eq(sources.url, two.url));
    expect(broken!.lastError).toMatch(/500/);
    expect(broken!.failureCount).toBe(1);
    expect(await hub.deps.db.select().from(items).where(isNull(items.deletedAt))).toHaveLength(3);
  });
});

/** A healthy blog beside the social sources, so "the others" includes a feed. */
function server500Blog() {
  blogs.feed(
    "/feed.xml",
    `<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><link>https://b.example.org/</link><item><title>Blog post</title><link>https://b.example.org/1/</link><category>t509massive</category></item></channel></rss>`,
  );
  return addFeedSource(hub.deps.db, courseId, { url: blogs.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
}
