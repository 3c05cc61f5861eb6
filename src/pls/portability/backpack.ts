// The backpack: everything a learner keeps in their PLS, as one JSON document they can download
// and import into another Tributary hub (docs/backpack.md; its schema is backpack-schema.ts).
//
// Export: rows are named by stable references ("objective-1", "entry-3", "grant-2": the row's
// place in id order, never a database id), arrays are sorted, and nothing volatile is written but
// `exportedAt`. So exporting twice gives the same document (but for `exportedAt`), and importing
// it into an empty PLS elsewhere and exporting there gives it again, but for what names the hub.
// Secrets never leave: grants carry no link, no token and no hash of them.
//
// Importing a backpack is backpack-import.ts.
import { asc, eq } from "drizzle-orm";
import { profileUrl } from "../../accounts/identities.js";
import {
  courses,
  grants,
  identities,
  memberships,
  type Objective,
  objectives,
  type Person,
  planChanges,
  planSteps,
  plsFollows,
  plsHomes,
  portfolioEntries,
  portfolioLinks,
  type Resource,
  resources,
  suggestions,
} from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { BACKPACK_FORMAT, BACKPACK_VERSION } from "./backpack-schema.js";
import { type XapiStatement, xapiStatements } from "./xapi.js";

/** The most an import reads: a large PLS is a few hundred KB. */
export const BACKPACK_MAX_BYTES = 2 * 1024 * 1024;
/** The form field import errors are shown by. */
export const IMPORT_FIELD = "backpack";

type Visibility = Objective["visibility"];

export interface BackpackResource {
  title: string;
  url: string;
  note: string;
  suggestedBy: string | null;
  createdAt: string;
}

export interface Backpack {
  format: typeof BACKPACK_FORMAT;
  version: typeof BACKPACK_VERSION;
  exportedAt: string;
  hub: { url: string };
  person: { displayName: string; hubAccount: string };
  plan: {
    objectives: {
      ref: string;
      title: string;
      why: string;
      tags: string[];
      targetDate: string | null;
      status: Objective["status"];
      visibility: Visibility;
      createdAt: string;
      updatedAt: string;
      achievedAt: string | null;
      steps: {
        title: string;
        status: "todo" | "doing" | "done";
        resourceUrl: string | null;
        dueDate: string | null;
        createdAt: string;
        updatedAt: string;
      }[];
      resources: BackpackResource[];
    }[];
    looseResources: BackpackResource[];
    history: { objective: string | null; what: string; at: string }[];
  };
  portfolio: {
    entries: {
      ref: string;
      kind: "item" | "external";
      url: string;
      title: string;
      reflection: string;
      visibility: Visibility;
      createdAt: string;
      updatedAt: string;
      objectives: { ref: string; auto: boolean; removed: boolean }[];
    }[];
  };
  grants: {
    ref: string;
    audience: string;
    audienceKind: "instructor" | "coach" | "employer" | "parent" | "peer" | "other";
    scopes: ("plan:read" | "portfolio:read" | "suggest")[];
    expiresAt: string | null;
    revokedAt: string | null;
    createdAt: string;
  }[];
  suggestions: {
    from: string;
    grant: string | null;
    kind: "objective" | "step" | "resource";
    objective: string | null;
    title: string;
    body: string;
    url: string | null;
    status: "pending" | "accepted" | "declined";
    createdAt: string;
    decidedAt: string | null;
  }[];
  links: {
    identities: { kind: "mastodon" | "bluesky" | "blog"; address: string; verified: boolean }[];
    courses: { slug: string; title: string; role: "instructor" | "ta" | "learner" }[];
    plsHome: string | null;
    follows: { feedUrl: string; title: string }[];
  };
  xapi: XapiStatement[];
}

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);
/** Refs number rows by their place in id order, from 1. */
const refsOf = (kind: string, ids: number[]) => new Map(ids.map((id, i) => [id, `${kind}-${i + 1}`]));
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function resourceOut(r: Resource): BackpackResource {
  return { title: r.title, url: r.url, note: r.note, suggestedBy: r.suggestedBy, createdAt: iso(r.createdAt) };
}

