// The plan and the portfolio as one viewer may see them: the owner sees all; others see only the
// objectives and entries whose visibility admits them (see visibility.ts). Steps and resources
// filed under an objective share its visibility; loose resources are the owner's alone. An entry's
// links name only objectives the viewer may also see, so nothing private leaks through a link.
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import {
  type Objective,
  objectives,
  type PlanStep,
  type PortfolioEntry,
  planSteps,
  portfolioEntries,
  portfolioLinks,
  type Resource,
  resources,
} from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { type PlsViewer, visibleLevels } from "./visibility.js";

export interface PlanObjective extends Objective {
  steps: PlanStep[];
  resources: Resource[];
}

export interface VisiblePlan {
  objectives: PlanObjective[];
  /** Resources not filed under an objective: only the owner sees them. */
  looseResources: Resource[];
}

export interface LinkedObjective {
  id: number;
  title: string;
  status: Objective["status"];
  auto: boolean;
}

export interface VisibleEntry extends PortfolioEntry {
  objectives: LinkedObjective[];
}

export interface VisiblePortfolio {
  entries: VisibleEntry[];
  /** Achieved objectives the viewer may see, newest first, each with the evidence they may see. */
  achievements: { objective: Objective; evidence: PortfolioEntry[] }[];
}

async function visibleObjectives(deps: Pick<PlsDeps, "db">, ownerId: number, viewer: PlsViewer): Promise<Objective[]> {
  return deps.db
    .select()
    .from(objectives)
    .where(and(eq(objectives.personId, ownerId), inArray(objectives.visibility, visibleLevels(viewer, "plan"))))
    .orderBy(asc(objectives.id));
}

export async function visiblePlan(deps: Pick<PlsDeps, "db">, ownerId: number, viewer: PlsViewer): Promise<VisiblePlan> {
  const objs = await visibleObjectives(deps, ownerId, viewer);
  const ids = objs.map((o) => o.id);
  const [steps, res] = await Promise.all([
    ids.length
      ? deps.db.select().from(planSteps).where(inArray(planSteps.objectiveId, ids)).orderBy(asc(planSteps.position), asc(planSteps.id))
      : Promise.resolve([] as PlanStep[]),
    deps.db.select().from(resources).where(eq(resources.personId, ownerId)).orderBy(desc(resources.id)),
  ]);
  const owner = viewer.kind === "owner";
  return {
    objectives: objs.map((o) => ({
      ...o,
      steps: steps.filter((s) => s.objectiveId === o.id),
      resources: res.filter((r) => r.objectiveId === o.id),
    })),
    looseResources: owner ? res.filter((r) => r.objectiveId === null) : [],
  };
}

export async function visiblePortfolio(deps: Pick<PlsDeps, "db">, ownerId: number, viewer: PlsViewer): Promise<VisiblePortfolio> {
  const [entries, objs] = await Promise.all([
    deps.db
      .select()
      .from(portfolioEntries)
      .where(and(eq(portfolioEntries.personId, ownerId), inArray(portfolioEntries.visibility, visibleLevels(viewer, "portfolio"))))
      .orderBy(desc(portfolioEntries.createdAt), desc(portfolioEntries.id)),
    visibleObjectives(deps, ownerId, viewer),
  ]);
  const objById = new Map(objs.map((o) => [o.id, o]));
  const links = entries.length
    ? await deps.db
        .select()
        .from(portfolioLinks)
        .where(
          and(
            inArray(
              portfolioLinks.entryId,
              entries.map((e) => e.id),
            ),
            eq(portfolioLinks.removed, false),
          ),
        )
    : [];
  const visibleEntries: VisibleEntry[] = entries.map((e) => ({
    ...e,
    objectives: links
      .filter((l) => l.entryId === e.id && objById.has(l.objectiveId))
      .map((l) => {
        const o = objById.get(l.objectiveId)!;
        return { id: o.id, title: o.title, status: o.status, auto: l.auto };
      }),
  }));
  const achievements = objs
    .filter((o) => o.status === "achieved")
    .sort((a, b) => (b.achievedAt?.getTime() ?? 0) - (a.achievedAt?.getTime() ?? 0))
    .map((objective) => ({
      objective,
      evidence: visibleEntries.filter((e) => e.objectives.some((l) => l.id === objective.id)),
    }));
  return { entries: visibleEntries, achievements };
}
