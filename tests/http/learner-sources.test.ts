// A learner registers their own blog from the course (/c/:slug/my-sources);
// it waits, unread, until an instructor or TA approves or refuses it; the
// learner sees its health in plain words. Against a real libSQL file and a
// feed server on 127.0.0.1.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { items, memberships, sources } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { MAX_SOURCES_PER_LEARNER } from "../../src/hub/sources/learner-sources.js";
import { claimDueSources } from "../../src/ingest/poll/poll.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const dir = fileURLToPath(new URL("../fixtures/", import.meta.url));
const read = (path: string, site = "") => readFileSync(dir + path, "utf8").replaceAll("{{site}}", site);
const HTML = "text/html; charset=UTF-8";
const PASSWORD = "correct horse battery";

let hub: TestHub;
let server: FeedServer;
let ida: Client;
let courseId: number;
let otherId: number;
const ids: Record<string, number> = {};

async function person(name: string, memberOf: Array<[number, "instructor" | "ta" | "learner"]>): Promise<Client> {
  const email = `${name.toLowerCase()}@example.org`;
  ids[name] = (await createPerson(hub.deps.db, { email, displayName: name, password: PASSWORD }))!.id;
  for (const [course, role] of memberOf) await hub.deps.db.insert(memberships).values({ courseId: course, personId: ids[name]!, role });
  const client = Client.forApp(hub.app);
  expect((await client.submit("/login", "/login", { email, password: PASSWORD })).status).toBe(303);
  return client;
}

async function mine(name: string) {
  return hub.deps.db.select().from(sources).where(eq(sources.ownerId, ids[name]!));
}

let maya: Client;
let tomas: Client;
let leo: Client;

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  server.feed("/", read("discover/wordpress-home.html", server.url("/")), HTML);
  server.feed("/feed/", fixture("wordpress-rss2.xml"));
  server.feed("/tag/t509massive/feed/", read("discover/wordpress-tag-rss2.xml"));
  ida = await setUpCourse(hub.app);
  await ida.submit("/courses/new", "/courses", { title: "Other course", slug: "other", tags: "other" });
  courseId = (await courseBySlug(hub.deps.db, "t509"))!.id;
  otherId = (await courseBySlug(hub.deps.db, "other"))!.id;
  maya = await person("Maya", [[courseId, "learner"]]);
  tomas = await person("Tomas", [[courseId, "ta"]]);
  leo = await person("Leo", [[otherId, "learner"]]);
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("a learner registering their blog", () => {
  it("finds the feed, keeps it waiting unread for approval, and says so", async () => {
    const page = await (await maya.get("/c/t509/my-sources")).text();
    expect(page).toContain("Register your blog");
    expect(page).toContain('href="/me"');
    const res = await maya.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/"), filter: "tagged" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/c/t509/my-sources");
    const [source] = await mine("Maya");
    expect(source).toMatchObject({
      courseId,
      status: "pending",
      url: server.url("/tag/t509massive/feed/"),
      homePageUrl: server.url("/"),
      ownerName: "Maya",
      discoveryNote: "WordPress blog: using its tag feed for #t509massive, so only course posts are read.",
    });
    expect(source!.createdAt).toEqual(hub.clock.now);
    expect(source!.nextPollAt).toEqual(hub.clock.now);
    expect(await hub.deps.db.select().from(items)).toEqual([]);
    // The poller passes it by.
    expect(await claimDueSources(hub.deps, 100)).toEqual([]);
    const after = await (await maya.get("/c/t509/my-sources")).text();
    expect(after).toContain("Thanks! Your blog is registered and waits for an instructor or TA to approve it.");
    expect(after).toContain("Waiting for approval");
    expect(after).toContain("Until then the hub does not read it.");
  });

  it("explains bad addresses and duplicates on the form, keeping what was typed, and stores nothing", async () => {
    server.feed("/pat/", read("discover/no-feed.html"), HTML);
    const cases: Array<[string, string]> = [
      ["", "Your blog&#39;s address is required."],
      ["ftp://example.org/", "ftp"],
      [server.url("/pat/"), "No feed found on this page"],
    ];
    for (const [url, message] of cases) {
      const res = await maya.submit("/c/t509/my-sources", "/c/t509/my-sources", { url });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).toContain('aria-invalid="true"');
    }
    expect(await mine("Maya")).toEqual([]);
    await maya.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/") });
    const twice = await tomas.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/") });
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain("already part of the course");
  });

  it(`accepts at most ${MAX_SOURCES_PER_LEARNER} blogs per learner and course`, async () => {
    for (let i = 0; i < MAX_SOURCES_PER_LEARNER; i++) {
      server.feed(`/b${i}.xml`, fixture("wordpress-rss2.xml"));
      expect((await maya.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url(`/b${i}.xml`) })).status).toBe(303);
    }
    server.feed("/b9.xml", fixture("wordpress-rss2.xml"));
    const res = await maya.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/b9.xml") });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(`You have ${MAX_SOURCES_PER_LEARNER} blogs in this course, the most there can be.`);
    expect(await mine("Maya")).toHaveLength(MAX_SOURCES_PER_LEARNER);
  });

  it("is for members of the course: others are refused, visitors sent to sign in", async () => {
    const refused = await leo.get("/c/t509/my-sources");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("/c/t509/join");
    await leo.get("/c/other/my-sources");
    expect((await leo.post("/c/t509/my-sources", { _csrf: leo.cookie("tributary_csrf")!, url: server.url("/") })).status).toBe(403);
    expect(await mine("Leo")).toEqual([]);
    expect((await Client.forApp(hub.app).get("/c/t509/my-sources")).headers.get("location")).toBe("/login?next=%2Fc%2Ft509%2Fmy-sources");
    expect((await maya.get("/c/nowhere/my-sources")).status).toBe(404);
  });

  it("is refused without the CSRF token", async () => {
    expect((await maya.post("/c/t509/my-sources", { url: server.url("/") })).status).toBe(403);
    expect(await mine("Maya")).toEqual([]);
  });

  it("is approved at once for someone who runs the course, and read straight away", async () => {
    const res = await tomas.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/") });
    expect(res.status).toBe(303);
    const [source] = await mine("Tomas");
    expect(source!.status).toBe("active");
    expect(await (await tomas.get("/c/t509/my-sources")).text()).toContain("Your blog is in the course: 3 post(s) found.");
    const rows = await hub.deps.db.select().from(items);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.personId === ids.Tomas)).toBe(true);
  });
});

