// The learner's record as xAPI 1.0.3 statements (https://github.com/adlnet/xAPI-Spec, xAPI-Data.md
// § 2.4), for a Learning Record Store or another tool that reads them: one statement per post of
// theirs the hub holds ("authored") and one per objective they achieved ("completed").
//
// - Actor: an Agent identified by an account on this hub (§ 2.4.2.4: homePage = the hub's address,
//   name = the person's id as an opaque account name). Never an mbox: no email leaves the hub.
// - Ids: RFC 4122 version 5 UUIDs (SHA-1, § 2.4.1 accepts every variant-2 version) of the hub, the
//   verb and the object, so exporting twice gives the very same statements and an LRS that stored
//   them once recognises them again.
// - Names are language maps (§ 4.2) keyed "und" (RFC 5646: undetermined): the hub does not know
//   which language a learner wrote a title in.
import { and, asc, eq, isNull } from "drizzle-orm";
import { courses, items, objectives } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";

/**
 * "authored", from Activity Streams 1.0 as listed in the xAPI verb registry
 * (http://activitystrea.ms/schema/1.0/author, display "authored"); the ADL vocabulary has no verb
 * for writing something.
 */
export const VERB_AUTHORED = { id: "http://activitystrea.ms/schema/1.0/author", display: { "en-US": "authored" } } as const;
/**
 * ADL's "completed" (http://adlnet.gov/expapi/verbs/completed: "Indicates the actor finished or
 * concluded the activity normally"), with result.success true: the objective was met. ADL's
 * vocabulary has no "achieved", and "mastered" claims the highest level of accomplishment, which
 * the learner did not state.
 */
export const VERB_COMPLETED = { id: "http://adlnet.gov/expapi/verbs/completed", display: { "en-US": "completed" } } as const;
/** ADL activity type for a learning objective. */
export const ACTIVITY_OBJECTIVE = "http://adlnet.gov/expapi/activities/objective";
/** ADL activity type for a course (the posts' courses, as context). */
export const ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course";

type LanguageMap = Record<string, string>;

export interface XapiActivity {
  objectType: "Activity";
  id: string;
  definition: { name: LanguageMap; description?: LanguageMap; type?: string };
}

export interface XapiStatement {
  id: string;
  actor: { objectType: "Agent"; account: { homePage: string; name: string } };
  verb: { id: string; display: LanguageMap };
  object: XapiActivity;
  result?: { completion: boolean; success: boolean };
  context: { platform: string; contextActivities?: { grouping: XapiActivity[] } };
  timestamp: string;
}

/** The RFC 4122 URL namespace (Appendix C), under which every statement id is named. */
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

/** A version 5 UUID (RFC 4122 § 4.3): SHA-1 of the namespace and the name, version and variant set. */
export async function uuidV5(name: string, namespace = URL_NAMESPACE): Promise<string> {
  const ns = namespace
    .replace(/-/g, "")
    .match(/../g)!
    .map((h) => parseInt(h, 16));
  const bytes = new Uint8Array([...ns, ...new TextEncoder().encode(name)]);
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-1", bytes)).slice(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const name = (s: string): LanguageMap => ({ und: s });

/** Where an objective lives on this hub (its owner's page): a stable IRI for it as an Activity. */
export function objectiveIri(publicUrl: string, objectiveId: number): string {
  return new URL(`/pls/objectives/${objectiveId}`, publicUrl).toString();
}

/** Every statement about the learner, oldest first (ties by id), the same each time for the same data. */
export async function xapiStatements(deps: Pick<PlsDeps, "db">, personId: number, publicUrl: string): Promise<XapiStatement[]> {
  const { db } = deps;
  const actor = { objectType: "Agent" as const, account: { homePage: publicUrl, name: String(personId) } };
  const context = { platform: "Tributary" };
  const out: XapiStatement[] = [];

  // A post reached in several courses is one post: one statement, with each course as context.
  const posts = await db
    .select({ url: items.canonicalUrl, title: items.title, at: items.publishedAt, slug: courses.slug, course: courses.title })
    .from(items)
    .innerJoin(courses, eq(courses.id, items.courseId))
    .where(and(eq(items.personId, personId), isNull(items.deletedAt)))
    .orderBy(asc(items.publishedAt), asc(items.id));
  const byUrl = new Map<string, { title: string; at: Date; courses: Map<string, string> }>();
  for (const p of posts) {
    const seen = byUrl.get(p.url) ?? { title: p.title || p.url, at: p.at, courses: new Map<string, string>() };
    seen.courses.set(p.slug, p.course);
    byUrl.set(p.url, seen);
  }
  for (const [url, p] of byUrl) {
    const grouping = [...p.courses]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([slug, title]): XapiActivity => ({
          objectType: "Activity",
          id: new URL(`/c/${encodeURIComponent(slug)}`, publicUrl).toString(),
          definition: { name: name(title), type: ACTIVITY_COURSE },
        }),
      );
    out.push({
      id: await uuidV5(`${publicUrl}|${VERB_AUTHORED.id}|${url}`),
      actor,
      verb: VERB_AUTHORED,
      object: { objectType: "Activity", id: url, definition: { name: name(p.title) } },
      context: { ...context, contextActivities: { grouping } },
      timestamp: p.at.toISOString(),
    });
  }

  const achieved = await db
    .select()
    .from(objectives)
    .where(and(eq(objectives.personId, personId), eq(objectives.status, "achieved")))
    .orderBy(asc(objectives.id));
  for (const o of achieved) {
    const iri = objectiveIri(publicUrl, o.id);
    out.push({
      id: await uuidV5(`${publicUrl}|${VERB_COMPLETED.id}|${iri}`),
      actor,
      verb: VERB_COMPLETED,
      object: {
        objectType: "Activity",
        id: iri,
        definition: { name: name(o.title), ...(o.why ? { description: name(o.why) } : {}), type: ACTIVITY_OBJECTIVE },
      },
      result: { completion: true, success: true },
      context,
      timestamp: (o.achievedAt ?? o.updatedAt).toISOString(),
    });
  }
  return out.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
