// Automatic linking after ingest: a learner's new post that carries a tag of one of their active
// objectives becomes a portfolio entry linked to it, through the real poll path (a registered,
// approved blog served by a feed server on 127.0.0.1). Re-polling makes no duplicates, a pair the
// learner unlinked by hand stays unlinked, a dropped objective gets nothing, and a failure in
// linking never fails the poll.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin, createPerson } from "../../../src/accounts/people.js";
import { memoryLog } from "../../../src/core/log.js";
import { items, memberships, type Person, portfolioEntries, portfolioLinks, type Source, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { approveSource, registerLearnerSource } from "../../../src/hub/sources/learner-sources.js";
import { pollSource } from "../../../src/ingest/poll/poll.js";
import { ingestTick } from "../../../src/jobs/tick.js";
import { createObjective, setObjectiveStatus } from "../../../src/pls/plan/objectives.js";
import { autoLinkItems, unlinkEntry } from "../../../src/pls/portfolio/portfolio.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let courseId: number;
let maya: Person;
let source: Source;
let datavis: number;
let dropped: number;
let planned: number;

const DAY = 86_400_000;

/** Maya's blog: each post with its categories (tags). */
function feed(posts: Array<{ slug: string; tags: string[] }>): string {
  const entries = posts.map((p, i) => {
    const date = new Date(Date.parse("2026-10-20T10:00:00Z") + i * DAY).toUTCString();
    const cats = p.tags.map((t) => `<category>${t}</category>`).join("");
    return `<item><title>Post ${p.slug}</title><link>https://maya.example.org/${p.slug}/</link><guid>https://maya.example.org/${p.slug}/</guid><pubDate>${date}</pubDate>${cats}</item>`;
  });
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>https://maya.example.org/</link>${entries.join("")}</channel></rss>`;
}

async function entries() {
  return hub.deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, maya.id)).orderBy(portfolioEntries.id);
}

async function linksOf(entryId: number) {
  return hub.deps.db.select().from(portfolioLinks).where(eq(portfolioLinks.entryId, entryId)).orderBy(portfolioLinks.objectiveId);
}

