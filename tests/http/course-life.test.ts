// Polling bound to the course's life, seen through the pages: an ended course says so and keeps
// taking posts, its instructors reopen it; "Poll all now" and a learner's "Check my blog now";
// the Manage page tells each feed's next poll in plain words; failing feeds are counted in the
// course navigation for those who run it, and a learner whose blog fails is told what to do.
// Against a real libSQL file and feeds served on 127.0.0.1.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { courses, memberships, sources } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { addFeedSource } from "../../src/hub/sources/sources.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
const MINUTE = 60_000;

let hub: TestHub;
let server: FeedServer;
let ida: Client;
let courseId: number;

async function learner(name: string): Promise<{ client: Client; id: number }> {
  const email = `${name.toLowerCase()}@example.org`;
  const id = (await createPerson(hub.deps.db, { email, displayName: name, password: PASSWORD }))!.id;
  await hub.deps.db.insert(memberships).values({ courseId, personId: id, role: "learner" });
  const client = Client.forApp(hub.app);
  expect((await client.submit("/login", "/login", { email, password: PASSWORD })).status).toBe(303);
  return { client, id };
}

async function blog(path: string, ownerId: number | null = null) {
  server.feed(path, fixture("wordpress-rss2.xml"));
  return addFeedSource(hub.deps.db, courseId, { url: server.url(path), filter: "all" }, ownerId, hub.clock.now);
}

const sourceRow = async (id: number) => (await hub.deps.db.select().from(sources).where(eq(sources.id, id)))[0]!;
const flashOf = async (client: Client, path: string) => /class="flash"[^>]*>([^<]*)</.exec(await (await client.get(path)).text())?.[1];

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  ida = await setUpCourse(hub.app);
  courseId = (await courseBySlug(hub.deps.db, "t509"))!.id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("an ended course", () => {
  beforeEach(async () => {
    await hub.deps.db.update(courses).set({ endsOn: "2026-10-31" }).where(eq(courses.id, courseId)); // the clock: 2026-11-01
  });

  it("says so on its pages, and that posts with the tag still arrive", async () => {
    const visitor = Client.forApp(hub.app);
    for (const path of ["/c/t509", "/c/t509/blog", "/c/t509/people"]) {
      const html = await (await visitor.get(path)).text();
      expect(html, path).toContain("This course ended on 31 Oct 2026 — posts with the tag still arrive.");
      expect(html, path).not.toContain("Reopen it");
    }
    expect(await (await ida.get("/c/t509")).text()).toContain('href="/c/t509/manage/settings#reopen-h">Reopen it</a>');
  });

  it("is reopened by an instructor: no end date, and its blogs are read within the hour again", async () => {
    const s = await blog("/quiet.xml");
    await hub.deps.db
      .update(sources)
      .set({ nextPollAt: new Date(hub.clock.now.getTime() + 20 * 60 * MINUTE) })
      .where(eq(sources.id, s.id));
    const settings = await (await ida.get("/c/t509/manage/settings")).text();
    expect(settings).toContain("Reopen the course");
    const res = await ida.submit("/c/t509/manage/settings", "/c/t509/manage/settings/reopen", {});
    expect(res.status).toBe(303);
    expect((await courseBySlug(hub.deps.db, "t509"))!).toMatchObject({ endsOn: null, archived: false });
    expect((await sourceRow(s.id)).nextPollAt.getTime()).toBe(hub.clock.now.getTime() + 60 * MINUTE);
    const after = await (await ida.get("/c/t509")).text();
    expect(after).not.toContain("This course ended");
    expect(await (await ida.get("/c/t509/manage/settings")).text()).not.toContain("Reopen the course");
  });

  it("runs again when its end date is moved on in the settings, with the same bound", async () => {
    const s = await blog("/quiet.xml");
    await hub.deps.db
      .update(sources)
      .set({ nextPollAt: new Date(hub.clock.now.getTime() + 20 * 60 * MINUTE) })
      .where(eq(sources.id, s.id));
    const res = await ida.submit("/c/t509/manage/settings", "/c/t509/manage/settings", {
      title: "T509 Massive",
      tags: "#t509massive",
      startsOn: "",
      endsOn: "2026-12-15",
      description: "",
      joinCode: "",
    });
    expect(res.status).toBe(303);
    expect((await sourceRow(s.id)).nextPollAt.getTime()).toBe(hub.clock.now.getTime() + 60 * MINUTE);
  });

  it("cannot be reopened by a learner", async () => {
    const { client } = await learner("Maya");
    const res = await client.submit("/c/t509/my-sources", "/c/t509/manage/settings/reopen", {});
    expect(res.status).toBe(403);
    expect((await courseBySlug(hub.deps.db, "t509"))!.endsOn).toBe("2026-10-31");
  });
});

