// A source's health turning is an event, once: "broke" after three failures in a row (or a 410),
// "recovered" at the first success after that. Notices and mail (a later issue) read these rows.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { sourceEvents, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { BROKEN_AFTER_FAILURES } from "../../../src/ingest/poll/health-events.js";
import { pollSource } from "../../../src/ingest/poll/poll.js";
import { type FeedServer, fixture, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let courseId: number;

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  courseId = (
    await createCourse(
      hub.deps.db,
      { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    )
  ).id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

async function pollOnce(id: number) {
  const [row] = await hub.deps.db.select().from(sources).where(eq(sources.id, id));
  hub.clock.advance(60_000);
  return pollSource(hub.deps, row!);
}
const events = () => hub.deps.db.select().from(sourceEvents).orderBy(sourceEvents.id);

describe("source health events", () => {
  it("breaks after three failures in a row, once, and recovers at the next success", async () => {
    let down = true;
    server.route("/maya.xml", (_req, res) => {
      if (down) return void res.writeHead(503).end();
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(fixture("wordpress-rss2.xml"));
    });
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/maya.xml"), filter: "tagged" }, null, hub.clock.now);
    for (let i = 1; i < BROKEN_AFTER_FAILURES; i++) await pollOnce(s.id);
    expect(await events()).toEqual([]); // a blip is on the health line, not an event
    await pollOnce(s.id);
    await pollOnce(s.id); // still broken: no second announcement
    const broke = await events();
    expect(broke).toMatchObject([{ sourceId: s.id, courseId, kind: "broke", detail: expect.stringContaining("503") }]);
    const [row] = await hub.deps.db.select().from(sources).where(eq(sources.id, s.id));
    expect(row).toMatchObject({ failureCount: BROKEN_AFTER_FAILURES + 1, lastErrorCode: "http_error" });

    down = false;
    expect(await pollOnce(s.id)).toMatchObject({ ok: true });
    await pollOnce(s.id); // healthy again: nothing more to say
    expect((await events()).map((e) => e.kind)).toEqual(["broke", "recovered"]);
    const [healthy] = await hub.deps.db.select().from(sources).where(eq(sources.id, s.id));
    expect(healthy).toMatchObject({ failureCount: 0, lastError: null, lastErrorCode: null });
  });

  it("says nothing when a source fails once and then works", async () => {
    let down = true;
    server.route("/omar.xml", (_req, res) => {
      if (down) return void res.writeHead(500).end();
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(fixture("wordpress-rss2.xml"));
    });
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/omar.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollOnce(s.id);
    down = false;
    await pollOnce(s.id);
    expect(await events()).toEqual([]);
  });

  it("breaks at once when the server says the feed is gone for good (410)", async () => {
    server.route("/gone.xml", (_req, res) => void res.writeHead(410).end());
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/gone.xml"), filter: "tagged" }, null, hub.clock.now);
    await pollOnce(s.id);
    expect(await events()).toMatchObject([{ kind: "broke", sourceId: s.id }]);
    const [row] = await hub.deps.db.select().from(sources).where(eq(sources.id, s.id));
    expect(row!.status).toBe("gone");
  });
});
