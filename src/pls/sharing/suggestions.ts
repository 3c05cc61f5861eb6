// Suggestions: someone holding a grant with the "suggest" scope proposes an objective, a step
// (under an objective they can see) or a resource. Nothing reaches the plan until the learner
// accepts; accepting makes it through the same functions the learner's own edits use.
import { and, desc, eq } from "drizzle-orm";
import { FormError, NotFoundError } from "../../core/errors.js";
import { optionalText, requireText } from "../../core/form-text.js";
import { type Grant, type Objective, objectives, type Suggestion, suggestionKinds, suggestions } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { recordChange } from "../plan/history.js";
import { createObjective } from "../plan/objectives.js";
import { addResource } from "../plan/resources.js";
import { addStep } from "../plan/steps.js";
import { readChoice, readHttpUrl } from "../validate.js";
import { grantState, hasScope } from "./grants.js";
import { canSee } from "./visibility.js";

/** Pending suggestions one grant may have waiting at once: enough for real use, not for flooding. */
export const MAX_PENDING_PER_GRANT = 50;

async function objectiveForSuggestion(deps: Pick<PlsDeps, "db">, grant: Grant, raw: unknown, required: boolean): Promise<Objective | null> {
  if (raw === undefined || raw === null || raw === "") {
    if (required) throw new FormError("objectiveId", "Choose the objective this step is for.");
    return null;
  }
  const id = Number(raw);
  const [o] = Number.isInteger(id)
    ? await deps.db
        .select()
        .from(objectives)
        .where(and(eq(objectives.id, id), eq(objectives.personId, grant.personId)))
    : [];
  // An objective this grant may not see is as good as missing.
  if (!o || !canSee({ kind: "grant", grant }, "plan", o.visibility))
    throw new FormError("objectiveId", "Choose one of the objectives you can see.");
  return o;
}

export async function createSuggestion(deps: PlsDeps, grant: Grant, form: Record<string, unknown>): Promise<Suggestion> {
  if (!hasScope(grant, "suggest")) throw new FormError("grant", "This grant does not allow suggestions.");
  // Callers check the secret first; this guards any caller holding a stale grant row.
  if (grantState(grant, deps.now()) !== "active") throw new FormError("grant", "This grant is no longer active.");
  const kind = readChoice(form.kind, suggestionKinds, "kind", "resource");
  const title = requireText(form, "title", "Title", 200);
  const body = optionalText(form, kind === "objective" ? "why" : "note", 2000);
  const url = readHttpUrl(form.url, "url", "Link", kind === "resource");
  const objective = kind === "objective" ? null : await objectiveForSuggestion(deps, grant, form.objectiveId, kind === "step");
  const pending = await deps.db
    .select({ id: suggestions.id })
    .from(suggestions)
    .where(and(eq(suggestions.grantId, grant.id), eq(suggestions.status, "pending")));
  if (pending.length >= MAX_PENDING_PER_GRANT) {
    throw new FormError("grant", `You already have ${MAX_PENDING_PER_GRANT} suggestions waiting; the learner has to answer some first.`);
  }
  const [s] = await deps.db
    .insert(suggestions)
    .values({
      personId: grant.personId,
      grantId: grant.id,
      fromLabel: grant.audience,
      kind,
      objectiveId: objective?.id ?? null,
      title,
      body,
      url,
      createdAt: deps.now(),
    })
    .returning();
  return s!;
}

export function listSuggestions(deps: Pick<PlsDeps, "db">, personId: number, status?: Suggestion["status"]): Promise<Suggestion[]> {
  return deps.db
    .select()
    .from(suggestions)
    .where(and(eq(suggestions.personId, personId), status ? eq(suggestions.status, status) : undefined))
    .orderBy(desc(suggestions.id));
}

/** What one grant has suggested (its holder may see their own suggestions and how they were answered). */
export function suggestionsOfGrant(deps: Pick<PlsDeps, "db">, grantId: number): Promise<Suggestion[]> {
  return deps.db.select().from(suggestions).where(eq(suggestions.grantId, grantId)).orderBy(desc(suggestions.id));
}

/** One of the learner's suggestions, or null (another person's suggestion is as good as missing). */
export async function getSuggestion(deps: Pick<PlsDeps, "db">, personId: number, id: number): Promise<Suggestion | null> {
  const [s] = await deps.db
    .select()
    .from(suggestions)
    .where(and(eq(suggestions.id, id), eq(suggestions.personId, personId)));
  return s ?? null;
}

/**
 * Marks a pending suggestion decided. The status check is part of the update, so of two answers
 * sent at once (two tabs, a double click) only one wins and the plan gets one copy.
 */
async function decide(deps: PlsDeps, personId: number, id: number, status: "accepted" | "declined"): Promise<Suggestion> {
  const [done] = await deps.db
    .update(suggestions)
    .set({ status, decidedAt: deps.now() })
    .where(and(eq(suggestions.id, id), eq(suggestions.personId, personId), eq(suggestions.status, "pending")))
    .returning();
  if (done) return done;
  const s = await getSuggestion(deps, personId, id);
  if (!s) throw new NotFoundError("suggestion", "That suggestion does not exist (or is not for you).");
  throw new FormError("suggestion", `That suggestion was already ${s.status}.`);
}

/** Accepting adds the objective, step or resource to the plan, credited to who suggested it. */
export async function acceptSuggestion(deps: PlsDeps, personId: number, id: number): Promise<Suggestion> {
  const s = await decide(deps, personId, id, "accepted");
  try {
    if (s.kind === "objective") {
      await createObjective(deps, personId, { title: s.title, why: s.body });
    } else if (s.kind === "step") {
      if (s.objectiveId === null)
        throw new FormError("suggestion", "The objective this step was for has been removed; decline it instead.");
      await addStep(deps, personId, s.objectiveId, { title: s.title, resourceUrl: s.url ?? "" });
    } else {
      await addResource(deps, personId, { title: s.title, url: s.url ?? "", note: s.body, objectiveId: s.objectiveId ?? "" }, s.fromLabel);
    }
  } catch (err) {
    // Nothing was added: the suggestion waits again, to be declined or tried later.
    await deps.db.update(suggestions).set({ status: "pending", decidedAt: null }).where(eq(suggestions.id, id));
    throw err;
  }
  await recordChange(deps, personId, s.objectiveId, `Accepted ${s.fromLabel}'s suggestion "${s.title}"`);
  return s;
}

export function declineSuggestion(deps: PlsDeps, personId: number, id: number): Promise<Suggestion> {
  return decide(deps, personId, id, "declined");
}
