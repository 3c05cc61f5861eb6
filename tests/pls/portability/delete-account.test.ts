// Deleting one's account: the page says what goes and asks for the password; a wrong password
// deletes nothing; the right one leaves no row of the person in any table (tombstones keep only a
// course and an address), signs them out, and the posts never return when their blog is polled
// again. The hub's only administrator is refused.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { courses, items, memberships, type Person, plsRemoteItems, sources, tombstones } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { approveSource, registerLearnerSource } from "../../../src/hub/sources/learner-sources.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { listFollows } from "../../../src/pls/portability/follows.js";
import { issueGrant, logAccess } from "../../../src/pls/sharing/grants.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { Client, createTestHub, type TestHub } from "../../helpers/hub.js";
import { fillPls, learnerWithPosts, PASSWORD } from "./backpack-fixture.js";

let hub: TestHub;
let server: FeedServer;
let maya: Person;
let noor: Person;
let courseId: number;

const BLOG = ["https://maya-quetzal.example.org/charts/", "https://maya-quetzal.example.org/maps/"];

function rss(): string {
  const entries = BLOG.map(
    (url, i) =>
      `<item><title>Maya Quetzal post ${i}</title><link>${url}</link><guid>${url}</guid><pubDate>${new Date(Date.parse("2026-10-20T10:00:00Z") + i * 86_400_000).toUTCString()}</pubDate><category>t509massive</category></item>`,
  );
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya Quetzal's blog</title><link>https://maya-quetzal.example.org/</link>${entries.join("")}</channel></rss>`;
}

async function signIn(email: string): Promise<Client> {
  const client = Client.forApp(hub.app);
  const res = await client.submit("/login", "/login", { email, password: PASSWORD });
  expect(res.status).toBe(303);
  return client;
}

/** Every table's rows as text, each row tagged with its table. */
async function allRows(): Promise<Array<{ table: string; row: Record<string, unknown>; text: string }>> {
  const tables = await hub.database.client.execute(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%drizzle%' ORDER BY name",
  );
  const out: Array<{ table: string; row: Record<string, unknown>; text: string }> = [];
  for (const { name } of tables.rows) {
    const res = await hub.database.client.execute(`SELECT * FROM "${String(name)}"`);
    for (const r of res.rows) {
      const row = Object.fromEntries(res.columns.map((c, i) => [c, r[i]]));
      out.push({ table: String(name), row, text: JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)) });
    }
  }
  return out;
}

/** Noor's own rows: keyed by her id, or her account itself. */
async function noorsRows() {
  return (await allRows()).filter((r) => r.row.person_id === noor.id || r.row.owner_id === noor.id || r.text.includes("noor@example.org"));
}

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  const { db } = hub.deps;
  const ida = (await createFirstAdmin(db, { email: "ida@example.org", displayName: "Ida Instructor", password: PASSWORD }))!;
  maya = await learnerWithPosts(hub, "Maya Quetzal");
  noor = await learnerWithPosts(hub, "Noor", [
    { url: "https://noor.example.org/a/", title: "Noor's first", tags: ["t509massive", "datavis"] },
    { url: "https://noor.example.org/b/", title: "Noor's second", tags: ["t509massive"] },
  ]);
  courseId = (await db.select().from(courses).where(eq(courses.slug, "t509")))[0]!.id;
  await db.insert(memberships).values({
    courseId: (await createCourse(db, { title: "A101", slug: "a101", description: "", tags: ["a101"], startsOn: null, endsOn: null }, ida))
      .id,
    personId: maya.id,
    role: "learner",
  });
  await fillPls(hub, maya);
  await fillPls(hub, noor);

  // Maya's own blog, registered in the course, polled once: two more posts of hers.
  server.feed("/maya.xml", rss());
  const added = await registerLearnerSource(hub.deps, courseId, maya, { address: server.url("/maya.xml"), filter: "tagged" }, false);
  await approveSource(db, courseId, added.source.id, hub.clock.now);
  expect(await pollDueSources(hub.deps)).toMatchObject({ ok: 1 });
  // Her grant has been used, and one of her follows has pointers.
  const g = await issueGrant(hub.deps, maya.id, { audience: "Mentor Quetzal-Watch", scopes: ["plan:read"] });
  await logAccess(hub.deps, g.grant, "token", "GET /api/v1/plan");
  const [follow] = await listFollows(hub.deps, maya.id);
  await db
    .insert(plsRemoteItems)
    .values({ followId: follow!.id, url: "https://other-hub.example.net/maya-quetzal-remote", title: "Remote Maya Quetzal post" });
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("GET /pls/delete", () => {
  it("says what goes and asks for the password; anonymous visitors sign in first", async () => {
    const anonymous = await Client.forApp(hub.app).get("/pls/delete");
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fpls%2Fdelete");
    const client = await signIn("maya.quetzal@example.org");
    const html = await (await client.get("/pls/delete")).text();
    expect(html).toContain("every post of yours in every course of this hub (4 now)");
    expect(html).toContain("the blogs you registered in courses (1)");
    expect(html).toMatch(/<input id="f-password" name="password" type="password"/);
    expect(html).toContain('name="_csrf"');
  });
});