describe("Poll all now", () => {
  it("reads a message's worth of the course's blogs at once and makes the rest due now", async () => {
    hub.deps.config = { ...hub.deps.config, pollMessageSize: 2 };
    const later = new Date(hub.clock.now.getTime() + 50 * MINUTE);
    const made = [await blog("/a.xml"), await blog("/b.xml"), await blog("/c.xml")];
    await hub.deps.db.update(sources).set({ nextPollAt: later });
    const res = await ida.submit("/c/t509/manage", "/c/t509/manage/sources/poll-all", {});
    expect(res.status).toBe(303);
    const message = await flashOf(ida, "/c/t509/manage");
    expect(message).toMatch(/^Read 2 source\(s\) now: \d+ post\(s\) stored; the other 1 are read within the next few minutes\.$/);
    const rows = await Promise.all(made.map((s) => sourceRow(s.id)));
    expect(rows.filter((r) => r.lastPolledAt !== null)).toHaveLength(2);
    const waiting = rows.find((r) => r.lastPolledAt === null)!;
    expect(waiting.nextPollAt.getTime()).toBe(hub.clock.now.getTime());
    expect(["/a.xml", "/b.xml", "/c.xml"].reduce((n, p) => n + server.hits(p), 0)).toBe(2);
  });
});

describe("a learner's Check my blog now", () => {
  it("reads their own blog at once, says what it found, and waits a minute before reading it again", async () => {
    const maya = await learner("Maya");
    const s = await blog("/maya.xml", maya.id);
    const res = await maya.client.submit("/c/t509/my-sources", `/c/t509/my-sources/${s.id}/check`, {});
    expect(res.status).toBe(303);
    expect(await flashOf(maya.client, "/c/t509/my-sources")).toMatch(
      /^Read your blog: \d+ post\(s\) in its feed, \d+ post\(s\) in the course\.$/,
    );
    expect(server.hits("/maya.xml")).toBe(1);

    hub.clock.advance(20_000);
    await maya.client.submit("/c/t509/my-sources", `/c/t509/my-sources/${s.id}/check`, {});
    expect(await flashOf(maya.client, "/c/t509/my-sources")).toBe("Your blog was read moments ago; you can check again in 40 second(s).");
    expect(server.hits("/maya.xml")).toBe(1);

    hub.clock.advance(41_000);
    await maya.client.submit("/c/t509/my-sources", `/c/t509/my-sources/${s.id}/check`, {});
    expect(await flashOf(maya.client, "/c/t509/my-sources")).toBe("Read your blog: nothing new since the last time.");
    expect(server.hits("/maya.xml")).toBe(2);
  });

  it("is only for the learner's own blogs", async () => {
    const maya = await learner("Maya");
    const omar = await learner("Omar");
    const s = await blog("/maya.xml", maya.id);
    const res = await omar.client.submit("/c/t509/my-sources", `/c/t509/my-sources/${s.id}/check`, {});
    expect(res.status).toBe(404);
    const bad = await omar.client.submit("/c/t509/my-sources", "/c/t509/my-sources/NaN/check", {});
    expect(bad.status).toBe(404);
    expect(server.hits("/maya.xml")).toBe(0);
  });
});

describe("feed health inside the hub", () => {
  it("counts failing feeds in the course navigation for those who run the course, and tells the learner what to do", async () => {
    const maya = await learner("Maya");
    server.route("/moved.xml", (_req, res) => void res.writeHead(404).end());
    const s = await addFeedSource(hub.deps.db, courseId, { url: server.url("/moved.xml"), filter: "all" }, maya.id, hub.clock.now);
    await maya.client.submit("/c/t509/my-sources", `/c/t509/my-sources/${s.id}/check`, {});

    const manage = await (await ida.get("/c/t509/manage")).text();
    expect(manage).toContain('<span class="badge bad">1 failing</span>');
    expect(await (await ida.get("/c/t509")).text()).toContain("1 failing");
    const mine = await (await maya.client.get("/c/t509/my-sources")).text();
    expect(mine).not.toContain("1 failing");
    expect(mine).toContain("Not working");
    expect(mine).toContain("What to do:</strong> The feed&#39;s address answers &quot;not found&quot;.");
    // And on their own page across courses, with the way to the course where it is.
    const me = await (await maya.client.get("/me")).text();
    expect(me).toContain("Your blogs that are not working");
    expect(me).toContain('href="/c/t509/my-sources"');
    expect(me).toContain("The feed&#39;s address answers &quot;not found&quot;.");
    expect(await (await ida.get("/me")).text()).not.toContain("Your blogs that are not working");
  });

  it("tells the next poll in plain words on the Manage page", async () => {
    const s = await blog("/soon.xml");
    await hub.deps.db
      .update(sources)
      .set({ nextPollAt: new Date(hub.clock.now.getTime() + 42 * MINUTE) })
      .where(eq(sources.id, s.id));
    const manage = await (await ida.get("/c/t509/manage")).text();
    expect(manage).toContain(">in 42 minutes</time>");
    expect(manage).toContain("each blog is read at least every 60 minutes");
  });
});
