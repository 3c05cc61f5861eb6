// The portfolio: the learner's own page (/pls/portfolio) to add, edit, delete and link entries,
// and the portfolio others may see (/people/:id/portfolio), cut to what each viewer may see
// (src/pls/sharing/visibility.ts). An id that is not the learner's answers 404, like one that does not exist.

import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { FormError } from "../../../core/errors.js";
import { type Person, people } from "../../../db/schema.js";
import { listObjectives } from "../../../pls/plan/objectives.js";
import {
  addExternalEntry,
  addItemEntry,
  deleteEntry,
  getEntry,
  linkEntry,
  listAchievements,
  postsNotInPortfolio,
  unlinkEntry,
  updateEntry,
} from "../../../pls/portfolio/portfolio.js";
import { visiblePlan, visiblePortfolio } from "../../../pls/sharing/read-model.js";
import { viewerFor } from "../../../pls/sharing/visibility.js";
import type { AppEnv } from "../../env.js";
import { flash, formBody } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { loginRedirect } from "../hub/course-access.js";
import { act, idOf, notFound } from "./actions.js";

/** Mounted at /pls: the learner's own portfolio page and its forms. */
export const portfolioRoutes = new Hono<AppEnv>();
/** Mounted at /: the portfolio others may see, /people/:id/portfolio. */
export const publicPortfolioRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

async function ownPage(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [portfolio, objectiveRows, achievements, posts] = await Promise.all([
    visiblePortfolio(deps, viewer.id, { kind: "owner" }),
    listObjectives(deps, viewer.id),
    listAchievements(deps, viewer.id),
    postsNotInPortfolio(deps, viewer.id),
  ]);
  return page(
    c,
    "pls/portfolio",
    {
      title: "Your portfolio",
      entries: portfolio.entries,
      objectives: objectiveRows.map((o) => ({ id: o.id, title: o.title, status: o.status })),
      achievements,
      posts,
      publicPath: `/people/${viewer.id}/portfolio`,
      externalValues: {},
      externalErrors: {},
      /** The entry whose edit or link form failed: { id, form: "edit" | "link", values, errors }. */
      failed: null,
      ...extra,
    },
    status,
  );
}

portfolioRoutes.get("/portfolio", (c) => {
  const viewer = c.get("viewer");
  return viewer ? ownPage(c, viewer) : loginRedirect(c);
});

portfolioRoutes.post("/portfolio/items/:itemId", async (c) => {
  const form = await formBody(c);
  return act(
    c,
    async (viewer) => {
      const itemId = idOf(c.req.param("itemId"));
      if (itemId === null) return notFound(c);
      const e = await addItemEntry(c.get("deps"), viewer.id, itemId, form);
      flash(c, `Added "${e.title}" to your portfolio. Only you see it until you choose who may.`);
      return c.redirect(`/pls/portfolio#entry-${e.id}`, 303);
    },
    (viewer, errors) => ownPage(c, viewer, { failed: { id: null, form: "item", values: form, errors } }, 400),
  );
});

portfolioRoutes.post("/portfolio/external", async (c) => {
  const form = await formBody(c);
  return act(
    c,
    async (viewer) => {
      const e = await addExternalEntry(c.get("deps"), viewer.id, form);
      flash(c, `Added "${e.title}" to your portfolio.`);
      return c.redirect(`/pls/portfolio#entry-${e.id}`, 303);
    },
    (viewer, errors) => ownPage(c, viewer, { externalValues: form, externalErrors: errors }, 400),
  );
});

portfolioRoutes.post("/portfolio/entries/:id", async (c) => {
  const form = await formBody(c);
  const id = idOf(c.req.param("id"));
  return act(
    c,
    async (viewer) => {
      if (id === null) return notFound(c);
      const e = await updateEntry(c.get("deps"), viewer.id, id, form);
      flash(c, `Saved "${e.title}".`);
      return c.redirect(`/pls/portfolio#entry-${e.id}`, 303);
    },
    (viewer, errors) => ownPage(c, viewer, { failed: { id, form: "edit", values: form, errors } }, 400),
  );
});

portfolioRoutes.post("/portfolio/entries/:id/delete", (c) =>
  act(c, async (viewer) => {
    const id = idOf(c.req.param("id"));
    if (id === null) return notFound(c);
    const deps = c.get("deps");
    const e = await getEntry(deps, viewer.id, id);
    await deleteEntry(deps, viewer.id, id);
    flash(c, `Removed "${e.title}" from your portfolio.${e.kind === "item" ? " The post itself stays where it is." : ""}`);
    return c.redirect("/pls/portfolio", 303);
  }),
);

/** Link or unlink an entry and one of the learner's objectives. */
function linking(action: "link" | "unlink") {
  return async (c: Ctx) => {
    const form = await formBody(c);
    const id = idOf(c.req.param("id"));
    return act(
      c,
      async (viewer) => {
        if (id === null) return notFound(c);
        const deps = c.get("deps");
        // The entry first: someone else's entry is 404 whatever the objective field holds.
        const e = await getEntry(deps, viewer.id, id);
        const objectiveId = idOf(form.objectiveId);
        if (objectiveId === null) throw new FormError("objectiveId", "Choose one of your objectives.");
        await (action === "link" ? linkEntry : unlinkEntry)(deps, viewer.id, e.id, objectiveId);
        flash(c, action === "link" ? `Linked "${e.title}" as evidence.` : `Unlinked "${e.title}". Tags will not link the two again.`);
        return c.redirect(`/pls/portfolio#entry-${e.id}`, 303);
      },
      (viewer, errors) => ownPage(c, viewer, { failed: { id, form: "link", values: form, errors } }, 400),
    );
  };
}

portfolioRoutes.post("/portfolio/entries/:id/link", linking("link"));
portfolioRoutes.post("/portfolio/entries/:id/unlink", linking("unlink"));

// ---- The portfolio as others see it ----

publicPortfolioRoutes.get("/people/:id/portfolio", async (c) => {
  const deps = c.get("deps");
  const id = idOf(c.req.param("id"));
  const [person] =
    id === null ? [] : await deps.db.select({ id: people.id, displayName: people.displayName }).from(people).where(eq(people.id, id));
  if (!person) return errorPage(c, 404, "No such person", "There is no one at this address.");
  const viewer = await viewerFor(deps.db, person.id, c.get("viewer")?.id ?? null);
  const [portfolio, plan] = await Promise.all([visiblePortfolio(deps, person.id, viewer), visiblePlan(deps, person.id, viewer)]);
  // A dropped objective is no longer one the learner works towards: not shown to others.
  const shown = plan.objectives.filter((o) => o.status !== "dropped");
  const evidence = new Map(shown.map((o) => [o.id, portfolio.entries.filter((e) => e.objectives.some((l) => l.id === o.id))]));
  return page(c, "pls/portfolio-public", {
    title: `${person.displayName}'s portfolio`,
    person,
    owner: viewer.kind === "owner",
    entries: portfolio.entries,
    achieved: shown
      .filter((o) => o.status === "achieved")
      .sort((a, b) => (b.achievedAt?.getTime() ?? 0) - (a.achievedAt?.getTime() ?? 0))
      .map((o) => ({ objective: o, evidence: evidence.get(o.id) ?? [] })),
    working: shown.filter((o) => o.status !== "achieved").map((o) => ({ objective: o, evidence: evidence.get(o.id) ?? [] })),
  });
});
