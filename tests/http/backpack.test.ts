// The backpack pages over HTTP: who may use them, the downloads (attachment, never cached), the
// import by file upload and by pasted text, an import that fails (400, the message by the field,
// nothing written), and where the learner's PLS lives.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { objectives, type Person } from "../../src/db/schema.js";
import { type Backpack, exportBackpack, serialiseBackpack } from "../../src/pls/portability/backpack.js";
import { plsHomeFor } from "../../src/pls/portability/pls-home.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";
import { fillPls, learnerWithPosts, PASSWORD } from "../pls/portability/backpack-fixture.js";

let a: TestHub;
let maya: Person;
let client: Client;

async function signIn(hub: TestHub, email: string): Promise<Client> {
  const c = Client.forApp(hub.app);
  expect((await c.submit("/login", "/login", { email, password: PASSWORD })).status).toBe(303);
  return c;
}

async function csrfOf(c: Client, path: string): Promise<string> {
  return /name="_csrf" value="([^"]+)"/.exec(await (await c.get(path)).text())![1]!;
}

/** Posts the import form as a browser does: multipart, with the file and/or the pasted text. */
async function importForm(c: Client, fields: { file?: string; json?: string }): Promise<Response> {
  const form = new FormData();
  form.set("_csrf", await csrfOf(c, "/pls/backpack"));
  if (fields.file !== undefined) form.set("file", new Blob([fields.file], { type: "application/json" }), "backpack.json");
  form.set("json", fields.json ?? "");
  return c.request("/pls/backpack/import", { method: "POST", body: form });
}

async function objectiveCount(hub: TestHub, personId: number): Promise<number> {
  return (await hub.deps.db.select().from(objectives).where(eq(objectives.personId, personId))).length;
}

beforeEach(async () => {
  a = await createTestHub({ PUBLIC_URL: "http://localhost:8787" });
  await setUpCourse(a.app);
  maya = await learnerWithPosts(a, "Maya");
  await fillPls(a, maya);
  client = await signIn(a, "maya@example.org");
});
afterEach(async () => {
  await a.close();
});

describe("who may use the backpack pages", () => {
  it("sends anonymous visitors to sign in, for every page and download", async () => {
    const anonymous = Client.forApp(a.app);
    for (const path of [
      "/pls/backpack",
      "/pls/backpack/export.json",
      "/pls/backpack/xapi.json",
      "/pls/home",
      "/pls/follows",
      "/pls/delete",
    ]) {
      const res = await anonymous.get(path);
      expect([path, res.status, res.headers.get("location")]).toEqual([path, 302, `/login?next=${encodeURIComponent(path)}`]);
    }
  });

  it("refuses an import without the form's CSRF token", async () => {
    const res = await client.post("/pls/backpack/import", { json: "{}" });
    expect(res.status).toBe(403);
  });
});

