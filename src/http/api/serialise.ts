// What the personal API sends: explicit shapes (matching the OpenAPI schemas), dates as ISO
// strings, and never a secret's hash or an owner's internal ids beyond what a caller needs.
import type { Grant, GrantAccess, Objective, PlanStep, PortfolioEntry, Resource, Suggestion } from "../../db/schema.js";
import type { NextSteps } from "../../pls/plan/next-steps.js";
import { grantState } from "../../pls/sharing/grants.js";
import type { LinkedObjective, VisiblePlan, VisiblePortfolio } from "../../pls/sharing/read-model.js";

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function objectiveJson(o: Objective) {
  return {
    id: o.id,
    title: o.title,
    why: o.why,
    tags: o.tags,
    targetDate: o.targetDate,
    status: o.status,
    visibility: o.visibility,
    createdAt: iso(o.createdAt),
    updatedAt: iso(o.updatedAt),
    achievedAt: iso(o.achievedAt),
  };
}

export function stepJson(s: PlanStep) {
  return {
    id: s.id,
    objectiveId: s.objectiveId,
    title: s.title,
    status: s.status,
    resourceUrl: s.resourceUrl,
    dueDate: s.dueDate,
    position: s.position,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

export function resourceJson(r: Resource) {
  return {
    id: r.id,
    objectiveId: r.objectiveId,
    title: r.title,
    url: r.url,
    note: r.note,
    suggestedBy: r.suggestedBy,
    createdAt: iso(r.createdAt),
  };
}

export function entryJson(e: PortfolioEntry & { objectives?: LinkedObjective[] }) {
  return {
    id: e.id,
    kind: e.kind,
    itemId: e.itemId,
    url: e.url,
    title: e.title,
    reflection: e.reflection,
    visibility: e.visibility,
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
    ...(e.objectives ? { objectives: e.objectives.map((o) => ({ id: o.id, title: o.title, status: o.status, auto: o.auto })) } : {}),
  };
}

/** A grant as its owner sees it: never its secrets or their hashes. */
export function grantJson(g: Grant, now: Date) {
  return {
    id: g.id,
    audience: g.audience,
    audienceKind: g.audienceKind,
    scopes: g.scopes,
    state: grantState(g, now),
    expiresAt: iso(g.expiresAt),
    revokedAt: iso(g.revokedAt),
    lastUsedAt: iso(g.lastUsedAt),
    createdAt: iso(g.createdAt),
  };
}

export function accessJson(a: GrantAccess) {
  return { at: iso(a.at), via: a.via, what: a.what };
}

export function suggestionJson(s: Suggestion) {
  return {
    id: s.id,
    kind: s.kind,
    title: s.title,
    body: s.body,
    url: s.url,
    objectiveId: s.objectiveId,
    from: s.fromLabel,
    status: s.status,
    createdAt: iso(s.createdAt),
    decidedAt: iso(s.decidedAt),
  };
}

export function planJson(p: VisiblePlan) {
  return {
    objectives: p.objectives.map((o) => ({ ...objectiveJson(o), steps: o.steps.map(stepJson), resources: o.resources.map(resourceJson) })),
    looseResources: p.looseResources.map(resourceJson),
  };
}

export function portfolioJson(p: VisiblePortfolio) {
  return {
    entries: p.entries.map(entryJson),
    achievements: p.achievements.map((a) => ({ objective: objectiveJson(a.objective), evidence: a.evidence.map((e) => entryJson(e)) })),
  };
}

export function nextStepsJson(n: NextSteps) {
  return {
    noEvidence: n.noEvidence.map(objectiveJson),
    overdue: n.overdue.map((o) => ({ step: stepJson(o.step), objective: objectiveJson(o.objective) })),
    untouched: n.untouched.map(objectiveJson),
  };
}