describe("approving and refusing", () => {
  beforeEach(async () => {
    await maya.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/") });
  });

  it("lists waiting blogs on the Manage page; approving reads the blog and its posts count as the learner's", async () => {
    const manage = await (await tomas.get("/c/t509/manage")).text();
    expect(manage).toContain("Blogs waiting for approval");
    expect(manage).toContain("maya@example.org");
    const [source] = await mine("Maya");
    expect(manage).toContain(`action="/c/t509/manage/sources/${source!.id}/approve"`);

    const res = await tomas.submit("/c/t509/manage", `/c/t509/manage/sources/${source!.id}/approve`, {});
    expect(res.status).toBe(303);
    expect(await (await tomas.get("/c/t509/manage")).text()).toContain("Approved: 3 post(s) found.");
    const [after] = await mine("Maya");
    expect(after).toMatchObject({ status: "active", failureCount: 0 });
    expect(after!.lastSuccessAt).not.toBeNull();
    const rows = await hub.deps.db.select().from(items);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.personId === ids.Maya)).toBe(true);
    const flow = await (await Client.forApp(hub.app).get("/c/t509")).text();
    expect(flow).toContain("Week 1: hello, network");

    const health = await (await maya.get("/c/t509/my-sources")).text();
    expect(health).toContain('<span class="badge ok">Working</span>');
    expect(health).toContain("Next: ");
    // Approving twice finds nothing waiting.
    expect((await tomas.submit("/c/t509/manage", `/c/t509/manage/sources/${source!.id}/approve`, {})).status).toBe(404);
  });

  it("refusing keeps the blog unread and tells the learner, who can remove it", async () => {
    const [source] = await mine("Maya");
    const res = await ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source!.id}/refuse`, {});
    expect(res.status).toBe(303);
    const [after] = await mine("Maya");
    expect(after!.status).toBe("blocked");
    expect(await claimDueSources(hub.deps, 100)).toEqual([]);
    expect(await (await ida.get("/c/t509/manage")).text()).not.toContain("Blogs waiting for approval");
    const page = await (await maya.get("/c/t509/my-sources")).text();
    expect(page).toContain("Not accepted");
    expect(page).toContain("did not accept this blog");

    // Another learner cannot remove it; Maya can.
    const noor = await person("Noor", [[courseId, "learner"]]);
    expect((await noor.submit("/c/t509/my-sources", `/c/t509/my-sources/${source!.id}/remove`, { confirm: "yes" })).status).toBe(404);
    expect((await maya.submit("/c/t509/my-sources", `/c/t509/my-sources/${source!.id}/remove`, { confirm: "yes" })).status).toBe(303);
    expect(await mine("Maya")).toEqual([]);
  });

  it("shows a failing blog's error in plain words and when it is tried next", async () => {
    server.route("/tag/t509massive/feed/", (_req, res) => res.writeHead(500, { "content-type": "text/plain" }).end("oops"));
    const [source] = await mine("Maya");
    const res = await tomas.submit("/c/t509/manage", `/c/t509/manage/sources/${source!.id}/approve`, {});
    expect(res.status).toBe(303);
    expect(await (await tomas.get("/c/t509/manage")).text()).toContain("Approved, but it could not be read yet:");
    const [after] = await mine("Maya");
    const page = await (await maya.get("/c/t509/my-sources")).text();
    expect(page).toContain('<span class="badge bad">Not working</span>');
    expect(page).toContain(after!.lastError!.replaceAll("'", "&#39;"));
    expect(page).toContain("The hub will try again.");
    expect(page).not.toMatch(/at \w+ \(.*:\d+:\d+\)/); // no stack trace
  });

  it("is for instructors and TAs of this course only", async () => {
    const [source] = await mine("Maya");
    expect((await maya.submit("/c/t509/my-sources", `/c/t509/manage/sources/${source!.id}/approve`, {})).status).toBe(403);
    expect((await leo.submit("/c/other/my-sources", `/c/t509/manage/sources/${source!.id}/refuse`, {})).status).toBe(403);
    // An instructor of another course cannot reach it through their own course either.
    const olga = await person("Olga", [[otherId, "instructor"]]);
    expect((await olga.submit("/c/other/manage", `/c/other/manage/sources/${source!.id}/approve`, {})).status).toBe(404);
    expect((await mine("Maya"))[0]!.status).toBe("pending");
    expect((await tomas.post(`/c/t509/manage/sources/${source!.id}/approve`, {})).status).toBe(403); // no CSRF token
    expect((await mine("Maya"))[0]!.status).toBe("pending");
  });
});
