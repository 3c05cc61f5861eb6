// A learner's objectives: what they mean to learn, why, the tags their posts about it carry,
// a target day, a status and who may see it. Every change leaves a line in the plan's history.
import { and, asc, eq } from "drizzle-orm";
import { NotFoundError } from "../../core/errors.js";
import { optionalText, readFields, requireText } from "../../core/form-text.js";
import { type Objective, type ObjectiveStatus, objectiveStatuses, objectives, plsVisibilities } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { readChoice, readDay, readTags } from "../validate.js";
import { recordChange } from "./history.js";

export interface ObjectiveInput {
  title: string;
  why: string;
  tags: string[];
  targetDate: string | null;
  status: ObjectiveStatus;
  visibility: Objective["visibility"];
}

export function readObjectiveForm(form: Record<string, unknown>): ObjectiveInput {
  // Every wrong field at once (FormErrors), so the form marks them all.
  return readFields<ObjectiveInput>({
    title: () => requireText(form, "title", "Title", 200),
    why: () => optionalText(form, "why", 2000),
    tags: () => readTags(form.tags),
    targetDate: () => readDay(form.targetDate, "targetDate", "Target date"),
    status: () => readChoice(form.status, objectiveStatuses, "status", "planned"),
    visibility: () => readChoice(form.visibility, plsVisibilities, "visibility", "private"),
  });
}

/** The learner's own objective, or a FormError: another person's objective is as good as missing. */
export async function getObjective(deps: Pick<PlsDeps, "db">, personId: number, id: number): Promise<Objective> {
  const [o] = await deps.db
    .select()
    .from(objectives)
    .where(and(eq(objectives.id, id), eq(objectives.personId, personId)));
  if (!o) throw new NotFoundError("objective", "That objective does not exist (or is not yours).");
  return o;
}

export function listObjectives(deps: Pick<PlsDeps, "db">, personId: number): Promise<Objective[]> {
  return deps.db.select().from(objectives).where(eq(objectives.personId, personId)).orderBy(asc(objectives.id));
}

export async function createObjective(deps: PlsDeps, personId: number, form: Record<string, unknown>): Promise<Objective> {
  const input = readObjectiveForm(form);
  const now = deps.now();
  const [o] = await deps.db
    .insert(objectives)
    .values({ personId, ...input, createdAt: now, updatedAt: now, achievedAt: input.status === "achieved" ? now : null })
    .returning();
  await recordChange(deps, personId, o!.id, `Added objective "${o!.title}"`);
  return o!;
}

export async function updateObjective(deps: PlsDeps, personId: number, id: number, form: Record<string, unknown>): Promise<Objective> {
  const before = await getObjective(deps, personId, id);
  const input = readObjectiveForm({ status: before.status, visibility: before.visibility, ...form });
  const now = deps.now();
  const achievedAt = input.status === "achieved" ? (before.achievedAt ?? now) : null;
  const [o] = await deps.db
    .update(objectives)
    .set({ ...input, updatedAt: now, achievedAt })
    .where(eq(objectives.id, id))
    .returning();
  const what = before.status !== input.status ? `; status ${before.status} → ${input.status}` : "";
  await recordChange(deps, personId, id, `Revised objective "${o!.title}"${what}`);
  return o!;
}

export async function setObjectiveStatus(deps: PlsDeps, personId: number, id: number, status: string): Promise<Objective> {
  const before = await getObjective(deps, personId, id);
  const next = readChoice(status, objectiveStatuses, "status", before.status);
  if (next === before.status) return before;
  const now = deps.now();
  const [o] = await deps.db
    .update(objectives)
    .set({ status: next, updatedAt: now, achievedAt: next === "achieved" ? now : null })
    .where(eq(objectives.id, id))
    .returning();
  await recordChange(deps, personId, id, `"${o!.title}": ${before.status} → ${next}`);
  return o!;
}

export async function deleteObjective(deps: PlsDeps, personId: number, id: number): Promise<void> {
  const o = await getObjective(deps, personId, id);
  await deps.db.delete(objectives).where(eq(objectives.id, id));
  await recordChange(deps, personId, null, `Removed objective "${o.title}"`);
}

/** Marks an objective touched (a step changed), which keeps it out of "untouched for weeks". */
export async function touchObjective(deps: PlsDeps, id: number): Promise<void> {
  await deps.db.update(objectives).set({ updatedAt: deps.now() }).where(eq(objectives.id, id));
}
