// The learner's dashboard, objective pages, history, Focus and a course's objective templates,
// through the real app and its forms.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { courseTemplates, items, memberships, objectives, planChanges, planSteps, resources } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
let hub: TestHub;
let ida: Client;
let maya: Client;
let noor: Client;
let mayaId: number;
let t509: number;
let t510: number;

async function signIn(email: string): Promise<Client> {
  const client = Client.forApp(hub.app);
  const res = await client.submit("/login", "/login", { email, password: PASSWORD });
  expect(res.status).toBe(303);
  return client;
}

async function person(name: string, courses: number[]): Promise<number> {
  const p = (await createPerson(hub.deps.db, { email: `${name}@example.org`, displayName: name, password: PASSWORD }))!;
  for (const courseId of courses) await hub.deps.db.insert(memberships).values({ courseId, personId: p.id, role: "learner" });
  return p.id;
}

async function post(over: Partial<typeof items.$inferInsert> & { courseId: number; title: string }) {
  const now = hub.clock.now;
  const url = `https://blog.example.org/${encodeURIComponent(over.title)}`;
  await hub.deps.db
    .insert(items)
    .values({ kind: "blog", externalId: url, canonicalUrl: url, publishedAt: now, firstSeenAt: now, lastSeenAt: now, ...over });
}

/** The id at the end of a redirect to /pls/objectives/:id. */
function objectiveIdOf(res: Response): number {
  const m = /^\/pls\/objectives\/(\d+)$/.exec(res.headers.get("location") ?? "");
  expect(m, `redirect to an objective, got ${res.status} ${res.headers.get("location")}`).not.toBeNull();
  return Number(m![1]);
}

beforeEach(async () => {
  hub = await createTestHub();
  ida = await setUpCourse(hub.app);
  expect((await ida.submit("/courses/new", "/courses", { title: "T510 Data", slug: "t510", tags: "#T510" })).status).toBe(303);
  t509 = (await courseBySlug(hub.deps.db, "t509"))!.id;
  t510 = (await courseBySlug(hub.deps.db, "t510"))!.id;
  mayaId = await person("maya", [t509, t510]);
  await person("noor", [t509]);
  maya = await signIn("maya@example.org");
  noor = await signIn("noor@example.org");
});
afterEach(() => hub.close());

