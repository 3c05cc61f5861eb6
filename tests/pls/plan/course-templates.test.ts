import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memberships } from "../../../src/db/schema.js";
import type { PlsDeps } from "../../../src/pls/deps.js";
import {
  addCourseTemplate,
  courseTemplatesForLearner,
  deleteCourseTemplate,
  instantiateCourseTemplate,
  listCourseTemplates,
  updateCourseTemplate,
} from "../../../src/pls/plan/course-templates.js";
import { listObjectives } from "../../../src/pls/plan/objectives.js";
import { listSteps } from "../../../src/pls/plan/steps.js";
import { instantiateTemplate } from "../../../src/pls/plan/templates.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addCourse, addPerson, formError, notFoundError } from "../seed.js";

describe("course templates: a course's objectives, offered to its members", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let maya: number;
  let leo: number;
  let t509: number;
  let t510: number;
  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    maya = await addPerson(deps.db, "Maya");
    leo = await addPerson(deps.db, "Leo");
    t509 = await addCourse(deps.db, "t509");
    t510 = await addCourse(deps.db, "t510");
    await deps.db.insert(memberships).values([
      { courseId: t509, personId: maya, role: "learner" },
      { courseId: t510, personId: maya, role: "learner" },
      { courseId: t510, personId: leo, role: "learner" },
    ]);
  });
  afterEach(() => hub.close());

  it("adds a template with normalised tags and one step per line (blank lines dropped)", async () => {
    const t = await addCourseTemplate(deps, t509, {
      title: " Build a data story ",
      why: "The course's main project",
      tags: "#DataVis, #T509Massive",
      steps: "Pick a data set\r\n\r\n  Sketch three charts  \nPublish a post\n",
    });
    expect(t).toMatchObject({
      courseId: t509,
      title: "Build a data story",
      tags: ["datavis", "t509massive"],
      steps: ["Pick a data set", "Sketch three charts", "Publish a post"],
    });
    expect((await listCourseTemplates(deps, t509)).map((x) => x.id)).toEqual([t.id]);
    expect(await listCourseTemplates(deps, t510)).toEqual([]);
  });

  it("refuses bad input with the field named, and saves nothing", async () => {
    expect((await formError(addCourseTemplate(deps, t509, { title: "" }))).field).toBe("title");
    expect((await formError(addCourseTemplate(deps, t509, { title: "x", tags: "data-vis" }))).field).toBe("tags");
    expect((await formError(addCourseTemplate(deps, t509, { title: "x", steps: `ok\n${"y".repeat(201)}` }))).field).toBe("steps");
    expect(
      (await formError(addCourseTemplate(deps, t509, { title: "x", steps: Array.from({ length: 31 }, (_, i) => `s${i}`).join("\n") })))
        .field,
    ).toBe("steps");
    expect(await listCourseTemplates(deps, t509)).toEqual([]);
  });

  it("updates and deletes only within its own course", async () => {
    const t = await addCourseTemplate(deps, t509, { title: "Old", steps: "a" });
    await notFoundError(updateCourseTemplate(deps, t510, t.id, { title: "Stolen" }));
    await notFoundError(deleteCourseTemplate(deps, t510, t.id));
    const u = await updateCourseTemplate(deps, t509, t.id, { title: "New", steps: "b\nc", tags: "rstats" });
    expect(u).toMatchObject({ title: "New", steps: ["b", "c"], tags: ["rstats"] });
    await deleteCourseTemplate(deps, t509, t.id);
    expect(await listCourseTemplates(deps, t509)).toEqual([]);
  });

  it("offers a learner the templates of their courses, grouped by course", async () => {
    const a = await addCourseTemplate(deps, t509, { title: "A" });
    const b = await addCourseTemplate(deps, t510, { title: "B" });
    const c = await addCourseTemplate(deps, t509, { title: "C" });
    const groups = await courseTemplatesForLearner(deps, maya);
    expect(groups.map((g) => [g.course.slug, g.templates.map((t) => t.id)])).toEqual([
      ["t509", [a.id, c.id]],
      ["t510", [b.id]],
    ]);
    expect((await courseTemplatesForLearner(deps, leo)).map((g) => g.course.slug)).toEqual(["t510"]);
  });

  it("makes an objective with the template's tags and steps for a member, and refuses anyone else", async () => {
    const t = await addCourseTemplate(deps, t509, {
      title: "Build a data story",
      why: "Main project",
      tags: "datavis",
      steps: "Pick a data set\nPublish a post",
    });
    const o = await instantiateTemplate(deps, maya, { courseTemplateId: t.id });
    expect(o).toMatchObject({
      personId: maya,
      title: "Build a data story",
      why: "Main project",
      tags: ["datavis"],
      status: "planned",
      visibility: "private",
    });
    expect((await listSteps(deps, o.id)).map((s) => s.title)).toEqual(["Pick a data set", "Publish a post"]);
    // Leo is not in t509: the template is not his to use.
    expect((await formError(instantiateCourseTemplate(deps, leo, t.id))).field).toBe("template");
    expect(await listObjectives(deps, leo)).toEqual([]);
    // The objective is Maya's: deleting the template changes nothing in her plan.
    await deleteCourseTemplate(deps, t509, t.id);
    expect((await listObjectives(deps, maya)).map((x) => x.title)).toEqual(["Build a data story"]);
  });

  it("still makes the general templates by key", async () => {
    const o = await instantiateTemplate(deps, maya, { key: "book" });
    expect(o.title).toBe("A book to read");
    expect((await formError(instantiateTemplate(deps, maya, "nope"))).field).toBe("template");
  });
});
