// A PLS with one of everything a backpack carries, made through the domain code (so ids, history
// lines and links are what real use makes), for the backpack and xAPI tests.
import { asc, eq } from "drizzle-orm";
import { createPerson } from "../../../src/accounts/people.js";
import { courses, courseTags, identities, items, memberships, type Person } from "../../../src/db/schema.js";
import { createObjective, setObjectiveStatus } from "../../../src/pls/plan/objectives.js";
import { addResource } from "../../../src/pls/plan/resources.js";
import { addStep, completeStep, reorderSteps } from "../../../src/pls/plan/steps.js";
import { addFollow } from "../../../src/pls/portability/follows.js";
import { setPlsHome } from "../../../src/pls/portability/pls-home.js";
import {
  addExternalEntry,
  addItemEntry,
  autoLinkByTags,
  linkEntry,
  listEntries,
  unlinkEntry,
} from "../../../src/pls/portfolio/portfolio.js";
import { issueGrant, revokeGrant } from "../../../src/pls/sharing/grants.js";
import { acceptSuggestion, createSuggestion, declineSuggestion } from "../../../src/pls/sharing/suggestions.js";
import type { TestHub } from "../../helpers/hub.js";
import { addItem } from "../seed.js";

export const PASSWORD = "correct horse battery";
export const POSTS = [
  { url: "https://maya.example.org/charts/", title: "Charts that lie", tags: ["t509massive", "datavis"] },
  { url: "https://maya.example.org/hello/", title: "Hello, T509", tags: ["t509massive"] },
];

/** The course "t509" on `hub`, made if missing; `person` a learner in it, with `posts` as their items. */
export async function learnerWithPosts(hub: TestHub, name: string, posts = POSTS): Promise<Person> {
  const { db } = hub.deps;
  let [course] = await db.select().from(courses).where(eq(courses.slug, "t509"));
  if (!course) {
    [course] = await db.insert(courses).values({ slug: "t509", title: "T509 Massive" }).returning();
    await db.insert(courseTags).values({ courseId: course!.id, tag: "t509massive" });
  }
  const person = (await createPerson(db, {
    email: `${name.toLowerCase().replace(/\s+/g, ".")}@example.org`,
    displayName: name,
    password: PASSWORD,
  }))!;
  await db.insert(memberships).values({ courseId: course!.id, personId: person.id, role: "learner" });
  for (const p of posts) await addItem(db, { courseId: course!.id, personId: person.id, ...p });
  return person;
}

/** Fills `person`'s PLS with objectives, steps, resources, entries, links, grants, suggestions and links. */
export async function fillPls(hub: TestHub, person: Person): Promise<void> {
  const deps = hub.deps;
  const tick = () => hub.clock.advance(60_000);
  const me = person.id;
  const datavis = await createObjective(deps, me, {
    title: "Learn data visualisation",
    why: "To show my research",
    tags: "#DataVis charts",
    targetDate: "2027-03-31",
    status: "active",
    visibility: "grant",
  });
  tick();
  const writing = await createObjective(deps, me, {
    title: "Write every week",
    tags: "t509massive",
    status: "active",
    visibility: "public",
  });
  tick();
  const old = await createObjective(deps, me, { title: "An old plan", status: "planned", visibility: "private" });
  await setObjectiveStatus(deps, me, old.id, "dropped");
  tick();

  const s1 = await addStep(deps, me, datavis.id, { title: "Read Tufte", resourceUrl: "https://example.org/tufte", dueDate: "2026-12-01" });
  const s2 = await addStep(deps, me, datavis.id, { title: "Make three charts" });
  const s3 = await addStep(deps, me, datavis.id, { title: "Post about them", status: "doing" });
  await completeStep(deps, me, s1.id);
  await reorderSteps(deps, me, datavis.id, [s3.id, s1.id, s2.id]);
  tick();
  await addResource(deps, me, {
    title: "Data viz catalogue",
    url: "https://datavizcatalogue.com/",
    note: "Which chart when",
    objectiveId: String(datavis.id),
  });
  await addResource(deps, me, { title: "A loose link", url: "https://example.org/loose" });
  tick();

  const [chartsItem] = await hub.deps.db.select().from(items).where(eq(items.personId, me)).orderBy(asc(items.id)).limit(1);
  await addItemEntry(deps, me, chartsItem!.id, { reflection: "My first real chart.", visibility: "public" });
  const project = await addExternalEntry(deps, me, {
    url: "https://github.com/maya/charts",
    title: "Charts repository",
    reflection: "Code",
    visibility: "course",
  });
  await linkEntry(deps, me, project.id, datavis.id);
  await autoLinkByTags(deps, me); // the item entry becomes evidence for both active objectives
  tick();
  const entries = await listEntries(deps, me);
  await unlinkEntry(deps, me, entries[0]!.id, writing.id); // hand-removed: kept, marked removed
  tick();

  const coach = await issueGrant(deps, me, {
    audience: "Ms Rivera, my coach",
    audienceKind: "coach",
    scopes: ["plan:read", "suggest"],
    expiresOn: "2027-06-30",
  });
  const old2 = await issueGrant(deps, me, { audience: "Old employer", audienceKind: "employer", scopes: "portfolio:read" });
  await revokeGrant(deps, me, old2.grant.id);
  tick();
  const r = await createSuggestion(deps, coach.grant, {
    kind: "resource",
    title: "Flowing data",
    url: "https://flowingdata.com/",
    note: "Good examples",
  });
  const o = await createSuggestion(deps, coach.grant, { kind: "objective", title: "Learn D3", why: "Interactive charts" });
  await createSuggestion(deps, coach.grant, { kind: "step", title: "Sketch on paper first", objectiveId: String(datavis.id) });
  tick();
  await acceptSuggestion(deps, me, r.id);
  await declineSuggestion(deps, me, o.id);
  tick();
  await setObjectiveStatus(deps, me, writing.id, "achieved");
  tick();

  await hub.deps.db.insert(identities).values([
    {
      personId: me,
      kind: "mastodon",
      address: "@maya@mastodon.social",
      authorKey: "maya@mastodon.social",
      verifyCode: "tributary-x",
      verifiedAt: hub.clock.now,
      verifiedBy: "rel_me",
    },
    { personId: me, kind: "blog", address: "https://maya.example.org/", authorKey: "https://maya.example.org", verifyCode: "tributary-y" },
  ]);
  await setPlsHome(deps, me, "https://pls.example.edu/people/7/portfolio", deps.config.publicUrl);
  await addFollow(deps, me, { feedUrl: "https://other-hub.example.net/c/x101/people/3/items.json" });
}
