// The dashboard: objectives, plan steps, resources, templates, next steps, focus, the learner's courses.
// Every page and action here is the signed-in learner's own: anonymous visitors are sent to sign
// in, and an id that is not theirs answers 404 (the same as one that does not exist).

import { and, eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { FormError, NotFoundError } from "../../../core/errors.js";
import { type Objective, objectiveStatuses, objectives, type Person, planSteps } from "../../../db/schema.js";
import { namesOf } from "../../../hub/roster.js";
import { courseTemplatesForLearner } from "../../../pls/plan/course-templates.js";
import { FOCUS_WINDOW_DAYS, focusItems } from "../../../pls/plan/focus.js";
import { listChanges } from "../../../pls/plan/history.js";
import { myCourses } from "../../../pls/plan/my-courses.js";
import { nextSteps, UNTOUCHED_DAYS } from "../../../pls/plan/next-steps.js";
import {
  createObjective,
  deleteObjective,
  getObjective,
  listObjectives,
  setObjectiveStatus,
  updateObjective,
} from "../../../pls/plan/objectives.js";
import { addResource, deleteResource, listResources } from "../../../pls/plan/resources.js";
import { addStep, completeStep, deleteStep, listSteps, reorderSteps, updateStep } from "../../../pls/plan/steps.js";
import { generalTemplates, instantiateTemplate } from "../../../pls/plan/templates.js";
import { autoLinkByTags, evidenceFor } from "../../../pls/portfolio/portfolio.js";
import { visiblePlan } from "../../../pls/sharing/read-model.js";
import { confirmFirst } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody } from "../../forms.js";
import { page } from "../../page.js";
import { act, idParam, notFound } from "./actions.js";

export const plsRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

/** Where a form may send the learner back to: the dashboard or one of its objective pages. */
function backTo(raw: string | undefined): string {
  return raw && /^\/pls(\/objectives\/\d{1,15})?$/.test(raw) ? raw : "/pls";
}

/** Tagged posts become evidence at once when an objective is active (autoLinkByTags is idempotent). */
async function linkTaggedPosts(c: Ctx, personId: number, o: Objective): Promise<string> {
  if (o.status !== "active" || !o.tags.length) return "";
  const made = await autoLinkByTags(c.get("deps"), personId);
  return made ? ` ${made === 1 ? "One of your tagged posts is" : `${made} of your tagged posts are`} now evidence.` : "";
}

const STATUS_LABEL: Record<Objective["status"], string> = {
  planned: "planned",
  active: "working on it",
  achieved: "achieved",
  dropped: "dropped",
};

// ---- Pages ----

async function dashboard(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [whole, next, courseGroups, courseRows, changes] = await Promise.all([
    visiblePlan(deps, viewer.id, { kind: "owner" }),
    nextSteps(deps, viewer.id, deps.now()),
    courseTemplatesForLearner(deps, viewer.id),
    myCourses(deps, viewer.id),
    listChanges(deps, viewer.id),
  ]);
  const objectiveRows = whole.objectives;
  const evidence = await evidenceFor(
    deps,
    objectiveRows.map((o) => o.id),
  );
  const plan = objectiveRows.map((o) => ({
    objective: o,
    steps: o.steps.length,
    done: o.steps.filter((s) => s.status === "done").length,
    evidence: evidence.get(o.id)?.length ?? 0,
  }));
  // Every resource, newest first, whether filed under an objective or not.
  const resourceRows = [...objectiveRows.flatMap((o) => o.resources), ...whole.looseResources].sort((a, b) => b.id - a.id);
  const titles = new Map(objectiveRows.map((o) => [o.id, o.title]));
  return page(
    c,
    "pls/dashboard",
    {
      title: "Your plan",
      plan,
      next,
      untouchedDays: UNTOUCHED_DAYS,
      resources: resourceRows.map((r) => ({ ...r, objectiveTitle: r.objectiveId ? (titles.get(r.objectiveId) ?? null) : null })),
      objectiveChoices: objectiveRows.map((o) => ({ id: o.id, title: o.title })),
      generalTemplates,
      courseTemplates: courseGroups,
      courses: courseRows,
      changes: changes.slice(0, 5),
      statusLabel: STATUS_LABEL,
      values: {},
      errors: {},
      resourceValues: {},
      resourceErrors: {},
      templateErrors: {},
      ...extra,
    },
    status,
  );
}

