// The Spotlight's domain: the page other code (the Spotlight feeds) reads,
// dense positions through every change, and the commons copied to a new cohort.
import { asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../src/accounts/people.js";
import { items, spotlightEntries } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { addToSpotlight, copySpotlight, editNote, moveEntry, removeEntry, spotlightPage } from "../../src/hub/spotlight.js";
import { postKey } from "../../src/ingest/canonical-url.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let curatorId: number;
const db = () => hub.deps.db;

async function item(title: string, over: Partial<typeof items.$inferInsert> = {}) {
  const at = hub.clock.now;
  const [row] = await db()
    .insert(items)
    .values({
      courseId: 1,
      kind: "blog",
      externalId: title,
      canonicalUrl: `https://b.example/${encodeURIComponent(title)}`,
      postKey: postKey(`https://b.example/${encodeURIComponent(title)}`),
      title,
      publishedAt: at,
      firstSeenAt: at,
      lastSeenAt: at,
      ...over,
    })
    .returning();
  return row!;
}

async function order(courseId = 1) {
  const rows = await db()
    .select({ title: items.title, position: spotlightEntries.position })
    .from(spotlightEntries)
    .innerJoin(items, eq(items.id, spotlightEntries.itemId))
    .where(eq(spotlightEntries.courseId, courseId))
    .orderBy(asc(spotlightEntries.position));
  expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i)); // always dense
  return rows.map((r) => r.title);
}

beforeEach(async () => {
  hub = await createTestHub();
  const admin = await createFirstAdmin(db(), { email: "a@example.org", displayName: "Ada Curator", password: "correct horse battery" });
  curatorId = admin!.id;
  await createCourse(db(), { title: "T", slug: "t", tags: ["t"], description: "", startsOn: null, endsOn: null }, admin!);
  await createCourse(db(), { title: "U", slug: "u", tags: ["u"], description: "", startsOn: null, endsOn: null }, admin!);
});
afterEach(async () => hub.close());

describe("spotlightPage", () => {
  it("gives each entry as a FlowItem with its note, curator, time and position, in order, keyset-paged", async () => {
    const posts = [];
    for (const t of ["a", "b", "c", "d", "e"]) posts.push(await item(t));
    for (const p of posts) await addToSpotlight(db(), 1, { itemId: p.id, note: `why ${p.title}`, curatorId });
    const first = await spotlightPage(db(), 1, { limit: 2 });
    expect(first.entries.map((e) => e.title)).toEqual(["e", "d"]);
    const e = first.entries[0]!;
    expect(e).toMatchObject({
      note: "why e",
      curatorName: "Ada Curator",
      position: 0,
      alsoOn: [],
      kind: "blog",
      canonicalUrl: "https://b.example/e",
    });
    expect(e.spotlightedAt).toBeInstanceOf(Date);
    expect(typeof e.entryId).toBe("number");
    expect(first.next).toEqual(expect.any(String));
    const second = await spotlightPage(db(), 1, { limit: 2, before: first.next! });
    const third = await spotlightPage(db(), 1, { limit: 2, before: second.next! });
    expect([...second.entries, ...third.entries].map((x) => x.title)).toEqual(["c", "b", "a"]);
    expect(third.next).toBeNull();
    expect((await spotlightPage(db(), 1, { before: "garbage" })).entries).toHaveLength(5);
    expect((await spotlightPage(db(), 2)).entries).toEqual([]);
  });

  it("orders by position, then the newest entry first, and leaves out posts the course no longer shows", async () => {
    const [x, y, z] = [await item("x"), await item("y"), await item("z")];
    await db()
      .insert(spotlightEntries)
      .values([
        { courseId: 1, itemId: x.id, position: 1, note: "" },
        { courseId: 1, itemId: y.id, position: 1, note: "" },
        { courseId: 1, itemId: z.id, position: 0, note: "" },
      ]);
    expect((await spotlightPage(db(), 1)).entries.map((e) => e.title)).toEqual(["z", "y", "x"]);
    await db().update(items).set({ deletedAt: hub.clock.now }).where(eq(items.id, y.id));
    const page = await spotlightPage(db(), 1);
    expect(page.entries.map((e) => e.title)).toEqual(["z", "x"]);
    expect(page.entries[0]!.curatorName).toBeNull();
  });
});

