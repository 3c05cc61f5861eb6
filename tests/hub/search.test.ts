// Search in a course: what a person types is turned into a safe FTS5
// expression, and searchItems ranks the course's visible items by bm25.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../src/accounts/people.js";
import { blockedAuthors, items } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { ftsQuery, searchItems, searchWords } from "../../src/hub/search.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

describe("ftsQuery", () => {
  it("quotes every word as an FTS5 string and requires them all", () => {
    expect(ftsQuery("Rhizomatic learning")).toBe('"rhizomatic" "learning"*'); // only the last word may be half typed
    expect(ftsQuery("a of networks")).toBe('"a" "of" "networks"*');
  });

  it("keeps no query syntax: operators, columns, prefixes, groups and quotes become words or nothing", () => {
    expect(ftsQuery('"a" OR title:*')).toBe('"a" "or" "title"*');
    expect(ftsQuery("NEAR(")).toBe('"near"*');
    expect(ftsQuery("{title excerpt}: x NOT y AND z")).toBe('"title" "excerpt" "x" "not" "y" "and" "z"');
    expect(ftsQuery("^start -minus +plus")).toBe('"start" "minus" "plus"*');
    expect(ftsQuery('say "hello"')).toBe('"say" "hello"*');
    for (const q of ["", "   ", "*", '"', "()", "-- ;", "^"]) expect(ftsQuery(q), q).toBeNull();
  });

  it("keeps letters of any script and folds case, caps the number of words and the length", () => {
    expect(searchWords("Café ÉCOLE 東京 don't")).toEqual(["café", "école", "東京", "don't"]);
    expect(searchWords("a a A")).toEqual(["a"]);
    expect(searchWords(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" "))).toHaveLength(12);
    expect(searchWords("x".repeat(500))[0]).toHaveLength(200);
  });
});

describe("searchItems", () => {
  let hub: TestHub;
  const at = (min: number) => new Date(Date.UTC(2026, 10, 1, 12, min));
  const add = (over: Partial<typeof items.$inferInsert>) =>
    hub.deps.db.insert(items).values({
      courseId: 1,
      kind: "blog",
      externalId: String(Math.random()),
      canonicalUrl: `https://b.example/${Math.random()}`,
      title: "",
      publishedAt: at(0),
      firstSeenAt: at(0),
      lastSeenAt: at(0),
      ...over,
    });

  beforeEach(async () => {
    hub = await createTestHub();
    const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "correct horse battery" });
    await createCourse(hub.deps.db, { title: "T", slug: "t", tags: ["t"], description: "", startsOn: null, endsOn: null }, admin!);
    await createCourse(hub.deps.db, { title: "U", slug: "u", tags: ["u"], description: "", startsOn: null, endsOn: null }, admin!);
  });
  afterEach(async () => hub.close());

  it("ranks a word in the title above one in the excerpt, newer first among equals, and finds authors", async () => {
    await add({ title: "Weekly notes", excerpt: "On open pedagogy", publishedAt: at(5) });
    await add({ title: "Open pedagogy, a primer", publishedAt: at(1) });
    await add({ title: "Open pedagogy, again", publishedAt: at(2) });
    await add({ title: "Something", authorName: "Pedagogy Smith", publishedAt: at(3) });
    const found = await searchItems(hub.deps.db, 1, "pedagogy");
    expect(found.items.map((i) => i.title).slice(0, 2)).toEqual(["Open pedagogy, again", "Open pedagogy, a primer"]);
    expect(found.items.map((i) => i.title)).toHaveLength(4);
    expect(found.words).toEqual(["pedagogy"]);
  });

  it("matches a post's tags, as typed with or without # and hyphens, below a match in the title", async () => {
    await add({ title: "Week 4", excerpt: "What I read", tags: ["t", "reading-notes", "learningdesign"], publishedAt: at(1) });
    await add({ title: "Reading notes on Illich", publishedAt: at(2) });
    await add({ title: "Unrelated", tags: ["t"] });
    expect((await searchItems(hub.deps.db, 1, "#learningdesign")).items.map((i) => i.title)).toEqual(["Week 4"]);
    expect((await searchItems(hub.deps.db, 1, "reading-notes")).items.map((i) => i.title)).toEqual(["Reading notes on Illich", "Week 4"]);
  });

  it("returns only what the course shows: not hidden, withdrawn, blocked, cross-posted, or another course's", async () => {
    const [shown] = await add({ title: "Shown syllabus" }).returning();
    await add({ title: "Hidden syllabus", hidden: true });
    await add({ title: "Withdrawn syllabus", deletedAt: at(1) });
    await add({ kind: "mastodon", title: "Blocked syllabus", authorKey: "b@x.example" });
    await hub.deps.db.insert(blockedAuthors).values({ courseId: 1, kind: "mastodon", authorKey: "b@x.example", label: "b" });
    await add({ kind: "mastodon", title: "Cross-post syllabus", crossPostOf: shown!.id, canonicalUrl: "https://m.example/@a/1" });
    await add({ courseId: 2, title: "Other course syllabus" });
    const found = await searchItems(hub.deps.db, 1, "syllabus");
    expect(found.items.map((i) => i.title)).toEqual(["Shown syllabus"]);
    expect(found.items[0]!.alsoOn).toEqual([{ kind: "mastodon", url: "https://m.example/@a/1" }]);
  });

  it("never throws on hostile input, and pages with a bounded page number", async () => {
    await add({ title: "NEAR and OR are words here" });
    for (const q of ['"a" OR title:*', "NEAR(", "title:near", "near/3", '""""', "*or*", "\u0000near", "\\"]) {
      await expect(searchItems(hub.deps.db, 1, q), q).resolves.toBeDefined();
    }
    expect((await searchItems(hub.deps.db, 1, "NEAR( OR")).items).toHaveLength(1);
    for (let i = 0; i < 5; i++) await add({ title: `Paging ${i}`, publishedAt: at(10 + i) });
    const p1 = await searchItems(hub.deps.db, 1, "paging", { limit: 2 });
    const p3 = await searchItems(hub.deps.db, 1, "paging", { limit: 2, page: 3 });
    expect(p1.next).toBe(2);
    expect(p3.items).toHaveLength(1);
    expect(p3.next).toBeNull();
    expect((await searchItems(hub.deps.db, 1, "paging", { limit: 2, page: -4 })).items).toEqual(p1.items);
  });
});
