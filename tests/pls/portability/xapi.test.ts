// xAPI statements: the shape xAPI 1.0.3 asks for (actor, verb, object; an account, never an email;
// no null values, which an LRS must reject), ids that are RFC 4122 version 5 UUIDs and stay the
// same from one export to the next, one statement per post however many courses hold it.
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { courses, items, memberships, type Person } from "../../../src/db/schema.js";
import { withdrawItem } from "../../../src/hub/withdraw.js";
import { uuidV5, VERB_AUTHORED, VERB_COMPLETED, xapiStatements } from "../../../src/pls/portability/xapi.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addItem } from "../seed.js";
import { fillPls, learnerWithPosts, POSTS } from "./backpack-fixture.js";

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let hub: TestHub;
let maya: Person;

beforeEach(async () => {
  hub = await createTestHub({ PUBLIC_URL: "https://hub-a.example.org" });
  maya = await learnerWithPosts(hub, "Maya");
  await fillPls(hub, maya);
});
afterEach(async () => {
  await hub.close();
});

function hasNull(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v === "object") return Object.values(v as object).some(hasNull);
  return false;
}

describe("uuidV5", () => {
  it("matches RFC 4122 version 5 as other implementations compute it", async () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org"), uuid.uuid5(uuid.NAMESPACE_URL, "https://hub.example/x")
    expect(await uuidV5("python.org", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    expect(await uuidV5("https://hub.example/x")).toBe("fba338a0-cfd5-5d96-afab-f6c1028f3629");
  });
});

describe("xapiStatements", () => {
  it("says the learner authored each post and completed each achieved objective, as an account on the hub", async () => {
    const statements = await xapiStatements(hub.deps, maya.id, hub.deps.config.publicUrl);
    expect(statements).toHaveLength(3);
    for (const s of statements) {
      expect(s.id).toMatch(UUID_V5);
      expect(s.actor).toEqual({ objectType: "Agent", account: { homePage: "https://hub-a.example.org", name: String(maya.id) } });
      expect(hasNull(s)).toBe(false);
      expect(new Date(s.timestamp).toISOString()).toBe(s.timestamp);
    }
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/mbox|mailto:|maya@example\.org/);

    const authored = statements.filter((s) => s.verb.id === VERB_AUTHORED.id);
    expect(VERB_AUTHORED.id).toBe("http://activitystrea.ms/schema/1.0/author");
    expect(authored.map((s) => [s.object.id, s.object.definition.name])).toEqual([
      [POSTS[0]!.url, { und: POSTS[0]!.title }],
      [POSTS[1]!.url, { und: POSTS[1]!.title }],
    ]);
    expect(authored[0]!.context.contextActivities!.grouping).toEqual([
      {
        objectType: "Activity",
        id: "https://hub-a.example.org/c/t509",
        definition: { name: { und: "T509 Massive" }, type: "http://adlnet.gov/expapi/activities/course" },
      },
    ]);

    const [completed] = statements.filter((s) => s.verb.id === VERB_COMPLETED.id);
    expect(VERB_COMPLETED.id).toBe("http://adlnet.gov/expapi/verbs/completed");
    expect(completed).toMatchObject({
      object: {
        objectType: "Activity",
        definition: { name: { und: "Write every week" }, type: "http://adlnet.gov/expapi/activities/objective" },
      },
      result: { completion: true, success: true },
    });
    expect(completed!.object.id).toMatch(/^https:\/\/hub-a\.example\.org\/pls\/objectives\/\d+$/);
  });

  it("gives the same statements each time, and another hub's statements other ids", async () => {
    const first = await xapiStatements(hub.deps, maya.id, hub.deps.config.publicUrl);
    hub.clock.advance(86_400_000);
    expect(await xapiStatements(hub.deps, maya.id, hub.deps.config.publicUrl)).toEqual(first);
    const elsewhere = await xapiStatements(hub.deps, maya.id, "https://hub-b.example.net");
    expect(elsewhere.map((s) => s.id).some((id) => first.some((f) => f.id === id))).toBe(false);
  });

  it("makes one statement for a post two courses hold, and none for a withdrawn post", async () => {
    const { db } = hub.deps;
    const [second] = await db.insert(courses).values({ slug: "a101", title: "A101" }).returning();
    await db.insert(memberships).values({ courseId: second!.id, personId: maya.id, role: "learner" });
    await addItem(db, { courseId: second!.id, personId: maya.id, url: POSTS[0]!.url, tags: [], title: POSTS[0]!.title });
    const [hello] = await db
      .select()
      .from(items)
      .where(and(eq(items.canonicalUrl, POSTS[1]!.url), eq(items.personId, maya.id)));
    expect(await withdrawItem(db, maya.id, hello!.id, hub.clock.now)).toBe(true);

    const authored = (await xapiStatements(hub.deps, maya.id, hub.deps.config.publicUrl)).filter((s) => s.verb.id === VERB_AUTHORED.id);
    expect(authored.map((s) => s.object.id)).toEqual([POSTS[0]!.url]);
    expect(authored[0]!.context.contextActivities!.grouping.map((g) => g.id)).toEqual([
      "https://hub-a.example.org/c/a101",
      "https://hub-a.example.org/c/t509",
    ]);
  });
});
