// Sharing through the real app and its forms: grants, the secret-link page, the access log and
// suggestions from grant holders.
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { grantAccess, grants, memberships, objectives, planSteps, suggestions } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { createObjective } from "../../src/pls/plan/objectives.js";
import { addExternalEntry } from "../../src/pls/portfolio/portfolio.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
let hub: TestHub;
let maya: Client;
let noor: Client;
let mayaId: number;

async function signIn(email: string): Promise<Client> {
  const client = Client.forApp(hub.app);
  const res = await client.submit("/login", "/login", { email, password: PASSWORD });
  expect(res.status).toBe(303);
  return client;
}

async function person(name: string, courseId: number): Promise<number> {
  const p = (await createPerson(hub.deps.db, { email: `${name}@example.org`, displayName: name, password: PASSWORD }))!;
  await hub.deps.db.insert(memberships).values({ courseId, personId: p.id, role: "learner" });
  return p.id;
}

async function csrfOf(client: Client, path: string): Promise<string> {
  const html = await (await client.get(path)).text();
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  expect(token, `a form token on ${path}`).toBeTruthy();
  return token!;
}

/** POSTs a form whose fields may repeat (several checked scopes), with the page's CSRF token. */
async function postPairs(client: Client, formPage: string, action: string, pairs: [string, string][]): Promise<Response> {
  const body = new URLSearchParams([["_csrf", await csrfOf(client, formPage)], ...pairs]);
  return client.request(action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: body.toString(),
  });
}

interface Issued {
  status: number;
  html: string;
  link: string;
  token: string;
  res: Response;
}

async function createGrant(client: Client, audience: string, scopes: string[], extra: [string, string][] = []): Promise<Issued> {
  const res = await postPairs(client, "/pls/sharing", "/pls/sharing", [
    ["audience", audience],
    ["audienceKind", "coach"],
    ...scopes.map((s): [string, string] => ["scopes", s]),
    ...extra,
  ]);
  const html = await res.text();
  return {
    status: res.status,
    html,
    res,
    link: /\/share\/(trl_[A-Za-z0-9_-]+)/.exec(html)?.[1] ?? "",
    token: /(trt_[A-Za-z0-9_-]+)/.exec(html)?.[1] ?? "",
  };
}

async function accessCount(): Promise<number> {
  return (await hub.deps.db.select().from(grantAccess)).length;
}

beforeEach(async () => {
  hub = await createTestHub();
  await setUpCourse(hub.app);
  const t509 = (await courseBySlug(hub.deps.db, "t509"))!.id;
  mayaId = await person("maya", t509);
  await person("noor", t509);
  maya = await signIn("maya@example.org");
  noor = await signIn("noor@example.org");
});
afterEach(() => hub.close());

