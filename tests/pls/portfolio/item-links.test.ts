// The link from a post on a hub page to its learner's portfolio, as each viewer may see it: the
// learner sees every entry, someone sharing a course with them course and public entries, anyone
// else public ones only; when the entry is hidden from the viewer, an objective they may see that
// the post serves; else nothing. One page of items costs at most two queries.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  memberships,
  type ObjectiveStatus,
  objectives,
  type PlsVisibility,
  plsHomes,
  portfolioEntries,
  portfolioLinks,
} from "../../../src/db/schema.js";
import { portfolioLinksForItems } from "../../../src/pls/portfolio/item-links.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addCourse, addItem, addPerson } from "../seed.js";

let hub: TestHub;
let maya: number;
let noor: number;
let leo: number;
let courseA: number;
let courseB: number;

beforeEach(async () => {
  hub = await createTestHub();
  const { db } = hub.deps;
  maya = await addPerson(db, "Maya");
  noor = await addPerson(db, "Noor");
  leo = await addPerson(db, "Leo");
  courseA = await addCourse(db, "t509");
  courseB = await addCourse(db, "t510");
  // Noor shares t509 with Maya; Leo is signed in but only in t510, so he sees what anyone sees.
  await db.insert(memberships).values([
    { courseId: courseA, personId: maya, role: "learner" },
    { courseId: courseA, personId: noor, role: "learner" },
    { courseId: courseB, personId: leo, role: "learner" },
  ]);
});
afterEach(() => hub.close());

