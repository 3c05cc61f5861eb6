// Who may use which route of the personal learning system: every PLS page, shared link and
// personal-API route × {the owner, anonymous, a course member, a grant holder for each scope, an
// expired grant, a revoked grant}. Like the hub's table (permissions.test.ts), it fails when the app
// has a PLS route it does not list, runs each (route, visitor) pair on its own copy of one prepared
// database, and checks that a refused request wrote nothing at all. Read routes are also checked for
// what they show: each visitor sees exactly the objectives and entries their visibility allows.
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { createSession } from "../../src/accounts/sessions.js";
import { createApp } from "../../src/app.js";
import { memoryLog } from "../../src/core/log.js";
import { openLibsql, tuneLocalFile } from "../../src/db/libsql.js";
import {
  grants,
  items,
  memberships,
  objectives,
  type PlsVisibility,
  plsFollows,
  plsRemoteItems,
  plsVisibilities,
  portfolioEntries,
  portfolioLinks,
} from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { addResource } from "../../src/pls/plan/resources.js";
import { addStep } from "../../src/pls/plan/steps.js";
import { issueGrant, revokeGrant } from "../../src/pls/sharing/grants.js";
import { createSuggestion } from "../../src/pls/sharing/suggestions.js";
import { snapshot } from "../helpers/db-snapshot.js";
import { createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";
import { isPlsRoute } from "../helpers/pls-routes.js";

const ROLES = ["owner", "anonymous", "member", "grantPlan", "grantPortfolio", "grantSuggest", "expired", "revoked"] as const;
type Role = (typeof ROLES)[number];
type GrantRole = Extract<Role, "grantPlan" | "grantPortfolio" | "grantSuggest" | "expired" | "revoked">;
const GRANT_ROLES: GrantRole[] = ["grantPlan", "grantPortfolio", "grantSuggest", "expired", "revoked"];

/** allowed, or refused as: sign-in redirect, 401, 403, 404, 410. */
type Outcome = "allowed" | "login" | 401 | 403 | 404 | 410;
type Expect = Record<Role, Outcome>;

const grantsGet = (plan: Outcome, portfolio: Outcome, suggest: Outcome): Pick<Expect, GrantRole> => ({
  grantPlan: plan,
  grantPortfolio: portfolio,
  grantSuggest: suggest,
  expired: 401,
  revoked: 401,
});

const ACCESS = {
  /** Anyone at all. */
  public: {
    owner: "allowed",
    anonymous: "allowed",
    member: "allowed",
    grantPlan: "allowed",
    grantPortfolio: "allowed",
    grantSuggest: "allowed",
    expired: "allowed",
    revoked: "allowed",
  },
  /** A signed-in learner's own pages: a grant's secret is no session. */
  ownPage: {
    owner: "allowed",
    anonymous: "login",
    member: "allowed",
    grantPlan: "login",
    grantPortfolio: "login",
    grantSuggest: "login",
    expired: "login",
    revoked: "login",
  },
  /** A page or action about one of the owner's things: others signed in find nothing. */
  ownerThing: {
    owner: "allowed",
    anonymous: "login",
    member: 404,
    grantPlan: "login",
    grantPortfolio: "login",
    grantSuggest: "login",
    expired: "login",
    revoked: "login",
  },
  /** The secret link of each grant role (others try a link that does not exist). */
  shareRead: {
    owner: 404,
    anonymous: 404,
    member: 404,
    grantPlan: "allowed",
    grantPortfolio: "allowed",
    grantSuggest: "allowed",
    expired: 410,
    revoked: 410,
  },
  shareSuggest: {
    owner: 404,
    anonymous: 404,
    member: 404,
    grantPlan: 403,
    grantPortfolio: 403,
    grantSuggest: "allowed",
    expired: 410,
    revoked: 410,
  },
  /** API: the caller's own data (session), or the learner's by a grant with the scope. */
  apiPlan: { owner: "allowed", anonymous: 401, member: "allowed", ...grantsGet("allowed", 403, 403) },
  apiPortfolio: { owner: "allowed", anonymous: 401, member: "allowed", ...grantsGet(403, "allowed", 403) },
  /** API, any valid caller. */
  apiAnyone: { owner: "allowed", anonymous: 401, member: "allowed", ...grantsGet("allowed", "allowed", "allowed") },
  /** API, the learner's own session only; grants may never do it. */
  apiOwn: { owner: "allowed", anonymous: 401, member: "allowed", ...grantsGet(403, 403, 403) },
  /** API, the owner's thing by id: another learner finds nothing. */
  apiOwnerThing: { owner: "allowed", anonymous: 401, member: 404, ...grantsGet(403, 403, 403) },
  /** API: suggestions the caller may read (their own as the learner, or those their grant made). */
  apiSuggestions: { owner: "allowed", anonymous: 401, member: "allowed", ...grantsGet(403, 403, "allowed") },
  /** API, a grant holder with "suggest" only. */
  apiSuggest: { owner: 403, anonymous: 401, member: 403, ...grantsGet(403, 403, "allowed") },
} satisfies Record<string, Expect>;
type Access = keyof typeof ACCESS;

interface Fixture {
  ids: {
    maya: number;
    noor: number;
    item: number;
    entry: number;
    objective: number;
    step: number;
    resource: number;
    suggestion: number;
    grant: number;
    revokedGrant: number;
    follow: number;
    remoteItem: number;
  };
  /** Each grant role's link and token. */
  secrets: Record<GrantRole, { link: string; token: string }>;
}

interface Row {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  route: string;
  access: Access;
  path?: (f: Fixture, role: Role) => string;
  /** A form (pages) or a JSON body (the API). */
  body?: (f: Fixture) => Record<string, unknown>;
  /** For reads: the parts whose visibility levels are checked in the answer. */
  shows?: ("plan" | "portfolio")[];
  alsoAllowed?: number[];
}

const T = "/c/t509";
const PASSWORD = "correct horse battery";
const CSRF = "pls-permission-table-csrf-0123456789";
const BOGUS_LINK = "trl_no-such-link-000000000000000000000000000";

/** The link a role carries to /share/:link. */
const shareLink = (f: Fixture, role: Role) => ((GRANT_ROLES as Role[]).includes(role) ? f.secrets[role as GrantRole].link : BOGUS_LINK);

const id = (k: keyof Fixture["ids"]) => (x: Fixture) => String(x.ids[k]);
const at =
  (route: string, ...values: ((x: Fixture) => string)[]) =>
  (x: Fixture) => {
    let i = 0;
    return route.replace(/:[a-zA-Z]+/g, () => values[i++]!(x));
  };

const TABLE: Row[] = [
  // The dashboard: things to do
  { method: "GET", route: "/pls", access: "ownPage", shows: ["plan"] },
  { method: "GET", route: "/pls/objectives/:id", access: "ownerThing", path: at("/pls/objectives/:id", id("objective")) },
  { method: "GET", route: "/pls/history", access: "ownPage" },
  { method: "GET", route: "/pls/focus", access: "ownPage" },
  { method: "POST", route: "/pls/objectives", access: "ownPage", body: () => ({ title: "A new objective" }) },
  {
    method: "POST",
    route: "/pls/objectives/:id",
    access: "ownerThing",
    path: at("/pls/objectives/:id", id("objective")),
    body: () => ({ title: "Renamed" }),
  },
  {
    method: "POST",
    route: "/pls/objectives/:id/status",
    access: "ownerThing",
    path: at("/pls/objectives/:id/status", id("objective")),
    body: () => ({ status: "achieved" }),
  },
  { method: "POST", route: "/pls/objectives/:id/delete", access: "ownerThing", path: at("/pls/objectives/:id/delete", id("objective")) },
  {
    method: "POST",
    route: "/pls/objectives/:id/steps",
    access: "ownerThing",
    path: at("/pls/objectives/:id/steps", id("objective")),
    body: () => ({ title: "Another step" }),
  },
  {
    method: "POST",
    route: "/pls/steps/:id",
    access: "ownerThing",
    path: at("/pls/steps/:id", id("step")),
    body: () => ({ title: "Renamed step" }),
  },
  { method: "POST", route: "/pls/steps/:id/done", access: "ownerThing", path: at("/pls/steps/:id/done", id("step")) },
  { method: "POST", route: "/pls/steps/:id/delete", access: "ownerThing", path: at("/pls/steps/:id/delete", id("step")) },
  {
    method: "POST",
    route: "/pls/steps/:id/move",
    access: "ownerThing",
    path: at("/pls/steps/:id/move", id("step")),
    body: () => ({ direction: "down" }),
  },
  { method: "POST", route: "/pls/resources", access: "ownPage", body: () => ({ title: "A reading", url: "https://example.org/reading" }) },
  { method: "POST", route: "/pls/resources/:id/delete", access: "ownerThing", path: at("/pls/resources/:id/delete", id("resource")) },
  { method: "POST", route: "/pls/templates", access: "ownPage", body: () => ({ template: "book" }) },
  // The portfolio: things done
  { method: "GET", route: "/pls/portfolio", access: "ownPage", shows: ["portfolio"] },
  { method: "POST", route: "/pls/portfolio/items/:itemId", access: "ownerThing", path: at("/pls/portfolio/items/:itemId", id("item")) },
  {
    method: "POST",
    route: "/pls/portfolio/external",
    access: "ownPage",
    body: () => ({ title: "My repository", url: "https://code.example.org/me/project" }),
  },
  {
    method: "POST",
    route: "/pls/portfolio/entries/:id",
    access: "ownerThing",
    path: at("/pls/portfolio/entries/:id", id("entry")),
    body: () => ({ title: "Renamed entry" }),
  },
  {
    method: "POST",
    route: "/pls/portfolio/entries/:id/delete",
    access: "ownerThing",
    path: at("/pls/portfolio/entries/:id/delete", id("entry")),
  },
  {
    method: "POST",
    route: "/pls/portfolio/entries/:id/link",
    access: "ownerThing",
    path: at("/pls/portfolio/entries/:id/link", id("entry")),
    body: (x) => ({ objectiveId: String(x.ids.objective) }),
  },
  {
    method: "POST",
    route: "/pls/portfolio/entries/:id/unlink",
    access: "ownerThing",
    path: at("/pls/portfolio/entries/:id/unlink", id("entry")),
    body: (x) => ({ objectiveId: String(x.ids.objective) }),
  },
  {
    method: "GET",
    route: "/people/:id/portfolio",
    access: "public",
    path: at("/people/:id/portfolio", id("maya")),
    shows: ["plan", "portfolio"],
  },
  // Sharing
  { method: "GET", route: "/pls/sharing", access: "ownPage" },
  { method: "POST", route: "/pls/sharing", access: "ownPage", body: () => ({ audience: "A coach", scopes: "plan:read" }) },
  { method: "POST", route: "/pls/sharing/:id/revoke", access: "ownerThing", path: at("/pls/sharing/:id/revoke", id("grant")) },
  { method: "POST", route: "/pls/sharing/:id/reissue", access: "ownerThing", path: at("/pls/sharing/:id/reissue", id("grant")) },
  { method: "POST", route: "/pls/sharing/:id/delete", access: "ownerThing", path: at("/pls/sharing/:id/delete", id("revokedGrant")) },
  { method: "GET", route: "/pls/sharing/:id/log", access: "ownerThing", path: at("/pls/sharing/:id/log", id("grant")) },
  { method: "GET", route: "/pls/suggestions", access: "ownPage" },
  { method: "POST", route: "/pls/suggestions/:id/accept", access: "ownerThing", path: at("/pls/suggestions/:id/accept", id("suggestion")) },
  {
    method: "POST",
    route: "/pls/suggestions/:id/decline",
    access: "ownerThing",
    path: at("/pls/suggestions/:id/decline", id("suggestion")),
  },
  {
    method: "GET",
    route: "/share/:link",
    access: "shareRead",
    path: (x, role) => `/share/${shareLink(x, role)}`,
    shows: ["plan", "portfolio"],
  },
  {
    method: "POST",
    route: "/share/:link/suggestions",
    access: "shareSuggest",
    path: (x, role) => `/share/${shareLink(x, role)}/suggestions`,
    body: () => ({ kind: "resource", title: "Worth reading", url: "https://example.org/worth-reading" }),
  },
  // Portability
  { method: "GET", route: "/pls/backpack", access: "ownPage" },
  { method: "GET", route: "/pls/backpack/export.json", access: "ownPage", shows: ["plan", "portfolio"] },
  { method: "GET", route: "/pls/backpack/xapi.json", access: "ownPage" },
  { method: "POST", route: "/pls/backpack/import", access: "ownPage", body: () => ({ json: "{}" }), alsoAllowed: [400] },
  { method: "GET", route: "/pls/delete", access: "ownPage" },
  { method: "POST", route: "/pls/delete", access: "ownPage", body: () => ({ password: PASSWORD }) },
  { method: "GET", route: "/pls/home", access: "ownPage" },
  { method: "POST", route: "/pls/home", access: "ownPage", body: () => ({ url: "https://pls.example.org/" }) },
  { method: "GET", route: "/pls/follows", access: "ownPage" },
  // An address that is not a URL: the form answers 400 before anything is fetched.
  { method: "POST", route: "/pls/follows", access: "ownPage", body: () => ({ url: "not an address" }), alsoAllowed: [400] },
  { method: "POST", route: "/pls/follows/:id/delete", access: "ownerThing", path: at("/pls/follows/:id/delete", id("follow")) },
  { method: "POST", route: "/pls/follows/items/:id/add", access: "ownerThing", path: at("/pls/follows/items/:id/add", id("remoteItem")) },
  { method: "GET", route: "/c/:slug/people/:id/items.json", access: "public", path: at(`${T}/people/:id/items.json`, id("maya")) },
  // The personal API
  { method: "GET", route: "/api/openapi.json", access: "public" },
  { method: "GET", route: "/api/v1/me", access: "apiAnyone" },
  { method: "GET", route: "/api/v1/plan", access: "apiPlan", shows: ["plan"] },
  { method: "POST", route: "/api/v1/objectives", access: "apiOwn", body: () => ({ title: "By the API" }) },
  {
    method: "PATCH",
    route: "/api/v1/objectives/:id",
    access: "apiOwnerThing",
    path: at("/api/v1/objectives/:id", id("objective")),
    body: () => ({ title: "Renamed" }),
  },
  { method: "DELETE", route: "/api/v1/objectives/:id", access: "apiOwnerThing", path: at("/api/v1/objectives/:id", id("objective")) },
  {
    method: "POST",
    route: "/api/v1/objectives/:id/steps",
    access: "apiOwnerThing",
    path: at("/api/v1/objectives/:id/steps", id("objective")),
    body: () => ({ title: "A step" }),
  },
  {
    method: "PATCH",
    route: "/api/v1/steps/:id",
    access: "apiOwnerThing",
    path: at("/api/v1/steps/:id", id("step")),
    body: () => ({ status: "done" }),
  },
  { method: "DELETE", route: "/api/v1/steps/:id", access: "apiOwnerThing", path: at("/api/v1/steps/:id", id("step")) },
  { method: "POST", route: "/api/v1/resources", access: "apiOwn", body: () => ({ title: "A reading", url: "https://example.org/r" }) },
  { method: "DELETE", route: "/api/v1/resources/:id", access: "apiOwnerThing", path: at("/api/v1/resources/:id", id("resource")) },
  { method: "GET", route: "/api/v1/portfolio", access: "apiPortfolio", shows: ["portfolio"] },
  {
    method: "POST",
    route: "/api/v1/portfolio/entries",
    access: "apiOwn",
    body: () => ({ title: "A project", url: "https://example.org/p" }),
  },
  {
    method: "PATCH",
    route: "/api/v1/portfolio/entries/:id",
    access: "apiOwnerThing",
    path: at("/api/v1/portfolio/entries/:id", id("entry")),
    body: () => ({ reflection: "Learned a lot" }),
  },
  {
    method: "DELETE",
    route: "/api/v1/portfolio/entries/:id",
    access: "apiOwnerThing",
    path: at("/api/v1/portfolio/entries/:id", id("entry")),
  },
  {
    method: "PUT",
    route: "/api/v1/portfolio/entries/:id/objectives/:objectiveId",
    access: "apiOwnerThing",
    path: at("/api/v1/portfolio/entries/:id/objectives/:objectiveId", id("entry"), id("objective")),
  },
  {
    method: "DELETE",
    route: "/api/v1/portfolio/entries/:id/objectives/:objectiveId",
    access: "apiOwnerThing",
    path: at("/api/v1/portfolio/entries/:id/objectives/:objectiveId", id("entry"), id("objective")),
  },
  { method: "GET", route: "/api/v1/next-steps", access: "apiOwn" },
  { method: "GET", route: "/api/v1/grants", access: "apiOwn" },
  { method: "POST", route: "/api/v1/grants", access: "apiOwn", body: () => ({ audience: "A mentor", scopes: ["portfolio:read"] }) },
  { method: "POST", route: "/api/v1/grants/:id/revoke", access: "apiOwnerThing", path: at("/api/v1/grants/:id/revoke", id("grant")) },
  { method: "GET", route: "/api/v1/grants/:id/log", access: "apiOwnerThing", path: at("/api/v1/grants/:id/log", id("grant")) },
  { method: "GET", route: "/api/v1/suggestions", access: "apiSuggestions" },
  {
    method: "POST",
    route: "/api/v1/suggestions",
    access: "apiSuggest",
    body: () => ({ kind: "resource", title: "Read this", url: "https://example.org/read" }),
  },
  {
    method: "POST",
    route: "/api/v1/suggestions/:id/accept",
    access: "apiOwnerThing",
    path: at("/api/v1/suggestions/:id/accept", id("suggestion")),
  },
  {
    method: "POST",
    route: "/api/v1/suggestions/:id/decline",
    access: "apiOwnerThing",
    path: at("/api/v1/suggestions/:id/decline", id("suggestion")),
  },
];

let hub: TestHub;
let f: Fixture;
let prepared = "";
let copies = 0;
const sessions: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  hub = await createTestHub();
  await setUpCourse(hub.app);
  const { db } = hub.deps;
  const now = hub.deps.now();
  const t509 = (await courseBySlug(db, "t509"))!.id;
  const person = async (name: string) => {
    const p = (await createPerson(db, { email: `${name}@example.org`, displayName: name, password: PASSWORD }))!;
    await db.insert(memberships).values({ courseId: t509, personId: p.id, role: "learner" });
    return p.id;
  };
  const maya = await person("maya");
  const noor = await person("noor");
  sessions.owner = (await createSession(db, maya, now)).token;
  sessions.member = (await createSession(db, noor, now)).token;

  // One objective and one portfolio entry at each visibility, titled by it.
  const objectiveIds: number[] = [];
  const entryIds: number[] = [];
  for (const v of plsVisibilities) {
    const [o] = await db
      .insert(objectives)
      .values({
        personId: maya,
        title: `Objective-${v}`,
        tags: [`tag${v}`],
        status: "active",
        visibility: v,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    objectiveIds.push(o!.id);
    const [e] = await db
      .insert(portfolioEntries)
      .values({
        personId: maya,
        url: `https://maya.example.org/${v}`,
        title: `Entry-${v}`,
        kind: "external",
        visibility: v,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await db.insert(portfolioLinks).values({ entryId: e!.id, objectiveId: o!.id });
    entryIds.push(e!.id);
  }
  const [it] = await db
    .insert(items)
    .values({
      courseId: t509,
      personId: maya,
      kind: "blog",
      externalId: "maya-1",
      canonicalUrl: "https://maya.example.org/post-1",
      title: "Maya's first post",
      tags: ["t509massive"],
      publishedAt: now,
      firstSeenAt: now,
      lastSeenAt: now,
    })
    .returning();

  const deps = hub.deps;
  const issue = (scopes: string[], expiresOn = "") =>
    issueGrant(deps, maya, { audience: `Audience ${scopes.join("+")}`, scopes, expiresOn });
  const all = ["plan:read", "portfolio:read", "suggest"];
  const grantPlan = await issue(["plan:read"]);
  const grantPortfolio = await issue(["portfolio:read"]);
  const grantSuggest = await issue(["suggest"]);
  const expired = await issue(all, "2026-11-02");
  const revoked = await issue(all);
  await revokeGrant(deps, maya, revoked.grant.id);
  const secret = (g: { link: string; token: string }) => ({ link: g.link, token: g.token });
  f = {
    ids: {
      maya,
      noor,
      item: it!.id,
      entry: entryIds[3]!,
      objective: objectiveIds[3]!,
      step: 0,
      resource: 0,
      suggestion: 0,
      grant: grantPlan.grant.id,
      revokedGrant: revoked.grant.id,
      follow: 0,
      remoteItem: 0,
    },
    secrets: {
      grantPlan: secret(grantPlan),
      grantPortfolio: secret(grantPortfolio),
      grantSuggest: secret(grantSuggest),
      expired: secret(expired),
      revoked: secret(revoked),
    },
  };
  await fillFixture(hub, f);
  // The expired grant ran out at the end of 2 November; the hub's clock moves past it.
  hub.clock.advance(3 * 86_400_000);
  await hub.database.client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  prepared = await snapshot(hub.database.client);
});

afterAll(async () => {
  await hub?.close();
});

/** A step, a resource, a suggestion and a followed hub of Maya's, made through the domain code where there is one. */
async function fillFixture(hub: TestHub, x: Fixture): Promise<void> {
  const { deps } = hub;
  const { db } = deps;
  const maya = x.ids.maya;
  x.ids.step = (await addStep(deps, maya, x.ids.objective, { title: "Read the chapter" })).id;
  x.ids.resource = (
    await addResource(deps, maya, { title: "A guide", url: "https://example.org/guide", objectiveId: String(x.ids.objective) })
  ).id;
  const [suggestGrant] = await db.select().from(grants).where(eq(grants.audience, "Audience suggest"));
  x.ids.suggestion = (
    await createSuggestion(deps, suggestGrant!, { kind: "resource", title: "Try this", url: "https://example.org/try" })
  ).id;
  const now = deps.now();
  const [follow] = await db
    .insert(plsFollows)
    .values({ personId: maya, feedUrl: "https://other-hub.example.org/c/x/people/1/items.json", createdAt: now })
    .returning();
  x.ids.follow = follow!.id;
  const [remote] = await db
    .insert(plsRemoteItems)
    .values({ followId: follow!.id, url: "https://maya.example.org/elsewhere", title: "Elsewhere" })
    .returning();
  x.ids.remoteItem = remote!.id;
}

async function requestAs(role: Role, row: Row): Promise<{ res: Response; text: string; wrote: boolean; path: string }> {
  const file = join(hub.dir, `copy-${copies++}.db`);
  copyFileSync(join(hub.dir, "hub.db"), file);
  const database = openLibsql(`file:${file}`);
  try {
    await tuneLocalFile(database.client);
    const app = createApp({ ...hub.deps, db: database.db, log: memoryLog() });
    const path = row.path ? row.path(f, role) : row.route;
    const api = path.startsWith("/api/");
    const headers: Record<string, string> = {};
    const cookies = [`tributary_csrf=${CSRF}`];
    const session = sessions[role];
    if (session) cookies.push(`tributary_session=${session}`);
    headers.cookie = cookies.join("; ");
    if (api && (GRANT_ROLES as Role[]).includes(role)) headers.authorization = `Bearer ${f.secrets[role as GrantRole].token}`;
    let body: string | undefined;
    if (row.method !== "GET") {
      headers.origin = "http://localhost:8787";
      if (api) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(row.body?.(f) ?? {});
      } else {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams({ _csrf: CSRF, ...(row.body?.(f) as Record<string, string> | undefined) }).toString();
      }
    }
    const res = await app.fetch(new Request(`http://localhost:8787${path}`, { method: row.method, headers, body, redirect: "manual" }));
    const text = await res.text();
    return { res, text, wrote: (await snapshot(database.client)) !== prepared, path };
  } finally {
    database.client.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  }
}

/** The visibility levels a role should see of Maya's plan or portfolio on a read route. */
function expectedLevels(row: Row, role: Role, part: "plan" | "portfolio"): PlsVisibility[] {
  const all: PlsVisibility[] = ["private", "grant", "course", "public"];
  const bySecret = row.route.startsWith("/api/") || row.route.startsWith("/share/");
  if (role === "owner") return all;
  if (role === "member") return bySecret || row.route.startsWith("/pls") ? [] : ["course", "public"]; // their own (empty) PLS
  if (!bySecret) return ["public"]; // a grant's secret opens nothing on the hub's pages
  if (role === "grantPlan" && part === "plan") return ["grant", "course", "public"];
  if (role === "grantPortfolio" && part === "portfolio") return ["grant", "course", "public"];
  return ["public"];
}

describe("the PLS permission table", () => {
  it("lists every PLS route of the app, and only those", () => {
    const listed = new Set(TABLE.map((r) => `${r.method} ${r.route}`));
    expect(listed.size).toBe(TABLE.length);
    const inApp = new Set(hub.app.routes.filter((r) => r.method !== "ALL" && isPlsRoute(r.path)).map((r) => `${r.method} ${r.path}`));
    expect(
      [...inApp].filter((r) => !listed.has(r)),
      "PLS routes the table does not list: say who may use them",
    ).toEqual([]);
    expect(
      [...listed].filter((r) => !inApp.has(r)),
      "routes in the table that the app no longer has",
    ).toEqual([]);
  });

  it.each(TABLE.map((row) => [`${row.method} ${row.route}`, row] as const))("%s", async (_name, row) => {
    const problems: string[] = [];
    for (const role of ROLES) {
      const expected: Outcome = ACCESS[row.access][role];
      const { res, text, wrote, path } = await requestAs(role, row);
      const location = res.headers.get("location") ?? "";
      const ok =
        expected === "allowed"
          ? !location.startsWith("/login") && (res.status < 400 || (row.alsoAllowed ?? []).includes(res.status))
          : expected === "login"
            ? (res.status === 302 || res.status === 303) && location === `/login?next=${encodeURIComponent(path)}`
            : res.status === expected;
      if (!ok) problems.push(`${role}: expected ${expected}, got ${res.status}${location ? ` → ${location}` : ""}`);
      if (ok && expected !== "allowed" && wrote) problems.push(`${role}: refused, but the database changed`);
      if (ok && expected !== "allowed" && /Objective-private|Entry-private/.test(text))
        problems.push(`${role}: refused, but the answer names a private thing`);
      for (const part of ok && expected === "allowed" ? (row.shows ?? []) : []) {
        const levels = expectedLevels(row, role, part);
        const word = part === "plan" ? "Objective" : "Entry";
        for (const v of plsVisibilities) {
          const shown = text.includes(`${word}-${v}`);
          // A shared page shows only the parts its grant's scopes open; public things may still appear
          // (an entry names the public objective it serves), but nothing beyond public.
          const optional = v === "public" && row.route.startsWith("/share/") && !levels.includes("grant");
          if (shown !== levels.includes(v) && !optional)
            problems.push(`${role}: ${word}-${v} ${shown ? "shown but should be hidden" : "hidden but should be shown"}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