/** The learner's backpack. `exportedAt` is the clock's now: the one field that changes between exports. */
export async function exportBackpack(deps: PlsDeps, person: Pick<Person, "id" | "displayName">, publicUrl: string): Promise<Backpack> {
  const { db } = deps;
  const me = person.id;
  const [
    objectiveRows,
    stepRows,
    resourceRows,
    changeRows,
    entryRows,
    linkRows,
    grantRows,
    suggestionRows,
    identityRows,
    courseRows,
    home,
    followRows,
    xapi,
  ] = await Promise.all([
    db.select().from(objectives).where(eq(objectives.personId, me)).orderBy(asc(objectives.id)),
    db
      .select({ step: planSteps })
      .from(planSteps)
      .innerJoin(objectives, eq(objectives.id, planSteps.objectiveId))
      .where(eq(objectives.personId, me))
      .orderBy(asc(planSteps.position), asc(planSteps.id)),
    db.select().from(resources).where(eq(resources.personId, me)).orderBy(asc(resources.id)),
    db.select().from(planChanges).where(eq(planChanges.personId, me)).orderBy(asc(planChanges.id)),
    db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, me)).orderBy(asc(portfolioEntries.id)),
    db
      .select({ link: portfolioLinks })
      .from(portfolioLinks)
      .innerJoin(portfolioEntries, eq(portfolioEntries.id, portfolioLinks.entryId))
      .where(eq(portfolioEntries.personId, me)),
    db.select().from(grants).where(eq(grants.personId, me)).orderBy(asc(grants.id)),
    db.select().from(suggestions).where(eq(suggestions.personId, me)).orderBy(asc(suggestions.id)),
    db.select().from(identities).where(eq(identities.personId, me)).orderBy(asc(identities.id)),
    db
      .select({ slug: courses.slug, title: courses.title, role: memberships.role })
      .from(memberships)
      .innerJoin(courses, eq(courses.id, memberships.courseId))
      .where(eq(memberships.personId, me))
      .orderBy(asc(courses.slug)),
    db.select().from(plsHomes).where(eq(plsHomes.personId, me)),
    db.select().from(plsFollows).where(eq(plsFollows.personId, me)).orderBy(asc(plsFollows.id)),
    xapiStatements(deps, me, publicUrl),
  ]);

  const objectiveRef = refsOf(
    "objective",
    objectiveRows.map((o) => o.id),
  );
  const objectiveOrder = new Map(objectiveRows.map((o, i) => [o.id, i]));
  const entryRef = refsOf(
    "entry",
    entryRows.map((e) => e.id),
  );
  const grantRef = refsOf(
    "grant",
    grantRows.map((g) => g.id),
  );
  const ref = (refs: Map<number, string>, id: number | null) => (id === null ? null : (refs.get(id) ?? null));

  const stepsOf = new Map<number, Backpack["plan"]["objectives"][number]["steps"]>();
  for (const { step: s } of stepRows) {
    const list = stepsOf.get(s.objectiveId) ?? [];
    list.push({
      title: s.title,
      status: s.status,
      resourceUrl: s.resourceUrl,
      dueDate: s.dueDate,
      createdAt: iso(s.createdAt),
      updatedAt: iso(s.updatedAt),
    });
    stepsOf.set(s.objectiveId, list);
  }
  const resourcesOf = new Map<number | null, BackpackResource[]>();
  for (const r of resourceRows) {
    const key = r.objectiveId !== null && objectiveRef.has(r.objectiveId) ? r.objectiveId : null;
    resourcesOf.set(key, [...(resourcesOf.get(key) ?? []), resourceOut(r)]);
  }
  const linksOf = new Map<number, { link: typeof portfolioLinks.$inferSelect }[]>();
  for (const l of linkRows) {
    if (!objectiveOrder.has(l.link.objectiveId)) continue;
    linksOf.set(l.link.entryId, [...(linksOf.get(l.link.entryId) ?? []), l]);
  }

  return {
    format: BACKPACK_FORMAT,
    version: BACKPACK_VERSION,
    exportedAt: iso(deps.now()),
    hub: { url: publicUrl },
    person: { displayName: person.displayName, hubAccount: profileUrl(publicUrl, me) },
    plan: {
      objectives: objectiveRows.map((o) => ({
        ref: objectiveRef.get(o.id)!,
        title: o.title,
        why: o.why,
        tags: o.tags,
        targetDate: o.targetDate,
        status: o.status,
        visibility: o.visibility,
        createdAt: iso(o.createdAt),
        updatedAt: iso(o.updatedAt),
        achievedAt: isoOrNull(o.achievedAt),
        steps: stepsOf.get(o.id) ?? [],
        resources: resourcesOf.get(o.id) ?? [],
      })),
      looseResources: resourcesOf.get(null) ?? [],
      history: changeRows.map((h) => ({ objective: ref(objectiveRef, h.objectiveId), what: h.what, at: iso(h.at) })),
    },
    portfolio: {
      entries: entryRows.map((e) => ({
        ref: entryRef.get(e.id)!,
        kind: e.kind,
        url: e.url,
        title: e.title,
        reflection: e.reflection,
        visibility: e.visibility,
        createdAt: iso(e.createdAt),
        updatedAt: iso(e.updatedAt),
        objectives: (linksOf.get(e.id) ?? [])
          .sort((a, b) => objectiveOrder.get(a.link.objectiveId)! - objectiveOrder.get(b.link.objectiveId)!)
          .map(({ link }) => ({ ref: objectiveRef.get(link.objectiveId)!, auto: link.auto, removed: link.removed })),
      })),
    },
    grants: grantRows.map((g) => ({
      ref: grantRef.get(g.id)!,
      audience: g.audience,
      audienceKind: g.audienceKind,
      scopes: g.scopes,
      expiresAt: isoOrNull(g.expiresAt),
      revokedAt: isoOrNull(g.revokedAt),
      createdAt: iso(g.createdAt),
    })),
    suggestions: suggestionRows.map((s) => ({
      from: s.fromLabel,
      grant: ref(grantRef, s.grantId),
      kind: s.kind,
      objective: ref(objectiveRef, s.objectiveId),
      title: s.title,
      body: s.body,
      url: s.url,
      status: s.status,
      createdAt: iso(s.createdAt),
      decidedAt: isoOrNull(s.decidedAt),
    })),
    links: {
      identities: identityRows.map((i) => ({ kind: i.kind, address: i.address, verified: i.verifiedAt !== null })),
      courses: courseRows.sort((a, b) => byText(a.slug, b.slug)),
      plsHome: home[0]?.url ?? null,
      follows: followRows.map((f) => ({ feedUrl: f.feedUrl, title: f.title })),
    },
    xapi,
  };
}

/** The file as downloaded: indented, one trailing newline. */
export function serialiseBackpack(b: Backpack): string {
  return `${JSON.stringify(b, null, 2)}\n`;
}
