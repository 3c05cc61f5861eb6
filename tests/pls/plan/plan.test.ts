import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlsDeps } from "../../../src/pls/deps.js";
import { HISTORY_KEEP, listChanges } from "../../../src/pls/plan/history.js";
import {
  createObjective,
  deleteObjective,
  getObjective,
  listObjectives,
  setObjectiveStatus,
  updateObjective,
} from "../../../src/pls/plan/objectives.js";
import { addResource, deleteResource, listResources } from "../../../src/pls/plan/resources.js";
import { addStep, completeStep, listSteps, reorderSteps, updateStep } from "../../../src/pls/plan/steps.js";
import { generalTemplates, instantiateTemplate } from "../../../src/pls/plan/templates.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addPerson, formError, notFoundError } from "../seed.js";

const DAY = 86_400_000;

describe("the plan: objectives, steps, resources, templates", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let me: number;
  let other: number;
  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    me = await addPerson(deps.db, "Maya");
    other = await addPerson(deps.db, "Olu");
  });
  afterEach(() => hub.close());

  it("creates an objective with normalised tags, private by default", async () => {
    const o = await createObjective(deps, me, {
      title: " Data visualisation ",
      why: "For my job",
      tags: "#DataVis, #T509Massive datavis",
      targetDate: "2027-03-31",
    });
    expect(o).toMatchObject({
      title: "Data visualisation",
      tags: ["datavis", "t509massive"],
      targetDate: "2027-03-31",
      status: "planned",
      visibility: "private",
      achievedAt: null,
    });
    expect(o.createdAt).toEqual(hub.clock.now);
    expect((await listChanges(deps, me)).map((c) => c.what)).toEqual(['Added objective "Data visualisation"']);
  });

  it("refuses bad fields with a message for the learner, and saves nothing", async () => {
    expect((await formError(createObjective(deps, me, { title: "  " }))).field).toBe("title");
    expect((await formError(createObjective(deps, me, { title: "x", targetDate: "2027-02-30" }))).message).toMatch(
      /pick a day from the calendar/,
    );
    expect((await formError(createObjective(deps, me, { title: "x", status: "done" }))).field).toBe("status");
    expect((await formError(createObjective(deps, me, { title: "x", visibility: "everyone" }))).field).toBe("visibility");
    expect((await formError(createObjective(deps, me, { title: "x", tags: "data-vis" }))).field).toBe("tags");
    expect((await formError(createObjective(deps, me, { title: "x".repeat(201) }))).field).toBe("title");
    expect(await listObjectives(deps, me)).toEqual([]);
  });

  it("updates, changes status (achieved_at set and cleared), deletes; another person cannot touch it", async () => {
    const o = await createObjective(deps, me, { title: "Learn R" });
    hub.clock.advance(DAY);
    const u = await updateObjective(deps, me, o.id, { title: "Learn R well", tags: "rstats" });
    expect(u).toMatchObject({ title: "Learn R well", tags: ["rstats"], status: "planned" });
    expect(u.updatedAt).toEqual(hub.clock.now);
    const a = await setObjectiveStatus(deps, me, o.id, "achieved");
    expect(a.achievedAt).toEqual(hub.clock.now);
    expect((await setObjectiveStatus(deps, me, o.id, "active")).achievedAt).toBeNull();
    await formError(setObjectiveStatus(deps, me, o.id, "finished"));
    await notFoundError(updateObjective(deps, other, o.id, { title: "mine now" }));
    await notFoundError(deleteObjective(deps, other, o.id));
    await deleteObjective(deps, me, o.id);
    await notFoundError(getObjective(deps, me, o.id));
    expect((await listChanges(deps, me))[0]!.what).toBe('Removed objective "Learn R well"');
  });

  it("keeps at most 50 history lines per person", async () => {
    const o = await createObjective(deps, me, { title: "T" });
    await createObjective(deps, other, { title: "Theirs" });
    for (let i = 0; i < 60; i++) await updateObjective(deps, me, o.id, { title: `T${i}` });
    const lines = await listChanges(deps, me);
    expect(lines).toHaveLength(HISTORY_KEEP);
    expect(lines[0]!.what).toBe('Revised objective "T59"');
    expect(await listChanges(deps, other)).toHaveLength(1);
  });

  it("adds, updates, completes and reorders steps", async () => {
    const o = await createObjective(deps, me, { title: "Datavis" });
    const a = await addStep(deps, me, o.id, { title: "Read Tufte", resourceUrl: "https://example.org/tufte", dueDate: "2026-11-10" });
    const b = await addStep(deps, me, o.id, { title: "Make a chart" });
    expect([a.position, b.position]).toEqual([0, 1]);
    expect(a).toMatchObject({ status: "todo", resourceUrl: "https://example.org/tufte", dueDate: "2026-11-10" });
    expect((await updateStep(deps, me, a.id, { status: "doing" })).status).toBe("doing");
    expect((await completeStep(deps, me, b.id)).status).toBe("done");
    expect((await reorderSteps(deps, me, o.id, [b.id, a.id])).map((s) => s.id)).toEqual([b.id, a.id]);
    await formError(reorderSteps(deps, me, o.id, [b.id]));
    await formError(addStep(deps, me, o.id, { title: "x", resourceUrl: "javascript:alert(1)" }));
    await formError(addStep(deps, me, o.id, { title: "" }));
    await notFoundError(addStep(deps, other, o.id, { title: "sneaky" }));
    await notFoundError(completeStep(deps, other, a.id));
    expect(await listSteps(deps, o.id)).toHaveLength(2);
  });

  it("keeps resources, filed under one of the learner's own objectives only", async () => {
    const o = await createObjective(deps, me, { title: "Datavis" });
    const theirs = await createObjective(deps, other, { title: "Theirs" });
    const r = await addResource(
      deps,
      me,
      { title: "Flowing data", url: "https://flowingdata.com", objectiveId: String(o.id) },
      "Coach Cat",
    );
    expect(r).toMatchObject({ objectiveId: o.id, suggestedBy: "Coach Cat", note: "" });
    await formError(addResource(deps, me, { title: "x", url: "ftp://example.org" }));
    await notFoundError(addResource(deps, me, { title: "x", url: "https://example.org", objectiveId: String(theirs.id) }));
    await notFoundError(deleteResource(deps, other, r.id));
    await deleteObjective(deps, me, o.id);
    expect((await listResources(deps, me))[0]!.objectiveId).toBeNull();
    await deleteResource(deps, me, r.id);
    expect(await listResources(deps, me)).toEqual([]);
  });

  it("starts an objective from each general template", async () => {
    expect(generalTemplates.map((t) => t.title)).toEqual(["A career goal", "A book to read", "A skill to practise"]);
    const o = await instantiateTemplate(deps, me, "book");
    expect(o.title).toBe("A book to read");
    expect((await listSteps(deps, o.id)).map((s) => s.title)).toEqual(generalTemplates[1]!.steps);
    await formError(instantiateTemplate(deps, me, "nope"));
  });
});