describe("the learner's grants", () => {
  it("creates a grant with two scopes through the form and shows its secrets once", async () => {
    const issued = await createGrant(maya, "Ms Rivera, my coach", ["plan:read", "suggest"]);
    expect(issued.status).toBe(201);
    expect(issued.res.headers.get("cache-control")).toBe("no-store");
    expect(issued.link).toMatch(/^trl_/);
    expect(issued.token).toMatch(/^trt_/);
    expect(issued.html).toContain(`http://localhost:8787/share/${issued.link}`);
    expect(issued.html).toContain(`curl -H "Authorization: Bearer ${issued.token}" http://localhost:8787/api/v1/plan`);
    expect(issued.html).toContain("will not be shown again");

    const [row] = await hub.deps.db.select().from(grants).where(eq(grants.personId, mayaId));
    expect(row!.scopes).toEqual(["plan:read", "suggest"]);
    expect(row!.audienceKind).toBe("coach");

    const later = await maya.get("/pls/sharing");
    const html = await later.text();
    expect(later.headers.get("cache-control")).toBe("no-store");
    expect(html).toContain("Ms Rivera, my coach");
    expect(html).toContain("read your plan, suggest to your plan");
    expect(html).not.toContain(issued.link);
    expect(html).not.toContain(issued.token);
  });

  it("answers bad input with 400 and the message by the field, creating nothing", async () => {
    const res = await postPairs(maya, "/pls/sharing", "/pls/sharing", [["audience", "Someone"]]);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="f-scopes-error"');
    expect(html).toContain("Pick at least one thing");
    expect(html).toContain('value="Someone"');

    const noName = await postPairs(maya, "/pls/sharing", "/pls/sharing", [
      ["scopes", "plan:read"],
      ["scopes", "suggest"],
    ]);
    expect(noName.status).toBe(400);
    const again = await noName.text();
    expect(again).toContain('id="f-audience-error"');
    // Both checked scopes stay checked on the re-rendered form.
    expect(again).toMatch(/value="plan:read" checked/);
    expect(again).toMatch(/value="suggest" checked/);

    const past = await createGrant(maya, "Someone", ["plan:read"], [["expiresOn", "2020-01-01"]]);
    expect(past.status).toBe(400);
    expect(past.html).toContain("Expiry must be a day in the future");
    expect(await hub.deps.db.select().from(grants)).toHaveLength(0);
  });

  it("sends anonymous visitors to sign in", async () => {
    const anon = Client.forApp(hub.app);
    for (const path of ["/pls/sharing", "/pls/suggestions", "/pls/sharing/1/log"]) {
      const res = await anon.get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    const token = await csrfOf(anon, "/login");
    const res = await anon.post("/pls/sharing", { _csrf: token, audience: "x", scopes: "plan:read" });
    expect(res.headers.get("location")).toMatch(/^\/login/);
    expect(await hub.deps.db.select().from(grants)).toHaveLength(0);
  });

  it("hides one learner's grants from another: their pages and actions answer 404", async () => {
    const issued = await createGrant(maya, "Coach Sam", ["plan:read"]);
    const [row] = await hub.deps.db.select().from(grants);
    const noorPage = await (await noor.get("/pls/sharing")).text();
    expect(noorPage).not.toContain("Coach Sam");
    expect((await noor.get(`/pls/sharing/${row!.id}/log`)).status).toBe(404);
    for (const action of ["revoke", "reissue", "delete"]) {
      const res = await noor.submit("/pls/sharing", `/pls/sharing/${row!.id}/${action}`, {});
      expect(res.status, action).toBe(404);
    }
    const [after] = await hub.deps.db.select().from(grants);
    expect(after!.revokedAt).toBeNull();
    expect(after!.linkHash).toBe(row!.linkHash);
    expect((await Client.forApp(hub.app).get(`/share/${issued.link}`)).status).toBe(200);
  });

  it("revokes: the very next use of the link is 410 and nothing is logged for it", async () => {
    const issued = await createGrant(maya, "Coach Sam", ["plan:read"]);
    const visitor = Client.forApp(hub.app);
    expect((await visitor.get(`/share/${issued.link}`)).status).toBe(200);
    expect(await accessCount()).toBe(1);
    const [row] = await hub.deps.db.select().from(grants);

    const ask = await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/revoke`, {});
    expect(ask.status).toBe(200);
    expect(await ask.text()).toContain("The link and the token you gave Coach Sam stop working at once.");
    expect((await hub.deps.db.select().from(grants))[0]!.revokedAt).toBeNull();
    const res = await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/revoke`, { confirm: "yes" });
    expect(res.status).toBe(303);
    const gone = await visitor.get(`/share/${issued.link}`);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain("The learner has withdrawn this link");
    expect(await accessCount()).toBe(1);
    expect(await (await maya.get("/pls/sharing")).text()).toContain("revoked");
    const reissue = await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/reissue`, {});
    expect(reissue.status).toBe(400);
    expect(await reissue.text()).toContain("This grant was revoked; make a new one instead.");
    expect((await visitor.get(`/share/${issued.link}`)).status).toBe(410);

    // Deleting is allowed once revoked; it removes the grant and its log.
    expect((await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/delete`, { confirm: "yes" })).status).toBe(303);
    expect(await hub.deps.db.select().from(grants)).toHaveLength(0);
    expect(await accessCount()).toBe(0);
  });

  it("refuses to delete an active grant", async () => {
    await createGrant(maya, "Coach Sam", ["plan:read"]);
    const [row] = await hub.deps.db.select().from(grants);
    const res = await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/delete`, { confirm: "yes" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Revoke the grant before deleting it");
    expect(await hub.deps.db.select().from(grants)).toHaveLength(1);
  });

  it("answers an expired link with 410 and an unknown one with 404", async () => {
    const issued = await createGrant(maya, "Coach Sam", ["plan:read"], [["expiresOn", "2026-11-02"]]);
    expect(issued.status).toBe(201);
    expect(issued.html).toContain("expires on 2 Nov 2026");
    const visitor = Client.forApp(hub.app);
    const open = await visitor.get(`/share/${issued.link}`);
    expect(open.status).toBe(200);
    // The holder of the link is told when it stops working.
    expect(await open.text()).toMatch(
      /It works until <time datetime="2026-11-0[23]T[\d:.]+Z">[^<]+<\/time> \(in [^)]+\), unless maya withdraws it sooner/,
    );
    hub.clock.advance(2 * 24 * 3600 * 1000);
    const res = await visitor.get(`/share/${issued.link}`);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("This link has expired");
    expect(await (await maya.get("/pls/sharing")).text()).toMatch(/>expired</);

    const unknown = await visitor.get("/share/trl_nothing-here");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('name="robots" content="noindex"');
  });

  it("reissues: new secrets shown once, the old link stops working", async () => {
    const first = await createGrant(maya, "Coach Sam", ["plan:read"]);
    const [row] = await hub.deps.db.select().from(grants);
    const res = await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/reissue`, {});
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    const link = /\/share\/(trl_[A-Za-z0-9_-]+)/.exec(html)![1]!;
    expect(link).not.toBe(first.link);
    const visitor = Client.forApp(hub.app);
    expect((await visitor.get(`/share/${first.link}`)).status).toBe(404);
    expect((await visitor.get(`/share/${link}`)).status).toBe(200);
  });

  it("shows the access log of a grant and the newest lines across grants", async () => {
    const issued = await createGrant(maya, "Coach Sam", ["plan:read"]);
    const [row] = await hub.deps.db.select().from(grants);
    await Client.forApp(hub.app).get(`/share/${issued.link}`);
    const log = await (await maya.get(`/pls/sharing/${row!.id}/log`)).text();
    expect(log).toContain("viewed the shared page");
    expect(log).toContain("secret link");
    const sharing = await (await maya.get("/pls/sharing")).text();
    expect(sharing).toContain("viewed the shared page");
    expect(sharing).toMatch(/<td>Coach Sam<\/td>/);
  });
});

