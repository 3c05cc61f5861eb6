// A scheduled tick on Node (and on Workers without a queue): poll due feeds,
// then re-check recent posts, so a post deleted on the learner's blog leaves
// the hub after two misses, and is not brought back by the next poll.
import { eq, isNull } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../src/accounts/people.js";
import { items, sources } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { addFeedSource } from "../../src/hub/sources/sources.js";
import { ingestTick } from "../../src/jobs/tick.js";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

const HOUR = 60 * 60_000;
let hub: TestHub;
let server: FeedServer;

function feed(): string {
  const post = (slug: string) =>
    `<item><title>${slug}</title><link>${server.url(`/posts/${slug}/`)}</link><pubDate>Mon, 05 Oct 2026 10:00:00 GMT</pubDate><category>t509massive</category></item>`;
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>${server.url("/")}</link>${post("kept")}${post("deleted")}</channel></rss>`;
}

async function visibleTitles(): Promise<string[]> {
  return (await hub.deps.db.select({ t: items.title }).from(items).where(isNull(items.deletedAt))).map((r) => r.t).sort();
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "correct horse battery" });
  const course = await createCourse(
    hub.deps.db,
    { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  server.feed("/feed.xml", feed());
  server.route("/posts/kept/", (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<p>still here</p>"));
  server.route("/posts/deleted/", (_req, res) => res.writeHead(404).end());
  await addFeedSource(hub.deps.db, course.id, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("a scheduled ingest tick", () => {
  it("polls, then re-checks recent posts: a post gone from its blog leaves after two misses and stays gone", async () => {
    const first = await ingestTick(hub.deps);
    expect(first.poll).toMatchObject({ polled: 1, ok: 1, stored: 2 });
    expect(first.recheck).toMatchObject({ checked: 0 }); // nothing is due for a re-check yet
    expect(await visibleTitles()).toEqual(["deleted", "kept"]);

    hub.clock.advance(7 * HOUR); // past the first re-check (6 h after first seen)
    expect((await ingestTick(hub.deps)).recheck).toMatchObject({ checked: 2, present: 1, missing: 1, removed: 0 });
    expect(await visibleTitles()).toEqual(["deleted", "kept"]); // one miss could be a blip

    hub.clock.advance(2 * HOUR); // the confirming look, an hour after the miss
    expect((await ingestTick(hub.deps)).recheck).toMatchObject({ checked: 1, missing: 1, removed: 1 });
    expect(await visibleTitles()).toEqual(["kept"]);

    // The feed still lists the deleted post; polling it again does not bring it back.
    await hub.deps.db.update(sources).set({ nextPollAt: hub.clock.now, etag: null, lastModified: null }).where(eq(sources.courseId, 1));
    expect((await ingestTick(hub.deps)).poll).toMatchObject({ polled: 1, ok: 1 });
    expect(await visibleTitles()).toEqual(["kept"]);
    expect(server.hits("/posts/deleted/")).toBe(2);
  });

  it("re-checks even when nothing is due to poll, and honours RECHECK_BATCH_SIZE=0", async () => {
    await ingestTick(hub.deps);
    hub.clock.advance(7 * HOUR);
    await hub.deps.db.update(sources).set({ nextPollAt: new Date(hub.clock.now.getTime() + 24 * HOUR) });
    const tick = await ingestTick(hub.deps, { recheckLimit: 0 });
    expect(tick).toMatchObject({ poll: { polled: 0 }, recheck: { checked: 0 } });
    expect((await ingestTick(hub.deps)).recheck).toMatchObject({ checked: 2 });
  });
});
