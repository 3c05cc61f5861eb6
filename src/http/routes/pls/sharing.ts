// Sharing: the learner's grants and their access log, the page a secret link opens, and the
// suggestions grant holders send. The /pls pages are the signed-in learner's own (anyone else's
// grant or suggestion answers 404); /share/:link needs no account, only the link, which is
// checked on every request so a revoke or an expiry works on the very next one.

import { eq } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { FormError, NotFoundError } from "../../../core/errors.js";
import { type AudienceKind, audienceKinds, type Grant, type GrantScope, grantScopes, type Person, people } from "../../../db/schema.js";
import { listObjectives } from "../../../pls/plan/objectives.js";
import {
  accessLog,
  checkSecret,
  deleteGrant,
  getGrant,
  grantState,
  hasScope,
  type IssuedGrant,
  issueGrant,
  listGrants,
  logAccess,
  reissueGrant,
  revokeGrant,
} from "../../../pls/sharing/grants.js";
import { visiblePlan, visiblePortfolio } from "../../../pls/sharing/read-model.js";
import {
  acceptSuggestion,
  createSuggestion,
  declineSuggestion,
  getSuggestion,
  listSuggestions,
  suggestionsOfGrant,
} from "../../../pls/sharing/suggestions.js";
import { helpers } from "../../../views/helpers.js";
import { confirmFirst } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, formFields } from "../../forms.js";
import { page } from "../../page.js";
import { loginRedirect } from "../hub/course-access.js";
import { idParam, notFound } from "./actions.js";

/** Mounted at /pls: the learner's grants, their logs, and the suggestions grant holders sent. */
export const sharingRoutes = new Hono<AppEnv>();
/** Mounted at /share: the page a grant's secret link opens, and the suggestions sent from it. */
export const sharedLinkRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

/** Scopes in the learner's words. */
const SCOPE_WORDS: Record<GrantScope, string> = {
  "plan:read": "read your plan",
  "portfolio:read": "read your portfolio",
  suggest: "suggest to your plan",
};

/** The same scopes in the words of whoever holds the link. */
const HOLDER_WORDS: Record<GrantScope, string> = {
  "plan:read": "read the plan",
  "portfolio:read": "read the portfolio",
  suggest: "suggest additions to the plan",
};

const AUDIENCE_WORDS: Record<AudienceKind, string> = {
  instructor: "Instructor",
  coach: "Coach",
  employer: "Employer",
  parent: "Parent",
  peer: "Peer",
  other: "Other",
};

/** How many log lines the sharing page shows across all grants. */
const RECENT_LOG_LINES = 20;

/** A grant as the sharing pages show it: its scopes in words and its state in one phrase. */
function grantView(g: Grant, now: Date) {
  const state = grantState(g, now);
  const stateLabel =
    state === "active"
      ? g.expiresAt
        ? `expires on ${helpers.date(g.expiresAt)}`
        : "active"
      : state === "expired"
        ? "expired"
        : state === "revoked"
          ? "revoked"
          : "needs new secrets";
  return { ...g, state, stateLabel, scopeWords: g.scopes.map((s) => SCOPE_WORDS[s]), audienceWord: AUDIENCE_WORDS[g.audienceKind] };
}

/** Pages with secrets or someone's plan on them are never stored by a browser or a proxy. */
function noStore(c: Ctx) {
  c.header("cache-control", "no-store");
}

// ---- The learner's sharing pages ----

async function sharingPage(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [rows, log, pending] = await Promise.all([
    listGrants(deps, viewer.id),
    accessLog(deps, viewer.id, undefined, RECENT_LOG_LINES),
    listSuggestions(deps, viewer.id, "pending"),
  ]);
  noStore(c);
  return page(
    c,
    "pls/sharing",
    {
      title: "Sharing",
      grants: rows.map((g) => grantView(g, deps.now())),
      log,
      pendingCount: pending.length,
      scopes: grantScopes.map((s) => [s, SCOPE_WORDS[s]]),
      audienceKinds: audienceKinds.map((k) => [k, AUDIENCE_WORDS[k]]),
      values: {},
      errors: {},
      ...extra,
    },
    status,
  );
}

/** The one page that shows a grant's secrets: right after they are made, never again. */
function issuedPage(c: Ctx, issued: IssuedGrant, how: "created" | "reissued", status: number) {
  const { config, now } = c.get("deps");
  noStore(c);
  return page(
    c,
    "pls/sharing-issued",
    {
      title: how === "created" ? "Grant created" : "New secrets",
      how,
      grant: grantView(issued.grant, now()),
      linkUrl: `${config.publicUrl}/share/${issued.link}`,
      token: issued.token,
      apiUrl: `${config.publicUrl}/api/v1/plan`,
    },
    status,
  );
}

