import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Grant, memberships, type PlsVisibility } from "../../../src/db/schema.js";
import type { PlsDeps } from "../../../src/pls/deps.js";
import { createObjective, setObjectiveStatus } from "../../../src/pls/plan/objectives.js";
import { addResource } from "../../../src/pls/plan/resources.js";
import { addStep } from "../../../src/pls/plan/steps.js";
import { addExternalEntry, linkEntry } from "../../../src/pls/portfolio/portfolio.js";
import { issueGrant } from "../../../src/pls/sharing/grants.js";
import { visiblePlan, visiblePortfolio } from "../../../src/pls/sharing/read-model.js";
import { type PlsViewer, viewerFor } from "../../../src/pls/sharing/visibility.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addCourse, addPerson } from "../seed.js";

const LEVELS: PlsVisibility[] = ["private", "grant", "course", "public"];

describe("the read model", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let me: number;
  let classmate: number;
  let stranger: number;
  let planReader: Grant;
  let portfolioReader: Grant;
  let suggester: Grant;
  /** Objective and entry ids by visibility level. */
  const objectiveOf: Record<string, number> = {};
  const entryOf: Record<string, number> = {};

  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    me = await addPerson(deps.db, "Maya");
    classmate = await addPerson(deps.db, "Noor");
    stranger = await addPerson(deps.db, "Olu");
    const course = await addCourse(deps.db, "t509");
    await deps.db.insert(memberships).values([
      { courseId: course, personId: me, role: "learner" },
      { courseId: course, personId: classmate, role: "learner" },
    ]);
    for (const level of LEVELS) {
      const o = await createObjective(deps, me, { title: `Goal ${level}`, visibility: level });
      objectiveOf[level] = o.id;
      await addStep(deps, me, o.id, { title: `Step ${level}` });
      await addResource(deps, me, { title: `Read ${level}`, url: `https://example.org/${level}`, objectiveId: String(o.id) });
      const e = await addExternalEntry(deps, me, { title: `Work ${level}`, url: `https://maya.example.org/${level}`, visibility: level });
      entryOf[level] = e.id;
    }
    await addResource(deps, me, { title: "Loose read", url: "https://example.org/loose" });
    planReader = (await issueGrant(deps, me, { audience: "Coach", scopes: "plan:read" })).grant;
    portfolioReader = (await issueGrant(deps, me, { audience: "Employer", scopes: "portfolio:read" })).grant;
    suggester = (await issueGrant(deps, me, { audience: "Peer", scopes: "suggest" })).grant;
  });
  afterEach(() => hub.close());

  async function planTitles(viewer: PlsViewer): Promise<string[]> {
    return (await visiblePlan(deps, me, viewer)).objectives.map((o) => o.title);
  }
  async function entryTitles(viewer: PlsViewer): Promise<string[]> {
    return (await visiblePortfolio(deps, me, viewer)).entries.map((e) => e.title).sort();
  }

  it("shows each viewer the plan its level admits", async () => {
    const owner = await viewerFor(deps.db, me, me);
    const member = await viewerFor(deps.db, me, classmate);
    const outsider = await viewerFor(deps.db, me, stranger);
    const anonymous = await viewerFor(deps.db, me, null);
    expect([owner.kind, member.kind, outsider.kind, anonymous.kind]).toEqual(["owner", "member", "anonymous", "anonymous"]);

    expect(await planTitles(owner)).toEqual(["Goal private", "Goal grant", "Goal course", "Goal public"]);
    expect(await planTitles(member)).toEqual(["Goal course", "Goal public"]);
    expect(await planTitles({ kind: "grant", grant: planReader })).toEqual(["Goal grant", "Goal course", "Goal public"]);
    expect(await planTitles({ kind: "grant", grant: portfolioReader })).toEqual(["Goal public"]);
    expect(await planTitles({ kind: "grant", grant: suggester })).toEqual(["Goal public"]);
    expect(await planTitles(outsider)).toEqual(["Goal public"]);
    expect(await planTitles(anonymous)).toEqual(["Goal public"]);
  });

  it("gives steps and resources the visibility of their objective; loose resources are the owner's alone", async () => {
    const full = await visiblePlan(deps, me, { kind: "owner" });
    expect(full.looseResources.map((r) => r.title)).toEqual(["Loose read"]);
    expect(full.objectives.find((o) => o.title === "Goal private")!.steps.map((s) => s.title)).toEqual(["Step private"]);

    const coach = await visiblePlan(deps, me, { kind: "grant", grant: planReader });
    expect(coach.looseResources).toEqual([]);
    const shown = JSON.stringify(coach);
    expect(shown).toContain("Step grant");
    expect(shown).toContain("Read course");
    expect(shown).not.toContain("Step private");
    expect(shown).not.toContain("Read private");
    expect(shown).not.toContain("Loose read");
  });

  it("shows each viewer the portfolio its level admits", async () => {
    expect(await entryTitles({ kind: "owner" })).toEqual(["Work course", "Work grant", "Work private", "Work public"]);
    expect(await entryTitles({ kind: "member" })).toEqual(["Work course", "Work public"]);
    expect(await entryTitles({ kind: "grant", grant: portfolioReader })).toEqual(["Work course", "Work grant", "Work public"]);
    expect(await entryTitles({ kind: "grant", grant: planReader })).toEqual(["Work public"]);
    expect(await entryTitles({ kind: "anonymous" })).toEqual(["Work public"]);
  });

  it("hides an entry's link to an objective the viewer may not see", async () => {
    await linkEntry(deps, me, entryOf.public!, objectiveOf.private!);
    await linkEntry(deps, me, entryOf.public!, objectiveOf.public!);
    const linksFor = async (viewer: PlsViewer) =>
      (await visiblePortfolio(deps, me, viewer)).entries
        .find((e) => e.id === entryOf.public)!
        .objectives.map((o) => o.title)
        .sort();
    expect(await linksFor({ kind: "owner" })).toEqual(["Goal private", "Goal public"]);
    expect(await linksFor({ kind: "anonymous" })).toEqual(["Goal public"]);
    expect(await linksFor({ kind: "grant", grant: portfolioReader })).toEqual(["Goal public"]);
    const both: Grant = { ...portfolioReader, scopes: ["plan:read", "portfolio:read"] };
    await linkEntry(deps, me, entryOf.public!, objectiveOf.grant!);
    expect(await linksFor({ kind: "grant", grant: both })).toEqual(["Goal grant", "Goal public"]);
    expect(JSON.stringify(await visiblePortfolio(deps, me, { kind: "member" }))).not.toContain("Goal private");
  });

  it("lists achievements the viewer may see, newest first, with the evidence they may see", async () => {
    await linkEntry(deps, me, entryOf.private!, objectiveOf.public!);
    await linkEntry(deps, me, entryOf.public!, objectiveOf.public!);
    await setObjectiveStatus(deps, me, objectiveOf.public!, "achieved");
    hub.clock.advance(60_000);
    await setObjectiveStatus(deps, me, objectiveOf.private!, "achieved");
    hub.clock.advance(60_000);
    await setObjectiveStatus(deps, me, objectiveOf.course!, "achieved");

    const mine = await visiblePortfolio(deps, me, { kind: "owner" });
    expect(mine.achievements.map((a) => a.objective.title)).toEqual(["Goal course", "Goal private", "Goal public"]);
    expect(mine.achievements[2]!.evidence.map((e) => e.title).sort()).toEqual(["Work private", "Work public"]);

    const anyone = await visiblePortfolio(deps, me, { kind: "anonymous" });
    expect(anyone.achievements.map((a) => a.objective.title)).toEqual(["Goal public"]);
    expect(anyone.achievements[0]!.evidence.map((e) => e.title)).toEqual(["Work public"]);

    const member = await visiblePortfolio(deps, me, { kind: "member" });
    expect(member.achievements.map((a) => a.objective.title)).toEqual(["Goal course", "Goal public"]);
  });
});