async function objectivePage(c: Ctx, viewer: Person, o: Objective, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [steps, resourceRows, evidence, changes] = await Promise.all([
    listSteps(deps, o.id),
    listResources(deps, viewer.id),
    evidenceFor(deps, [o.id]),
    listChanges(deps, viewer.id),
  ]);
  return page(
    c,
    "pls/objective",
    {
      title: o.title,
      objective: o,
      steps,
      resources: resourceRows.filter((r) => r.objectiveId === o.id),
      evidence: evidence.get(o.id) ?? [],
      changes: changes.filter((ch) => ch.objectiveId === o.id),
      statuses: objectiveStatuses,
      statusLabel: STATUS_LABEL,
      values: { ...o, tags: o.tags.map((t) => `#${t}`).join(" "), targetDate: o.targetDate ?? "" },
      errors: {},
      statusErrors: {},
      stepValues: {},
      stepErrors: {},
      editStep: null,
      resourceValues: {},
      resourceErrors: {},
      ...extra,
    },
    status,
  );
}

plsRoutes.get("/", (c) => act(c, (viewer) => dashboard(c, viewer)));

plsRoutes.get("/objectives/:id", (c) =>
  act(c, async (viewer) => {
    const id = idParam(c);
    if (id === null) return notFound(c);
    return objectivePage(c, viewer, await getObjective(c.get("deps"), viewer.id, id));
  }),
);

plsRoutes.get("/history", (c) =>
  act(c, async (viewer) => {
    const deps = c.get("deps");
    const [changes, objectiveRows] = await Promise.all([listChanges(deps, viewer.id), listObjectives(deps, viewer.id)]);
    const live = new Set(objectiveRows.map((o) => o.id));
    return page(c, "pls/history", {
      title: "Your plan's history",
      changes: changes.map((ch) => ({ ...ch, live: ch.objectiveId !== null && live.has(ch.objectiveId) })),
    });
  }),
);

plsRoutes.get("/focus", (c) =>
  act(c, async (viewer) => {
    const deps = c.get("deps");
    const [found, objectiveRows] = await Promise.all([focusItems(deps, viewer.id), listObjectives(deps, viewer.id)]);
    const active = objectiveRows.filter((o) => o.status === "active");
    // Authors go by the names the course pages give them (views/author-name.ts).
    const names = await namesOf(
      deps.db,
      found.map((r) => r.item.personId),
    );
    return page(c, "pls/focus", { title: "Focus", found, active, names, windowDays: FOCUS_WINDOW_DAYS });
  }),
);

// ---- Objectives ----

plsRoutes.post("/objectives", async (c) => {
  const form = await formBody(c);
  return act(
    c,
    async (viewer) => {
      const o = await createObjective(c.get("deps"), viewer.id, form);
      flash(c, `Added "${o.title}".${await linkTaggedPosts(c, viewer.id, o)}`);
      return c.redirect(`/pls/objectives/${o.id}`, 303);
    },
    (viewer, errors) => dashboard(c, viewer, { values: form, errors }, 400),
  );
});

plsRoutes.post("/objectives/:id", async (c) => {
  const form = await formBody(c);
  const id = idParam(c);
  return act(
    c,
    async (viewer) => {
      if (id === null) return notFound(c);
      const { confirm: _, ...fields } = form;
      const asked = await askIfNoEvidence(c, viewer.id, id, form, fields);
      if (asked) return asked;
      const o = await updateObjective(c.get("deps"), viewer.id, id, form);
      flash(c, `Saved "${o.title}".${await linkTaggedPosts(c, viewer.id, o)}`);
      return c.redirect(`/pls/objectives/${o.id}`, 303);
    },
    async (viewer, errors) => objectivePage(c, viewer, await getObjective(c.get("deps"), viewer.id, id!), { values: form, errors }, 400),
  );
});

/**
 * Marking an objective achieved with nothing linked as evidence asks first (a portfolio shows what
 * was done, so an achievement without evidence is usually a slip); null when there is no need.
 */