describe("downloads", () => {
  it("offers the backpack as a file to save, never cached, the same as the domain export", async () => {
    const page = await (await client.get("/pls/backpack")).text();
    expect(page).toContain('<a href="/pls/backpack/export.json" download>Download backpack</a>');
    expect(page).toContain('enctype="multipart/form-data"');
    const res = await client.get("/pls/backpack/export.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="tributary-backpack-2026-11-01.json"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.text()).toBe(serialiseBackpack(await exportBackpack(a.deps, maya, a.deps.config.publicUrl)));
  });

  it("offers the xAPI statements alone", async () => {
    const res = await client.get("/pls/backpack/xapi.json");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="tributary-xapi-2026-11-01.json"');
    const statements = (await res.json()) as Array<{ verb: { id: string } }>;
    expect(statements.map((s) => s.verb.id).sort()).toEqual([
      "http://activitystrea.ms/schema/1.0/author",
      "http://activitystrea.ms/schema/1.0/author",
      "http://adlnet.gov/expapi/verbs/completed",
    ]);
  });
});

describe("import", () => {
  let b: TestHub;
  let noor: Person;
  let backpack: string;
  beforeEach(async () => {
    backpack = await (await client.get("/pls/backpack/export.json")).text();
    b = await createTestHub({ PUBLIC_URL: "https://hub-b.example.net" });
    noor = (await createPerson(b.deps.db, { email: "noor@example.org", displayName: "Noor", password: PASSWORD }))!;
  });
  afterEach(async () => {
    await b.close();
  });

  it("takes an uploaded file and brings the plan and portfolio over whole", async () => {
    const there = await signIn(b, "noor@example.org");
    const res = await importForm(there, { file: backpack });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/pls");
    // The flash is encoded once by the hub (tone, then the message) and once more by the cookie.
    const flash = decodeURIComponent(decodeURIComponent(there.cookie("__Host-tributary_flash") ?? ""));
    expect(flash).toBe(
      "ok|Imported 3 objectives and 3 portfolio entries (0 matched to your posts here). 2 sharing grants need a new secret before use.",
    );
    const again = JSON.parse(await (await there.get("/pls/backpack/export.json")).text()) as Backpack;
    const original = JSON.parse(backpack) as Backpack;
    expect(again.plan).toEqual(original.plan);
    // Item entries became links: Noor has no such posts on hub B.
    expect(again.portfolio.entries.map((e) => e.kind)).toEqual(["external", "external", "external"]);
    expect(again.portfolio.entries.map(({ kind: _k, ...e }) => e)).toEqual(original.portfolio.entries.map(({ kind: _k, ...e }) => e));
    expect(again.grants).toEqual(original.grants);
    expect(again.suggestions).toEqual(original.suggestions);
  });

  it("takes pasted text", async () => {
    const there = await signIn(b, "noor@example.org");
    expect((await importForm(there, { json: backpack })).status).toBe(303);
    expect(await objectiveCount(b, noor.id)).toBe(3);
  });

  it("answers 400 with the problem by the field, keeps the pasted text, and writes nothing", async () => {
    const there = await signIn(b, "noor@example.org");
    const spoiled = JSON.parse(backpack) as Backpack;
    delete (spoiled.plan.objectives[1] as Partial<Backpack["plan"]["objectives"][number]>).title;
    const text = JSON.stringify(spoiled);
    const res = await importForm(there, { json: text });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<p class="error" id="f-backpack-error">plan.objectives[1].title is missing.</p>');
    expect(html).toContain('aria-describedby="f-file-hint f-backpack-error" aria-invalid="true"');
    expect(html).toContain("&quot;format&quot;:&quot;tributary-backpack&quot;");
    expect(await objectiveCount(b, noor.id)).toBe(0);

    const notJson = await importForm(there, { file: "<html>not a backpack</html>" });
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toContain("This is not a backpack: it is not valid JSON");
    const nothing = await importForm(there, {});
    expect(await nothing.text()).toContain("Choose your backpack file, or paste its text.");
    expect(await objectiveCount(b, noor.id)).toBe(0);
  });
});

describe("where the PLS lives", () => {
  it("lists the feed of the learner's posts per course, and keeps an address that is not this hub", async () => {
    const html = await (await client.get("/pls/home")).text();
    expect(html).toContain(`<code>http://localhost:8787/c/t509/people/${maya.id}/items.json</code>`);
    expect(html).toContain('value="https://pls.example.edu/people/7/portfolio"');

    const here = await client.submit("/pls/home", "/pls/home", { url: "http://localhost:8787/people/3/portfolio" });
    expect(here.status).toBe(400);
    expect(await here.text()).toContain("That address is on this hub.");
    const bad = await client.submit("/pls/home", "/pls/home", { url: "ftp://pls.example.edu/" });
    expect(bad.status).toBe(400);
    expect((await plsHomeFor(a.deps.db, [maya.id])).get(maya.id)).toBe("https://pls.example.edu/people/7/portfolio");

    const moved = await client.submit("/pls/home", "/pls/home", { url: "https://me.example.com/pls" });
    expect(moved.status).toBe(303);
    expect(await plsHomeFor(a.deps.db, [maya.id, 999])).toEqual(new Map([[maya.id, "https://me.example.com/pls"]]));
    expect((await client.submit("/pls/home", "/pls/home", { url: "" })).status).toBe(303);
    expect((await plsHomeFor(a.deps.db, [maya.id])).size).toBe(0);
  });
});
