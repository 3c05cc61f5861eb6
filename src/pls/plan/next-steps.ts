// Next steps, computed from the plan and the portfolio at a given moment: objectives still
// without evidence, steps past their due day, and active objectives nobody has touched for weeks.
import { and, eq, inArray, ne } from "drizzle-orm";
import { type Objective, objectives, type PlanStep, planSteps, portfolioLinks } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";

export const UNTOUCHED_DAYS = 21;

export interface NextSteps {
  /** Planned or active objectives with no linked evidence yet. */
  noEvidence: Objective[];
  /** Unfinished steps of open objectives whose due day is before today (UTC). */
  overdue: { step: PlanStep; objective: Objective }[];
  /** Active objectives not changed for 21 days or more. */
  untouched: Objective[];
}

export async function nextSteps(deps: Pick<PlsDeps, "db">, personId: number, now: Date): Promise<NextSteps> {
  const open = await deps.db
    .select()
    .from(objectives)
    .where(and(eq(objectives.personId, personId), inArray(objectives.status, ["planned", "active"])));
  if (!open.length) return { noEvidence: [], overdue: [], untouched: [] };
  const ids = open.map((o) => o.id);
  const linked = await deps.db
    .selectDistinct({ objectiveId: portfolioLinks.objectiveId })
    .from(portfolioLinks)
    .where(and(inArray(portfolioLinks.objectiveId, ids), eq(portfolioLinks.removed, false)));
  const withEvidence = new Set(linked.map((l) => l.objectiveId));
  const today = now.toISOString().slice(0, 10);
  const byId = new Map(open.map((o) => [o.id, o]));
  const steps = await deps.db
    .select()
    .from(planSteps)
    .where(and(inArray(planSteps.objectiveId, ids), ne(planSteps.status, "done")));
  const overdue = steps
    .filter((s) => s.dueDate !== null && s.dueDate < today) // ISO days compare as strings
    .sort((a, b) => a.dueDate!.localeCompare(b.dueDate!) || a.id - b.id)
    .map((step) => ({ step, objective: byId.get(step.objectiveId)! }));
  const cutoff = now.getTime() - UNTOUCHED_DAYS * 86_400_000;
  return {
    noEvidence: open.filter((o) => !withEvidence.has(o.id)),
    overdue,
    untouched: open.filter((o) => o.status === "active" && o.updatedAt.getTime() <= cutoff),
  };
}
