// The portfolio: entries that point at what the learner has done — their own hub items (from
// any course) or an external http(s) URL — each linked to the objectives it is evidence for.
// Entries are references: a title and a URL, never a copy of the post.

import { and, asc, desc, eq, gte, inArray, isNull, sql } from "drizzle-orm";
import { chunks } from "../../core/chunks.js";
import { NotFoundError } from "../../core/errors.js";
import { optionalText, readFields, requireText } from "../../core/form-text.js";
import {
  courses,
  items,
  type Objective,
  objectives,
  type PortfolioEntry,
  plsVisibilities,
  portfolioEntries,
  portfolioLinks,
  removedEntryLinks,
} from "../../db/schema.js";
import type { LearnerPostWrite } from "../../ingest/deps.js";
import { normaliseTag } from "../../ingest/tags.js";
import type { PlsDeps } from "../deps.js";
import { recordChange } from "../plan/history.js";
import { getObjective, touchObjective } from "../plan/objectives.js";
import { readChoice, readHttpUrl } from "../validate.js";

export async function getEntry(deps: Pick<PlsDeps, "db">, personId: number, id: number): Promise<PortfolioEntry> {
  const [e] = await deps.db
    .select()
    .from(portfolioEntries)
    .where(and(eq(portfolioEntries.id, id), eq(portfolioEntries.personId, personId)));
  if (!e) throw new NotFoundError("entry", "That portfolio entry does not exist (or is not yours).");
  return e;
}

export function listEntries(deps: Pick<PlsDeps, "db">, personId: number): Promise<PortfolioEntry[]> {
  return deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, personId)).orderBy(asc(portfolioEntries.id));
}

/** The entry already pointing at this post (the same post may be an item in several courses). */
async function findItemEntry(
  deps: Pick<PlsDeps, "db">,
  personId: number,
  itemId: number,
  url: string,
): Promise<PortfolioEntry | undefined> {
  const rows = await deps.db
    .select()
    .from(portfolioEntries)
    .where(and(eq(portfolioEntries.personId, personId), eq(portfolioEntries.kind, "item")));
  return rows.find((e) => e.itemId === itemId) ?? rows.find((e) => e.url === url);
}

/** The learner's newest posts on the hub (any course) not yet in their portfolio: one per URL. */
export async function postsNotInPortfolio(
  deps: Pick<PlsDeps, "db">,
  personId: number,
  limit = 20,
): Promise<{ id: number; title: string; url: string; publishedAt: Date; courseTitle: string }[]> {
  const [rows, entries] = await Promise.all([
    deps.db
      .select({ id: items.id, title: items.title, url: items.canonicalUrl, publishedAt: items.publishedAt, courseTitle: courses.title })
      .from(items)
      .innerJoin(courses, eq(courses.id, items.courseId))
      .where(and(eq(items.personId, personId), isNull(items.deletedAt)))
      .orderBy(desc(items.publishedAt), desc(items.id))
      .limit(limit * 5),
    deps.db
      .select({ itemId: portfolioEntries.itemId, url: portfolioEntries.url })
      .from(portfolioEntries)
      .where(eq(portfolioEntries.personId, personId)),
  ]);
  const taken = new Set<number | string>(entries.flatMap((e) => (e.itemId === null ? [e.url] : [e.itemId, e.url])));
  const out = [];
  for (const r of rows) {
    if (taken.has(r.id) || taken.has(r.url)) continue;
    taken.add(r.url); // the same post in a second course is offered once
    out.push(r);
    if (out.length === limit) break;
  }
  return out;
}

