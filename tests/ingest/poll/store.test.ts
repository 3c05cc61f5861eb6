import { count } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { items } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { canonicalUrl } from "../../../src/ingest/canonical-url.js";
import type { NormalisedEntry } from "../../../src/ingest/entry.js";
import { dedupeByUrl, itemUpserts, movedPostUpdates, type StoreTarget } from "../../../src/ingest/poll/store.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let target: StoreTarget;

const entry = (over: Partial<NormalisedEntry>): NormalisedEntry => ({
  id: "guid-1",
  url: "https://blog.example.org/post",
  title: "A post",
  published: new Date("2026-11-01T00:00:00Z"),
  updated: null,
  author: "Ann",
  categories: [],
  tags: ["t509massive"],
  text: "",
  excerpt: "",
  ...over,
});

async function store(entries: NormalisedEntry[]) {
  const rows = dedupeByUrl(entries);
  const statements = [...(await movedPostUpdates(hub.deps.db, target, rows)), ...itemUpserts(hub.deps.db, target, rows, hub.clock.now)];
  if (statements.length) await hub.deps.db.batch(statements as [(typeof statements)[number], ...typeof statements]);
}

async function urls() {
  return (await hub.deps.db.select({ url: items.canonicalUrl, title: items.title }).from(items)).map((r) => `${r.url} ${r.title}`).sort();
}

beforeEach(async () => {
  hub = await createTestHub();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  const course = await createCourse(
    hub.deps.db,
    { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  const source = await addFeedSource(
    hub.deps.db,
    course.id,
    { url: "https://blog.example.org/feed", filter: "tagged" },
    null,
    hub.clock.now,
  );
  target = { courseId: course.id, sourceId: source.id, kind: "blog" };
});
afterEach(() => hub.close());

describe("canonical URLs", () => {
  it("drops tracking parameters, fragments and host case, and keeps real queries", () => {
    expect(canonicalUrl("https://Blog.Example.org/p?utm_source=rss&utm_medium=feed#comments")).toBe("https://blog.example.org/p");
    expect(canonicalUrl("https://medium.com/@ann/post-1a2b?source=rss-abc------2")).toBe("https://medium.com/@ann/post-1a2b");
    expect(canonicalUrl("https://blog.example.org/?p=41&utm_campaign=x")).toBe("https://blog.example.org/?p=41");
    expect(canonicalUrl("http://blog.example.org:80/a")).toBe("http://blog.example.org/a");
  });
});

describe("storing entries", () => {
  it("treats the same post with tracking parameters as one item", async () => {
    await store([entry({ url: "https://blog.example.org/post?utm_source=rss" })]);
    await store([entry({ url: "https://blog.example.org/post#more", title: "A post (edited)" })]);
    expect(await urls()).toEqual(["https://blog.example.org/post A post (edited)"]);
  });

  it("updates in place when a post gets a new GUID at the same link (Medium-style republishing)", async () => {
    await store([entry({})]);
    await store([entry({ id: "guid-2", title: "Republished" })]);
    expect(await urls()).toEqual(["https://blog.example.org/post Republished"]);
  });

  it("moves the item when a post keeps its GUID but its URL changes (an edited slug)", async () => {
    await store([entry({})]);
    await store([entry({ url: "https://blog.example.org/post-renamed", title: "Renamed" })]);
    expect(await urls()).toEqual(["https://blog.example.org/post-renamed Renamed"]);
  });

  it("loses no entry when a feed gives several entries one GUID", async () => {
    await store([
      entry({ id: "same", url: "https://blog.example.org/1", title: "One" }),
      entry({ id: "same", url: "https://blog.example.org/2", title: "Two" }),
      entry({ id: "same", url: "https://blog.example.org/3", title: "Three" }),
    ]);
    await store([
      entry({ id: "same", url: "https://blog.example.org/1", title: "One" }),
      entry({ id: "same", url: "https://blog.example.org/2", title: "Two" }),
      entry({ id: "same", url: "https://blog.example.org/3", title: "Three" }),
    ]);
    expect(await urls()).toEqual(["https://blog.example.org/1 One", "https://blog.example.org/2 Two", "https://blog.example.org/3 Three"]);
  });

  it("writes many entries in statements that fit D1's 100 bound parameters", async () => {
    const many = Array.from({ length: 23 }, (_, i) => entry({ id: `g${i}`, url: `https://blog.example.org/${i}` }));
    const statements = itemUpserts(hub.deps.db, target, dedupeByUrl(many), hub.clock.now);
    for (const st of statements) expect(st.toSQL().params.length).toBeLessThanOrEqual(100);
    await store(many);
    expect((await hub.deps.db.select({ n: count() }).from(items))[0]!.n).toBe(23);
  });
});