describe("the shared page", () => {
  it("shows exactly what the grant's scopes and each objective's visibility allow", async () => {
    const deps = hub.deps;
    await createObjective(deps, mayaId, { title: "Private diary goal", visibility: "private" });
    await createObjective(deps, mayaId, { title: "Coach-level goal", visibility: "grant" });
    await createObjective(deps, mayaId, { title: "Public SQL goal", visibility: "public" });
    await addExternalEntry(deps, mayaId, { title: "My grant-level project", url: "https://maya.example.org/p", visibility: "grant" });

    const planOnly = await createGrant(maya, "Coach Sam", ["plan:read"]);
    const res = await Client.forApp(hub.app).get(`/share/${planOnly.link}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("<h1>maya's learning plan</h1>");
    expect(html).toContain("This link lets you read the plan.");
    expect(html).toContain("Coach-level goal");
    expect(html).toContain("Public SQL goal");
    expect(html).not.toContain("Private diary goal");
    // No portfolio:read, no suggest: neither the portfolio nor a form.
    expect(html).not.toContain("My grant-level project");
    expect(html).not.toContain('name="_csrf"');
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');

    const portfolioOnly = await createGrant(maya, "Employer", ["portfolio:read"]);
    const html2 = await (await Client.forApp(hub.app).get(`/share/${portfolioOnly.link}`)).text();
    expect(html2).toContain('href="https://maya.example.org/p" rel="noopener noreferrer external"');
    expect(html2).not.toContain("Coach-level goal");
    expect(html2).not.toContain("Private diary goal");
  });

  it("escapes hostile titles and audience names", async () => {
    await createObjective(hub.deps, mayaId, { title: '<script>alert("o")</script>', visibility: "public" });
    const issued = await createGrant(maya, "<img src=x onerror=alert(1)>", ["plan:read", "suggest"]);
    expect(issued.html).not.toContain("<img src=x");
    const html = await (await Client.forApp(hub.app).get(`/share/${issued.link}`)).text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<img src=x");
    expect(await (await maya.get("/pls/sharing")).text()).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});

describe("suggestions", () => {
  it("goes from the holder's form to the learner's plan", async () => {
    const goal = await createObjective(hub.deps, mayaId, { title: "Learn SQL", visibility: "grant" });
    const secret = await createObjective(hub.deps, mayaId, { title: "Hidden goal", visibility: "private" });
    const issued = await createGrant(maya, "Coach Sam", ["plan:read", "suggest"]);
    const holder = Client.forApp(hub.app);
    const page = `/share/${issued.link}`;
    const form = await (await holder.get(page)).text();
    expect(form).toContain(`<option value="${goal.id}">Learn SQL</option>`);
    expect(form).not.toContain("Hidden goal");

    // A private objective's id is refused, and so is a step without a title; nothing is stored.
    const bad = await holder.submit(page, `${page}/suggestions`, { kind: "step", title: "Sneaky", objectiveId: String(secret.id) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Choose one of the objectives you can see");
    const noTitle = await holder.submit(page, `${page}/suggestions`, { kind: "step", title: "", objectiveId: String(goal.id) });
    expect(noTitle.status).toBe(400);
    expect(await noTitle.text()).toContain('id="f-title-error"');
    expect(await hub.deps.db.select().from(suggestions)).toHaveLength(0);

    const sent = await holder.submit(page, `${page}/suggestions`, {
      kind: "step",
      title: "Do the SQLZoo tutorial",
      note: "",
      objectiveId: String(goal.id),
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(page);
    const after = await (await holder.get(page)).text();
    expect(after).toContain("your suggestion &quot;Do the SQLZoo tutorial&quot; was sent");
    expect(after).toMatch(/Do the SQLZoo tutorial<\/strong> for "Learn SQL"[\s\S]*?waiting/);
    const log = await hub.deps.db.select().from(grantAccess);
    expect(log.map((l) => l.what)).toContain("suggested a step");

    expect(await (await maya.get("/pls/sharing")).text()).toContain("Suggestions waiting for your answer: 1");
    const list = await (await maya.get("/pls/suggestions")).text();
    expect(list).toContain("Do the SQLZoo tutorial");
    expect(list).toContain("From Coach Sam");
    const [s] = await hub.deps.db.select().from(suggestions);
    // Another learner cannot answer it.
    expect((await noor.submit("/pls/sharing", `/pls/suggestions/${s!.id}/accept`, {})).status).toBe(404);

    const accepted = await maya.submit("/pls/suggestions", `/pls/suggestions/${s!.id}/accept`, {});
    expect(accepted.status).toBe(303);
    const steps = await hub.deps.db.select().from(planSteps).where(eq(planSteps.objectiveId, goal.id));
    expect(steps.map((x) => x.title)).toEqual(["Do the SQLZoo tutorial"]);
    expect(await (await holder.get(page)).text()).toMatch(/Do the SQLZoo tutorial<\/strong>[\s\S]*?accepted/);

    // Answering twice is refused, and the plan keeps one copy.
    const again = await maya.submit("/pls/suggestions", `/pls/suggestions/${s!.id}/decline`, {});
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("already accepted");
    expect(await hub.deps.db.select().from(planSteps)).toHaveLength(1);
  });

  it("declines a suggestion; nothing reaches the plan", async () => {
    const issued = await createGrant(maya, "Coach Sam", ["suggest"]);
    const page = `/share/${issued.link}`;
    const holder = Client.forApp(hub.app);
    const sent = await holder.submit(page, `${page}/suggestions`, { kind: "objective", title: "Learn Rust", note: "It is fun" });
    expect(sent.status).toBe(303);
    const [s] = await hub.deps.db.select().from(suggestions);
    expect(s!.body).toBe("It is fun");
    expect((await maya.submit("/pls/suggestions", `/pls/suggestions/${s!.id}/decline`, {})).status).toBe(303);
    const [after] = await hub.deps.db.select().from(suggestions);
    expect(after!.status).toBe("declined");
    expect(await hub.deps.db.select().from(objectives)).toHaveLength(0);
  });

  it("refuses suggestions through a revoked link, or one without the suggest scope, writing nothing", async () => {
    const readOnly = await createGrant(maya, "Reader", ["plan:read"]);
    const holder = Client.forApp(hub.app);
    const token = await csrfOf(holder, "/login");
    const refused = await holder.post(`/share/${readOnly.link}/suggestions`, { _csrf: token, kind: "objective", title: "X" });
    expect(refused.status).toBe(403);

    const issued = await createGrant(maya, "Coach Sam", ["suggest"]);
    const page = `/share/${issued.link}`;
    const formToken = await csrfOf(holder, page);
    const [row] = await hub.deps.db
      .select()
      .from(grants)
      .where(and(eq(grants.personId, mayaId), eq(grants.audience, "Coach Sam")));
    expect((await maya.submit("/pls/sharing", `/pls/sharing/${row!.id}/revoke`, { confirm: "yes" })).status).toBe(303);
    const before = await accessCount();
    const res = await holder.post(`${page}/suggestions`, { _csrf: formToken, kind: "objective", title: "Too late" });
    expect(res.status).toBe(410);
    expect(await hub.deps.db.select().from(suggestions)).toHaveLength(0);
    expect(await accessCount()).toBe(before);
  });
});
