import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { objectives, people, planSteps } from "../../src/db/schema.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";
import { addPerson } from "./seed.js";

describe("PLS schema", () => {
  let hub: TestHub;
  beforeEach(async () => {
    hub = await createTestHub();
  });
  afterEach(() => hub.close());

  it("removes a person's plan with the person", async () => {
    const db = hub.deps.db;
    const me = await addPerson(db, "Maya");
    const now = hub.clock.now;
    const [o] = await db.insert(objectives).values({ personId: me, title: "Learn", createdAt: now, updatedAt: now }).returning();
    expect(o!.visibility).toBe("private");
    expect(o!.tags).toEqual([]);
    await db.insert(planSteps).values({ objectiveId: o!.id, title: "Read", createdAt: now, updatedAt: now });
    await db.delete(people).where(eq(people.id, me));
    expect(await db.select().from(planSteps)).toEqual([]);
  });
});
