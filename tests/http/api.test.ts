// The personal API under /api/v1, through the real app: who may call (the learner's session, a
// grant token with each scope, nobody), what each endpoint returns and writes, and how it refuses
// (JSON errors with the right status, RFC 6750 challenges, nothing written).
import { count } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSession } from "../../src/accounts/sessions.js";
import { sha256Hex } from "../../src/core/crypto.js";
import { grantAccess, objectives, type PlsVisibility, portfolioEntries, resources } from "../../src/db/schema.js";
import { issueGrant } from "../../src/pls/sharing/grants.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";
import { addCourse, addItem, addPerson } from "../pls/seed.js";

const ORIGIN = "http://localhost:8787";

let hub: TestHub;
let maya: number;
let noor: number;
let mayaSession: string;
let noorSession: string;
/** Every response body the tests saw, to prove no secret ever comes back after creation. */
let seen: string[];

interface Call {
  session?: string;
  token?: string;
  body?: unknown;
  /** Raw body text (sent as is). */
  raw?: string;
  headers?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: each test reads the API's JSON by the shape it expects.
async function api(method: string, path: string, o: Call = {}): Promise<{ status: number; json: any; res: Response }> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.session) headers.cookie = `tributary_session=${o.session}`;
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  let body: string | undefined = o.raw;
  if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers["content-type"] ??= "application/json";
  } else if (method !== "GET" && headers["content-type"] === undefined && o.raw === undefined) {
    headers["content-type"] = "application/json";
  }
  const res = await hub.app.fetch(new Request(ORIGIN + path, { method, headers, body }));
  const text = await res.text();
  seen.push(text);
  expect(res.headers.get("cache-control"), `${method} ${path}`).toBe("no-store");
  return { status: res.status, json: text ? JSON.parse(text) : null, res };
}

const asMaya = (method: string, path: string, o: Call = {}) => api(method, path, { session: mayaSession, ...o });

async function objective(title: string, visibility: PlsVisibility = "private", extra: Record<string, unknown> = {}): Promise<number> {
  const { status, json } = await asMaya("POST", "/api/v1/objectives", { body: { title, visibility, ...extra } });
  expect(status).toBe(201);
  return json.objective.id;
}

async function grant(scopes: string[], expiresOn = "") {
  return issueGrant(hub.deps, maya, { audience: `Coach ${scopes.join("+")}`, scopes, expiresOn });
}

const countOf = async (table: typeof objectives | typeof resources | typeof portfolioEntries) =>
  (await hub.deps.db.select({ n: count() }).from(table))[0]!.n;

beforeEach(async () => {
  hub = await createTestHub();
  seen = [];
  maya = await addPerson(hub.deps.db, "Maya");
  noor = await addPerson(hub.deps.db, "Noor");
  mayaSession = (await createSession(hub.deps.db, maya, hub.clock.now)).token;
  noorSession = (await createSession(hub.deps.db, noor, hub.clock.now)).token;
});
afterEach(async () => {
  await hub.close();
});

