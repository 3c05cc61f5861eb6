// The hub knows its people: a blog an instructor adds with its owner's name is that person's, a
// roster person of the course, shown under that name everywhere (never "guest") until the learner
// claims the place with the link the instructor hands them. Real SQLite file, a feed on 127.0.0.1.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { identities as identitiesTable, items, memberships, people, sources } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { ingestTick } from "../../src/jobs/tick.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
let hub: TestHub;
let server: FeedServer;
let ida: Client;
let courseId: number;

async function signUp(name: string): Promise<{ client: Client; id: number }> {
  const email = `${name.toLowerCase()}@example.org`;
  const id = (await createPerson(hub.deps.db, { email, displayName: name, password: PASSWORD }))!.id;
  const client = Client.forApp(hub.app);
  expect((await client.submit("/login", "/login", { email, password: PASSWORD })).status).toBe(303);
  return { client, id };
}

const rosterPeople = () => hub.deps.db.select().from(people).where(eq(people.rosterOf, courseId));
const text = async (client: Client, path: string) => (await client.get(path)).text();

/** The instructor adds Maya's blog with her name, and the hub reads it. */
async function addMayasBlog() {
  const res = await ida.submit("/c/t509/manage", "/c/t509/manage/sources", {
    url: server.url("/maya.xml"),
    filter: "all",
    ownerName: "Maya Lopez",
  });
  expect(res.status).toBe(303);
}

