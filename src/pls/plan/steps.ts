// Plan steps: the activities under an objective, in the learner's order, each with a status,
// an optional resource link and an optional due day.
import { and, asc, eq, max } from "drizzle-orm";
import { FormError, NotFoundError } from "../../core/errors.js";
import { requireText } from "../../core/form-text.js";
import { type PlanStep, planSteps, stepStatuses } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { readChoice, readDay, readHttpUrl } from "../validate.js";
import { recordChange } from "./history.js";
import { getObjective, touchObjective } from "./objectives.js";

export function listSteps(deps: Pick<PlsDeps, "db">, objectiveId: number): Promise<PlanStep[]> {
  return deps.db.select().from(planSteps).where(eq(planSteps.objectiveId, objectiveId)).orderBy(asc(planSteps.position), asc(planSteps.id));
}

async function getStep(deps: PlsDeps, personId: number, stepId: number): Promise<PlanStep> {
  const [s] = await deps.db.select().from(planSteps).where(eq(planSteps.id, stepId));
  if (!s) throw new NotFoundError("step", "That step does not exist.");
  await getObjective(deps, personId, s.objectiveId); // the owner check
  return s;
}

export async function addStep(deps: PlsDeps, personId: number, objectiveId: number, form: Record<string, unknown>): Promise<PlanStep> {
  const o = await getObjective(deps, personId, objectiveId);
  const title = requireText(form, "title", "Step", 200);
  const [last] = await deps.db
    .select({ p: max(planSteps.position) })
    .from(planSteps)
    .where(eq(planSteps.objectiveId, objectiveId));
  const now = deps.now();
  const [s] = await deps.db
    .insert(planSteps)
    .values({
      objectiveId,
      title,
      status: readChoice(form.status, stepStatuses, "status", "todo"),
      resourceUrl: readHttpUrl(form.resourceUrl, "resourceUrl", "Resource link", false),
      dueDate: readDay(form.dueDate, "dueDate", "Due date"),
      position: (last?.p ?? -1) + 1,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await touchObjective(deps, objectiveId);
  await recordChange(deps, personId, objectiveId, `Added step "${title}" to "${o.title}"`);
  return s!;
}

export async function updateStep(deps: PlsDeps, personId: number, stepId: number, form: Record<string, unknown>): Promise<PlanStep> {
  const before = await getStep(deps, personId, stepId);
  const merged: Record<string, unknown> = {
    title: before.title,
    status: before.status,
    resourceUrl: before.resourceUrl ?? "",
    dueDate: before.dueDate ?? "",
    ...form,
  };
  const [s] = await deps.db
    .update(planSteps)
    .set({
      title: requireText(merged, "title", "Step", 200),
      status: readChoice(merged.status, stepStatuses, "status", before.status),
      resourceUrl: readHttpUrl(merged.resourceUrl, "resourceUrl", "Resource link", false),
      dueDate: readDay(merged.dueDate, "dueDate", "Due date"),
      updatedAt: deps.now(),
    })
    .where(eq(planSteps.id, stepId))
    .returning();
  await touchObjective(deps, before.objectiveId);
  const what = before.status !== s!.status ? ` (${before.status} → ${s!.status})` : "";
  await recordChange(deps, personId, before.objectiveId, `Revised step "${s!.title}"${what}`);
  return s!;
}

export function completeStep(deps: PlsDeps, personId: number, stepId: number): Promise<PlanStep> {
  return updateStep(deps, personId, stepId, { status: "done" });
}

export async function deleteStep(deps: PlsDeps, personId: number, stepId: number): Promise<void> {
  const s = await getStep(deps, personId, stepId);
  await deps.db.delete(planSteps).where(eq(planSteps.id, stepId));
  await touchObjective(deps, s.objectiveId);
  await recordChange(deps, personId, s.objectiveId, `Removed step "${s.title}"`);
}

/** Puts an objective's steps in the given order; the list must name each of its steps once. */
export async function reorderSteps(deps: PlsDeps, personId: number, objectiveId: number, stepIds: number[]): Promise<PlanStep[]> {
  const o = await getObjective(deps, personId, objectiveId);
  const current = await listSteps(deps, objectiveId);
  const have = new Set(current.map((s) => s.id));
  if (stepIds.length !== have.size || new Set(stepIds).size !== have.size || !stepIds.every((id) => have.has(id)))
    throw new FormError("order", "The new order must list each step of this objective once.");
  const now = deps.now();
  const updates = stepIds.map((id, position) =>
    deps.db
      .update(planSteps)
      .set({ position, updatedAt: now })
      .where(and(eq(planSteps.id, id), eq(planSteps.objectiveId, objectiveId))),
  );
  // One batch: all positions change together (D1 has no interactive transactions).
  if (updates.length) await deps.db.batch(updates as [(typeof updates)[number], ...typeof updates]);
  await touchObjective(deps, objectiveId);
  await recordChange(deps, personId, objectiveId, `Reordered the steps of "${o.title}"`);
  return listSteps(deps, objectiveId);
}
