// A short history of plan revisions: one plain line per change, newest 50 per person kept,
// so "what changed in my plan" stays answerable without the table growing without bound.
import { and, desc, eq, lt } from "drizzle-orm";
import { type PlanChange, planChanges } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";

export const HISTORY_KEEP = 50;

export async function recordChange(deps: PlsDeps, personId: number, objectiveId: number | null, what: string): Promise<void> {
  const { db } = deps;
  await db.insert(planChanges).values({ personId, objectiveId, what: what.slice(0, 300), at: deps.now() });
  // The 50th newest id is the cut-off; anything older goes.
  const [cut] = await db
    .select({ id: planChanges.id })
    .from(planChanges)
    .where(eq(planChanges.personId, personId))
    .orderBy(desc(planChanges.id))
    .limit(1)
    .offset(HISTORY_KEEP - 1);
  if (cut) await db.delete(planChanges).where(and(eq(planChanges.personId, personId), lt(planChanges.id, cut.id)));
}

export function listChanges(deps: Pick<PlsDeps, "db">, personId: number): Promise<PlanChange[]> {
  return deps.db.select().from(planChanges).where(eq(planChanges.personId, personId)).orderBy(desc(planChanges.id));
}
