// Resources: links worth reading, kept by the learner (or suggested to them), optionally
// filed under one of their objectives.
import { and, desc, eq } from "drizzle-orm";
import { FormError, NotFoundError } from "../../core/errors.js";
import { optionalText, requireText } from "../../core/form-text.js";
import { type Resource, resources } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { readHttpUrl } from "../validate.js";
import { recordChange } from "./history.js";
import { getObjective } from "./objectives.js";

export async function addResource(
  deps: PlsDeps,
  personId: number,
  form: Record<string, unknown>,
  suggestedBy: string | null = null,
): Promise<Resource> {
  const title = requireText(form, "title", "Title", 200);
  const url = readHttpUrl(form.url, "url", "Link", true)!;
  const note = optionalText(form, "note", 2000);
  const raw = form.objectiveId;
  const objectiveId = raw === undefined || raw === "" || raw === null ? null : Number(raw);
  if (objectiveId !== null) {
    if (!Number.isInteger(objectiveId)) throw new FormError("objectiveId", "Choose one of your objectives.");
    await getObjective(deps, personId, objectiveId);
  }
  const [r] = await deps.db
    .insert(resources)
    .values({ personId, objectiveId, title, url, note, suggestedBy, createdAt: deps.now() })
    .returning();
  await recordChange(deps, personId, objectiveId, `Added resource "${title}"`);
  return r!;
}

export function listResources(deps: Pick<PlsDeps, "db">, personId: number): Promise<Resource[]> {
  return deps.db.select().from(resources).where(eq(resources.personId, personId)).orderBy(desc(resources.id));
}

export async function deleteResource(deps: PlsDeps, personId: number, id: number): Promise<void> {
  const [r] = await deps.db
    .delete(resources)
    .where(and(eq(resources.id, id), eq(resources.personId, personId)))
    .returning();
  if (!r) throw new NotFoundError("resource", "That resource does not exist (or is not yours).");
  await recordChange(deps, personId, r.objectiveId, `Removed resource "${r.title}"`);
}