async function askIfNoEvidence(c: Ctx, personId: number, id: number, form: Record<string, string>, keep: Record<string, string>) {
  if (form.status !== "achieved") return null;
  const deps = c.get("deps");
  const o = await getObjective(deps, personId, id);
  if (o.status === "achieved" || ((await evidenceFor(deps, [o.id])).get(o.id) ?? []).length > 0) return null;
  return confirmFirst(c, form, {
    question: `Mark “${o.title}” achieved without evidence?`,
    consequences: [
      "Nothing in your portfolio is linked to it yet, so nothing shows what you did to achieve it.",
      "To add evidence first, link a post or other work to it from your portfolio. You can also add evidence later.",
    ],
    confirmLabel: "Mark it achieved without evidence",
    cancel: `/pls/objectives/${o.id}`,
    keep,
  });
}

plsRoutes.post("/objectives/:id/status", async (c) => {
  const form = await formBody(c);
  const id = idParam(c);
  return act(
    c,
    async (viewer) => {
      if (id === null) return notFound(c);
      const asked = await askIfNoEvidence(c, viewer.id, id, form, { status: "achieved" });
      if (asked) return asked;
      const o = await setObjectiveStatus(c.get("deps"), viewer.id, id, form.status ?? "");
      const linked = await linkTaggedPosts(c, viewer.id, o);
      flash(
        c,
        o.status === "achieved"
          ? `Achieved: "${o.title}" now shows among your achievements in your portfolio.`
          : `"${o.title}" is now ${STATUS_LABEL[o.status]}.${linked}`,
      );
      return c.redirect(`/pls/objectives/${o.id}`, 303);
    },
    async (viewer, errors) => objectivePage(c, viewer, await getObjective(c.get("deps"), viewer.id, id!), { statusErrors: errors }, 400),
  );
});

plsRoutes.post("/objectives/:id/delete", (c) =>
  act(c, async (viewer) => {
    const id = idParam(c);
    if (id === null) return notFound(c);
    const deps = c.get("deps");
    const objective = await getObjective(deps, viewer.id, id);
    const steps = (await listSteps(deps, objective.id)).length;
    const asked = confirmFirst(c, await formBody(c), {
      question: `Delete the objective “${objective.title}”?`,
      consequences: [
        steps === 0
          ? "The objective goes from your plan."
          : `The objective goes from your plan, with its ${steps === 1 ? "step" : `${steps} steps`}.`,
        "Your portfolio entries stay; they are only no longer linked to it as evidence.",
        "This cannot be undone. To keep it without working on it, set it to paused instead.",
      ],
      confirmLabel: "Delete the objective",
      cancel: `/pls/objectives/${objective.id}`,
    });
    if (asked) return asked;
    await deleteObjective(deps, viewer.id, id);
    flash(c, "Removed the objective and its steps. Your portfolio entries stay.");
    return c.redirect("/pls", 303);
  }),
);

// ---- Steps ----

/** The learner's own step, with its objective; null when it is missing or someone else's. */
async function ownStep(c: Ctx, personId: number, stepId: number | null) {
  if (stepId === null) return null;
  const [row] = await c
    .get("deps")
    .db.select({ step: planSteps, objective: objectives })
    .from(planSteps)
    .innerJoin(objectives, eq(objectives.id, planSteps.objectiveId))
    .where(and(eq(planSteps.id, stepId), eq(objectives.personId, personId)));
  return row ?? null;
}

plsRoutes.post("/objectives/:id/steps", async (c) => {
  const form = await formBody(c);
  const id = idParam(c);
  return act(
    c,
    async (viewer) => {
      if (id === null) return notFound(c);
      const s = await addStep(c.get("deps"), viewer.id, id, form);
      flash(c, `Added the step "${s.title}".`);
      return c.redirect(`/pls/objectives/${id}#steps`, 303);
    },
    async (viewer, errors) =>
      objectivePage(c, viewer, await getObjective(c.get("deps"), viewer.id, id!), { stepValues: form, stepErrors: errors }, 400),
  );
});

plsRoutes.post("/steps/:id", async (c) => {
  const form = await formBody(c);
  return act(c, async (viewer) => {
    const own = await ownStep(c, viewer.id, idParam(c));
    if (!own) return notFound(c);
    try {
      await updateStep(c.get("deps"), viewer.id, own.step.id, form);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return objectivePage(c, viewer, own.objective, { editStep: { id: own.step.id, values: form, errors } }, 400);
    }
    flash(c, "Saved the step.");
    return c.redirect(`/pls/objectives/${own.objective.id}#steps`, 303);
  });
});

