import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlsDeps } from "../../../src/pls/deps.js";
import { nextSteps } from "../../../src/pls/plan/next-steps.js";
import { createObjective, setObjectiveStatus } from "../../../src/pls/plan/objectives.js";
import { addStep, completeStep } from "../../../src/pls/plan/steps.js";
import { addExternalEntry, linkEntry, unlinkEntry } from "../../../src/pls/portfolio/portfolio.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addPerson } from "../seed.js";

const DAY = 86_400_000;

describe("next steps", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let me: number;
  beforeEach(async () => {
    hub = await createTestHub(); // the clock starts at 2026-11-01T12:00Z
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    me = await addPerson(deps.db, "Maya");
  });
  afterEach(() => hub.close());

  it("names objectives without evidence until something is linked", async () => {
    const o = await createObjective(deps, me, { title: "Datavis", status: "active" });
    const done = await createObjective(deps, me, { title: "Old", status: "achieved" });
    expect((await nextSteps(deps, me, hub.clock.now)).noEvidence.map((x) => x.id)).toEqual([o.id]);
    const x = await addExternalEntry(deps, me, { url: "https://example.org/p", title: "Project" });
    await linkEntry(deps, me, x.id, o.id);
    expect((await nextSteps(deps, me, hub.clock.now)).noEvidence).toEqual([]);
    await unlinkEntry(deps, me, x.id, o.id);
    expect((await nextSteps(deps, me, hub.clock.now)).noEvidence.map((x) => x.id)).toEqual([o.id]);
    expect(done.id).not.toBe(o.id);
  });

  it("lists unfinished steps whose due day has passed, oldest first", async () => {
    const o = await createObjective(deps, me, { title: "Datavis", status: "active" });
    const today = await addStep(deps, me, o.id, { title: "Due today", dueDate: "2026-11-01" });
    const late = await addStep(deps, me, o.id, { title: "Late", dueDate: "2026-10-31" });
    const later = await addStep(deps, me, o.id, { title: "Very late", dueDate: "2026-10-01" });
    const finished = await addStep(deps, me, o.id, { title: "Done late", dueDate: "2026-10-02" });
    await completeStep(deps, me, finished.id);
    await addStep(deps, me, o.id, { title: "No date" });
    const dropped = await createObjective(deps, me, { title: "Dropped" });
    await addStep(deps, me, dropped.id, { title: "Ignored", dueDate: "2026-01-01" });
    await setObjectiveStatus(deps, me, dropped.id, "dropped");
    expect((await nextSteps(deps, me, hub.clock.now)).overdue.map((x) => x.step.id)).toEqual([later.id, late.id]);
    expect((await nextSteps(deps, me, new Date("2026-11-02T00:00:00Z"))).overdue.map((x) => x.step.id)).toEqual([
      later.id,
      late.id,
      today.id,
    ]);
  });

  it("names active objectives untouched for 21 days; a step change touches them", async () => {
    const o = await createObjective(deps, me, { title: "Datavis", status: "active" });
    await createObjective(deps, me, { title: "Planned only" });
    expect((await nextSteps(deps, me, new Date(hub.clock.now.getTime() + 20 * DAY))).untouched).toEqual([]);
    hub.clock.advance(21 * DAY);
    expect((await nextSteps(deps, me, hub.clock.now)).untouched.map((x) => x.id)).toEqual([o.id]);
    await addStep(deps, me, o.id, { title: "Start again" });
    expect((await nextSteps(deps, me, hub.clock.now)).untouched).toEqual([]);
  });
});