/** Runs an action on one of the signed-in learner's grants; anyone else's grant answers 404. */
async function withOwnGrant(c: Ctx, run: (viewer: Person, grant: Grant) => Promise<Response>): Promise<Response> {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const id = idParam(c);
  if (id === null) return notFound(c);
  const grant = await getGrant(c.get("deps"), viewer.id, id).catch((err: unknown) => {
    if (err instanceof NotFoundError) return null;
    throw err;
  });
  if (!grant) return notFound(c);
  return run(viewer, grant);
}

sharingRoutes.get("/sharing", (c) => {
  const viewer = c.get("viewer");
  return viewer ? sharingPage(c, viewer) : loginRedirect(c);
});

sharingRoutes.post("/sharing", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const deps = c.get("deps");
  const form = await formFields(c);
  try {
    const issued = await issueGrant(deps, viewer.id, form);
    deps.log("info", "grant.issued", { person: viewer.id, grant: issued.grant.id });
    return issuedPage(c, issued, "created", 201);
  } catch (err) {
    const errors = fieldErrors(err);
    if (!errors) throw err;
    const scopes = form.scopes === undefined ? [] : ([] as string[]).concat(form.scopes);
    return sharingPage(c, viewer, { values: { ...form, scopes }, errors }, 400);
  }
});

sharingRoutes.post("/sharing/:id/revoke", (c) =>
  withOwnGrant(c, async (viewer, grant) => {
    const deps = c.get("deps");
    const asked = confirmFirst(c, await formBody(c), {
      question: `Revoke the grant for ${grant.audience}?`,
      consequences: [
        `The link and the token you gave ${grant.audience} stop working at once.`,
        "The grant stays in your list, revoked, with its access log. To share again, make a new grant (or reissue this one).",
      ],
      confirmLabel: "Revoke the grant",
      cancel: "/pls/sharing",
    });
    if (asked) return asked;
    await revokeGrant(deps, viewer.id, grant.id);
    deps.log("info", "grant.revoked", { person: viewer.id, grant: grant.id });
    flash(c, `Revoked: the link and the token for ${grant.audience} stopped working just now.`);
    return c.redirect("/pls/sharing", 303);
  }),
);

sharingRoutes.post("/sharing/:id/reissue", (c) =>
  withOwnGrant(c, async (viewer, grant) => {
    const deps = c.get("deps");
    try {
      const issued = await reissueGrant(deps, viewer.id, grant.id);
      deps.log("info", "grant.reissued", { person: viewer.id, grant: grant.id });
      return issuedPage(c, issued, "reissued", 200);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return sharingPage(c, viewer, { problem: err.message }, 400);
    }
  }),
);

sharingRoutes.post("/sharing/:id/delete", (c) =>
  withOwnGrant(c, async (viewer, grant) => {
    const deps = c.get("deps");
    const asked = confirmFirst(c, await formBody(c), {
      question: `Delete the grant for ${grant.audience}?`,
      consequences: ["The grant and its access log (who read what, and when) are deleted for good."],
      confirmLabel: "Delete the grant and its log",
      cancel: "/pls/sharing",
    });
    if (asked) return asked;
    try {
      await deleteGrant(deps, viewer.id, grant.id);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return sharingPage(c, viewer, { problem: err.message }, 400);
    }
    flash(c, `Deleted the grant for ${grant.audience} and its access log.`);
    return c.redirect("/pls/sharing", 303);
  }),
);

sharingRoutes.get("/sharing/:id/log", (c) =>
  withOwnGrant(c, async (viewer, grant) => {
    const deps = c.get("deps");
    const log = await accessLog(deps, viewer.id, grant.id, 500);
    noStore(c);
    return page(c, "pls/sharing-log", { title: `Access log: ${grant.audience}`, grant: grantView(grant, deps.now()), log });
  }),
);

// ---- Suggestions, as the learner answers them ----

async function suggestionsPage(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [all, objs] = await Promise.all([listSuggestions(deps, viewer.id), listObjectives(deps, viewer.id)]);
  const titles = new Map(objs.map((o) => [o.id, o.title]));
  const rows = all.map((s) => ({ ...s, objectiveTitle: s.objectiveId === null ? null : (titles.get(s.objectiveId) ?? null) }));
  noStore(c);
  return page(
    c,
    "pls/suggestions",
    {
      title: "Suggestions",
      pending: rows.filter((s) => s.status === "pending"),
      decided: rows.filter((s) => s.status !== "pending"),
      ...extra,
    },
    status,
  );
}

sharingRoutes.get("/suggestions", (c) => {
  const viewer = c.get("viewer");
  return viewer ? suggestionsPage(c, viewer) : loginRedirect(c);
});