plsRoutes.post("/steps/:id/done", (c) =>
  act(c, async (viewer) => {
    const own = await ownStep(c, viewer.id, idParam(c));
    if (!own) return notFound(c);
    await completeStep(c.get("deps"), viewer.id, own.step.id);
    flash(c, `Done: "${own.step.title}".`);
    return c.redirect(`/pls/objectives/${own.objective.id}#steps`, 303);
  }),
);

plsRoutes.post("/steps/:id/delete", (c) =>
  act(c, async (viewer) => {
    const own = await ownStep(c, viewer.id, idParam(c));
    if (!own) return notFound(c);
    await deleteStep(c.get("deps"), viewer.id, own.step.id);
    flash(c, `Removed the step "${own.step.title}".`);
    return c.redirect(`/pls/objectives/${own.objective.id}#steps`, 303);
  }),
);

plsRoutes.post("/steps/:id/move", async (c) => {
  const form = await formBody(c);
  return act(c, async (viewer) => {
    const own = await ownStep(c, viewer.id, idParam(c));
    if (!own) return notFound(c);
    if (form.direction !== "up" && form.direction !== "down") throw new FormError("direction", "Move a step up or down.");
    const deps = c.get("deps");
    const order = (await listSteps(deps, own.objective.id)).map((s) => s.id);
    const at = order.indexOf(own.step.id);
    const to = form.direction === "up" ? at - 1 : at + 1;
    // Moving the first step up (or the last down) leaves the order as it is.
    if (to >= 0 && to < order.length) {
      [order[at], order[to]] = [order[to]!, order[at]!];
      await reorderSteps(deps, viewer.id, own.objective.id, order);
    }
    return c.redirect(`/pls/objectives/${own.objective.id}#steps`, 303);
  });
});

// ---- Resources ----

plsRoutes.post("/resources", async (c) => {
  const form = await formBody(c);
  const back = backTo(form.back);
  const rerender = async (viewer: Person, errors: Record<string, string>) => {
    const objectiveId = /^\/pls\/objectives\/(\d+)$/.exec(back)?.[1];
    if (objectiveId) {
      const [o] = await c
        .get("deps")
        .db.select()
        .from(objectives)
        .where(and(eq(objectives.id, Number(objectiveId)), eq(objectives.personId, viewer.id)));
      if (o) return objectivePage(c, viewer, o, { resourceValues: form, resourceErrors: errors }, 400);
    }
    return dashboard(c, viewer, { resourceValues: form, resourceErrors: errors }, 400);
  };
  return act(
    c,
    async (viewer) => {
      try {
        const r = await addResource(c.get("deps"), viewer.id, form);
        flash(c, `Added the resource "${r.title}".`);
      } catch (err) {
        // Filing it under an objective that is not theirs is a wrong choice in this form, not a missing page.
        if (err instanceof NotFoundError && err.thing === "objective")
          return rerender(viewer, { objectiveId: "Choose one of your objectives." });
        throw err;
      }
      return c.redirect(`${back}#resources`, 303);
    },
    rerender,
  );
});

plsRoutes.post("/resources/:id/delete", async (c) => {
  const form = await formBody(c);
  return act(c, async (viewer) => {
    const id = idParam(c);
    if (id === null) return notFound(c);
    await deleteResource(c.get("deps"), viewer.id, id);
    flash(c, "Removed the resource.");
    return c.redirect(`${backTo(form.back)}#resources`, 303);
  });
});

// ---- Templates ----

plsRoutes.post("/templates", async (c) => {
  const form = await formBody(c);
  return act(
    c,
    async (viewer) => {
      const courseTemplate = form.courseTemplate;
      const ref = courseTemplate
        ? { courseTemplateId: /^\d{1,15}$/.test(courseTemplate) ? Number(courseTemplate) : -1 }
        : { key: form.template ?? "" };
      const o = await instantiateTemplate(c.get("deps"), viewer.id, ref);
      flash(c, `Started "${o.title}" from a template: make it yours by editing it below.`);
      return c.redirect(`/pls/objectives/${o.id}`, 303);
    },
    (viewer, errors) => dashboard(c, viewer, { templateErrors: errors }, 400),
  );
});