describe("the dashboard", () => {
  it("builds a plan through the forms and shows it: objective, steps, resource, templates, evidence, history", async () => {
    await post({ courseId: t509, personId: mayaId, title: "My first chart", tags: ["t509massive", "datavis"] });
    const created = await maya.submit("/pls", "/pls/objectives", {
      title: "Data visualisation",
      why: "For my job",
      tags: "#DataVis",
      targetDate: "2027-03-31",
      status: "active",
      visibility: "course",
    });
    expect(created.status).toBe(303);
    const id = objectiveIdOf(created);
    const page = `/pls/objectives/${id}`;

    // Steps: add two, one already overdue; finish the first, move the second up, edit it.
    expect((await maya.submit(page, `${page}/steps`, { title: "Sketch three charts" })).status).toBe(303);
    expect((await maya.submit(page, `${page}/steps`, { title: "Publish", dueDate: "2026-10-01" })).status).toBe(303);
    const [sketch, publish] = await hub.deps.db.select().from(planSteps).where(eq(planSteps.objectiveId, id)).orderBy(planSteps.position);
    expect((await maya.submit(page, `/pls/steps/${sketch!.id}/done`, {})).status).toBe(303);
    expect((await maya.submit(page, `/pls/steps/${publish!.id}/move`, { direction: "up" })).status).toBe(303);
    expect(
      (
        await maya.submit(page, `/pls/steps/${publish!.id}`, {
          title: "Publish a post",
          status: "doing",
          dueDate: "2026-10-01",
          resourceUrl: "",
        })
      ).status,
    ).toBe(303);
    const steps = await hub.deps.db.select().from(planSteps).where(eq(planSteps.objectiveId, id)).orderBy(planSteps.position);
    expect(steps.map((s) => [s.title, s.status])).toEqual([
      ["Publish a post", "doing"],
      ["Sketch three charts", "done"],
    ]);

    // A resource filed under the objective, from the dashboard.
    expect(
      (
        await maya.submit("/pls", "/pls/resources", {
          title: "Fundamentals of Data Visualization",
          url: "https://clauswilke.com/dataviz/",
          objectiveId: String(id),
          back: "/pls",
        })
      ).status,
    ).toBe(303);

    // A general template and a course template offered by t509's instructor.
    expect((await maya.submit("/pls", "/pls/templates", { template: "book" })).status).toBe(303);
    expect(
      (
        await ida.submit("/c/t509/manage/templates", "/c/t509/manage/templates", {
          title: "Build a data story",
          why: "The course project",
          tags: "#storytelling",
          steps: "Pick a data set\nPublish a post",
        })
      ).status,
    ).toBe(303);
    const [tpl] = await hub.deps.db.select().from(courseTemplates);
    let dash = await (await maya.get("/pls")).text();
    expect(dash).toContain(`Start "Build a data story"`);
    expect(dash).toMatch(/From <a href="\/c\/t509">T509 Massive<\/a>/);
    const fromCourse = await maya.submit("/pls", "/pls/templates", { courseTemplate: String(tpl!.id) });
    const courseObjective = objectiveIdOf(fromCourse);
    const [made] = await hub.deps.db.select().from(objectives).where(eq(objectives.id, courseObjective));
    expect(made).toMatchObject({ personId: mayaId, title: "Build a data story", tags: ["storytelling"] });

    dash = await (await maya.get("/pls")).text();
    expect(dash).toContain(`<a href="/pls/objectives/${id}">Data visualisation</a>`);
    expect(dash).toContain("1 of 2 done");
    expect(dash).toContain("2027-03-31");
    expect(dash).toContain(`<td data-label="Who may see it">Your classmates</td>`); // visibility "course", in plain words
    expect(dash).toContain("#datavis");
    expect(dash).toContain("A book to read");
    expect(dash).toContain("Fundamentals of Data Visualization");
    // Next steps: the overdue step, and the template objectives without evidence.
    expect(dash).toMatch(/Overdue since 2026-10-01: the step "Publish a post"/);
    expect(dash).toMatch(/Build a data story<\/a> has no evidence yet/);
    expect(dash).not.toMatch(/Data visualisation<\/a> has no evidence yet/);
    expect(dash).toContain("Added objective &quot;Build a data story&quot;"); // among the five most recent changes

    // The objective's page: steps, resource, evidence linked by its tag at once, history.
    let html = await (await maya.get(page)).text();
    expect(html).toContain("My first chart");
    expect(html).toContain("linked by its tags");
    expect(html).toContain("Fundamentals of Data Visualization");
    expect(html.indexOf("Publish a post")).toBeLessThan(html.indexOf("Sketch three charts"));
    expect(html).toContain("Reordered the steps of &quot;Data visualisation&quot;");

    // Achieved: shown as an achievement.
    expect((await maya.submit(page, `${page}/status`, { status: "achieved" })).status).toBe(303);
    html = await (await maya.get(page)).text();
    expect(html).toContain("This is one of your achievements");

    const history = await (await maya.get("/pls/history")).text();
    expect(history).toContain("&quot;Data visualisation&quot;: active → achieved");

    // Removing things.
    expect((await maya.submit(page, `/pls/steps/${sketch!.id}/delete`, {})).status).toBe(303);
    const [res] = await hub.deps.db.select().from(resources);
    expect((await maya.submit(page, `/pls/resources/${res!.id}/delete`, { back: page })).headers.get("location")).toBe(`${page}#resources`);
    // Deleting asks first, naming what goes; nothing changes until the second post.
    const ask = await maya.submit(page, `${page}/delete`, {});
    expect(ask.status).toBe(200);
    const question = await ask.text();
    expect(question).toMatch(/<h1 id="confirm-h">Delete the objective “[^”]+”\?<\/h1>/);
    expect(question).toContain('<input type="hidden" name="confirm" value="yes">');
    expect((await maya.get(page)).status).toBe(200);
    expect((await maya.submit(page, `${page}/delete`, { confirm: "yes" })).headers.get("location")).toBe("/pls");
    expect(await hub.deps.db.select().from(objectives).where(eq(objectives.id, id))).toEqual([]);
  });

  it("edits an objective through its page, and makes tagged posts evidence when it becomes active", async () => {
    await post({ courseId: t510, personId: mayaId, title: "Regression notes", tags: ["rstats"] });
    const id = objectiveIdOf(await maya.submit("/pls", "/pls/objectives", { title: "Learn R" }));
    const page = `/pls/objectives/${id}`;
    expect((await maya.get(page).then((r) => r.text())).includes("Regression notes")).toBe(false);
    const saved = await maya.submit(page, page, {
      title: "Learn R well",
      why: "",
      tags: "rstats",
      targetDate: "",
      status: "active",
      visibility: "private",
    });
    expect(saved.status).toBe(303);
    const html = await (await maya.get(page)).text();
    expect(html).toContain("Learn R well");
    expect(html).toContain("Regression notes");
    expect(html).toContain("One of your tagged posts is now evidence.");
  });

  it("refuses bad input with a 400 and the message next to its field, saving nothing", async () => {
    let res = await maya.submit("/pls", "/pls/objectives", { title: "  ", visibility: "private" });
    expect(res.status).toBe(400);
    let html = await res.text();
    expect(html).toContain('<p class="error" id="new-title-error">Title is required.</p>');
    expect(html).toMatch(/id="new-title"[^>]*aria-invalid="true"[^>]*aria-describedby="new-title-error"/);

    res = await maya.submit("/pls", "/pls/objectives", { title: "Learn R", targetDate: "2027-02-30" });
    expect(res.status).toBe(400);
    html = await res.text();
    expect(html).toContain('id="new-targetDate-error">Target date: pick a day from the calendar, or type it like 31 March 2027.');
    expect(html).toContain('value="Learn R"'); // what was typed is kept
    expect(await hub.deps.db.select().from(objectives)).toEqual([]);

    const id = objectiveIdOf(await maya.submit("/pls", "/pls/objectives", { title: "Learn R" }));
    const page = `/pls/objectives/${id}`;
    res = await maya.submit(page, `${page}/steps`, { title: "" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="step-new-title-error">Step is required.');
    await maya.submit(page, `${page}/steps`, { title: "Read the book" });
    const [step] = await hub.deps.db.select().from(planSteps);
    res = await maya.submit(page, `/pls/steps/${step!.id}`, { title: "Read the book", status: "todo", dueDate: "soon" });
    expect(res.status).toBe(400);
    html = await res.text();
    expect(html).toContain(`id="step-${step!.id}-dueDate-error">Due date: pick a day from the calendar, or type it like 31 March 2027.`);
    expect(html).toContain(`<details open>`);
    res = await maya.submit(page, page, { title: "", status: "active" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="obj-title-error">Title is required.');
    res = await maya.submit("/pls", "/pls/resources", { title: "A link", url: "javascript:alert(1)", back: "/pls" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="res-url-error">Link must start with http:// or https://.');
    res = await maya.submit(page, `${page}/status`, { status: "finished" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="status-error">Choose one of');
    res = await maya.submit("/pls", "/pls/templates", { template: "nope" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="template-error">Choose one of the templates offered.');
    expect(await hub.deps.db.select().from(resources)).toEqual([]);
    expect((await hub.deps.db.select().from(objectives)).map((o) => [o.title, o.status])).toEqual([["Learn R", "planned"]]);
    expect((await hub.deps.db.select().from(planSteps)).map((s) => s.dueDate)).toEqual([null]);
  });

  it("answers 404 to another learner for every page and action on someone else's plan, and changes nothing", async () => {
    const id = objectiveIdOf(await maya.submit("/pls", "/pls/objectives", { title: "Maya's secret plan" }));
    const page = `/pls/objectives/${id}`;
    await maya.submit(page, `${page}/steps`, { title: "Step one" });
    await maya.submit(page, "/pls/resources", { title: "Link", url: "https://example.org/", objectiveId: String(id), back: page });
    const [step] = await hub.deps.db.select().from(planSteps);
    const [res] = await hub.deps.db.select().from(resources);
    const before = JSON.stringify([
      await hub.deps.db.select().from(objectives),
      await hub.deps.db.select().from(planSteps),
      await hub.deps.db.select().from(resources),
      await hub.deps.db.select().from(planChanges),
    ]);

    const got = await noor.get(page);
    expect(got.status).toBe(404);
    expect(await got.text()).not.toContain("secret plan");
    const attempts: [string, Record<string, string>][] = [
      [page, { title: "Noor's now" }],
      [`${page}/status`, { status: "dropped" }],
      [`${page}/steps`, { title: "Sneaky" }],
      [`/pls/steps/${step!.id}`, { title: "Sneaky" }],
      [`/pls/steps/${step!.id}/done`, {}],
      [`/pls/steps/${step!.id}/move`, { direction: "up" }],
      [`/pls/steps/${step!.id}/delete`, {}],
      [`/pls/resources/${res!.id}/delete`, {}],
      [`${page}/delete`, {}],
    ];
    for (const [action, fields] of attempts) expect((await noor.submit("/pls", action, fields)).status, action).toBe(404);
    // Filing a resource under Maya's objective is a wrong choice in Noor's form.
    const filed = await noor.submit("/pls", "/pls/resources", {
      title: "Mine",
      url: "https://example.org/",
      objectiveId: String(id),
      back: "/pls",
    });
    expect(filed.status).toBe(400);
    expect(await filed.text()).toContain('id="res-objectiveId-error">Choose one of your objectives.');
    expect((await maya.get("/pls/objectives/abc")).status).toBe(404);
    const after = JSON.stringify([
      await hub.deps.db.select().from(objectives),
      await hub.deps.db.select().from(planSteps),
      await hub.deps.db.select().from(resources),
      await hub.deps.db.select().from(planChanges),
    ]);
    expect(after).toBe(before);
    expect(await (await noor.get("/pls")).text()).not.toContain("secret plan");
  });

  it("offers a course's templates only to its members", async () => {
    await ida.submit("/c/t510/manage/templates", "/c/t510/manage/templates", { title: "T510 project" });
    const [tpl] = await hub.deps.db.select().from(courseTemplates);
    expect(await (await noor.get("/pls")).text()).not.toContain("T510 project");
    const res = await noor.submit("/pls", "/pls/templates", { courseTemplate: String(tpl!.id) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Choose one of the templates offered to you.");
    expect(await hub.deps.db.select().from(objectives)).toEqual([]);
  });

  it("sends anonymous visitors to sign in", async () => {
    const visitor = Client.forApp(hub.app);
    for (const path of ["/pls", "/pls/focus", "/pls/history", "/pls/objectives/1"]) {
      const res = await visitor.get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it("escapes what learners type", async () => {
    const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const id = objectiveIdOf(await maya.submit("/pls", "/pls/objectives", { title: hostile, why: hostile }));
    await maya.submit(`/pls/objectives/${id}`, `/pls/objectives/${id}/steps`, { title: hostile });
    await maya.submit("/pls", "/pls/resources", { title: hostile, url: "https://example.org/", note: hostile, back: "/pls" });
    for (const path of ["/pls", `/pls/objectives/${id}`, "/pls/history"]) {
      const html = await (await maya.get(path)).text();
      expect(html, path).not.toContain("<script>alert");
      expect(html, path).not.toContain("<img src=x");
      expect(html, path).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    }
  });

  it("lists the learner's courses with their role and their posts there, and says the plan outlives them", async () => {
    await post({ courseId: t509, personId: mayaId, title: "One" });
    await post({ courseId: t509, personId: mayaId, title: "Two" });
    await post({ courseId: t509, personId: mayaId, title: "Gone", deletedAt: hub.clock.now });
    const html = await (await maya.get("/pls")).text();
    const courses = html.slice(html.indexOf('id="courses-h"'), html.indexOf('id="history-h"'));
    expect(courses).toContain('<a href="/c/t509">T509 Massive</a> — learner — 2 posts of yours');
    expect(courses).toContain('<a href="/c/t510">T510 Data</a> — learner — 0 posts of yours');
    expect(courses).toContain("they stay yours when a course ends or you leave it");
    const idas = await (await ida.get("/pls")).text();
    expect(idas).toContain("— instructor —");
  });
});

describe("Focus", () => {
  it("shows posts of the learner's courses serving an active objective, with the reason, and marks their own", async () => {
    await post({ courseId: t509, title: "Noor's chart colours", tags: ["datavis"] });
    await post({ courseId: t509, personId: mayaId, title: "Maya's own chart", tags: ["datavis", "charts"] });
    await post({ courseId: t509, title: "Lunch", tags: ["t509massive"] });
    let html = await (await maya.get("/pls/focus")).text();
    expect(html).toContain("none is active");
    await maya.submit("/pls", "/pls/objectives", { title: "Data visualisation", tags: "datavis charts", status: "active" });
    html = await (await maya.get("/pls/focus")).text();
    expect(html.indexOf("Maya&#39;s own chart")).toBeGreaterThan(-1);
    expect(html.indexOf("Maya&#39;s own chart")).toBeLessThan(html.indexOf("Noor&#39;s chart colours"));
    expect(html).toMatch(/Maya&#39;s own chart<\/a> <span class="badge">yours<\/span>/);
    expect(html).toContain("tags #datavis, #charts");
    expect(html).toContain("tag #datavis");
    expect(html).not.toContain("Lunch");
  });
});

describe("a course's objective templates", () => {
  it("lets the course team add, edit and remove templates, refuses bad input, and keeps learners out", async () => {
    let res = await ida.submit("/c/t509/manage/templates", "/c/t509/manage/templates", { title: "", steps: "a" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('id="new-title-error">Title is required.');
    res = await ida.submit("/c/t509/manage/templates", "/c/t509/manage/templates", {
      title: "Build a <data> story",
      tags: "#datavis",
      steps: "Pick a data set\n\nPublish",
    });
    expect(res.status).toBe(303);
    const [tpl] = await hub.deps.db.select().from(courseTemplates);
    expect(tpl).toMatchObject({ courseId: t509, tags: ["datavis"], steps: ["Pick a data set", "Publish"] });
    let html = await (await ida.get("/c/t509/manage/templates")).text();
    expect(html).toContain("Build a &lt;data&gt; story");
    expect(await (await ida.get("/c/t509/manage")).text()).toContain('href="/c/t509/manage/templates"');

    res = await ida.submit("/c/t509/manage/templates", `/c/t509/manage/templates/${tpl!.id}`, {
      title: "Tell a data story",
      tags: "data-vis",
    });
    expect(res.status).toBe(400);
    html = await res.text();
    expect(html).toContain(`id="t${tpl!.id}-tags-error"`);
    expect(
      (await ida.submit("/c/t509/manage/templates", `/c/t509/manage/templates/${tpl!.id}`, { title: "Tell a data story", steps: "One" }))
        .status,
    ).toBe(303);
    // A template of another course is not at this address.
    expect((await ida.submit("/c/t509/manage/templates", `/c/t510/manage/templates/${tpl!.id}/delete`, {})).status).toBe(404);
    expect((await maya.get("/c/t509/manage/templates")).status).toBe(403);
    expect((await ida.submit("/c/t509/manage/templates", `/c/t509/manage/templates/${tpl!.id}/delete`, {})).status).toBe(303);
    expect(await hub.deps.db.select().from(courseTemplates)).toEqual([]);
  });
});

describe("marking an objective achieved", () => {
  it("asks 'achieved without evidence?' when nothing is linked, from the status buttons and the edit form", async () => {
    const id = objectiveIdOf(await maya.submit("/pls", "/pls/objectives", { title: "Learn R", status: "active" }));
    const page = `/pls/objectives/${id}`;
    const status = async () => (await hub.deps.db.select().from(objectives).where(eq(objectives.id, id)))[0]!.status;

    const ask = await maya.submit(page, `${page}/status`, { status: "achieved" });
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain('<h1 id="confirm-h">Mark “Learn R” achieved without evidence?</h1>');
    expect(html).toContain('<input type="hidden" name="status" value="achieved">');
    expect(await status()).toBe("active");
    // The edit form's status asks the same, and keeps what was typed for the second step.
    const edit = await maya.submit(page, page, { title: "Learn R well", status: "achieved", visibility: "private" });
    expect(await edit.text()).toContain('<input type="hidden" name="title" value="Learn R well">');
    expect(await status()).toBe("active");

    expect((await maya.submit(page, `${page}/status`, { status: "achieved", confirm: "yes" })).status).toBe(303);
    expect(await status()).toBe("achieved");
  });

  it("does not ask when the objective has evidence", async () => {
    await post({ courseId: t509, personId: mayaId, title: "My R notebook", tags: ["t509massive", "rstats"] });
    const id = objectiveIdOf(await maya.submit("/pls", "/pls/objectives", { title: "Learn R", tags: "#rstats", status: "active" }));
    expect((await maya.submit(`/pls/objectives/${id}`, `/pls/objectives/${id}/status`, { status: "achieved" })).status).toBe(303);
  });
});
