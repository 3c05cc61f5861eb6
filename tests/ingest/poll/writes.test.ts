// Group commit on a real libSQL file: writes that arrive together share one
// batch, and one feed's failing write never takes its neighbours down with it.
import { count, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../../src/db/database.js";
import { courses } from "../../../src/db/schema.js";
import { writeGroup } from "../../../src/ingest/poll/writes.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

let hub: TestHub;
let batches: number;
let db: Db;

beforeEach(async () => {
  hub = await createTestHub();
  batches = 0;
  // Counts the batches that reach the database.
  db = new Proxy(hub.deps.db, {
    get(target, prop, receiver) {
      if (prop === "batch")
        return (...args: Parameters<Db["batch"]>) => {
          batches++;
          return target.batch(...args);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
});
afterEach(() => hub.close());

const insertCourse = (slug: string) => db.insert(courses).values({ slug, title: slug });
const courseCount = async () => (await hub.deps.db.select({ n: count() }).from(courses))[0]!.n;

describe("writeGroup", () => {
  it("commits writes that arrive in the same turn as one batch", async () => {
    const group = writeGroup(db);
    await Promise.all(["a", "b", "c"].map((slug) => group.write([insertCourse(slug)])));
    expect(batches).toBe(1);
    expect(await courseCount()).toBe(3);
  });

  it("retries each write alone when the shared batch fails, so only the bad one fails", async () => {
    const group = writeGroup(db);
    await insertCourse("taken");
    const results = await Promise.allSettled([
      group.write([insertCourse("one"), insertCourse("two")]),
      group.write([insertCourse("three"), insertCourse("taken")]), // unique slug: fails
      group.write([insertCourse("four")]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const slugs = (await hub.deps.db.select({ slug: courses.slug }).from(courses)).map((r) => r.slug).sort();
    expect(slugs).toEqual(["four", "one", "taken", "two"]); // "three" rolled back with its own feed's batch
  });

  it("writes separately what arrives later", async () => {
    const group = writeGroup(db);
    await group.write([insertCourse("a")]);
    await group.write([db.update(courses).set({ title: "A" }).where(eq(courses.slug, "a"))]);
    expect(batches).toBe(2);
    const [row] = await hub.deps.db.select({ t: courses.title }).from(courses).where(sql`slug = 'a'`);
    expect(row!.t).toBe("A");
  });
});