for (const action of ["accept", "decline"] as const) {
  sharingRoutes.post(`/suggestions/:id/${action}`, async (c) => {
    const viewer = c.get("viewer");
    if (!viewer) return loginRedirect(c);
    const deps = c.get("deps");
    const id = idParam(c);
    const s = id === null ? null : await getSuggestion(deps, viewer.id, id);
    if (!s) return notFound(c);
    try {
      if (action === "accept") await acceptSuggestion(deps, viewer.id, s.id);
      else await declineSuggestion(deps, viewer.id, s.id);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      return suggestionsPage(c, viewer, { problem: err.message }, 400);
    }
    flash(c, action === "accept" ? `Accepted: "${s.title}" is now in your plan.` : `Declined "${s.title}".`);
    return c.redirect("/pls/suggestions", 303);
  });
}

// ---- The page a secret link opens ----

/** Every share response is kept out of caches and search engines (the URL is the secret). */
function sharePageOf(c: Ctx, name: "pls/share" | "partials/error", data: Record<string, unknown>, status = 200) {
  noStore(c);
  return page(c, name, { noindex: true, ...data }, status);
}

function linkGone(c: Ctx, reason: "unknown" | "expired" | "revoked") {
  if (reason === "expired") {
    return sharePageOf(
      c,
      "partials/error",
      { title: "Link expired", heading: "This link has expired", message: "Ask the learner for a new link if you still need it." },
      410,
    );
  }
  if (reason === "revoked") {
    return sharePageOf(
      c,
      "partials/error",
      { title: "Link withdrawn", heading: "The learner has withdrawn this link", message: "It no longer opens anything." },
      410,
    );
  }
  return sharePageOf(
    c,
    "partials/error",
    { title: "No such link", heading: "No such link", message: "This link does not open anything. Check that you copied all of it." },
    404,
  );
}

/**
 * Checks the link in the path, then runs the handler with its grant. Errors are answered here so
 * the app's error log, which names the path, never records the secret link.
 */
async function withLink(c: Ctx, run: (grant: Grant, link: string) => Promise<Response>): Promise<Response> {
  const deps = c.get("deps");
  try {
    const link = c.req.param("link") ?? "";
    const check = await checkSecret(deps, link, "link");
    if (!check.ok) return linkGone(c, check.reason);
    return await run(check.grant, link);
  } catch (err) {
    deps.log("error", "share.error", { error: String(err).slice(0, 500) });
    return sharePageOf(
      c,
      "partials/error",
      { title: "Something went wrong", heading: "Something went wrong", message: "Please try again in a moment." },
      500,
    );
  }
}

async function sharePage(c: Ctx, grant: Grant, link: string, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const viewer = { kind: "grant" as const, grant };
  const [[owner], plan, portfolio, mine] = await Promise.all([
    deps.db.select({ displayName: people.displayName }).from(people).where(eq(people.id, grant.personId)),
    visiblePlan(deps, grant.personId, viewer),
    visiblePortfolio(deps, grant.personId, viewer),
    suggestionsOfGrant(deps, grant.id),
  ]);
  const name = owner?.displayName ?? "A learner";
  const titles = new Map(plan.objectives.map((o) => [o.id, o.title]));
  return sharePageOf(
    c,
    "pls/share",
    {
      title: `${name}'s plan and portfolio`,
      name,
      audience: grant.audience,
      expiresAt: grant.expiresAt,
      scopeWords: grant.scopes.map((s) => HOLDER_WORDS[s]),
      canPlan: hasScope(grant, "plan:read"),
      canPortfolio: hasScope(grant, "portfolio:read"),
      canSuggest: hasScope(grant, "suggest"),
      plan,
      portfolio,
      suggestions: mine.map((s) => ({ ...s, objectiveTitle: s.objectiveId === null ? null : (titles.get(s.objectiveId) ?? null) })),
      action: `/share/${link}/suggestions`,
      values: {},
      errors: {},
      ...extra,
    },
    status,
  );
}

sharedLinkRoutes.get("/:link", (c) =>
  withLink(c, async (grant, link) => {
    await logAccess(c.get("deps"), grant, "link", "viewed the shared page");
    return sharePage(c, grant, link);
  }),
);

sharedLinkRoutes.post("/:link/suggestions", (c) =>
  withLink(c, async (grant, link) => {
    const deps = c.get("deps");
    if (!hasScope(grant, "suggest")) {
      return sharePageOf(
        c,
        "partials/error",
        { title: "Not allowed", heading: "This link does not allow suggestions", message: "The learner shared their plan to read only." },
        403,
      );
    }
    const form: Record<string, string> = await formBody(c);
    // One text box serves as an objective's "why" and as a step's or a resource's note.
    if (form.kind === "objective") form.why = form.note ?? "";
    try {
      const s = await createSuggestion(deps, grant, form);
      await logAccess(deps, grant, "link", `suggested a ${s.kind}`);
      flash(c, `Thank you: your suggestion "${s.title}" was sent. The learner decides whether to add it.`);
      return c.redirect(`/share/${link}`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return sharePage(c, grant, link, { values: form, errors }, 400);
    }
  }),
);