describe("who may call", () => {
  it("refuses anonymous callers on every /api/v1 route with a 401 JSON error and a Bearer challenge", async () => {
    const routes = hub.app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/"));
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) {
      const path = r.path.replace(/:[a-zA-Z]+/g, "1");
      const { status, json, res } = await api(r.method, path);
      expect(status, `${r.method} ${r.path}`).toBe(401);
      expect(json.error).toBe("unauthenticated");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=/);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    }
    expect(await countOf(objectives)).toBe(0);
  });

  it("tells the learner and a grant holder who they are", async () => {
    const me = await asMaya("GET", "/api/v1/me");
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ person: { id: maya, displayName: "Maya" }, via: "session" });

    const g = await grant(["plan:read", "suggest"], "2026-12-31");
    const them = await api("GET", "/api/v1/me", { token: g.token });
    expect(them.status).toBe(200);
    expect(them.json).toEqual({
      grant: {
        id: g.grant.id,
        audience: "Coach plan:read+suggest",
        scopes: ["plan:read", "suggest"],
        expiresAt: "2026-12-31T23:59:59.999Z",
      },
      learner: { id: maya, displayName: "Maya" },
      via: "token",
    });
  });

  it("refuses unknown and malformed tokens with invalid_token (RFC 6750), even with a valid session beside them", async () => {
    for (const authorization of ["Bearer trt_nope", "Bearer not-a-token", "Basic bWF5YTpwdw==", "Bearer"]) {
      const { status, json, res } = await api("GET", "/api/v1/me", { session: mayaSession, headers: { authorization } });
      expect(status, authorization).toBe(401);
      expect(json.error).toBe("invalid_token");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="tributary", error="invalid_token"/);
    }
  });

  it("lets a bearer token win over a session cookie: the grant's view, never the owner's", async () => {
    await objective("Secret goal", "private");
    await objective("Shared goal", "grant");
    const g = await grant(["plan:read"]);
    const { status, json } = await api("GET", "/api/v1/plan", { session: mayaSession, token: g.token });
    expect(status).toBe(200);
    expect(json.objectives.map((o: { title: string }) => o.title)).toEqual(["Shared goal"]);
    const writes = await api("POST", "/api/v1/objectives", { session: mayaSession, token: g.token, body: { title: "Sneaky" } });
    expect(writes.status).toBe(403);
    expect(writes.json.error).toBe("owner_only");
  });

  it("refuses a session write without a JSON content type, and writes nothing", async () => {
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]) {
      const { status, json } = await asMaya("POST", "/api/v1/objectives", { raw: "title=Forged", headers: { "content-type": type } });
      expect(status, type).toBe(403);
      expect(json.error).toBe("json_required");
    }
    const noType = await hub.app.fetch(
      new Request(`${ORIGIN}/api/v1/objectives`, {
        method: "POST",
        headers: { cookie: `tributary_session=${mayaSession}` },
        body: '{"title":"Forged"}',
      }),
    );
    expect(noType.status).toBe(403);
    expect(await countOf(objectives)).toBe(0);
  });

  it("refuses a session write from another origin, and accepts this hub's", async () => {
    for (const origin of ["https://evil.example", "null", "http://localhost:8788"]) {
      const { status, json } = await asMaya("POST", "/api/v1/objectives", { body: { title: "Forged" }, headers: { origin } });
      expect(status, origin).toBe(403);
      expect(json.error).toBe("cross_origin");
    }
    expect(await countOf(objectives)).toBe(0);
    const same = await asMaya("POST", "/api/v1/objectives", { body: { title: "Mine" }, headers: { origin: ORIGIN } });
    expect(same.status).toBe(201);
  });

  it("answers an unknown /api path with a JSON 404, not the HTML page", async () => {
    for (const path of ["/api/v1/nothing-here", "/api/v2/plan", "/api/v1/objectives/1/unknown"]) {
      const { status, json, res } = await asMaya("GET", path);
      expect(status, path).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(json.error).toBe("not_found");
    }
    expect((await asMaya("PUT", "/api/v1/plan", { body: {} })).status).toBe(404);
  });
});