describe("POST /pls/delete", () => {
  it("deletes nothing when the password is wrong", async () => {
    const client = await signIn("maya.quetzal@example.org");
    const before = (await allRows()).filter((r) => r.table !== "login_throttle");
    const res = await client.submit("/pls/delete", "/pls/delete", { password: "not my password" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("That is not your password.");
    expect((await allRows()).filter((r) => r.table !== "login_throttle")).toEqual(before);
    // It counts as a failed sign-in to the account.
    expect((await allRows()).some((r) => r.table === "login_throttle" && r.row.key === "login:email:maya.quetzal@example.org")).toBe(true);
  });

  it("leaves no row of the person in any table, signs them out, and keeps everyone else's", async () => {
    const client = await signIn("maya.quetzal@example.org");
    await client.submit("/pls/delete", "/pls/delete", { password: "wrong once" });
    const noorBefore = await noorsRows();
    expect(noorBefore.length).toBeGreaterThan(20);
    const myItems = await hub.deps.db.select().from(items).where(eq(items.personId, maya.id));
    expect(myItems).toHaveLength(4);

    const res = await client.submit("/pls/delete", "/pls/delete", { password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.getSetCookie().some((c) => /^tributary_session=;/.test(c) && /max-age=0/i.test(c))).toBe(true);
    expect(client.cookie("tributary_session")).toBeUndefined();

    const rows = await allRows();
    const personColumns = ["person_id", "owner_id", "curator_id", "blocked_by"];
    for (const { table, row, text } of rows) {
      for (const col of personColumns) if (col in row) expect(`${table}.${col}=${String(row[col])}`).not.toBe(`${table}.${col}=${maya.id}`);
      if (table === "people") expect(row.id).not.toBe(maya.id);
      // Nothing that names her or came from her, but the tombstones' course and address.
      expect(text).not.toMatch(/maya quetzal|maya\.quetzal@|Mentor Quetzal-Watch|quetzal-remote/i);
      if (table !== "tombstones") expect(text).not.toMatch(/maya-quetzal\.example\.org|maya\.example\.org\/(charts|hello)/);
    }
    // Tombstones: one per course and address of her posts, no more than that.
    const stones = await hub.deps.db.select().from(tombstones);
    expect(stones.map((t) => t.canonicalUrl).sort()).toEqual([...new Set(myItems.map((i) => i.canonicalUrl))].sort());
    expect(stones.every((t) => t.reason === "withdrawn")).toBe(true);
    expect(await hub.deps.db.select().from(sources)).toEqual([]);
    // Noor's rows are all still there.
    expect(await noorsRows()).toEqual(noorBefore);

    const line = hub.log.lines.find((l) => l.msg === "account.deleted")!;
    expect(line).toMatchObject({ items: 4, sources: 1 });
    expect(JSON.stringify(line)).not.toMatch(/maya|person|email/i);
    // The old session is gone with the account.
    expect((await client.get("/pls")).status).toBe(302);
  });

  it("never brings her posts back when a feed that lists them is polled again", async () => {
    const client = await signIn("maya.quetzal@example.org");
    expect((await client.submit("/pls/delete", "/pls/delete", { password: PASSWORD })).status).toBe(303);
    // An instructor follows the very same blog for the whole course, posts and all.
    server.feed("/maya-all.xml", rss());
    await addFeedSource(hub.deps.db, courseId, { url: server.url("/maya-all.xml"), filter: "all" }, null, hub.clock.now);
    const run = await pollDueSources(hub.deps);
    expect(run).toMatchObject({ ok: 1 });
    expect(server.hits("/maya-all.xml")).toBe(1);
    const back = (await hub.deps.db.select().from(items)).filter((i) => BLOG.includes(i.canonicalUrl));
    expect(back).toEqual([]);
  });

  it("refuses the hub's only administrator, and deletes nothing", async () => {
    const client = await signIn("ida@example.org");
    expect(await (await client.get("/pls/delete")).text()).toContain("You are this hub&#39;s only administrator");
    const before = await allRows();
    const res = await client.submit("/pls/backpack", "/pls/delete", { password: PASSWORD });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("only administrator");
    expect(await allRows()).toEqual(before);
  });
});
