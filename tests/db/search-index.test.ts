// The FTS5 index (migrations/0005_search.sql, tags since 0018) follows items through inserts,
// upserts that edit, and deletes, via its triggers.
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../src/accounts/people.js";
import { items } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
const match = async (q: string) =>
  (await hub.deps.db.all<{ id: number }>(sql`SELECT rowid AS id FROM items_fts WHERE items_fts MATCH ${q} ORDER BY rowid`)).map(
    (r) => r.id,
  );

beforeEach(async () => {
  hub = await createTestHub();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "correct horse battery" });
  await createCourse(hub.deps.db, { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null }, admin!);
});
afterEach(async () => hub.close());

describe("the search index", () => {
  it("indexes new items, follows edits, and forgets deleted ones", async () => {
    const base = { courseId: 1, kind: "blog" as const, publishedAt: hub.clock.now, firstSeenAt: hub.clock.now, lastSeenAt: hub.clock.now };
    const [a] = await hub.deps.db
      .insert(items)
      .values({
        ...base,
        externalId: "a",
        canonicalUrl: "https://a.example/1",
        postKey: "https://a.example/1",
        title: "Networks of learners",
        excerpt: "Connectivism and café culture",
        authorName: "Maya",
      })
      .returning();
    await hub.deps.db.insert(items).values({
      ...base,
      externalId: "b",
      canonicalUrl: "https://b.example/1",
      postKey: "https://b.example/1",
      title: "Open pedagogy",
      excerpt: "",
      authorName: "Omar",
    });
    expect(await match("networks")).toEqual([a!.id]);
    expect(await match("cafe")).toEqual([a!.id]); // diacritics folded
    expect(await match("maya")).toEqual([a!.id]);
    await hub.deps.db
      .insert(items)
      .values({
        ...base,
        externalId: "a",
        canonicalUrl: "https://a.example/1",
        postKey: "https://a.example/1",
        title: "Rhizomes",
        excerpt: "",
        authorName: "Maya",
      })
      .onConflictDoUpdate({
        target: [items.courseId, items.postKey],
        set: { title: sql`excluded.title`, excerpt: sql`excluded.excerpt` },
      });
    expect(await match("networks")).toEqual([]);
    expect(await match("rhizomes")).toEqual([a!.id]);
    await hub.deps.db.delete(items).where(eq(items.id, a!.id));
    expect(await match("rhizomes")).toEqual([]);
    expect(await match("omar")).toHaveLength(1);
  });

  it("matches tags, and follows a change of tags", async () => {
    const base = { courseId: 1, kind: "blog" as const, publishedAt: hub.clock.now, firstSeenAt: hub.clock.now, lastSeenAt: hub.clock.now };
    const [a] = await hub.deps.db
      .insert(items)
      .values({
        ...base,
        externalId: "t",
        canonicalUrl: "https://t.example/1",
        postKey: "https://t.example/1",
        title: "Week 4",
        excerpt: "What I read",
        tags: ["t509massive", "reading-notes", "learning_design"],
      })
      .returning();
    expect(await match("notes")).toEqual([a!.id]);
    expect(await match('"reading notes"')).toEqual([a!.id]);
    expect(await match('"learning design"')).toEqual([a!.id]);
    await hub.deps.db
      .update(items)
      .set({ tags: ["t509massive"] })
      .where(eq(items.id, a!.id));
    expect(await match("notes")).toEqual([]);
  });
});
