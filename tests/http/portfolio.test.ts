// The portfolio pages through the real app: the learner's own page and its forms
// (/pls/portfolio), the portfolio as others see it (/people/:id/portfolio), and the
// link from a post on the Flow to its learner's portfolio, each cut to what the viewer may see.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { items, memberships, type PlsVisibility, portfolioEntries, portfolioLinks } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { createObjective, setObjectiveStatus } from "../../src/pls/plan/objectives.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>`;

let hub: TestHub;
let t509: number;
const ids: Record<string, number> = {};
const clients: Record<string, Client> = {};

async function person(name: string, courseId: number | null): Promise<Client> {
  const email = `${name.toLowerCase()}@example.org`;
  ids[name] = (await createPerson(hub.deps.db, { email, displayName: name, password: PASSWORD }))!.id;
  if (courseId !== null) await hub.deps.db.insert(memberships).values({ courseId, personId: ids[name]!, role: "learner" });
  const client = Client.forApp(hub.app);
  expect((await client.submit("/login", "/login", { email, password: PASSWORD })).status).toBe(303);
  return client;
}

async function post(title: string, personId: number, tags: string[] = ["t509massive"]) {
  const now = hub.clock.now;
  const slug = title.toLowerCase().replace(/\W+/g, "-");
  const [row] = await hub.deps.db
    .insert(items)
    .values({
      courseId: t509,
      personId,
      kind: "blog",
      externalId: slug,
      canonicalUrl: `https://blog.example.org/${slug}`,
      title,
      tags,
      publishedAt: now,
      firstSeenAt: now,
      lastSeenAt: now,
    })
    .returning();
  return row!;
}

