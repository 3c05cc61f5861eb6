import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Grant, objectives, planChanges, planSteps, resources, suggestions } from "../../../src/db/schema.js";
import type { PlsDeps } from "../../../src/pls/deps.js";
import { createObjective, deleteObjective } from "../../../src/pls/plan/objectives.js";
import { issueGrant, revokeGrant } from "../../../src/pls/sharing/grants.js";
import {
  acceptSuggestion,
  createSuggestion,
  declineSuggestion,
  getSuggestion,
  listSuggestions,
  MAX_PENDING_PER_GRANT,
  suggestionsOfGrant,
} from "../../../src/pls/sharing/suggestions.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addPerson, formError, notFoundError } from "../seed.js";

describe("suggestions", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let me: number;
  let other: number;
  let coach: Grant;
  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    me = await addPerson(deps.db, "Maya");
    other = await addPerson(deps.db, "Olu");
    coach = (await issueGrant(deps, me, { audience: "Coach Sam", scopes: ["plan:read", "suggest"] })).grant;
  });
  afterEach(() => hub.close());

  it("needs the suggest scope and an active grant", async () => {
    const reader = (await issueGrant(deps, me, { audience: "Reader", scopes: "plan:read" })).grant;
    expect((await formError(createSuggestion(deps, reader, { kind: "objective", title: "X" }))).field).toBe("grant");
    const revoked = await revokeGrant(deps, me, coach.id);
    expect((await formError(createSuggestion(deps, revoked, { kind: "objective", title: "X" }))).field).toBe("grant");
    expect(await deps.db.select().from(suggestions)).toHaveLength(0);
  });

  it("files a step only under an objective the grant may see", async () => {
    const shared = await createObjective(deps, me, { title: "Learn SQL", visibility: "grant" });
    const hidden = await createObjective(deps, me, { title: "Private", visibility: "private" });
    const theirs = await createObjective(deps, other, { title: "Olu's", visibility: "public" });
    for (const objectiveId of [hidden.id, theirs.id, 999_999, "abc"]) {
      const e = await formError(createSuggestion(deps, coach, { kind: "step", title: "Read", objectiveId: String(objectiveId) }));
      expect(e.field).toBe("objectiveId");
      expect(e.message).toBe("Choose one of the objectives you can see.");
    }
    expect((await formError(createSuggestion(deps, coach, { kind: "step", title: "Read" }))).field).toBe("objectiveId");
    // A grant without plan:read sees only public objectives.
    const suggestOnly = (await issueGrant(deps, me, { audience: "Peer", scopes: "suggest" })).grant;
    expect(
      (await formError(createSuggestion(deps, suggestOnly, { kind: "step", title: "Read", objectiveId: String(shared.id) }))).field,
    ).toBe("objectiveId");
    const s = await createSuggestion(deps, coach, {
      kind: "step",
      title: "Do SQLZoo",
      objectiveId: String(shared.id),
      url: "https://sqlzoo.net/",
    });
    expect(s).toMatchObject({
      personId: me,
      grantId: coach.id,
      fromLabel: "Coach Sam",
      kind: "step",
      objectiveId: shared.id,
      status: "pending",
    });
  });

  it("checks each field", async () => {
    expect((await formError(createSuggestion(deps, coach, { kind: "resource", title: "A read" }))).field).toBe("url");
    expect((await formError(createSuggestion(deps, coach, { kind: "resource", title: "A read", url: "javascript:alert(1)" }))).field).toBe(
      "url",
    );
    expect((await formError(createSuggestion(deps, coach, { kind: "poem", title: "A read" }))).field).toBe("kind");
    expect((await formError(createSuggestion(deps, coach, { kind: "objective", title: "x".repeat(201) }))).field).toBe("title");
    expect(await deps.db.select().from(suggestions)).toHaveLength(0);
  });

  it("accepting adds the objective, the step and the resource to the plan, credited to the grant's audience", async () => {
    const goal = await createObjective(deps, me, { title: "Learn SQL", visibility: "grant" });
    const o = await createSuggestion(deps, coach, { kind: "objective", title: "Learn Rust", why: "Fast and safe" });
    const st = await createSuggestion(deps, coach, {
      kind: "step",
      title: "Do SQLZoo",
      objectiveId: String(goal.id),
      url: "https://sqlzoo.net/",
    });
    const r = await createSuggestion(deps, coach, {
      kind: "resource",
      title: "Use the index, Luke",
      url: "https://use-the-index-luke.com/",
      note: "Chapter 1",
      objectiveId: String(goal.id),
    });

    await acceptSuggestion(deps, me, o.id);
    await acceptSuggestion(deps, me, st.id);
    await acceptSuggestion(deps, me, r.id);

    const rust = (await deps.db.select().from(objectives).where(eq(objectives.title, "Learn Rust")))[0]!;
    expect(rust).toMatchObject({ personId: me, why: "Fast and safe", visibility: "private", status: "planned" });
    const [step] = await deps.db.select().from(planSteps).where(eq(planSteps.objectiveId, goal.id));
    expect(step).toMatchObject({ title: "Do SQLZoo", resourceUrl: "https://sqlzoo.net/" });
    const [res] = await deps.db.select().from(resources);
    expect(res).toMatchObject({
      personId: me,
      objectiveId: goal.id,
      title: "Use the index, Luke",
      note: "Chapter 1",
      suggestedBy: "Coach Sam",
    });
    const history = (await deps.db.select().from(planChanges)).map((c) => c.what);
    expect(history).toContain(`Accepted Coach Sam's suggestion "Learn Rust"`);
    expect(history).toContain(`Accepted Coach Sam's suggestion "Do SQLZoo"`);
    expect((await listSuggestions(deps, me, "accepted")).map((s) => s.id).sort()).toEqual([o.id, st.id, r.id].sort());
    expect((await getSuggestion(deps, me, o.id))!.decidedAt).toEqual(hub.clock.now);
  });

  it("declines, refuses a second answer, and keeps others out", async () => {
    const s = await createSuggestion(deps, coach, { kind: "objective", title: "Learn Rust" });
    expect(await getSuggestion(deps, other, s.id)).toBeNull();
    expect((await notFoundError(acceptSuggestion(deps, other, s.id))).message).toContain("does not exist");
    expect((await notFoundError(declineSuggestion(deps, other, s.id))).message).toContain("does not exist");
    const declined = await declineSuggestion(deps, me, s.id);
    expect(declined.status).toBe("declined");
    expect((await formError(acceptSuggestion(deps, me, s.id))).message).toContain("already declined");
    expect((await formError(declineSuggestion(deps, me, s.id))).message).toContain("already declined");
    expect(await deps.db.select().from(objectives)).toHaveLength(0);

    const t = await createSuggestion(deps, coach, { kind: "objective", title: "Learn Go" });
    await acceptSuggestion(deps, me, t.id);
    expect((await formError(acceptSuggestion(deps, me, t.id))).message).toContain("already accepted");
    expect(await deps.db.select().from(objectives)).toHaveLength(1);
  });

  it("leaves a step whose objective was removed pending, to be declined", async () => {
    const goal = await createObjective(deps, me, { title: "Learn SQL", visibility: "grant" });
    const s = await createSuggestion(deps, coach, { kind: "step", title: "Do SQLZoo", objectiveId: String(goal.id) });
    await deleteObjective(deps, me, goal.id);
    expect((await formError(acceptSuggestion(deps, me, s.id))).message).toContain("decline it instead");
    expect((await getSuggestion(deps, me, s.id))!.status).toBe("pending");
    expect((await declineSuggestion(deps, me, s.id)).status).toBe("declined");
  });

  it(`caps one grant at ${MAX_PENDING_PER_GRANT} pending suggestions`, async () => {
    for (let i = 0; i < MAX_PENDING_PER_GRANT; i++) await createSuggestion(deps, coach, { kind: "objective", title: `Idea ${i}` });
    const e = await formError(createSuggestion(deps, coach, { kind: "objective", title: "One more" }));
    expect(e.field).toBe("grant");
    expect(await suggestionsOfGrant(deps, coach.id)).toHaveLength(MAX_PENDING_PER_GRANT);
    // Another grant is not held back, and answering one makes room again.
    const peer = (await issueGrant(deps, me, { audience: "Peer", scopes: "suggest" })).grant;
    await createSuggestion(deps, peer, { kind: "objective", title: "Peer idea" });
    const [first] = await suggestionsOfGrant(deps, coach.id);
    await declineSuggestion(deps, me, first!.id);
    await createSuggestion(deps, coach, { kind: "objective", title: "One more" });
    expect(await listSuggestions(deps, me, "pending")).toHaveLength(MAX_PENDING_PER_GRANT + 1);
  });
});