/** Moves the clock on and makes Maya's blog due, as the schedule would in time. */
async function later() {
  hub.clock.advance(DAY);
  await hub.deps.db.update(sources).set({ nextPollAt: hub.clock.now }).where(eq(sources.id, source.id));
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  const { db } = hub.deps;
  const admin = await createFirstAdmin(db, { email: "ida@example.org", displayName: "Ida", password: "correct horse battery" });
  courseId = (
    await createCourse(db, { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null }, admin!)
  ).id;
  maya = (await createPerson(db, { email: "maya@example.org", displayName: "Maya", password: "correct horse battery" }))!;
  await db.insert(memberships).values({ courseId, personId: maya.id, role: "learner" });
  const deps = hub.deps;
  datavis = (await createObjective(deps, maya.id, { title: "Learn data visualisation", tags: "#DataVis", status: "active" })).id;
  dropped = (await createObjective(deps, maya.id, { title: "An old plan", tags: "datavis", status: "dropped" })).id;
  planned = (await createObjective(deps, maya.id, { title: "Later", tags: "datavis", status: "planned" })).id;

  server.feed(
    "/maya.xml",
    feed([
      { slug: "charts", tags: ["t509massive", "datavis"] },
      { slug: "hello", tags: ["t509massive"] },
    ]),
  );
  const added = await registerLearnerSource(deps, courseId, maya, { address: server.url("/maya.xml"), filter: "tagged" }, false);
  expect(added.source.status).toBe("pending");
  source = (await approveSource(db, courseId, added.source.id, hub.clock.now))!;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("automatic linking after a poll", () => {
  it("makes a new tagged post an entry linked to the active objective, and only to it", async () => {
    const tick = await ingestTick(hub.deps);
    expect(tick.poll).toMatchObject({ ok: 1, stored: 2 });
    const [charts] = await hub.deps.db.select().from(items).where(eq(items.canonicalUrl, "https://maya.example.org/charts/"));
    const rows = await entries();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      itemId: charts!.id,
      url: "https://maya.example.org/charts/",
      title: "Post charts",
      kind: "item",
      visibility: "private",
    });
    // Not the dropped objective, not the planned one, though both carry the tag.
    const links = await linksOf(rows[0]!.id);
    expect(links).toEqual([{ entryId: rows[0]!.id, objectiveId: datavis, auto: true, removed: false }]);
    expect(links.map((l) => l.objectiveId)).not.toContain(dropped);
    expect(links.map((l) => l.objectiveId)).not.toContain(planned);
    expect(hub.log.lines.some((l) => l.msg === "pls.autolink" && l.links === 1)).toBe(true);
  });

  it("adds no duplicates on later polls, and never re-makes a link the learner removed", async () => {
    await ingestTick(hub.deps);
    const [first] = await entries();
    await unlinkEntry(hub.deps, maya.id, first!.id, datavis);

    // The blog gains a second datavis post; the feed changed, so every post is written again.
    server.feed(
      "/maya.xml",
      feed([
        { slug: "charts", tags: ["t509massive", "datavis"] },
        { slug: "hello", tags: ["t509massive"] },
        { slug: "maps", tags: ["t509massive", "datavis"] },
      ]),
    );
    await later();
    expect((await ingestTick(hub.deps)).poll).toMatchObject({ ok: 1, stored: 3 });
    const rows = await entries();
    expect(rows.map((e) => e.url)).toEqual(["https://maya.example.org/charts/", "https://maya.example.org/maps/"]);
    expect(await linksOf(first!.id)).toMatchObject([{ objectiveId: datavis, removed: true }]);
    expect(await linksOf(rows[1]!.id)).toEqual([{ entryId: rows[1]!.id, objectiveId: datavis, auto: true, removed: false }]);

    // Linking the same posts again, as a re-run would, changes nothing.
    const all = (await hub.deps.db.select({ id: items.id }).from(items)).map((r) => r.id);
    expect(await autoLinkItems(hub.deps, maya.id, all)).toBe(0);
    expect(await entries()).toHaveLength(2);
    expect(await linksOf(first!.id)).toMatchObject([{ objectiveId: datavis, removed: true }]);
  });

  it("links after a lone 'poll now' too", async () => {
    const outcome = await pollSource(hub.deps, source);
    expect(outcome).toMatchObject({ ok: true, stored: 2 });
    const rows = await entries();
    expect(rows).toHaveLength(1);
    expect(await linksOf(rows[0]!.id)).toEqual([{ entryId: rows[0]!.id, objectiveId: datavis, auto: true, removed: false }]);
  });

  it("runs with the poll's own deps: a copy with another log (as the Worker makes per handler) gets the lines", async () => {
    const handlerLog = memoryLog();
    expect(await pollSource({ ...hub.deps, log: handlerLog }, source)).toMatchObject({ ok: true, stored: 2 });
    expect(handlerLog.lines.some((l) => l.msg === "pls.autolink" && l.links === 1)).toBe(true);
    expect(hub.log.lines.some((l) => l.msg === "pls.autolink")).toBe(false);
  });

  it("leaves a learner alone once the objective is dropped", async () => {
    await setObjectiveStatus(hub.deps, maya.id, datavis, "dropped");
    expect((await ingestTick(hub.deps)).poll).toMatchObject({ ok: 1, stored: 2 });
    expect(await entries()).toEqual([]);
  });

  it("never fails the poll when linking fails", async () => {
    // Linking cannot write without its table: the poll must still store the posts.
    await hub.database.client.execute("DROP TABLE portfolio_links");
    const tick = await ingestTick(hub.deps);
    expect(tick.poll).toMatchObject({ ok: 1, failed: 0, stored: 2 });
    expect(await hub.deps.db.select().from(items)).toHaveLength(2);
    expect(hub.log.lines.some((l) => l.msg === "poll.after_poll_failed" && l.level === "error")).toBe(true);
  });
});
