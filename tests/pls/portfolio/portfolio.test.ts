import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { portfolioLinks } from "../../../src/db/schema.js";
import type { PlsDeps } from "../../../src/pls/deps.js";
import { createObjective, setObjectiveStatus } from "../../../src/pls/plan/objectives.js";
import {
  addExternalEntry,
  addItemEntry,
  autoLinkByTags,
  deleteEntry,
  evidenceFor,
  linkEntry,
  listAchievements,
  listEntries,
  unlinkEntry,
  updateEntry,
} from "../../../src/pls/portfolio/portfolio.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addCourse, addItem, addPerson, formError, notFoundError } from "../seed.js";

describe("the portfolio", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let me: number;
  let other: number;
  let courseA: number;
  let courseB: number;
  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    me = await addPerson(deps.db, "Maya");
    other = await addPerson(deps.db, "Olu");
    courseA = await addCourse(deps.db, "t509");
    courseB = await addCourse(deps.db, "t510");
  });
  afterEach(() => hub.close());

  it("brings an entry's objective links back when it is removed and added again", async () => {
    const post = await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/2", tags: [], title: "My map" });
    const maps = await createObjective(deps, me, { title: "Maps", status: "active" });
    const charts = await createObjective(deps, me, { title: "Charts", status: "active" });
    const first = await addItemEntry(deps, me, post);
    await linkEntry(deps, me, first.id, maps.id);
    await linkEntry(deps, me, first.id, charts.id);
    await unlinkEntry(deps, me, first.id, charts.id); // unlinked by hand: stays unlinked
    await deleteEntry(deps, me, first.id);
    expect((await evidenceFor(deps, [maps.id])).get(maps.id)).toEqual([]);

    const again = await addItemEntry(deps, me, post);
    expect(again.id).not.toBe(first.id);
    expect((await evidenceFor(deps, [maps.id])).get(maps.id)!.map((e) => e.id)).toEqual([again.id]);
    expect((await evidenceFor(deps, [charts.id])).get(charts.id)).toEqual([]);
    // Remembered once: removed and added a third time without links, it comes back without them.
    await unlinkEntry(deps, me, again.id, maps.id);
    await deleteEntry(deps, me, again.id);
    const third = await addItemEntry(deps, me, post);
    expect((await evidenceFor(deps, [maps.id])).get(maps.id)).toEqual([]);
    // The same for work elsewhere, by its link.
    const repo = await addExternalEntry(deps, me, { url: "https://github.com/maya/maps", title: "Maps repo" });
    await linkEntry(deps, me, repo.id, maps.id);
    await deleteEntry(deps, me, repo.id);
    const repoAgain = await addExternalEntry(deps, me, { url: "https://github.com/maya/maps", title: "Maps repo" });
    expect((await evidenceFor(deps, [maps.id])).get(maps.id)!.map((e) => e.id)).toEqual([repoAgain.id]);
    expect(third.id).not.toBe(again.id);
  });

  it("remembers more links than one statement binds, and merges what two entries of one link had", async () => {
    const post = await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/3", tags: [], title: "Many" });
    const ids: number[] = [];
    for (let i = 0; i < 27; i++) ids.push((await createObjective(deps, me, { title: `Goal ${i}`, status: "active" })).id);
    const e = await addItemEntry(deps, me, post);
    for (const id of ids) await linkEntry(deps, me, e.id, id);
    await deleteEntry(deps, me, e.id); // 27 rows × 5 parameters: more than D1's 100 in one statement
    const back = await addItemEntry(deps, me, post);
    const evidence = await evidenceFor(deps, ids);
    expect(
      ids.every(
        (id) =>
          evidence
            .get(id)!
            .map((x) => x.id)
            .join() === String(back.id),
      ),
    ).toBe(true);

    // Two entries for one external link: removing both remembers the links of each.
    const a = await addExternalEntry(deps, me, { url: "https://example.org/talk", title: "Talk" });
    const b = await addExternalEntry(deps, me, { url: "https://example.org/talk", title: "Talk, slides" });
    await linkEntry(deps, me, a.id, ids[0]!);
    await linkEntry(deps, me, b.id, ids[1]!);
    await deleteEntry(deps, me, a.id);
    await deleteEntry(deps, me, b.id);
    const again = await addExternalEntry(deps, me, { url: "https://example.org/talk", title: "Talk" });
    const linked = await evidenceFor(deps, [ids[0]!, ids[1]!]);
    expect(linked.get(ids[0]!)!.map((x) => x.id)).toContain(again.id);
    expect(linked.get(ids[1]!)!.map((x) => x.id)).toContain(again.id);
  });

  it("adds the learner's own items and external URLs, never someone else's post", async () => {
    const mine = await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/1", tags: [], title: "My chart" });
    const theirs = await addItem(deps.db, { courseId: courseA, personId: other, url: "https://olu.blog/1", tags: [] });
    const unattributed = await addItem(deps.db, { courseId: courseA, personId: null, url: "https://anon.blog/1", tags: [] });
    const e = await addItemEntry(deps, me, mine, { reflection: "Learned a lot" });
    expect(e).toMatchObject({
      kind: "item",
      itemId: mine,
      url: "https://maya.blog/1",
      title: "My chart",
      reflection: "Learned a lot",
      visibility: "private",
    });
    expect((await addItemEntry(deps, me, mine)).id).toBe(e.id); // twice: the same entry
    expect((await notFoundError(addItemEntry(deps, me, theirs))).thing).toBe("item");
    await notFoundError(addItemEntry(deps, me, unattributed));
    const x = await addExternalEntry(deps, me, { url: "https://github.com/maya/charts", title: "Charts repo", visibility: "public" });
    expect(x).toMatchObject({ kind: "external", itemId: null, visibility: "public" });
    await formError(addExternalEntry(deps, me, { url: "file:///etc/passwd", title: "x" }));
    await formError(addExternalEntry(deps, me, { url: "https://example.org", title: "" }));
    expect((await updateEntry(deps, me, x.id, { reflection: "Proud of it" })).reflection).toBe("Proud of it");
    await notFoundError(updateEntry(deps, other, x.id, { reflection: "hijack" }));
    await notFoundError(deleteEntry(deps, other, x.id));
    await deleteEntry(deps, me, x.id);
    expect((await listEntries(deps, me)).map((r) => r.id)).toEqual([e.id]);
  });

  it("links and unlinks by hand, only between the learner's own entries and objectives", async () => {
    const o = await createObjective(deps, me, { title: "Datavis" });
    const theirs = await createObjective(deps, other, { title: "Theirs" });
    const x = await addExternalEntry(deps, me, { url: "https://github.com/maya/charts", title: "Charts" });
    await linkEntry(deps, me, x.id, o.id);
    expect((await evidenceFor(deps, [o.id])).get(o.id)!.map((e) => [e.id, e.auto])).toEqual([[x.id, false]]);
    await notFoundError(linkEntry(deps, me, x.id, theirs.id));
    await notFoundError(linkEntry(deps, other, x.id, theirs.id));
    await unlinkEntry(deps, me, x.id, o.id);
    expect((await evidenceFor(deps, [o.id])).get(o.id)).toEqual([]);
  });

  describe("autoLinkByTags", () => {
    it("makes the learner's tagged items, in any course, evidence for active objectives; idempotent", async () => {
      const o = await createObjective(deps, me, { title: "Datavis", tags: "#DataVis", status: "active" });
      const planned = await createObjective(deps, me, { title: "Later", tags: "datavis" }); // planned: not matched
      const a = await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/a", tags: ["t509massive", "datavis"] });
      const b = await addItem(deps.db, { courseId: courseB, personId: me, url: "https://maya.blog/b", tags: ["DataVis"] });
      await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/c", tags: ["cooking"] });
      await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/gone", tags: ["datavis"], deleted: true });
      await addItem(deps.db, { courseId: courseA, personId: other, url: "https://olu.blog/a", tags: ["datavis"] });

      expect(await autoLinkByTags(deps, me)).toBe(2);
      const evidence = await evidenceFor(deps, [o.id, planned.id]);
      expect(evidence.get(o.id)!.map((e) => [e.itemId, e.auto])).toEqual([
        [a, true],
        [b, true],
      ]);
      expect(evidence.get(planned.id)).toEqual([]);
      // Nobody else's post, and nothing deleted, ever became an entry.
      expect((await listEntries(deps, me)).map((e) => e.url)).toEqual(["https://maya.blog/a", "https://maya.blog/b"]);
      expect(await listEntries(deps, other)).toEqual([]);

      expect(await autoLinkByTags(deps, me)).toBe(0);
      expect(await deps.db.select().from(portfolioLinks)).toHaveLength(2);
      expect(await listEntries(deps, me)).toHaveLength(2);
    });

    it("joins an existing entry and never re-links what the learner unlinked by hand", async () => {
      const o = await createObjective(deps, me, { title: "Datavis", tags: "datavis", status: "active" });
      const a = await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/a", tags: ["datavis"] });
      const entry = await addItemEntry(deps, me, a, { reflection: "mine" });
      expect(await autoLinkByTags(deps, me)).toBe(1);
      expect((await listEntries(deps, me)).map((e) => e.id)).toEqual([entry.id]);
      await unlinkEntry(deps, me, entry.id, o.id);
      expect(await autoLinkByTags(deps, me)).toBe(0);
      expect((await evidenceFor(deps, [o.id])).get(o.id)).toEqual([]);
      // Linking by hand again brings it back, as a hand link.
      await linkEntry(deps, me, entry.id, o.id);
      expect((await evidenceFor(deps, [o.id])).get(o.id)!.map((e) => e.auto)).toEqual([false]);
    });

    it("leaves a hand link as it is", async () => {
      const o = await createObjective(deps, me, { title: "Datavis", tags: "datavis", status: "active" });
      const a = await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/a", tags: ["datavis"] });
      const entry = await addItemEntry(deps, me, a);
      await linkEntry(deps, me, entry.id, o.id);
      expect(await autoLinkByTags(deps, me)).toBe(0);
      expect((await evidenceFor(deps, [o.id])).get(o.id)!.map((e) => e.auto)).toEqual([false]);
    });
  });

  it("lists achieved objectives with their evidence", async () => {
    const o = await createObjective(deps, me, { title: "Datavis", tags: "datavis", status: "active" });
    const open = await createObjective(deps, me, { title: "Still going", status: "active" });
    await addItem(deps.db, { courseId: courseA, personId: me, url: "https://maya.blog/a", tags: ["datavis"] });
    const x = await addExternalEntry(deps, me, { url: "https://badges.example/1", title: "Badge" });
    await autoLinkByTags(deps, me);
    await linkEntry(deps, me, x.id, o.id);
    await linkEntry(deps, me, x.id, open.id);
    hub.clock.advance(1000);
    await setObjectiveStatus(deps, me, o.id, "achieved");
    const achievements = await listAchievements(deps, me);
    expect(achievements).toHaveLength(1);
    expect(achievements[0]!.objective).toMatchObject({ id: o.id, status: "achieved", achievedAt: hub.clock.now });
    expect(achievements[0]!.evidence.map((e) => e.url).sort()).toEqual(["https://badges.example/1", "https://maya.blog/a"]);
    expect(await listAchievements(deps, other)).toEqual([]);
  });
});