async function entry(title: string, visibility: PlsVisibility, itemId: number | null = null) {
  const now = hub.clock.now;
  const [row] = await hub.deps.db
    .insert(portfolioEntries)
    .values({
      personId: ids.Maya!,
      itemId,
      url: `https://maya.example.org/${visibility}-${title.length}`,
      title,
      kind: itemId ? "item" : "external",
      visibility,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row!;
}

const html = async (res: Response | Promise<Response>) => (await res).text();

beforeEach(async () => {
  hub = await createTestHub();
  await setUpCourse(hub.app);
  t509 = (await courseBySlug(hub.deps.db, "t509"))!.id;
  clients.maya = await person("Maya", t509);
  clients.noor = await person("Noor", t509);
  clients.leo = await person("Leo", null);
  clients.anonymous = Client.forApp(hub.app);
});
afterEach(async () => {
  await hub.close();
});

describe("the learner's own portfolio page", () => {
  it("asks a visitor to sign in", async () => {
    const res = await clients.anonymous!.get("/pls/portfolio");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?next=%2Fpls%2Fportfolio");
  });

  it("adds one of the learner's posts, which then leaves the list of posts to add", async () => {
    const mine = await post("Charts that lie", ids.Maya!);
    const theirs = await post("Noor's post", ids.Noor!);
    const page = await html(clients.maya!.get("/pls/portfolio"));
    expect(page).toContain("Entries are pointers, not copies: delete a post on your blog and it\nleaves the hub too");
    expect(page).toContain(`action="/pls/portfolio/items/${mine.id}"`);
    expect(page).not.toContain(`action="/pls/portfolio/items/${theirs.id}"`);

    const res = await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/items/${mine.id}`, {});
    expect(res.status).toBe(303);
    const [e] = await hub.deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, ids.Maya!));
    expect(e).toMatchObject({ itemId: mine.id, title: "Charts that lie", kind: "item", visibility: "private" });
    expect(res.headers.get("location")).toBe(`/pls/portfolio#entry-${e!.id}`);
    const after = await html(clients.maya!.get("/pls/portfolio"));
    expect(after).toContain(`id="entry-${e!.id}"`);
    expect(after).toContain('href="https://blog.example.org/charts-that-lie"');
    expect(after).not.toContain(`action="/pls/portfolio/items/${mine.id}"`);
  });

  it("adds an external link, refusing a bad address with the message by the field and nothing stored", async () => {
    const bad = await clients.maya!.submit("/pls/portfolio", "/pls/portfolio/external", {
      title: "My repo",
      url: "javascript:alert(1)",
      reflection: "kept",
      visibility: "public",
    });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toMatch(/<p class="error" id="external-url-error">Link must start with http:\/\/ or https:\/\/\.<\/p>/);
    expect(page).toContain('aria-describedby="external-url-hint external-url-error"');
    expect(page).toContain('value="My repo"');
    expect(await hub.deps.db.select().from(portfolioEntries)).toEqual([]);

    const ok = await clients.maya!.submit("/pls/portfolio", "/pls/portfolio/external", {
      title: "My repo",
      url: "https://git.example.org/maya/charts",
      reflection: "What I built",
      visibility: "course",
    });
    expect(ok.status).toBe(303);
    const [e] = await hub.deps.db.select().from(portfolioEntries);
    expect(e).toMatchObject({
      title: "My repo",
      url: "https://git.example.org/maya/charts",
      kind: "external",
      reflection: "What I built",
      visibility: "course",
    });
  });

  it("edits an entry, with a wrong field shown in that entry's form", async () => {
    const e = await entry("Draft title", "private");
    const bad = await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}`, {
      title: " ",
      reflection: "r",
      visibility: "public",
    });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain(`<p class="error" id="entry-${e.id}-title-error">Title is required.</p>`);
    expect(page).toMatch(/<details open>\s*<summary>Edit<span class="visually-hidden">: Draft title/);
    const wrongVisibility = await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}`, {
      title: "New",
      visibility: "everyone",
    });
    expect(wrongVisibility.status).toBe(400);
    expect(await wrongVisibility.text()).toContain(
      `id="entry-${e.id}-visibility-error">Choose one of: private, grant, course, public.</p>`,
    );

    const ok = await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}`, {
      title: "Final title",
      reflection: HOSTILE,
      visibility: "public",
    });
    expect(ok.status).toBe(303);
    const [saved] = await hub.deps.db.select().from(portfolioEntries);
    expect(saved).toMatchObject({ title: "Final title", reflection: HOSTILE, visibility: "public" });
    // Hostile reflection text is shown as text, on the owner's page and the public one.
    for (const page of [
      await html(clients.maya!.get("/pls/portfolio")),
      await html(clients.anonymous!.get(`/people/${ids.Maya}/portfolio`)),
    ]) {
      expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
      expect(page).not.toContain("<script>");
      expect(page).not.toContain("<img src=x");
    }
  });

  it("links and unlinks an entry and an objective, and shows achievements with their evidence", async () => {
    const e = await entry("Dashboard project", "private");
    const o = await createObjective(hub.deps, ids.Maya!, { title: "Build a dashboard", tags: "", status: "active" });
    const missing = await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}/link`, { objectiveId: "" });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain(`id="entry-${e.id}-objectiveId-error">Choose one of your objectives.</p>`);

    expect(
      (await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}/link`, { objectiveId: String(o.id) })).status,
    ).toBe(303);
    let page = await html(clients.maya!.get("/pls/portfolio"));
    expect(page).toContain("linked by you");
    expect(page).toContain(`action="/pls/portfolio/entries/${e.id}/unlink"`);

    await setObjectiveStatus(hub.deps, ids.Maya!, o.id, "achieved");
    page = await html(clients.maya!.get("/pls/portfolio"));
    const achievements = page.slice(page.indexOf('id="achievements-h"'));
    expect(achievements).toContain("Build a dashboard");
    expect(achievements).toContain(`<a href="#entry-${e.id}">Dashboard project</a>`);

    expect(
      (await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}/unlink`, { objectiveId: String(o.id) })).status,
    ).toBe(303);
    expect(await hub.deps.db.select().from(portfolioLinks)).toMatchObject([{ entryId: e.id, objectiveId: o.id, removed: true }]);
    page = await html(clients.maya!.get("/pls/portfolio"));
    expect(page).not.toContain("linked by you");
  });

  it("deletes an entry", async () => {
    const e = await entry("Gone soon", "public");
    expect((await clients.maya!.submit("/pls/portfolio", `/pls/portfolio/entries/${e.id}/delete`, {})).status).toBe(303);
    expect(await hub.deps.db.select().from(portfolioEntries)).toEqual([]);
  });

  it("answers 404 to another learner's ids and changes nothing", async () => {
    const mine = await post("Maya's post", ids.Maya!);
    const e = await entry("Maya's entry", "public");
    const theirObjective = await createObjective(hub.deps, ids.Maya!, { title: "Maya's goal", tags: "" });
    const noorsEntry = (
      await clients.noor!.submit("/pls/portfolio", "/pls/portfolio/external", { title: "Noor's", url: "https://noor.example.org/" })
    ).headers.get("location")!;
    const noorsEntryId = noorsEntry.split("#entry-")[1]!;
    const before = await hub.deps.db.select().from(portfolioEntries).orderBy(portfolioEntries.id);
    const tries: Array<[string, Record<string, string>]> = [
      [`/pls/portfolio/items/${mine.id}`, {}],
      [`/pls/portfolio/entries/${e.id}`, { title: "Taken", visibility: "private" }],
      [`/pls/portfolio/entries/${e.id}/delete`, {}],
      [`/pls/portfolio/entries/${e.id}/link`, { objectiveId: String(theirObjective.id) }],
      [`/pls/portfolio/entries/${e.id}/unlink`, { objectiveId: String(theirObjective.id) }],
      // Noor's own entry with Maya's objective.
      [`/pls/portfolio/entries/${noorsEntryId}/link`, { objectiveId: String(theirObjective.id) }],
      [`/pls/portfolio/entries/999999`, { title: "x" }],
      [`/pls/portfolio/entries/abc/delete`, {}],
    ];
    for (const [action, fields] of tries) {
      const res = await clients.noor!.submit("/pls/portfolio", action, fields);
      expect(res.status, action).toBe(404);
      expect(await res.text(), action).not.toContain("Maya&#39;s entry");
    }
    expect(await hub.deps.db.select().from(portfolioEntries).orderBy(portfolioEntries.id)).toEqual(before);
    expect(await hub.deps.db.select().from(portfolioLinks)).toEqual([]);
  });
});