describe("the plan, for the learner", () => {
  it("creates, changes and removes objectives, steps and resources, and shows them in /plan", async () => {
    const created = await asMaya("POST", "/api/v1/objectives", {
      body: {
        title: "Learn data visualisation",
        why: "For my thesis",
        tags: ["#DataVis", "charts"],
        targetDate: "2027-03-31",
        status: "active",
      },
    });
    expect(created.status).toBe(201);
    const o = created.json.objective;
    expect(o).toMatchObject({
      title: "Learn data visualisation",
      why: "For my thesis",
      tags: ["datavis", "charts"],
      targetDate: "2027-03-31",
      status: "active",
      visibility: "private",
    });
    expect(o.createdAt).toBe("2026-11-01T12:00:00.000Z");

    // Tags as a string, as on the form.
    const other = await asMaya("POST", "/api/v1/objectives", { body: { title: "Read more", tags: "#books, novels" } });
    expect(other.json.objective.tags).toEqual(["books", "novels"]);

    // PATCH keeps what is not sent.
    const patched = await asMaya("PATCH", `/api/v1/objectives/${o.id}`, { body: { status: "achieved" } });
    expect(patched.status).toBe(200);
    expect(patched.json.objective).toMatchObject({
      title: "Learn data visualisation",
      why: "For my thesis",
      tags: ["datavis", "charts"],
      targetDate: "2027-03-31",
      status: "achieved",
    });
    expect(patched.json.objective.achievedAt).toBe("2026-11-01T12:00:00.000Z");

    const step = await asMaya("POST", `/api/v1/objectives/${o.id}/steps`, {
      body: { title: "Read Tufte", dueDate: "2026-12-01", resourceUrl: "https://example.org/tufte" },
    });
    expect(step.status).toBe(201);
    expect(step.json.step).toMatchObject({
      objectiveId: o.id,
      title: "Read Tufte",
      status: "todo",
      dueDate: "2026-12-01",
      resourceUrl: "https://example.org/tufte",
      position: 0,
    });
    const done = await asMaya("PATCH", `/api/v1/steps/${step.json.step.id}`, { body: { status: "done" } });
    expect(done.json.step).toMatchObject({ title: "Read Tufte", status: "done", dueDate: "2026-12-01" });

    const filed = await asMaya("POST", "/api/v1/resources", {
      body: { title: "Chart chooser", url: "https://example.org/charts", objectiveId: o.id },
    });
    expect(filed.status).toBe(201);
    const loose = await asMaya("POST", "/api/v1/resources", { body: { title: "Loose", url: "https://example.org/loose", note: "later" } });
    expect(loose.json.resource).toMatchObject({ objectiveId: null, note: "later", suggestedBy: null });

    const plan = await asMaya("GET", "/api/v1/plan");
    expect(plan.status).toBe(200);
    expect(plan.json.objectives.map((x: { title: string }) => x.title)).toEqual(["Learn data visualisation", "Read more"]);
    expect(plan.json.objectives[0].steps.map((s: { title: string }) => s.title)).toEqual(["Read Tufte"]);
    expect(plan.json.objectives[0].resources.map((r: { title: string }) => r.title)).toEqual(["Chart chooser"]);
    expect(plan.json.looseResources.map((r: { title: string }) => r.title)).toEqual(["Loose"]);

    expect((await asMaya("DELETE", `/api/v1/steps/${step.json.step.id}`)).status).toBe(204);
    expect((await asMaya("DELETE", `/api/v1/resources/${loose.json.resource.id}`)).status).toBe(204);
    expect((await asMaya("DELETE", `/api/v1/objectives/${other.json.objective.id}`)).status).toBe(204);
    const after = await asMaya("GET", "/api/v1/plan");
    expect(after.json.objectives.map((x: { title: string }) => x.title)).toEqual(["Learn data visualisation"]);
    expect(after.json.objectives[0].steps).toEqual([]);
    expect(after.json.looseResources).toEqual([]);
  });

  it("answers bad input with 400 and the field, and writes nothing", async () => {
    const cases: [string, string, unknown, string][] = [
      ["POST", "/api/v1/objectives", { why: "no title" }, "title"],
      ["POST", "/api/v1/objectives", { title: "x", targetDate: "31/03/2027" }, "targetDate"],
      ["POST", "/api/v1/objectives", { title: "x", visibility: "everyone" }, "visibility"],
      ["POST", "/api/v1/objectives", { title: "x", tags: ["not a tag!"] }, "tags"],
      ["POST", "/api/v1/resources", { title: "x", url: "javascript:alert(1)" }, "url"],
      ["POST", "/api/v1/portfolio/entries", { url: "https://example.org/x" }, "title"],
      ["POST", "/api/v1/portfolio/entries", { itemId: "abc" }, "itemId"],
      ["POST", "/api/v1/grants", { audience: "Coach", scopes: ["plan:write"] }, "scopes"],
      ["POST", "/api/v1/grants", { audience: "Coach", scopes: ["plan:read"], expiresOn: "2020-01-01" }, "expiresOn"],
    ];
    for (const [method, path, body, field] of cases) {
      const { status, json } = await asMaya(method, path, { body });
      expect(status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(json).toMatchObject({ error: "invalid_input", field });
      expect(json.message).toEqual(expect.any(String));
    }
    const notJson = await asMaya("POST", "/api/v1/objectives", { raw: "{title:", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toBe("invalid_json");
    const notObject = await asMaya("POST", "/api/v1/objectives", { body: ["title"] });
    expect(notObject.json.error).toBe("invalid_json");
    expect(await countOf(objectives)).toBe(0);
    expect(await countOf(resources)).toBe(0);
    expect(await countOf(portfolioEntries)).toBe(0);

    const id = await objective("Real");
    const step = await asMaya("POST", `/api/v1/objectives/${id}/steps`, { body: { title: "" } });
    expect(step.status).toBe(400);
    expect(step.json.field).toBe("title");
    const patch = await asMaya("PATCH", `/api/v1/objectives/${id}`, { body: { status: "finished" } });
    expect(patch.json.field).toBe("status");
  });

  it("answers 404 for another learner's objective, step, resource or entry, and changes nothing of theirs", async () => {
    const hers = await objective("Maya's goal");
    const step = (await asMaya("POST", `/api/v1/objectives/${hers}/steps`, { body: { title: "Maya's step" } })).json.step.id;
    const res = (await asMaya("POST", "/api/v1/resources", { body: { title: "R", url: "https://example.org/r" } })).json.resource.id;
    const entry = (await asMaya("POST", "/api/v1/portfolio/entries", { body: { url: "https://example.org/e", title: "E" } })).json.entry.id;
    const asNoor = (method: string, path: string, body?: unknown) => api(method, path, { session: noorSession, body });
    const own = (await asNoor("POST", "/api/v1/objectives", { title: "Noor's" })).json.objective.id;
    const noorEntry = (await asNoor("POST", "/api/v1/portfolio/entries", { url: "https://example.org/n", title: "N" })).json.entry.id;

    const attempts: [string, string, unknown?][] = [
      ["PATCH", `/api/v1/objectives/${hers}`, { title: "Taken" }],
      ["DELETE", `/api/v1/objectives/${hers}`],
      ["POST", `/api/v1/objectives/${hers}/steps`, { title: "Mine now" }],
      ["PATCH", `/api/v1/steps/${step}`, { title: "Taken" }],
      ["DELETE", `/api/v1/steps/${step}`],
      ["DELETE", `/api/v1/resources/${res}`],
      ["PATCH", `/api/v1/portfolio/entries/${entry}`, { title: "Taken" }],
      ["DELETE", `/api/v1/portfolio/entries/${entry}`],
      ["PUT", `/api/v1/portfolio/entries/${noorEntry}/objectives/${hers}`],
      ["PUT", `/api/v1/portfolio/entries/${entry}/objectives/${own}`],
      ["DELETE", `/api/v1/portfolio/entries/${entry}/objectives/${own}`],
      ["PATCH", "/api/v1/objectives/999999", { title: "x" }],
      ["PATCH", "/api/v1/objectives/abc", { title: "x" }],
    ];
    for (const [method, path, body] of attempts) {
      const { status, json } = await asNoor(method, path, body);
      expect(status, `${method} ${path}`).toBe(404);
      expect(json.error).toBe("not_found");
    }
    // An objective named in the body is input: 400 on its field.
    const filed = await asNoor("POST", "/api/v1/resources", { title: "R", url: "https://example.org/r", objectiveId: hers });
    expect(filed.status).toBe(400);
    expect(filed.json.field).toBe("objectiveId");

    const plan = await asMaya("GET", "/api/v1/plan");
    expect(plan.json.objectives).toHaveLength(1);
    expect(plan.json.objectives[0]).toMatchObject({ title: "Maya's goal" });
    expect(plan.json.objectives[0].steps.map((s: { title: string }) => s.title)).toEqual(["Maya's step"]);
    expect(plan.json.looseResources).toHaveLength(1);
    expect((await asMaya("GET", "/api/v1/portfolio")).json.entries.map((e: { title: string }) => e.title)).toEqual(["E"]);
  });

  it("lists next steps: objectives without evidence and overdue steps", async () => {
    const id = await objective("Ship a portfolio", "private", { status: "active" });
    await asMaya("POST", `/api/v1/objectives/${id}/steps`, { body: { title: "Late", dueDate: "2026-10-01" } });
    const { status, json } = await asMaya("GET", "/api/v1/next-steps");
    expect(status).toBe(200);
    expect(json.noEvidence.map((o: { title: string }) => o.title)).toEqual(["Ship a portfolio"]);
    expect(json.overdue.map((o: { step: { title: string }; objective: { id: number } }) => [o.step.title, o.objective.id])).toEqual([
      ["Late", id],
    ]);
    expect(json.untouched).toEqual([]);
  });
});

describe("the portfolio, for the learner", () => {
  it("adds own posts and external links, links them to objectives, edits and removes them", async () => {
    const course = await addCourse(hub.deps.db, "t509");
    const mine = await addItem(hub.deps.db, {
      courseId: course,
      personId: maya,
      url: "https://maya.example.org/post",
      tags: [],
      title: "My post",
    });
    const theirs = await addItem(hub.deps.db, { courseId: course, personId: noor, url: "https://noor.example.org/post", tags: [] });
    const goal = await objective("Write in public", "grant");

    const fromItem = await asMaya("POST", "/api/v1/portfolio/entries", { body: { itemId: mine, reflection: "My first post" } });
    expect(fromItem.status).toBe(201);
    expect(fromItem.json.entry).toMatchObject({
      kind: "item",
      itemId: mine,
      url: "https://maya.example.org/post",
      title: "My post",
      reflection: "My first post",
      visibility: "private",
    });
    const refused = await asMaya("POST", "/api/v1/portfolio/entries", { body: { itemId: theirs } });
    expect(refused.status).toBe(400);
    expect(refused.json.field).toBe("itemId");
    const ext = await asMaya("POST", "/api/v1/portfolio/entries", {
      body: { url: "https://github.com/maya/thesis", title: "Thesis code", visibility: "grant" },
    });
    expect(ext.json.entry).toMatchObject({ kind: "external", itemId: null, visibility: "grant" });

    const e = ext.json.entry.id;
    expect((await asMaya("PUT", `/api/v1/portfolio/entries/${e}/objectives/${goal}`)).status).toBe(204);
    let p = await asMaya("GET", "/api/v1/portfolio");
    expect(p.json.entries.find((x: { id: number }) => x.id === e).objectives).toEqual([
      { id: goal, title: "Write in public", status: "planned", auto: false },
    ]);

    const edited = await asMaya("PATCH", `/api/v1/portfolio/entries/${e}`, { body: { reflection: "Chapter 3 code" } });
    expect(edited.json.entry).toMatchObject({ title: "Thesis code", reflection: "Chapter 3 code", visibility: "grant" });

    // Achieved with its evidence.
    await asMaya("PATCH", `/api/v1/objectives/${goal}`, { body: { status: "achieved" } });
    p = await asMaya("GET", "/api/v1/portfolio");
    expect(p.json.achievements).toHaveLength(1);
    expect(p.json.achievements[0].objective.id).toBe(goal);
    expect(p.json.achievements[0].evidence.map((x: { id: number }) => x.id)).toEqual([e]);

    expect((await asMaya("DELETE", `/api/v1/portfolio/entries/${e}/objectives/${goal}`)).status).toBe(204);
    p = await asMaya("GET", "/api/v1/portfolio");
    expect(p.json.entries.find((x: { id: number }) => x.id === e).objectives).toEqual([]);
    expect((await asMaya("DELETE", `/api/v1/portfolio/entries/${e}`)).status).toBe(204);
    p = await asMaya("GET", "/api/v1/portfolio");
    expect(p.json.entries.map((x: { title: string }) => x.title)).toEqual(["My post"]);
  });
});

describe("grants and their scopes", () => {
  it("issues a grant with its secrets once, lists it without them, revokes it and shows its log", async () => {
    const made = await asMaya("POST", "/api/v1/grants", {
      body: { audience: "Ms Rivera", audienceKind: "coach", scopes: "plan:read portfolio:read", expiresOn: "2027-01-31" },
    });
    expect(made.status).toBe(201);
    const { grant: g, link, token } = made.json;
    expect(token).toMatch(/^trt_/);
    expect(link).toMatch(/^http:\/\/localhost:8787\/share\/trl_/);
    expect(g).toMatchObject({
      audience: "Ms Rivera",
      audienceKind: "coach",
      scopes: ["plan:read", "portfolio:read"],
      state: "active",
      expiresAt: "2027-01-31T23:59:59.999Z",
      revokedAt: null,
    });
    const creation = seen.length;

    expect((await api("GET", "/api/v1/plan", { token })).status).toBe(200);
    const list = await asMaya("GET", "/api/v1/grants");
    expect(list.json.grants).toHaveLength(1);
    expect(list.json.grants[0]).toMatchObject({ id: g.id, state: "active", lastUsedAt: "2026-11-01T12:00:00.000Z" });
    expect(Object.keys(list.json.grants[0])).not.toContain("tokenHash");

    const log = await asMaya("GET", `/api/v1/grants/${g.id}/log`);
    expect(log.json.log).toEqual([{ at: "2026-11-01T12:00:00.000Z", via: "token", what: "GET /api/v1/plan" }]);

    const revoked = await asMaya("POST", `/api/v1/grants/${g.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.grant).toMatchObject({ state: "revoked", revokedAt: "2026-11-01T12:00:00.000Z" });
    expect((await api("POST", `/api/v1/grants/${g.id}/revoke`, { session: noorSession })).status).toBe(404);
    expect((await api("GET", `/api/v1/grants/${g.id}/log`, { session: noorSession })).status).toBe(404);

    // After creation, no answer carries a secret or a secret's hash.
    const secrets = [token, link.split("/share/")[1], await sha256Hex(token), await sha256Hex(link.split("/share/")[1])];
    for (const text of seen.slice(creation)) for (const s of secrets) expect(text).not.toContain(s);
    for (const text of seen) expect(text).not.toMatch(/tokenHash|linkHash/);
  });

  it("plan:read opens the plan (never a private objective) and nothing else", async () => {
    for (const v of ["private", "grant", "course", "public"] as const) await objective(`Objective-${v}`, v);
    await asMaya("POST", "/api/v1/resources", { body: { title: "Loose", url: "https://example.org/loose" } });
    const g = await grant(["plan:read"]);
    const plan = await api("GET", "/api/v1/plan", { token: g.token });
    expect(plan.status).toBe(200);
    expect(plan.json.objectives.map((o: { title: string }) => o.title)).toEqual([
      "Objective-grant",
      "Objective-course",
      "Objective-public",
    ]);
    expect(plan.json.looseResources).toEqual([]);
    expect(JSON.stringify(plan.json)).not.toContain("Objective-private");

    const portfolio = await api("GET", "/api/v1/portfolio", { token: g.token });
    expect(portfolio.status).toBe(403);
    expect(portfolio.json.error).toBe("insufficient_scope");
    expect(portfolio.res.headers.get("www-authenticate")).toBe(
      'Bearer realm="tributary", error="insufficient_scope", scope="portfolio:read"',
    );
    expect((await api("GET", "/api/v1/suggestions", { token: g.token })).status).toBe(403);
    expect((await api("POST", "/api/v1/suggestions", { token: g.token, body: { title: "x", url: "https://example.org" } })).status).toBe(
      403,
    );
  });

  it("portfolio:read opens the portfolio (never a private entry) and not the plan", async () => {
    for (const v of ["private", "grant", "public"] as const) {
      await asMaya("POST", "/api/v1/portfolio/entries", { body: { url: `https://example.org/${v}`, title: `Entry-${v}`, visibility: v } });
    }
    const g = await grant(["portfolio:read"]);
    const p = await api("GET", "/api/v1/portfolio", { token: g.token });
    expect(p.status).toBe(200);
    expect(p.json.entries.map((e: { title: string }) => e.title).sort()).toEqual(["Entry-grant", "Entry-public"]);
    const plan = await api("GET", "/api/v1/plan", { token: g.token });
    expect(plan.status).toBe(403);
    expect(plan.json.error).toBe("insufficient_scope");
  });

  it("never lets a grant token change the plan or manage grants, whatever its scopes", async () => {
    const id = await objective("Mine", "public");
    const g = await grant(["plan:read", "portfolio:read", "suggest"]);
    const attempts: [string, string, unknown?][] = [
      ["POST", "/api/v1/objectives", { title: "x" }],
      ["PATCH", `/api/v1/objectives/${id}`, { title: "x" }],
      ["DELETE", `/api/v1/objectives/${id}`],
      ["POST", `/api/v1/objectives/${id}/steps`, { title: "x" }],
      ["POST", "/api/v1/resources", { title: "x", url: "https://example.org" }],
      ["POST", "/api/v1/portfolio/entries", { title: "x", url: "https://example.org" }],
      ["GET", "/api/v1/next-steps"],
      ["GET", "/api/v1/grants"],
      ["POST", "/api/v1/grants", { audience: "Me again", scopes: ["plan:read"] }],
      ["POST", `/api/v1/grants/${g.grant.id}/revoke`],
      ["GET", `/api/v1/grants/${g.grant.id}/log`],
      ["POST", "/api/v1/suggestions/1/accept"],
    ];
    for (const [method, path, body] of attempts) {
      const { status, json } = await api(method, path, { token: g.token, body });
      expect(status, `${method} ${path}`).toBe(403);
      expect(json.error).toBe("owner_only");
    }
    expect(await countOf(objectives)).toBe(1);
    expect((await asMaya("GET", "/api/v1/grants")).json.grants[0].state).toBe("active");
    // Refusals are not logged as uses.
    expect(await hub.deps.db.select().from(grantAccess)).toEqual([]);
  });

  it("logs every successful grant request in the learner's access log", async () => {
    await objective("Shared", "grant");
    const g = await grant(["plan:read", "suggest"]);
    await api("GET", "/api/v1/me", { token: g.token });
    await api("GET", "/api/v1/plan", { token: g.token });
    await api("GET", "/api/v1/portfolio", { token: g.token }); // 403: not a use
    await api("POST", "/api/v1/suggestions", { token: g.token, body: { kind: "objective", title: "Try a sketchnote" } });
    const log = await asMaya("GET", `/api/v1/grants/${g.grant.id}/log`);
    expect(log.json.log.map((l: { what: string }) => l.what)).toEqual(["POST /api/v1/suggestions", "GET /api/v1/plan", "GET /api/v1/me"]);
    expect(log.json.log.every((l: { via: string }) => l.via === "token")).toBe(true);
  });

  it("refuses an expired grant with 401 grant_expired once the clock passes its day", async () => {
    const g = await grant(["plan:read"], "2026-11-02");
    expect((await api("GET", "/api/v1/plan", { token: g.token })).status).toBe(200);
    hub.clock.advance(2 * 86_400_000);
    const { status, json, res } = await api("GET", "/api/v1/plan", { token: g.token });
    expect(status).toBe(401);
    expect(json.error).toBe("grant_expired");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="tributary", error="invalid_token"/);
  });

  it("refuses a revoked grant on the very next request", async () => {
    const g = await grant(["plan:read"]);
    expect((await api("GET", "/api/v1/plan", { token: g.token })).status).toBe(200);
    expect((await asMaya("POST", `/api/v1/grants/${g.grant.id}/revoke`)).status).toBe(200);
    const { status, json, res } = await api("GET", "/api/v1/plan", { token: g.token });
    expect(status).toBe(401);
    expect(json.error).toBe("grant_revoked");
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

describe("suggestions", () => {
  it("lets a suggest grant propose, see its own, and the learner accept or decline", async () => {
    const goal = await objective("Public goal", "grant");
    const secret = await objective("Private goal", "private");
    const g = await grant(["suggest", "plan:read"]);
    const other = await grant(["suggest"]);

    const owner = await asMaya("POST", "/api/v1/suggestions", { body: { title: "x", url: "https://example.org" } });
    expect(owner.status).toBe(403);
    expect(owner.json.error).toBe("grant_only");

    const res = await api("POST", "/api/v1/suggestions", {
      token: g.token,
      body: { kind: "resource", title: "Chart chooser", url: "https://example.org/charts", objectiveId: goal, note: "Try this" },
    });
    expect(res.status).toBe(201);
    expect(res.json.suggestion).toMatchObject({
      kind: "resource",
      title: "Chart chooser",
      body: "Try this",
      objectiveId: goal,
      from: "Coach suggest+plan:read",
      status: "pending",
    });
    const step = await api("POST", "/api/v1/suggestions", { token: g.token, body: { kind: "step", title: "Sketch first" } });
    expect(step.status).toBe(400);
    expect(step.json.field).toBe("objectiveId");
    const hidden = await api("POST", "/api/v1/suggestions", { token: g.token, body: { kind: "step", title: "Peek", objectiveId: secret } });
    expect(hidden.status).toBe(400);
    expect(hidden.json.field).toBe("objectiveId");
    const obj = await api("POST", "/api/v1/suggestions", {
      token: other.token,
      body: { kind: "objective", title: "Learn D3", why: "Interactive charts" },
    });
    expect(obj.status).toBe(201);

    const mine = await api("GET", "/api/v1/suggestions", { token: g.token });
    expect(mine.json.suggestions.map((s: { title: string }) => s.title)).toEqual(["Chart chooser"]);
    const all = await asMaya("GET", "/api/v1/suggestions");
    expect(all.json.suggestions.map((s: { title: string }) => s.title)).toEqual(["Learn D3", "Chart chooser"]);

    const sid = res.json.suggestion.id;
    expect((await api("POST", `/api/v1/suggestions/${sid}/accept`, { session: noorSession })).status).toBe(404);
    const accepted = await asMaya("POST", `/api/v1/suggestions/${sid}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.json.suggestion).toMatchObject({ status: "accepted", decidedAt: "2026-11-01T12:00:00.000Z" });
    const again = await asMaya("POST", `/api/v1/suggestions/${sid}/decline`);
    expect(again.status).toBe(409);
    expect(again.json.error).toBe("already_decided");
    const plan = await asMaya("GET", "/api/v1/plan");
    expect(plan.json.objectives[0].resources).toEqual([
      expect.objectContaining({ title: "Chart chooser", url: "https://example.org/charts", suggestedBy: "Coach suggest+plan:read" }),
    ]);

    const declined = await asMaya("POST", `/api/v1/suggestions/${obj.json.suggestion.id}/decline`);
    expect(declined.json.suggestion.status).toBe("declined");
    expect((await asMaya("GET", "/api/v1/plan")).json.objectives.map((o: { title: string }) => o.title)).toEqual([
      "Public goal",
      "Private goal",
    ]);
    // The holder sees how their suggestion was answered.
    expect((await api("GET", "/api/v1/suggestions", { token: g.token })).json.suggestions[0].status).toBe("accepted");
  });
});