async function entry(o: { itemId: number | null; url: string; visibility: PlsVisibility; personId?: number }) {
  const now = hub.deps.now();
  const [e] = await hub.deps.db
    .insert(portfolioEntries)
    .values({
      personId: o.personId ?? maya,
      itemId: o.itemId,
      url: o.url,
      title: `Entry ${o.url}`,
      kind: "item",
      visibility: o.visibility,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return e!.id;
}

async function objective(title: string, visibility: PlsVisibility, status: ObjectiveStatus = "active") {
  const now = hub.deps.now();
  const [o] = await hub.deps.db
    .insert(objectives)
    .values({ personId: maya, title, visibility, status, createdAt: now, updatedAt: now })
    .returning();
  return o!.id;
}

async function post(url: string, courseId = courseA, personId: number | null = maya) {
  const id = await addItem(hub.deps.db, { courseId, personId, url, tags: [] });
  return { id, personId, canonicalUrl: url };
}

const VIEWERS = { owner: () => maya, member: () => noor, stranger: () => leo, anonymous: () => null } as const;
type ViewerName = keyof typeof VIEWERS;
const SEES: Record<ViewerName, PlsVisibility[]> = {
  owner: ["private", "grant", "course", "public"],
  member: ["course", "public"],
  stranger: ["public"],
  anonymous: ["public"],
};

describe("portfolio links on hub items", () => {
  it("show an entry to exactly the viewers its visibility admits", async () => {
    const levels: PlsVisibility[] = ["private", "grant", "course", "public"];
    const page = [];
    const entries = new Map<number, number>();
    for (const v of levels) {
      const p = await post(`https://maya.example.org/${v}`);
      entries.set(p.id, await entry({ itemId: p.id, url: p.canonicalUrl, visibility: v }));
      page.push({ ...p, visibility: v });
    }
    for (const [name, who] of Object.entries(VIEWERS) as [ViewerName, () => number | null][]) {
      const links = await portfolioLinksForItems(hub.deps.db, page, who());
      for (const p of page) {
        const expected = SEES[name].includes(p.visibility)
          ? { href: `/people/${maya}/portfolio#entry-${entries.get(p.id)}`, label: "In Maya's portfolio" }
          : undefined;
        expect(links.get(p.id), `${name} × ${p.visibility}`).toEqual(expected);
      }
    }
  });

  it("fall back to an objective the viewer may see that the post serves, never a dropped or unlinked one", async () => {
    const servesPublic = await post("https://maya.example.org/a");
    const servesCourse = await post("https://maya.example.org/b");
    const unlinked = await post("https://maya.example.org/c");
    const dropped = await post("https://maya.example.org/d");
    const publicGoal = await objective("Learn D3", "public");
    const courseGoal = await objective("Tell stories with data", "course");
    const droppedGoal = await objective("Old goal", "public", "dropped");
    const link = async (p: { id: number; canonicalUrl: string }, objectiveId: number, removed = false) => {
      const e = await entry({ itemId: p.id, url: p.canonicalUrl, visibility: "private" });
      await hub.deps.db.insert(portfolioLinks).values({ entryId: e, objectiveId, auto: true, removed });
      return e;
    };
    const privateEntry = await link(servesPublic, publicGoal);
    await link(servesCourse, courseGoal);
    await link(unlinked, publicGoal, true);
    await link(dropped, droppedGoal);
    const page = [servesPublic, servesCourse, unlinked, dropped];

    const anonymous = await portfolioLinksForItems(hub.deps.db, page, null);
    expect(anonymous.get(servesPublic.id)).toEqual({
      href: `/people/${maya}/portfolio#objective-${publicGoal}`,
      label: "Serves: Learn D3",
    });
    expect(anonymous.has(servesCourse.id)).toBe(false);
    expect(anonymous.has(unlinked.id)).toBe(false);
    expect(anonymous.has(dropped.id)).toBe(false);

    const member = await portfolioLinksForItems(hub.deps.db, page, noor);
    expect(member.get(servesCourse.id)).toEqual({
      href: `/people/${maya}/portfolio#objective-${courseGoal}`,
      label: "Serves: Tell stories with data",
    });
    expect(member.get(servesPublic.id)?.label).toBe("Serves: Learn D3");
    expect(member.has(dropped.id)).toBe(false);

    const stranger = await portfolioLinksForItems(hub.deps.db, page, leo);
    expect(stranger.has(servesCourse.id)).toBe(false);

    // The learner sees the entry itself, even a private one.
    const owner = await portfolioLinksForItems(hub.deps.db, page, maya);
    expect(owner.get(servesPublic.id)).toEqual({ href: `/people/${maya}/portfolio#entry-${privateEntry}`, label: "In Maya's portfolio" });
  });

  it("find the entry by the post's URL when it points at the same post in another course, and only for its author", async () => {
    const inB = await post("https://maya.example.org/shared", courseB);
    const inA = await post("https://maya.example.org/shared", courseA);
    const e = await entry({ itemId: inB.id, url: inB.canonicalUrl, visibility: "public" });
    // Noor's item at a URL Maya's entry names is not Maya's post.
    const noorsCopy = await post("https://maya.example.org/elsewhere", courseA, noor);
    await entry({ itemId: null, url: noorsCopy.canonicalUrl, visibility: "public" });
    const guest = await post("https://guest.example.org/1", courseA, null);
    const links = await portfolioLinksForItems(hub.deps.db, [inA, noorsCopy, guest], null);
    expect(links.get(inA.id)).toEqual({ href: `/people/${maya}/portfolio#entry-${e}`, label: "In Maya's portfolio" });
    expect(links.has(noorsCopy.id)).toBe(false);
    expect(links.has(guest.id)).toBe(false);
  });

  it("point to the learner's PLS home on another deployment when they set one", async () => {
    const p = await post("https://maya.example.org/home");
    await entry({ itemId: p.id, url: p.canonicalUrl, visibility: "public" });
    await hub.deps.db.insert(plsHomes).values({ personId: maya, url: "https://pls.maya.example.org/", updatedAt: hub.deps.now() });
    const links = await portfolioLinksForItems(hub.deps.db, [p], null);
    expect(links.get(p.id)).toEqual({ href: "https://pls.maya.example.org/", label: "In Maya's portfolio" });
  });

  it("cost one query for a page whose posts are in no portfolio, and two when some are, however many items", async () => {
    const page: Awaited<ReturnType<typeof post>>[] = [];
    for (let i = 0; i < 40; i++) page.push(await post(`https://maya.example.org/many-${i}`));
    const client = hub.database.client;
    const execute = client.execute.bind(client);
    let queries = 0;
    client.execute = ((...args: Parameters<typeof execute>) => {
      queries++;
      return execute(...args);
    }) as typeof client.execute;
    const count = async (viewer: number | null, items = page) => {
      queries = 0;
      const links = await portfolioLinksForItems(hub.deps.db, items, viewer);
      return { queries, links: links.size };
    };
    try {
      expect(await count(null)).toEqual({ queries: 1, links: 0 });
      expect(await count(noor)).toEqual({ queries: 1, links: 0 });
      for (const [i, p] of page.entries()) {
        if (i % 4 === 0) await entry({ itemId: p.id, url: p.canonicalUrl, visibility: i % 8 === 0 ? "public" : "course" });
      }
      expect(await count(null)).toEqual({ queries: 2, links: 5 });
      expect(await count(noor)).toEqual({ queries: 2, links: 10 });
      expect(await count(maya)).toEqual({ queries: 2, links: 10 });
      expect(await count(noor, [])).toEqual({ queries: 0, links: 0 });
    } finally {
      client.execute = execute;
    }
  });
});