describe("the portfolio as others see it", () => {
  async function seedLevels() {
    const entries: Record<string, number> = {};
    for (const v of ["private", "grant", "course", "public"] as const) {
      entries[v] = (await entry(`Entry-${v}`, v)).id;
      const o = await createObjective(hub.deps, ids.Maya!, { title: `Objective-${v}`, tags: "", status: "active", visibility: v });
      await hub.deps.db.insert(portfolioLinks).values({ entryId: entries[v]!, objectiveId: o.id });
    }
    return entries;
  }

  it("shows each viewer exactly what the visibility of each entry and objective admits", async () => {
    const entries = await seedLevels();
    const sees: Record<string, PlsVisibility[]> = {
      maya: ["private", "grant", "course", "public"],
      noor: ["course", "public"],
      leo: ["public"],
      anonymous: ["public"],
    };
    for (const [who, levels] of Object.entries(sees)) {
      const res = await clients[who]!.get(`/people/${ids.Maya}/portfolio`);
      expect(res.status).toBe(200);
      const page = await res.text();
      for (const v of ["private", "grant", "course", "public"] as const) {
        expect(page.includes(`Entry-${v}`), `${who} × Entry-${v}`).toBe(levels.includes(v));
        expect(page.includes(`Objective-${v}`), `${who} × Objective-${v}`).toBe(levels.includes(v));
        expect(page.includes(`id="entry-${entries[v]}"`), `${who} × anchor ${v}`).toBe(levels.includes(v));
      }
      expect(page.includes("You see everything; others see only what you made visible"), who).toBe(who === "maya");
    }
    const own = await html(clients.maya!.get(`/people/${ids.Maya}/portfolio`));
    expect(own).toContain('<a href="/pls/portfolio">');
    expect(own).toMatch(/id="objective-\d+"/);
  });

  it("says there is nothing to see without counting what is hidden, and 404s for no one", async () => {
    await entry("Secret one", "private");
    await entry("Secret two", "course");
    const page = await html(clients.leo!.get(`/people/${ids.Maya}/portfolio`));
    expect(page).toContain("There is nothing in Maya's portfolio that you can see.");
    expect(page).not.toContain("Secret");
    expect(page).not.toMatch(/\b[12]\b (entries|hidden|private)/);
    expect((await clients.anonymous!.get("/people/999999/portfolio")).status).toBe(404);
    expect((await clients.anonymous!.get("/people/abc/portfolio")).status).toBe(404);
  });
});

describe("portfolio links on the Flow", () => {
  it("shows a public entry's link to anonymous visitors, a private one's to no one but its learner", async () => {
    const shown = await post("Shown post", ids.Maya!);
    const hidden = await post("Hidden post", ids.Maya!);
    const forClass = await post("Class post", ids.Maya!);
    const pub = await entry("Shown post", "public", shown.id);
    const priv = await entry("Hidden post", "private", hidden.id);
    const course = await entry("Class post", "course", forClass.id);
    const link = (id: number) => `<a class="portfolio-link" href="/people/${ids.Maya}/portfolio#entry-${id}">In Maya&#39;s portfolio`;

    const anonymous = await html(clients.anonymous!.get("/c/t509"));
    expect(anonymous).toContain(link(pub.id));
    expect(anonymous).not.toContain(link(priv.id));
    expect(anonymous).not.toContain(link(course.id));
    expect(anonymous.match(/class="portfolio-link"/g)).toHaveLength(1);

    const noor = await html(clients.noor!.get("/c/t509"));
    expect(noor).toContain(link(pub.id));
    expect(noor).toContain(link(course.id));
    expect(noor).not.toContain(link(priv.id));

    const maya = await html(clients.maya!.get("/c/t509"));
    for (const e of [pub, priv, course]) expect(maya).toContain(link(e.id));

    // Every list that shows posts carries the link: Blog, a tag, the learner's page, search.
    for (const path of ["/c/t509/blog", "/c/t509/tags/t509massive", `/c/t509/people/${ids.Maya}`, "/c/t509/search?q=shown"]) {
      expect(await html(clients.anonymous!.get(path)), path).toContain(link(pub.id));
    }
  });
});
