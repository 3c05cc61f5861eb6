// The demo's learner: Maya, whose blog is one of the course's sources, with a plan (objectives,
// steps, a resource), a portfolio of her own posts linked to those objectives (one objective
// achieved), and a grant for her coach, so the PLS pages have something real to show.
import { and, desc, eq } from "drizzle-orm";
import { createPerson } from "../src/accounts/people.js";
import type { Db } from "../src/db/database.js";
import { items, memberships } from "../src/db/schema.js";
import { createObjective, setObjectiveStatus } from "../src/pls/plan/objectives.js";
import { addResource } from "../src/pls/plan/resources.js";
import { addStep, completeStep } from "../src/pls/plan/steps.js";
import { addItemEntry, linkEntry, updateEntry } from "../src/pls/portfolio/portfolio.js";
import { issueGrant } from "../src/pls/sharing/grants.js";

export const DEMO_LEARNER_EMAIL = "maya@example.org";

export async function createDemoLearner(db: Db, courseId: number, password: string) {
  const maya = (await createPerson(db, { email: DEMO_LEARNER_EMAIL, displayName: "Maya Lindqvist", password }))!;
  await db.insert(memberships).values({ courseId, personId: maya.id, role: "learner" });
  return maya;
}

/** After the first poll: her plan and portfolio, built with the same functions the pages use. */
export async function seedDemoPls(db: Db, courseId: number, personId: number): Promise<void> {
  const deps = { db, now: () => new Date() };
  const design = await createObjective(deps, personId, {
    title: "Design a learning experience people want to join",
    why: "My final project is a connected course for new teachers at my school.",
    tags: "learningdesign",
    targetDate: "2026-12-11",
    status: "active",
    visibility: "public",
  });
  const s1 = await addStep(deps, personId, design.id, { title: "Map what my colleagues already share online" });
  await completeStep(deps, personId, s1.id);
  await addStep(deps, personId, design.id, { title: "Draft the first week's invitation", dueDate: "2026-12-01" });
  await addStep(deps, personId, design.id, { title: "Ask two classmates for feedback on the draft" });
  await addResource(deps, personId, {
    title: "Connected Courses: a guide",
    url: "https://example.org/connected-courses",
    objectiveId: String(design.id),
  });
  const open = await createObjective(deps, personId, {
    title: "Write in the open every week",
    why: "Blogging weekly is how I think; the course is my reason to keep it up.",
    status: "active",
    visibility: "course",
  });
  await createObjective(deps, personId, { title: "Read 'Teaching Crowds'", status: "planned", visibility: "private" });

  const mine = await db
    .select({ id: items.id })
    .from(items)
    .where(and(eq(items.courseId, courseId), eq(items.personId, personId)))
    .orderBy(desc(items.publishedAt))
    .limit(3);
  for (const [i, item] of mine.entries()) {
    const entry = await addItemEntry(deps, personId, item.id, { visibility: "public" });
    await linkEntry(deps, personId, entry.id, i === 0 ? design.id : open.id);
    if (i === 0) {
      await updateEntry(deps, personId, entry.id, {
        reflection: "Writing this post made me see the course as an invitation, not a syllabus.",
        visibility: "public",
      });
    }
  }
  await setObjectiveStatus(deps, personId, open.id, "achieved");
  await issueGrant(deps, personId, {
    audience: "Ms Rivera, my coach",
    audienceKind: "coach",
    scopes: ["plan:read", "portfolio:read", "suggest"],
  });
}