async function claimLink(): Promise<string> {
  const [maya] = await rosterPeople();
  const html = await (await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${maya!.id}/claim-link`, {})).text();
  const link = /<code class="secret">([^<]+)<\/code>/.exec(html)?.[1];
  expect(link).toMatch(/\/claim\/trc_/);
  return new URL(link!).pathname;
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
  ida = await setUpCourse(hub.app);
  courseId = (await courseBySlug(hub.deps.db, "t509"))!.id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("the roster", () => {
  it("shows a blog added with its owner's name under that name everywhere, never as a guest's", async () => {
    await addMayasBlog();
    const [maya] = await rosterPeople();
    expect(maya).toMatchObject({ displayName: "Maya Lopez" });
    const posts = await hub.deps.db.select().from(items).where(eq(items.courseId, courseId));
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((p) => p.personId === maya!.id)).toBe(true);

    const visitor = Client.forApp(hub.app);
    const flow = await text(visitor, "/c/t509");
    expect(flow).toContain(`href="/c/t509/people/${maya!.id}">Maya Lopez</a>`);
    expect(flow).not.toContain("badge guest");
    expect(flow).toContain(`<option value="${maya!.id}"`); // the "Who" filter
    expect(await text(visitor, "/c/t509/people")).toContain("Maya Lopez");
    expect(JSON.parse(await text(visitor, "/c/t509/feed.json")).items[0].authors).toMatchObject([{ name: "Maya Lopez" }]);
    // Classmates take her blog with them.
    const omar = await signUp("Omar");
    await hub.deps.db.insert(memberships).values({ courseId, personId: omar.id, role: "learner" });
    expect(await text(omar.client, "/c/t509/network/blogs.opml")).toContain("Maya Lopez");
    // On the People page the instructor sees her apart from the accounts, with no placeholder address.
    const manage = await text(ida, "/c/t509/manage/people");
    expect(manage).toContain("On the roster, without an account yet");
    expect(manage).not.toContain("roster.invalid");
  });

  it("is claimed with the instructor's link: the learner becomes the person, posts and blog included; the link works once", async () => {
    await addMayasBlog();
    const path = await claimLink();

    const visitor = Client.forApp(hub.app);
    const before = await visitor.get(path);
    expect(before.headers.get("cache-control")).toBe("no-store");
    const page = await before.text();
    expect(page).toContain("under the name <strong>Maya Lopez</strong>");
    expect(page).toContain(`/signup?next=${encodeURIComponent(path)}`);

    const maya = await signUp("Maya");
    const res = await maya.client.submit(path, path, {});
    expect(res.status).toBe(303);
    expect(await rosterPeople()).toEqual([]);
    const posts = await hub.deps.db.select().from(items).where(eq(items.courseId, courseId));
    expect(posts.every((p) => p.personId === maya.id)).toBe(true);
    expect((await hub.deps.db.select().from(sources))[0]!.ownerId).toBe(maya.id);
    const [member] = await hub.deps.db.select().from(memberships).where(eq(memberships.personId, maya.id));
    expect(member).toMatchObject({ courseId, role: "learner" });
    expect(await text(maya.client, "/c/t509/my-sources")).toContain("You are Maya Lopez in T509 Massive now");

    // Used once: a second use (by anyone) finds nothing.
    const omar = await signUp("Omar");
    expect((await omar.client.get(path)).status).toBe(410);
    expect((await omar.client.submit("/me", path, {})).status).toBe(410);
  });

  it("keeps a link with an email for that account only, and a new link stops the old", async () => {
    await addMayasBlog();
    const [roster] = await rosterPeople();
    await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${roster!.id}`, {
      displayName: "Maya López",
      email: "maya@example.org",
    });
    const old = await claimLink();
    const path = await claimLink();
    const omar = await signUp("Omar");
    expect((await omar.client.get(old)).status).toBe(410);
    expect(await text(omar.client, path)).toContain("This link is for the account with the email m…@example.org");
    expect((await omar.client.submit("/me", path, {})).status).toBe(403);
    expect(await rosterPeople()).toHaveLength(1);
    const maya = await signUp("Maya");
    expect((await maya.client.submit(path, path, {})).status).toBe(303);
    expect(await rosterPeople()).toEqual([]);
  });

  it("points a learner registering a roster blog to the claim", async () => {
    await addMayasBlog();
    const maya = await signUp("Maya");
    await hub.deps.db.insert(memberships).values({ courseId, personId: maya.id, role: "learner" });
    const res = await maya.client.submit("/c/t509/my-sources", "/c/t509/my-sources", { url: server.url("/maya.xml"), filter: "all" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(
      "This blog is on the course&#39;s roster as Maya Lopez. If it is yours, ask your instructor for your claim link",
    );
  });

  it("is renamed, and taken off the roster (after a confirmation) with their posts back to a guest's", async () => {
    await addMayasBlog();
    const [roster] = await rosterPeople();
    await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${roster!.id}`, { displayName: "Maya López" });
    expect((await rosterPeople())[0]!.displayName).toBe("Maya López");
    const unconfirmed = await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${roster!.id}/remove`, {});
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain("Tick the box to confirm");
    expect(await rosterPeople()).toHaveLength(1);
    await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${roster!.id}/remove`, { confirm: "yes" });
    expect(await rosterPeople()).toEqual([]);
    const posts = await hub.deps.db.select().from(items).where(eq(items.courseId, courseId));
    expect(posts.every((p) => p.personId === null)).toBe(true);
  });

  it("gives blogs added with a name before the roster existed their roster person, at the next tick", async () => {
    await ida.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/maya.xml"), filter: "all" });
    const [s] = await hub.deps.db.select().from(sources);
    await hub.deps.db.update(sources).set({ ownerName: "Maya Lopez" }).where(eq(sources.id, s!.id)); // as an older version stored it
    await ingestTick(hub.deps);
    const [maya] = await rosterPeople();
    expect(maya!.displayName).toBe("Maya Lopez");
    expect((await hub.deps.db.select().from(sources))[0]!.ownerId).toBe(maya!.id);
    const posts = await hub.deps.db.select().from(items).where(eq(items.courseId, courseId));
    expect(posts.every((p) => p.personId === maya!.id)).toBe(true);
  });
});

describe("claiming by proof", () => {
  it("makes a learner who proves the roster blog is theirs (rel=me) that roster person", async () => {
    await addMayasBlog();
    const [roster] = await rosterPeople();
    await hub.deps.db.update(sources).set({ homePageUrl: server.url("/maya/") });
    const maya = await signUp("Maya");
    // Her blog's home page links back to her hub profile with rel="me".
    server.feed(
      "/maya/",
      `<!doctype html><title>Maya</title><a rel="me" href="http://localhost:8787/people/${maya.id}">me on the hub</a>`,
      "text/html",
    );
    await maya.client.submit("/me", "/me/identities", { kind: "blog", address: server.url("/maya/") });
    const [identity] = await hub.deps.db.select().from(identitiesTable).where(eq(identitiesTable.personId, maya.id));
    const res = await maya.client.submit("/me", `/me/identities/${identity!.id}/verify`, {});
    expect(res.status).toBe(303);
    expect(await text(maya.client, "/me")).toContain("You have taken your place on the roster as Maya Lopez.");
    expect(await rosterPeople()).toEqual([]);
    expect((await hub.deps.db.select().from(sources))[0]!.ownerId).toBe(maya.id);
    const posts = await hub.deps.db.select().from(items).where(eq(items.courseId, courseId));
    expect(posts.every((p) => p.personId === maya.id)).toBe(true);
    expect(roster!.id).not.toBe(maya.id);
  });

  it("never lets someone take a roster place without proof: a blog page that links elsewhere proves nothing", async () => {
    await addMayasBlog();
    await hub.deps.db.update(sources).set({ homePageUrl: server.url("/maya/") });
    const omar = await signUp("Omar");
    server.feed(
      "/maya/",
      `<!doctype html><title>Maya</title><a rel="me" href="http://localhost:8787/people/999">someone else</a>`,
      "text/html",
    );
    await omar.client.submit("/me", "/me/identities", { kind: "blog", address: server.url("/maya/") });
    const [identity] = await hub.deps.db.select().from(identitiesTable).where(eq(identitiesTable.personId, omar.id));
    await omar.client.submit("/me", `/me/identities/${identity!.id}/verify`, {});
    expect(await rosterPeople()).toHaveLength(1);
    const posts = await hub.deps.db.select().from(items).where(eq(items.courseId, courseId));
    expect(posts.some((p) => p.personId === omar.id)).toBe(false);
  });
});

describe("a guest author merged into a roster person", () => {
  it("moves the guest's posts to them after a confirmation, and their next posts follow", async () => {
    await addMayasBlog();
    const [roster] = await rosterPeople();
    const at = hub.clock.now;
    await hub.deps.db.insert(items).values({
      courseId,
      kind: "mastodon",
      externalId: "https://mastodon.example/users/maya/statuses/1",
      canonicalUrl: "https://mastodon.example/@maya/1",
      postKey: "https://mastodon.example/@maya/1",
      title: "A toot",
      authorKey: "maya@mastodon.example",
      authorHandle: "@maya@mastodon.example",
      publishedAt: at,
      firstSeenAt: at,
      lastSeenAt: at,
    });
    const page = await text(ida, "/c/t509/manage/people");
    expect(page).toContain("@maya@mastodon.example (Mastodon, 1 post)");
    const unconfirmed = await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${roster!.id}/merge`, {
      guest: "mastodon maya@mastodon.example",
    });
    expect(unconfirmed.status).toBe(400);
    expect(await unconfirmed.text()).toContain("Tick the box to confirm you have checked this account is theirs.");
    const res = await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${roster!.id}/merge`, {
      guest: "mastodon maya@mastodon.example",
      confirm: "yes",
    });
    expect(res.status).toBe(303);
    const [toot] = await hub.deps.db.select().from(items).where(eq(items.kind, "mastodon"));
    expect(toot!.personId).toBe(roster!.id);
    const [account] = await hub.deps.db.select().from(identitiesTable).where(eq(identitiesTable.personId, roster!.id));
    expect(account).toMatchObject({ kind: "mastodon", authorKey: "maya@mastodon.example", verifiedBy: "roster" });
    // A learner can still claim the place and take the account with them.
    const maya = await signUp("Maya");
    const path = await claimLink();
    await maya.client.submit(path, path, {});
    const [moved] = await hub.deps.db.select().from(identitiesTable).where(eq(identitiesTable.authorKey, "maya@mastodon.example"));
    expect(moved!.personId).toBe(maya.id);
  });
});
