// The personal API under /api/v1 (session or grant token) and its OpenAPI document. Handlers are
// thin: who may call is settled in ../api/auth.ts, the work is done by the src/pls functions the
// learner's own pages use, and what goes out is shaped by ../api/serialise.ts.

import { and, eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { FormError } from "../../../core/errors.js";
import { suggestions } from "../../../db/schema.js";
import { nextSteps } from "../../../pls/plan/next-steps.js";
import { createObjective, deleteObjective, getObjective, updateObjective } from "../../../pls/plan/objectives.js";
import { addResource, deleteResource } from "../../../pls/plan/resources.js";
import { addStep, deleteStep, updateStep } from "../../../pls/plan/steps.js";
import { addExternalEntry, addItemEntry, deleteEntry, linkEntry, unlinkEntry, updateEntry } from "../../../pls/portfolio/portfolio.js";
import { accessLog, getGrant, issueGrant, listGrants, revokeGrant } from "../../../pls/sharing/grants.js";
import { visiblePlan, visiblePortfolio } from "../../../pls/sharing/read-model.js";
import {
  acceptSuggestion,
  createSuggestion,
  declineSuggestion,
  listSuggestions,
  suggestionsOfGrant,
} from "../../../pls/sharing/suggestions.js";
import { type ApiEnv, apiAuth, ownerOf, requireScope, sendsJson } from "../../api/auth.js";
import { ApiError, apiErrorHandler, notFound, owned } from "../../api/errors.js";
import { openApiDocument } from "../../api/openapi.js";
import * as out from "../../api/serialise.js";

/** Mounted at /api/v1: the personal API itself. */
export const apiRoutes = new Hono<ApiEnv>();
/** Mounted at /api: the OpenAPI document, and a JSON 404 for any other address under /api. */
export const apiDocumentRoutes = new Hono<ApiEnv>();
apiDocumentRoutes.onError(apiErrorHandler);
type C = Context<ApiEnv>;

apiRoutes.onError(apiErrorHandler);

apiDocumentRoutes.get("/openapi.json", (c) => {
  c.header("cache-control", "public, max-age=300");
  return c.json(openApiDocument);
});

apiRoutes.use("*", apiAuth());

/** A positive whole-number id from the path; anything else names nothing. */
function idParam(c: C, name = "id"): number {
  const raw = c.req.param(name) ?? "";
  const n = Number(raw);
  if (!/^\d{1,12}$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw notFound();
  return n;
}

/** The JSON object in the body; a write is described by its fields, named as on the hub's forms. */
async function body(c: C): Promise<Record<string, unknown>> {
  if (!sendsJson(c)) {
    throw new ApiError(415, "json_required", "Send a JSON object, with Content-Type: application/json.");
  }
  let parsed: unknown;
  try {
    parsed = await c.req.json();
  } catch {
    throw new ApiError(400, "invalid_json", "The body is not valid JSON.");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new ApiError(400, "invalid_json", "The body must be a JSON object.");
  return parsed as Record<string, unknown>;
}

const deps = (c: C) => c.get("deps");
const me = (c: C) => ownerOf(c.get("caller")).id;
const noContent = (c: C) => c.body(null, 204);

// ---- who is calling

apiRoutes.get("/me", (c) => {
  const caller = c.get("caller");
  if (caller.kind === "session")
    return c.json({ person: { id: caller.person.id, displayName: caller.person.displayName }, via: "session" });
  const g = caller.grant;
  return c.json({
    grant: { id: g.id, audience: g.audience, scopes: g.scopes, expiresAt: g.expiresAt?.toISOString() ?? null },
    learner: caller.learner,
    via: "token",
  });
});

// ---- the plan

apiRoutes.get("/plan", async (c) => {
  const caller = c.get("caller");
  const plan =
    caller.kind === "session"
      ? await visiblePlan(deps(c), caller.person.id, { kind: "owner" })
      : await visiblePlan(deps(c), caller.learner.id, { kind: "grant", grant: requireScope(caller, "plan:read") });
  return c.json(out.planJson(plan));
});

apiRoutes.post("/objectives", async (c) => {
  const o = await createObjective(deps(c), me(c), await body(c));
  return c.json({ objective: out.objectiveJson(o) }, 201);
});

apiRoutes.patch("/objectives/:id", async (c) => {
  const owner = me(c);
  const id = idParam(c);
  const form = await body(c);
  // PATCH: fields not sent keep their values (the domain function reads a whole form).
  const before = await owned(() => getObjective(deps(c), owner, id));
  const merged = { title: before.title, why: before.why, tags: before.tags, targetDate: before.targetDate ?? "", ...form };
  const o = await updateObjective(deps(c), owner, id, merged);
  return c.json({ objective: out.objectiveJson(o) });
});

apiRoutes.delete("/objectives/:id", async (c) => {
  const owner = me(c);
  await owned(() => deleteObjective(deps(c), owner, idParam(c)));
  return noContent(c);
});

apiRoutes.post("/objectives/:id/steps", async (c) => {
  const owner = me(c);
  const id = idParam(c);
  const form = await body(c);
  const s = await owned(() => addStep(deps(c), owner, id, form));
  return c.json({ step: out.stepJson(s) }, 201);
});

apiRoutes.patch("/steps/:id", async (c) => {
  const owner = me(c);
  const id = idParam(c);
  const form = await body(c);
  const s = await owned(() => updateStep(deps(c), owner, id, form));
  return c.json({ step: out.stepJson(s) });
});

apiRoutes.delete("/steps/:id", async (c) => {
  const owner = me(c);
  await owned(() => deleteStep(deps(c), owner, idParam(c)));
  return noContent(c);
});

apiRoutes.post("/resources", async (c) => {
  const owner = me(c);
  const form = await body(c);
  // The objective named in the body is the caller's input, not the address: 400, not 404.
  const r = await owned(() => addResource(deps(c), owner, form), { objective: "objectiveId" });
  return c.json({ resource: out.resourceJson(r) }, 201);
});

apiRoutes.delete("/resources/:id", async (c) => {
  const owner = me(c);
  await owned(() => deleteResource(deps(c), owner, idParam(c)));
  return noContent(c);
});

// ---- the portfolio

apiRoutes.get("/portfolio", async (c) => {
  const caller = c.get("caller");
  const portfolio =
    caller.kind === "session"
      ? await visiblePortfolio(deps(c), caller.person.id, { kind: "owner" })
      : await visiblePortfolio(deps(c), caller.learner.id, { kind: "grant", grant: requireScope(caller, "portfolio:read") });
  return c.json(out.portfolioJson(portfolio));
});

apiRoutes.post("/portfolio/entries", async (c) => {
  const owner = me(c);
  const form = await body(c);
  let entry: Awaited<ReturnType<typeof addExternalEntry>>;
  if (form.itemId !== undefined && form.itemId !== null && form.itemId !== "") {
    const itemId = Number(form.itemId);
    if (!Number.isSafeInteger(itemId) || itemId < 1)
      throw new ApiError(400, "invalid_input", "itemId must be the id of one of your posts.", "itemId");
    entry = await owned(() => addItemEntry(deps(c), owner, itemId, form), { item: "itemId" });
  } else {
    entry = await addExternalEntry(deps(c), owner, form);
  }
  return c.json({ entry: out.entryJson(entry) }, 201);
});

apiRoutes.patch("/portfolio/entries/:id", async (c) => {
  const owner = me(c);
  const id = idParam(c);
  const form = await body(c);
  const e = await owned(() => updateEntry(deps(c), owner, id, form));
  return c.json({ entry: out.entryJson(e) });
});

apiRoutes.delete("/portfolio/entries/:id", async (c) => {
  const owner = me(c);
  await owned(() => deleteEntry(deps(c), owner, idParam(c)));
  return noContent(c);
});

apiRoutes.put("/portfolio/entries/:id/objectives/:objectiveId", async (c) => {
  const owner = me(c);
  await owned(() => linkEntry(deps(c), owner, idParam(c), idParam(c, "objectiveId")));
  return noContent(c);
});

apiRoutes.delete("/portfolio/entries/:id/objectives/:objectiveId", async (c) => {
  const owner = me(c);
  await owned(() => unlinkEntry(deps(c), owner, idParam(c), idParam(c, "objectiveId")));
  return noContent(c);
});

apiRoutes.get("/next-steps", async (c) => {
  const owner = me(c);
  return c.json(out.nextStepsJson(await nextSteps(deps(c), owner, deps(c).now())));
});

// ---- grants (the learner's alone: a token may never manage grants, not even its own)

apiRoutes.get("/grants", async (c) => {
  const owner = me(c);
  const now = deps(c).now();
  return c.json({ grants: (await listGrants(deps(c), owner)).map((g) => out.grantJson(g, now)) });
});

apiRoutes.post("/grants", async (c) => {
  const owner = me(c);
  const issued = await issueGrant(deps(c), owner, await body(c));
  const base = deps(c).config.publicUrl.replace(/\/+$/, "");
  // The only time the secrets are shown: the hub keeps their SHA-256 alone.
  return c.json({ grant: out.grantJson(issued.grant, deps(c).now()), link: `${base}/share/${issued.link}`, token: issued.token }, 201);
});

apiRoutes.post("/grants/:id/revoke", async (c) => {
  const owner = me(c);
  const g = await owned(() => revokeGrant(deps(c), owner, idParam(c)));
  return c.json({ grant: out.grantJson(g, deps(c).now()) });
});

apiRoutes.get("/grants/:id/log", async (c) => {
  const owner = me(c);
  const id = idParam(c);
  await owned(() => getGrant(deps(c), owner, id));
  return c.json({ log: (await accessLog(deps(c), owner, id)).map(out.accessJson) });
});

// ---- suggestions

apiRoutes.get("/suggestions", async (c) => {
  const caller = c.get("caller");
  const list =
    caller.kind === "session"
      ? await listSuggestions(deps(c), caller.person.id)
      : await suggestionsOfGrant(deps(c), requireScope(caller, "suggest").id);
  return c.json({ suggestions: list.map(out.suggestionJson) });
});

apiRoutes.post("/suggestions", async (c) => {
  const caller = c.get("caller");
  if (caller.kind === "session") {
    throw new ApiError(403, "grant_only", "Suggestions come from people you share with; change your plan directly instead.");
  }
  const grant = requireScope(caller, "suggest");
  const s = await createSuggestion(deps(c), grant, await body(c));
  return c.json({ suggestion: out.suggestionJson(s) }, 201);
});

/** Accepting or declining: the suggestion must be the learner's (404) and still pending (409). */
async function decide(c: C, how: typeof acceptSuggestion) {
  const owner = me(c);
  const id = idParam(c);
  const [s] = await deps(c)
    .db.select({ status: suggestions.status })
    .from(suggestions)
    .where(and(eq(suggestions.id, id), eq(suggestions.personId, owner)));
  if (!s) throw notFound("That suggestion does not exist (or is not for you).");
  if (s.status !== "pending") throw new ApiError(409, "already_decided", `That suggestion was already ${s.status}.`);
  try {
    return c.json({ suggestion: out.suggestionJson(await how(deps(c), owner, id)) });
  } catch (err) {
    if (err instanceof FormError && err.field === "suggestion") {
      throw new ApiError(409, "cannot_accept", err.message);
    }
    throw err;
  }
}

apiRoutes.post("/suggestions/:id/accept", (c) => decide(c, acceptSuggestion));
apiRoutes.post("/suggestions/:id/decline", (c) => decide(c, declineSuggestion));

// Anything else under /api answers in JSON, not with the hub's HTML page.
apiDocumentRoutes.all("/*", () => {
  throw new ApiError(404, "not_found", "There is no API endpoint at this address. See /api/openapi.json.");
});
