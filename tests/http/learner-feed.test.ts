// GET /c/:slug/people/:id/items.json: one learner's visible posts in one course as JSON Feed 1.1,
// newest first, up to 200, pointers only, with the `_tributary` object saying whose they are;
// conditional GET; 404 for someone who takes no part in the course. The hub's own JSON Feed reader
// reads it back (that is how a PLS elsewhere follows it).
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { courses, items, type Person } from "../../src/db/schema.js";
import { withdrawItem } from "../../src/hub/withdraw.js";
import { parseJsonFeed } from "../../src/ingest/parse/json-feed.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";
import { learnerWithPosts, PASSWORD } from "../pls/portability/backpack-fixture.js";
import { addItem } from "../pls/seed.js";

let hub: TestHub;
let maya: Person;
let courseId: number;
const anonymous = () => Client.forApp(hub.app);

beforeEach(async () => {
  hub = await createTestHub();
  await setUpCourse(hub.app);
  maya = await learnerWithPosts(hub, "Maya");
  courseId = (await hub.deps.db.select().from(courses).where(eq(courses.slug, "t509")))[0]!.id;
});
afterEach(async () => {
  await hub.close();
});

async function feedOf(path: string): Promise<{ res: Response; doc: Record<string, unknown> & { items: Array<Record<string, unknown>> } }> {
  const res = await anonymous().get(path);
  return { res, doc: res.status === 200 ? ((await res.clone().json()) as never) : ({ items: [] } as never) };
}

describe("a learner's items feed", () => {
  it("lists their visible posts, newest first, as pointers, and says whose they are", async () => {
    const { db } = hub.deps;
    // A newer post, one hidden by an instructor, one withdrawn, and one in another course.
    await db.insert(items).values({
      courseId,
      personId: maya.id,
      kind: "blog",
      externalId: "n",
      canonicalUrl: "https://maya.example.org/newest/",
      title: "Newest",
      excerpt: "A short excerpt.",
      tags: ["t509massive"],
      publishedAt: new Date("2026-10-20T00:00:00Z"),
      firstSeenAt: new Date("2026-10-20T00:00:00Z"),
      lastSeenAt: new Date("2026-10-20T00:00:00Z"),
    });
    await addItem(db, { courseId, personId: maya.id, url: "https://maya.example.org/hidden/", tags: [] });
    await db.update(items).set({ hidden: true }).where(eq(items.canonicalUrl, "https://maya.example.org/hidden/"));
    const gone = await addItem(db, { courseId, personId: maya.id, url: "https://maya.example.org/gone/", tags: [] });
    await withdrawItem(db, maya.id, gone, hub.clock.now);
    const [other] = await db.insert(courses).values({ slug: "a101", title: "A101" }).returning();
    await addItem(db, { courseId: other!.id, personId: maya.id, url: "https://maya.example.org/elsewhere/", tags: [] });

    const { res, doc } = await feedOf(`/c/t509/people/${maya.id}/items.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(doc).toMatchObject({
      version: "https://jsonfeed.org/version/1.1",
      title: "T509 Massive: posts by Maya",
      home_page_url: `http://localhost:8787/c/t509/people/${maya.id}`,
      feed_url: `http://localhost:8787/c/t509/people/${maya.id}/items.json`,
      _tributary: {
        about: "http://localhost:8787/feeds/json-feed-extension",
        person_id: maya.id,
        course_slug: "t509",
        hub_url: "http://localhost:8787",
      },
    });
    // The two older posts share a date: the later one read comes first, as on the course pages.
    expect(doc.items.map((i) => i.url)).toEqual([
      "https://maya.example.org/newest/",
      "https://maya.example.org/hello/",
      "https://maya.example.org/charts/",
    ]);
    expect(doc.items[0]).toEqual({
      id: "https://maya.example.org/newest/",
      url: "https://maya.example.org/newest/",
      title: "Newest",
      content_text: "A short excerpt.",
      summary: "A short excerpt.",
      date_published: "2026-10-20T00:00:00.000Z",
      date_modified: "2026-10-20T00:00:00.000Z",
      // The learner, by the name the course knows them by (as on the pages), not the blog's host.
      authors: [{ name: "Maya", url: `http://localhost:8787/people/${maya.id}` }],
      tags: ["t509massive"],
    });

    // The hub's JSON Feed reader takes it as it is.
    const parsed = parseJsonFeed(await res.text(), `http://localhost:8787/c/t509/people/${maya.id}/items.json`);
    expect(parsed.entries.map((e) => [e.url, e.title, e.excerpt])).toEqual([
      ["https://maya.example.org/newest/", "Newest", "A short excerpt."],
      ["https://maya.example.org/hello/", "Hello, T509", "Hello, T509"],
      ["https://maya.example.org/charts/", "Charts that lie", "Charts that lie"],
    ]);
  });

  it("answers 304 to a reader that has it, and changes when a post is withdrawn", async () => {
    const path = `/c/t509/people/${maya.id}/items.json`;
    const first = await anonymous().get(path);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await anonymous().request(path, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const [post] = await hub.deps.db
      .select()
      .from(items)
      .where(and(eq(items.personId, maya.id), eq(items.canonicalUrl, "https://maya.example.org/charts/")));
    await withdrawItem(hub.deps.db, maya.id, post!.id, hub.clock.now);
    const after = await anonymous().request(path, { headers: { "if-none-match": etag } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { items: Array<{ url: string }> }).items.map((i) => i.url)).toEqual([
      "https://maya.example.org/hello/",
    ]);
  });

  it("holds the newest 200 posts at most", async () => {
    const { db } = hub.deps;
    const rows = Array.from({ length: 205 }, (_, i) => {
      const at = new Date(Date.parse("2026-09-01T00:00:00Z") + i * 3_600_000);
      return {
        courseId,
        personId: maya.id,
        kind: "blog" as const,
        externalId: `p${i}`,
        canonicalUrl: `https://maya.example.org/p${i}/`,
        title: `P${i}`,
        publishedAt: at,
        firstSeenAt: at,
        lastSeenAt: at,
      };
    });
    for (let i = 0; i < rows.length; i += 20) await db.insert(items).values(rows.slice(i, i + 20));
    const { doc } = await feedOf(`/c/t509/people/${maya.id}/items.json`);
    expect(doc.items).toHaveLength(200);
    expect(doc.items.slice(0, 2).map((i) => i.url)).toEqual(["https://maya.example.org/hello/", "https://maya.example.org/charts/"]);
    expect(doc.items[199]!.url).toBe("https://maya.example.org/p7/");
  });

  it("is empty for a member with no posts yet, and 404 for someone not in the course", async () => {
    const noor = (await createPerson(hub.deps.db, { email: "noor@example.org", displayName: "Noor", password: PASSWORD }))!;
    expect((await feedOf(`/c/t509/people/${noor.id}/items.json`)).res.status).toBe(404);
    const ida = 1; // the instructor who set the course up: a member without posts
    const { res, doc } = await feedOf(`/c/t509/people/${ida}/items.json`);
    expect(res.status).toBe(200);
    expect(doc.items).toEqual([]);
    expect((await feedOf(`/c/nope/people/${maya.id}/items.json`)).res.status).toBe(404);
    expect((await feedOf(`/c/t509/people/abc/items.json`)).res.status).toBe(404);
    expect((await feedOf(`/c/t509/people/9999/items.json`)).res.status).toBe(404);
  });
});
