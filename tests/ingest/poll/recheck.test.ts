import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { items, tombstones } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { flowPage } from "../../../src/hub/flow.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { pollSource } from "../../../src/ingest/poll/poll.js";
import { nextRecheck, recheckDueItems } from "../../../src/ingest/poll/recheck.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

const HOUR = 3_600_000;
let hub: TestHub;
let server: FeedServer;
let courseId: number;
const status = new Map<string, number>();

function feed(paths: string[]) {
  const entries = paths
    .map(
      (p, i) =>
        `<item><title>Post ${p}</title><link>${server.url(p)}</link><pubDate>${new Date(Date.UTC(2026, 9, 1 + i)).toUTCString()}</pubDate><category>t509massive</category></item>`,
    )
    .join("");
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>${server.url("/")}</link>${entries}</channel></rss>`;
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  for (const p of ["/a", "/b", "/c"]) {
    status.set(p, 200);
    server.route(p, (req, res) =>
      res.writeHead(status.get(p)!, { "x-method": req.method ?? "" }).end(req.method === "HEAD" ? undefined : "<html>post</html>"),
    );
  }
  server.feed("/feed.xml", feed(["/a", "/b", "/c"]));
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  courseId = (
    await createCourse(hub.deps.db, { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null }, admin!)
  ).id;
  const source = await addFeedSource(hub.deps.db, courseId, { url: server.url("/feed.xml"), filter: "tagged" }, null, hub.clock.now);
  await pollSource(hub.deps, source);
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

async function visibleTitles() {
  return (await flowPage(hub.deps.db, courseId)).items.map((i) => i.title).sort();
}

describe("re-checking posts at their source", () => {
  it("schedules checks that thin out with age and never stop: then every RECHECK_MAX_INTERVAL_DAYS", () => {
    const first = new Date("2026-11-01T00:00:00Z");
    expect(nextRecheck(first, first, 30).toISOString()).toBe("2026-11-01T06:00:00.000Z");
    expect(nextRecheck(first, new Date("2026-11-01T07:00:00Z"), 30).toISOString()).toBe("2026-11-02T00:00:00.000Z");
    expect(nextRecheck(first, new Date("2026-11-20T00:00:00Z"), 30).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    // After the early looks: every 30 days from the last of them, for as long as the post is shown.
    expect(nextRecheck(first, new Date("2026-12-02T00:00:00Z"), 30).toISOString()).toBe("2026-12-31T00:00:00.000Z");
    expect(nextRecheck(first, new Date("2027-12-01T00:00:00Z"), 30).toISOString()).toBe("2027-12-26T00:00:00.000Z");
    expect(nextRecheck(first, new Date("2026-12-02T00:00:00Z"), 7).toISOString()).toBe("2026-12-08T00:00:00.000Z");
  });

  it("removes a post after two consecutive 404/410 answers, and a later poll never brings it back", async () => {
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 0 }); // nothing due yet
    hub.clock.advance(6 * HOUR);
    status.set("/b", 404);
    status.set("/c", 410);
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 3, present: 1, missing: 2, removed: 0 });
    expect(await visibleTitles()).toEqual(["Post /a", "Post /b", "Post /c"]); // one miss is not enough

    status.set("/c", 200); // /c was a blip
    hub.clock.advance(HOUR);
    expect(await recheckDueItems(hub.deps)).toMatchObject({ checked: 2, present: 1, missing: 1, removed: 1 });
    expect(await visibleTitles()).toEqual(["Post /a", "Post /c"]);
    const [stone] = await hub.deps.db.select().from(tombstones);
    expect(stone).toMatchObject({ courseId, canonicalUrl: server.url("/b"), reason: "deleted_at_source" });

    // The feed still lists /b: the next poll must not resurrect it.
    const [row] = await hub.deps.db
      .select()
      .from(items)
      .where(eq(items.canonicalUrl, server.url("/b")));
    expect(row!.deletedAt).not.toBeNull();
    await hub.deps.db.delete(items).where(eq(items.id, row!.id)); // even if the row itself were gone
    const source = (await hub.deps.db.query.sources.findFirst())!;
    await pollSource(hub.deps, { ...source, etag: null });
    expect(await visibleTitles()).toEqual(["Post /a", "Post /c"]);
  });

  it("uses HEAD, falls back to GET when HEAD is refused, and treats 5xx as proving nothing", async () => {
    server.route("/a", (req, res) => {
      if (req.method === "HEAD") res.writeHead(405).end();
      else res.writeHead(404).end("gone");
    });
    status.set("/b", 503);
    hub.clock.advance(6 * HOUR);
    const summary = await recheckDueItems(hub.deps);
    expect(summary).toMatchObject({ checked: 3, present: 1, missing: 1, inconclusive: 1 });
    expect(server.hits("/a")).toBe(2); // HEAD then GET
    const b = await hub.deps.db.query.items.findFirst({ where: eq(items.canonicalUrl, server.url("/b")) });
    expect(b).toMatchObject({ recheckMisses: 0 });
    expect(b!.recheckAt!.getTime() - hub.clock.now.getTime()).toBe(HOUR);
  });

  it("claims items so that overlapping runs never check one twice", async () => {
    hub.clock.advance(6 * HOUR);
    const [one, two] = await Promise.all([recheckDueItems(hub.deps), recheckDueItems(hub.deps)]);
    expect(one.checked + two.checked).toBe(3);
    expect(server.hits("/a") + server.hits("/b") + server.hits("/c")).toBe(3);
  });
});