/** Adds one of the learner's own hub items; anyone else's post is refused. Adding it twice returns the entry. */
export async function addItemEntry(
  deps: PlsDeps,
  personId: number,
  itemId: number,
  form: Record<string, unknown> = {},
): Promise<PortfolioEntry> {
  const [item] = await deps.db
    .select({ id: items.id, title: items.title, url: items.canonicalUrl })
    .from(items)
    .where(and(eq(items.id, itemId), eq(items.personId, personId), isNull(items.deletedAt)));
  if (!item) throw new NotFoundError("item", "Only your own posts on the hub can be added to your portfolio.");
  const existing = await findItemEntry(deps, personId, item.id, item.url);
  if (existing) return existing;
  const now = deps.now();
  const [e] = await deps.db
    .insert(portfolioEntries)
    .values({
      personId,
      itemId: item.id,
      url: item.url,
      title: item.title || item.url,
      kind: "item",
      reflection: optionalText(form, "reflection", 4000),
      visibility: readChoice(form.visibility, plsVisibilities, "visibility", "private"),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await restoreLinks(deps, e!);
  return e!;
}

/** Adds a project, a repository or a credential elsewhere, by its http(s) URL. */
export async function addExternalEntry(deps: PlsDeps, personId: number, form: Record<string, unknown>): Promise<PortfolioEntry> {
  const { url, title } = readFields({
    url: () => readHttpUrl(form.url, "url", "Link", true)!,
    title: () => requireText(form, "title", "Title", 200),
  });
  const now = deps.now();
  const [e] = await deps.db
    .insert(portfolioEntries)
    .values({
      personId,
      url,
      title,
      kind: "external",
      reflection: optionalText(form, "reflection", 4000),
      visibility: readChoice(form.visibility, plsVisibilities, "visibility", "private"),
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await restoreLinks(deps, e!);
  return e!;
}

export async function updateEntry(deps: PlsDeps, personId: number, id: number, form: Record<string, unknown>): Promise<PortfolioEntry> {
  const before = await getEntry(deps, personId, id);
  const merged = { title: before.title, reflection: before.reflection, visibility: before.visibility, ...form };
  const [e] = await deps.db
    .update(portfolioEntries)
    .set({
      title: requireText(merged, "title", "Title", 200),
      reflection: optionalText(merged, "reflection", 4000),
      visibility: readChoice(merged.visibility, plsVisibilities, "visibility", before.visibility),
      updatedAt: deps.now(),
    })
    .where(eq(portfolioEntries.id, id))
    .returning();
  return e!;
}

/** Five bound parameters a row: 20 rows keep a statement inside D1's 100. */
const LINK_ROWS_PER_STATEMENT = 20;

/** Removes an entry; its objective links are remembered by its URL, for when it is added again. */
export async function deleteEntry(deps: PlsDeps, personId: number, id: number): Promise<void> {
  const e = await getEntry(deps, personId, id);
  const links = await deps.db.select().from(portfolioLinks).where(eq(portfolioLinks.entryId, e.id));
  // Merged into what is remembered for the URL already (two entries may share a link): the newest wins.
  const remember = chunks(links, LINK_ROWS_PER_STATEMENT).map((part) =>
    deps.db
      .insert(removedEntryLinks)
      .values(part.map((l) => ({ personId, url: e.url, objectiveId: l.objectiveId, auto: l.auto, removed: l.removed })))
      .onConflictDoUpdate({
        target: [removedEntryLinks.personId, removedEntryLinks.url, removedEntryLinks.objectiveId],
        set: { auto: sql`excluded.auto`, removed: sql`excluded.removed` },
      }),
  );
  await deps.db.batch([deps.db.delete(portfolioEntries).where(eq(portfolioEntries.id, id)), ...remember]);
}

/** A re-added entry gets back the objective links it had when it was removed (and hand-unlinks stay unlinked). */
async function restoreLinks(deps: PlsDeps, e: PortfolioEntry): Promise<void> {
  const remembered = await deps.db
    .select()
    .from(removedEntryLinks)
    .where(and(eq(removedEntryLinks.personId, e.personId), eq(removedEntryLinks.url, e.url)));
  if (!remembered.length) return;
  const restore = chunks(remembered, LINK_ROWS_PER_STATEMENT).map((part) =>
    deps.db
      .insert(portfolioLinks)
      .values(part.map((l) => ({ entryId: e.id, objectiveId: l.objectiveId, auto: l.auto, removed: l.removed })))
      .onConflictDoNothing(),
  );
  await deps.db.batch([
    deps.db.delete(removedEntryLinks).where(and(eq(removedEntryLinks.personId, e.personId), eq(removedEntryLinks.url, e.url))),
    ...restore,
  ]);
}

/** Links by hand; this also undoes an earlier unlink. */
export async function linkEntry(deps: PlsDeps, personId: number, entryId: number, objectiveId: number): Promise<void> {
  const e = await getEntry(deps, personId, entryId);
  const o = await getObjective(deps, personId, objectiveId);
  await deps.db
    .insert(portfolioLinks)
    .values({ entryId, objectiveId, auto: false, removed: false })
    .onConflictDoUpdate({ target: [portfolioLinks.entryId, portfolioLinks.objectiveId], set: { auto: false, removed: false } });
  await touchObjective(deps, objectiveId);
  await recordChange(deps, personId, objectiveId, `Linked "${e.title}" as evidence for "${o.title}"`);
}

/** Unlinks by hand. The row stays, marked removed, so tag matching never links the pair again. */
export async function unlinkEntry(deps: PlsDeps, personId: number, entryId: number, objectiveId: number): Promise<void> {
  const e = await getEntry(deps, personId, entryId);
  const o = await getObjective(deps, personId, objectiveId);
  await deps.db
    .insert(portfolioLinks)
    .values({ entryId, objectiveId, auto: false, removed: true })
    .onConflictDoUpdate({ target: [portfolioLinks.entryId, portfolioLinks.objectiveId], set: { removed: true } });
  await recordChange(deps, personId, objectiveId, `Unlinked "${e.title}" from "${o.title}"`);
}

/** The active objectives of these people that carry tags: what tag matching links posts to. */
async function taggedActiveObjectives(deps: Pick<PlsDeps, "db">, personIds: number[]): Promise<Objective[]> {
  if (!personIds.length) return [];
  const rows = await deps.db
    .select()
    .from(objectives)
    .where(and(inArray(objectives.personId, personIds), eq(objectives.status, "active")));
  return rows.filter((o) => o.tags.length > 0);
}

/**
 * Links each of these items (the learner's own, checked by the caller) to the active objectives
 * whose tags it carries, adding it to the portfolio first. Idempotent; a link the learner removed
 * by hand is never made again. Returns how many links it made.
 */
async function linkTagged(
  deps: PlsDeps,
  personId: number,
  active: Objective[],
  candidates: { id: number; tags: string[] }[],
): Promise<number> {
  let made = 0;
  for (const item of candidates) {
    const tags = new Set(item.tags.map(normaliseTag));
    const serves = active.filter((o) => o.tags.some((t) => tags.has(t)));
    if (!serves.length) continue;
    const entry = await addItemEntry(deps, personId, item.id);
    for (const o of serves) {
      // DO NOTHING on conflict: an existing link (by hand, automatic, or removed) is left as it is.
      const inserted = await deps.db
        .insert(portfolioLinks)
        .values({ entryId: entry.id, objectiveId: o.id, auto: true, removed: false })
        .onConflictDoNothing()
        .returning({ entryId: portfolioLinks.entryId });
      made += inserted.length;
    }
  }
  return made;
}

/**
 * Linking without effort: every one of the learner's own items (any course, not deleted) that
 * carries a tag of one of their active objectives becomes (or joins) a portfolio entry linked to
 * that objective. Idempotent; a link the learner removed by hand is never made again.
 * Returns how many links it made.
 */
export async function autoLinkByTags(deps: PlsDeps, personId: number): Promise<number> {
  const active = await taggedActiveObjectives(deps, [personId]);
  if (!active.length) return 0;
  const mine = await deps.db
    .select({ id: items.id, tags: items.tags })
    .from(items)
    .where(and(eq(items.personId, personId), isNull(items.deletedAt)));
  return linkTagged(deps, personId, active, mine);
}

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_LOOKUP = 90;

/** The same rules as autoLinkByTags, for a few of the learner's items only (others' ids are ignored). */
export async function autoLinkItems(deps: PlsDeps, personId: number, itemIds: number[]): Promise<number> {
  if (!itemIds.length) return 0;
  const active = await taggedActiveObjectives(deps, [personId]);
  if (!active.length) return 0;
  let made = 0;
  for (let i = 0; i < itemIds.length; i += IDS_PER_LOOKUP) {
    const chosen = await deps.db
      .select({ id: items.id, tags: items.tags })
      .from(items)
      .where(and(inArray(items.id, itemIds.slice(i, i + IDS_PER_LOOKUP)), eq(items.personId, personId), isNull(items.deletedAt)));
    made += await linkTagged(deps, personId, active, chosen);
  }
  return made;
}

/**
 * After ingest: the posts these learners got new on the hub become evidence for their active
 * objectives (the rules of autoLinkItems). Only posts first seen by these writes count, so a learner who
 * deleted an entry does not see it come back at every poll of a feed that still lists the post;
 * a tag added to an older post is picked up when the objective is next saved (autoLinkByTags).
 * One query when none of these learners has an active tagged objective, the usual case.
 */
export async function autoLinkNewItems(deps: PlsDeps, writes: LearnerPostWrite[]): Promise<number> {
  const persons = [...new Set(writes.flatMap((w) => w.personIds))];
  // Each learner's active tagged objectives, read once: they decide who is looked at and what links.
  const objectivesOf = new Map<number, Objective[]>();
  for (let i = 0; i < persons.length; i += IDS_PER_LOOKUP) {
    for (const o of await taggedActiveObjectives(deps, persons.slice(i, i + IDS_PER_LOOKUP))) {
      objectivesOf.set(o.personId, [...(objectivesOf.get(o.personId) ?? []), o]);
    }
  }
  if (!objectivesOf.size) return 0;
  // Per course: the earliest write and its learners who plan (the (course, person, …) index serves it).
  const byCourse = new Map<number, { at: Date; personIds: Set<number> }>();
  for (const w of writes) {
    const wanted = w.personIds.filter((p) => objectivesOf.has(p));
    if (!wanted.length) continue;
    const seen = byCourse.get(w.courseId);
    if (!seen) byCourse.set(w.courseId, { at: w.at, personIds: new Set(wanted) });
    else {
      if (w.at < seen.at) seen.at = w.at;
      for (const p of wanted) seen.personIds.add(p);
    }
  }
  const newItems = new Map<number, { id: number; tags: string[] }[]>();
  for (const [courseId, { at, personIds }] of byCourse) {
    const ids = [...personIds];
    for (let i = 0; i < ids.length; i += IDS_PER_LOOKUP) {
      const rows = await deps.db
        .select({ id: items.id, personId: items.personId, tags: items.tags })
        .from(items)
        .where(
          and(
            eq(items.courseId, courseId),
            inArray(items.personId, ids.slice(i, i + IDS_PER_LOOKUP)),
            gte(items.firstSeenAt, at),
            isNull(items.deletedAt),
          ),
        );
      for (const r of rows) newItems.set(r.personId!, [...(newItems.get(r.personId!) ?? []), r]);
    }
  }
  let made = 0;
  for (const [personId, mine] of newItems) made += await linkTagged(deps, personId, objectivesOf.get(personId)!, mine);
  return made;
}

/** The entries currently linked to an objective (hand-removed links excluded). */
export async function evidenceFor(
  deps: Pick<PlsDeps, "db">,
  objectiveIds: number[],
): Promise<Map<number, (PortfolioEntry & { auto: boolean })[]>> {
  const out = new Map<number, (PortfolioEntry & { auto: boolean })[]>(objectiveIds.map((id) => [id, []]));
  if (!objectiveIds.length) return out;
  const rows = await deps.db
    .select({ entry: portfolioEntries, objectiveId: portfolioLinks.objectiveId, auto: portfolioLinks.auto })
    .from(portfolioLinks)
    .innerJoin(portfolioEntries, eq(portfolioEntries.id, portfolioLinks.entryId))
    .where(and(inArray(portfolioLinks.objectiveId, objectiveIds), eq(portfolioLinks.removed, false)))
    .orderBy(asc(portfolioEntries.id));
  for (const r of rows) out.get(r.objectiveId)!.push({ ...r.entry, auto: r.auto });
  return out;
}

/** Achieved objectives, newest first, each with its evidence: the learner's achievements. */
export async function listAchievements(
  deps: Pick<PlsDeps, "db">,
  personId: number,
): Promise<{ objective: Objective; evidence: (PortfolioEntry & { auto: boolean })[] }[]> {
  const achieved = (
    await deps.db
      .select()
      .from(objectives)
      .where(and(eq(objectives.personId, personId), eq(objectives.status, "achieved")))
  ).sort((a, b) => (b.achievedAt?.getTime() ?? 0) - (a.achievedAt?.getTime() ?? 0));
  const evidence = await evidenceFor(
    deps,
    achieved.map((o) => o.id),
  );
  return achieved.map((objective) => ({ objective, evidence: evidence.get(objective.id) ?? [] }));
}
