import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { courseTags, items, memberships } from "../../../src/db/schema.js";
import type { PlsDeps } from "../../../src/pls/deps.js";
import { focusItems, textWords } from "../../../src/pls/plan/focus.js";
import { createObjective } from "../../../src/pls/plan/objectives.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addCourse, addPerson } from "../seed.js";

const DAY = 86_400_000;

describe("Focus: posts of the learner's courses that serve their active objectives", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let maya: number;
  let noor: number;
  let t509: number;
  let other: number;
  let notMine: number;
  const ids: Record<string, number> = {};

  /** A post `daysAgo` days before the hub's clock. */
  async function post(
    name: string,
    o: {
      courseId: number;
      personId?: number | null;
      tags?: string[];
      title: string;
      excerpt?: string;
      daysAgo: number;
      deleted?: boolean;
      hidden?: boolean;
      url?: string;
    },
  ) {
    const at = new Date(hub.clock.now.getTime() - o.daysAgo * DAY);
    const url = o.url ?? `https://blog.example.org/${name}`;
    const [row] = await deps.db
      .insert(items)
      .values({
        courseId: o.courseId,
        personId: o.personId ?? noor,
        kind: "blog",
        externalId: url,
        canonicalUrl: url,
        title: o.title,
        excerpt: o.excerpt ?? "",
        tags: o.tags ?? [],
        publishedAt: at,
        firstSeenAt: at,
        lastSeenAt: at,
        hidden: o.hidden ?? false,
        deletedAt: o.deleted ? at : null,
      })
      .returning({ id: items.id });
    ids[name] = row!.id;
  }
  const names = (list: { item: { id: number } }[]) => list.map((r) => Object.keys(ids).find((k) => ids[k] === r.item.id));

  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    maya = await addPerson(deps.db, "Maya");
    noor = await addPerson(deps.db, "Noor");
    t509 = await addCourse(deps.db, "t509");
    other = await addCourse(deps.db, "t510");
    notMine = await addCourse(deps.db, "elsewhere");
    await deps.db.insert(courseTags).values([
      { courseId: t509, tag: "t509massive" },
      { courseId: other, tag: "t510" },
    ]);
    await deps.db.insert(memberships).values([
      { courseId: t509, personId: maya, role: "learner" },
      { courseId: other, personId: maya, role: "learner" },
      { courseId: t509, personId: noor, role: "learner" },
    ]);
    await createObjective(deps, maya, {
      title: "Data visualisation",
      why: "Charts that tell a story",
      tags: "datavis charts",
      status: "active",
    });
    // The course's own tag on an objective: every post of t509 carries it, so it must not count.
    await createObjective(deps, maya, { title: "Statistics with R", tags: "rstats t509massive", status: "active" });
    await createObjective(deps, maya, { title: "Knitting patterns", tags: "knitting", status: "dropped" });

    await post("twoTags", { courseId: t509, tags: ["t509massive", "datavis", "charts"], title: "My week", daysAgo: 30 });
    await post("oneTagOld", { courseId: t509, tags: ["t509massive", "rstats"], title: "Week 2", daysAgo: 20 });
    await post("oneTagOtherCourse", { courseId: other, tags: ["t510", "DataVis"], title: "Notes from the other course", daysAgo: 10 });
    await post("oneTagMine", { courseId: t509, personId: maya, tags: ["rstats"], title: "My regression notes", daysAgo: 2 });
    await post("textStrong", { courseId: t509, tags: ["t509massive"], title: "Data visualisation: charts that tell a story", daysAgo: 15 });
    await post("textWeak", {
      courseId: t509,
      tags: ["t509massive"],
      title: "Monday",
      excerpt: "Some thoughts on the reading, with a bit of data at the end and more besides.",
      daysAgo: 1,
    });
    // Left out: nothing matches, only the course tag matches, only a dropped objective matches,
    // deleted, hidden, too old, or in a course Maya is not in.
    await post("noMatch", { courseId: t509, tags: ["t509massive", "lunch"], title: "Lunch photos", daysAgo: 3 });
    await post("dropped", { courseId: t509, tags: ["knitting"], title: "Knitting patterns for winter", daysAgo: 3 });
    await post("deleted", { courseId: t509, tags: ["datavis", "charts"], title: "Data visualisation charts", daysAgo: 3, deleted: true });
    await post("hidden", { courseId: t509, tags: ["datavis", "charts"], title: "Data visualisation charts", daysAgo: 3, hidden: true });
    await post("tooOld", { courseId: t509, tags: ["datavis", "charts"], title: "Data visualisation charts", daysAgo: 100 });
    await post("notMyCourse", { courseId: notMine, tags: ["datavis", "charts"], title: "Data visualisation charts", daysAgo: 3 });
  });
  afterEach(() => hub.close());

  it("ranks two-tag matches over one-tag matches over text-only matches, newest first among equals, and leaves out the rest", async () => {
    const found = await focusItems(deps, maya);
    expect(names(found)).toEqual(["twoTags", "oneTagMine", "oneTagOtherCourse", "oneTagOld", "textStrong", "textWeak"]);
    expect(found.map((r) => r.tagCount)).toEqual([2, 1, 1, 1, 0, 0]);
  });

  it("says which objective each post serves and why, and marks the learner's own posts", async () => {
    const found = await focusItems(deps, maya);
    const by = (name: string) => found.find((r) => r.item.id === ids[name])!;
    expect(by("twoTags")).toMatchObject({
      serves: { objective: { title: "Data visualisation" } },
      reasons: ["tags #datavis, #charts"],
      yours: false,
    });
    expect(by("oneTagMine")).toMatchObject({
      serves: { objective: { title: "Statistics with R" } },
      reasons: ["tag #rstats"],
      yours: true,
    });
    expect(by("oneTagOtherCourse")).toMatchObject({ course: { slug: "t510" }, reasons: ["tag #datavis"] });
    expect(by("textStrong").reasons).toEqual(["words: data, visualisation, charts, tell, story"]);
    expect(by("textWeak").reasons).toEqual(["words: data"]);
    expect(by("textStrong").textRank!).toBeLessThan(by("textWeak").textRank!);
  });

  it("ignores dropped objectives: a post serving only one is left out, and with no active objective nothing is shown", async () => {
    const found = await focusItems(deps, maya);
    expect(names(found)).not.toContain("dropped");
    const olu = await addPerson(deps.db, "Olu");
    await deps.db.insert(memberships).values({ courseId: t509, personId: olu, role: "learner" });
    await createObjective(deps, olu, { title: "Data visualisation", tags: "datavis", status: "dropped" });
    await createObjective(deps, olu, { title: "Charts", tags: "charts", status: "planned" });
    expect(await focusItems(deps, olu)).toEqual([]);
  });

  it("shows a post that is in two of the learner's courses once, and honours the limit", async () => {
    await post("twoTagsAgain", {
      courseId: other,
      tags: ["datavis", "charts"],
      title: "My week",
      daysAgo: 30,
      url: "https://blog.example.org/twoTags",
    });
    const found = await focusItems(deps, maya);
    expect(found.filter((r) => r.item.canonicalUrl === "https://blog.example.org/twoTags")).toHaveLength(1);
    const two = await focusItems(deps, maya, { limit: 2 });
    expect(two.map((r) => r.item.canonicalUrl)).toEqual(["https://blog.example.org/twoTags", "https://blog.example.org/oneTagMine"]);
  });

  it("folds words the way the search index does (accents, case)", () => {
    expect(textWords("Cólour CHARTS, t509_massive")).toEqual(["colour", "charts", "t509", "massive"]);
  });
});