describe("changing the Spotlight", () => {
  it("keeps positions dense through adds, moves, removals, and steps over hidden entries when moving", async () => {
    const [a, b, c, d] = [await item("a"), await item("b"), await item("c"), await item("d")];
    for (const p of [a, b, c, d]) await addToSpotlight(db(), 1, { itemId: p.id, note: "", curatorId });
    expect(await order()).toEqual(["d", "c", "b", "a"]);
    const entry = async (title: string) => (await spotlightPage(db(), 1)).entries.find((e) => e.title === title)?.entryId ?? -1;
    await db().update(items).set({ hidden: true }).where(eq(items.id, b.id));
    // What shows is d, c, a: a moves up past the hidden b and changes places with c.
    const aId = await entry("a");
    expect(await moveEntry(db(), 1, aId, "up")).toBe(true);
    expect(await order()).toEqual(["d", "a", "b", "c"]);
    expect((await spotlightPage(db(), 1)).entries.map((e) => e.title)).toEqual(["d", "a", "c"]);
    expect(await moveEntry(db(), 1, await entry("d"), "up")).toBe(false);
    expect(await moveEntry(db(), 1, aId, "down")).toBe(true);
    expect(await order()).toEqual(["d", "c", "b", "a"]);
    expect(await moveEntry(db(), 1, aId, "down")).toBe(false);
    expect(await moveEntry(db(), 2, aId, "down")).toBeNull(); // not that course's entry
    expect(await removeEntry(db(), 1, await entry("c"))).toBe(true);
    expect(await removeEntry(db(), 2, aId)).toBe(false);
    expect(await order()).toEqual(["d", "b", "a"]);
    expect(await editNote(db(), 1, aId, "new note")).toBe(true);
    expect(await editNote(db(), 2, aId, "nope")).toBe(false);
    expect((await spotlightPage(db(), 1)).entries.find((e) => e.entryId === aId)!.note).toBe("new note");
  });

  it("refuses a post the course does not show, and keeps one entry per post", async () => {
    const hidden = await item("hidden", { hidden: true });
    await expect(addToSpotlight(db(), 1, { itemId: hidden.id, note: "", curatorId })).rejects.toThrow(/not shown in this course/);
    const other = await item("elsewhere", { courseId: 2 });
    await expect(addToSpotlight(db(), 1, { itemId: other.id, note: "", curatorId })).rejects.toThrow(/not shown in this course/);
    const p = await item("p");
    expect((await addToSpotlight(db(), 1, { itemId: p.id, note: "one", curatorId })).added).toBe(true);
    expect((await addToSpotlight(db(), 1, { itemId: p.id, note: "two", curatorId })).added).toBe(false);
    expect((await spotlightPage(db(), 1)).entries.map((e) => e.note)).toEqual(["two"]);
  });
});

describe("copySpotlight", () => {
  it("carries the commons forward: new pointers in the new course, same URLs and notes, after its own entries", async () => {
    const [a, b] = [await item("a", { tags: ["t"], excerpt: "ex" }), await item("b")];
    await addToSpotlight(db(), 1, { itemId: a.id, note: "note a", curatorId });
    await addToSpotlight(db(), 1, { itemId: b.id, note: "note b", curatorId });
    const mine = await item("mine", { courseId: 2 });
    await addToSpotlight(db(), 2, { itemId: mine.id, note: "", curatorId });
    // The new course already has b (its learner's feed read it): that row is reused.
    const [existingB] = await db()
      .insert(items)
      .values({ ...b, id: undefined, courseId: 2, title: "b as read here" })
      .returning();
    expect(await copySpotlight(db(), { fromCourseId: 1, toCourseId: 2, now: hub.clock.now })).toEqual({
      copied: 2,
      already: 0,
      refused: 0,
    });
    const page = await spotlightPage(db(), 2);
    expect(page.entries.map((e) => [e.title, e.note, e.curatorName])).toEqual([
      ["mine", "", "Ada Curator"],
      ["b as read here", "note b", "Ada Curator"],
      ["a", "note a", "Ada Curator"],
    ]);
    expect(page.entries[1]!.id).toBe(existingB!.id);
    const copyA = page.entries[2]!;
    expect(copyA.id).not.toBe(a.id);
    expect(copyA).toMatchObject({ courseId: 2, canonicalUrl: a.canonicalUrl, excerpt: "ex", tags: ["t"], sourceId: null });
    expect(await order(2)).toEqual(["mine", "b as read here", "a"]);
    await expect(copySpotlight(db(), { fromCourseId: 2, toCourseId: 2, now: hub.clock.now })).rejects.toThrow(
      /this is the course you are in/,
    );
  });
});
