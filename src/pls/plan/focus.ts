// Focus: the posts in the learner's courses that serve their active objectives, best first.
// Ranked by how many of the objectives' tags a post carries, then by how well its title and
// excerpt match the objectives' words (FTS5 bm25 over items_fts, migrations/0005_search.sql),
// then by recency. A post that matches nothing is left out; each result says which objective
// it serves and why.
import { and, desc, eq, gte, inArray, sql } from "drizzle-orm";
import { courses, courseTags, type Item, items, type Objective, objectives } from "../../db/schema.js";
import { visibleIn } from "../../hub/flow.js";
import { normaliseTag } from "../../ingest/tags.js";
import type { PlsDeps } from "../deps.js";
import { myCourseIds } from "./my-courses.js";

/**
 * The query is bounded: per course, only posts of the last 90 days, and at most the newest 2,000
 * of them, are candidates. Focus is about what is going on now, and the cost of a page stays flat
 * however large a course's archive grows.
 */
export const FOCUS_WINDOW_DAYS = 90;
export const FOCUS_MAX_PER_COURSE = 2000;
export const FOCUS_DEFAULT_LIMIT = 30;
/** An FTS5 expression of a few dozen OR-ed words is cheap; hundreds are not. */
const MAX_WORDS = 40;
const MAX_WORDS_PER_OBJECTIVE = 15;

/** Words too common to say what a post is about. */
const STOPWORDS = new Set(
  (
    "about above after again all also and any are because been before being below between both but can could did does doing down during each few " +
    "for from further get got had has have having her here hers him his how into its just like make made more most much must myself not now off " +
    "once only other our ours out over own same she should some such than that the their theirs them then there these they this those through too " +
    "under until very was way well were what when where which while who whom why will with would you your yours want wants need needs better good " +
    "learn learning know use using one two new work able really thing things lot"
  ).split(" "),
);

/** Folds a text into the words FTS5's unicode61 tokenizer (remove_diacritics 2) indexes: lower-case letter/digit runs, accents removed. */
export function textWords(text: string): string[] {
  const folded = text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
  return folded.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The words of an objective worth matching: from its title, why and tags, minus stop words and course tags. */
function objectiveWords(o: Objective, ignore: Set<string>): string[] {
  const words = textWords(`${o.title} ${o.why} ${o.tags.join(" ")}`).filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !ignore.has(w));
  return [...new Set(words)].slice(0, MAX_WORDS_PER_OBJECTIVE);
}

type Candidate = Pick<
  Item,
  | "id"
  | "courseId"
  | "personId"
  | "kind"
  | "title"
  | "excerpt"
  | "tags"
  | "canonicalUrl"
  | "publishedAt"
  | "authorName"
  | "authorHandle"
  | "contentWarning"
>;

export interface FocusMatch {
  objective: Pick<Objective, "id" | "title">;
  /** The objective's tags the post carries. */
  tags: string[];
  /** The objective's words found in the post's title or excerpt. */
  words: string[];
}

export interface FocusItem {
  item: Candidate;
  course: { id: number; slug: string; title: string };
  /** The learner's own post. */
  yours: boolean;
  /** Distinct tags of active objectives the post carries (the first ranking key). */
  tagCount: number;
  /** bm25 of the post against all the objectives' words (lower is better), or null with no word match. */
  textRank: number | null;
  /** The objective it serves best, then any others it serves too. */
  serves: FocusMatch;
  also: FocusMatch[];
  /** Plain reasons for `serves`: "tag #datavis", "words: chart, colour". */
  reasons: string[];
}

export async function focusItems(deps: PlsDeps, personId: number, opts: { limit?: number } = {}): Promise<FocusItem[]> {
  const { db } = deps;
  const limit = opts.limit ?? FOCUS_DEFAULT_LIMIT;
  const active = await db
    .select()
    .from(objectives)
    .where(and(eq(objectives.personId, personId), eq(objectives.status, "active")));
  const courseIds = await myCourseIds(deps, personId);
  if (!active.length || !courseIds.length) return [];

  const courseRows = await db
    .select({ id: courses.id, slug: courses.slug, title: courses.title })
    .from(courses)
    .where(inArray(courses.id, courseIds));
  const courseById = new Map(courseRows.map((c) => [c.id, c]));
  // A course's own hashtag is on every one of its posts, so it says nothing about what a post serves.
  const tagRows = await db.select().from(courseTags).where(inArray(courseTags.courseId, courseIds));
  const courseTagsOf = new Map<number, Set<string>>(courseIds.map((id) => [id, new Set()]));
  for (const r of tagRows) courseTagsOf.get(r.courseId)!.add(r.tag);
  const anyCourseTag = new Set(tagRows.map((r) => r.tag));

  const since = new Date(deps.now().getTime() - FOCUS_WINDOW_DAYS * 86_400_000);
  const columns = {
    id: items.id,
    courseId: items.courseId,
    personId: items.personId,
    kind: items.kind,
    title: items.title,
    excerpt: items.excerpt,
    tags: items.tags,
    canonicalUrl: items.canonicalUrl,
    publishedAt: items.publishedAt,
    authorName: items.authorName,
    authorHandle: items.authorHandle,
    contentWarning: items.contentWarning,
  };
  // One query per course, each through the Flow's own visibility rule and its (course, published) index.
  const perCourse = await Promise.all(
    courseIds.map((id) =>
      db
        .select(columns)
        .from(items)
        .where(and(visibleIn(id), gte(items.publishedAt, since)))
        .orderBy(desc(items.publishedAt), desc(items.id))
        .limit(FOCUS_MAX_PER_COURSE),
    ),
  );
  const candidates = perCourse.flat();
  if (!candidates.length) return [];

  const wordsOf = new Map(active.map((o) => [o.id, objectiveWords(o, anyCourseTag)]));
  const allWords = [...new Set(active.flatMap((o) => wordsOf.get(o.id)!))].slice(0, MAX_WORDS);
  const textRank = await rankByWords(
    deps,
    allWords,
    candidates.map((c) => c.id),
  );

  const results: FocusItem[] = [];
  for (const item of candidates) {
    const ignore = courseTagsOf.get(item.courseId)!;
    const itemTags = new Set(item.tags.map(normaliseTag).filter((t) => !ignore.has(t)));
    const rank = textRank.get(item.id) ?? null;
    const postWords = rank === null ? new Set<string>() : new Set(textWords(`${item.title} ${item.excerpt}`));
    const matches: FocusMatch[] = active
      .map((o) => ({
        objective: { id: o.id, title: o.title },
        tags: o.tags.filter((t) => itemTags.has(t)),
        words: wordsOf.get(o.id)!.filter((w) => postWords.has(w)),
      }))
      .filter((m) => m.tags.length || m.words.length);
    const tagCount = new Set(matches.flatMap((m) => m.tags)).size;
    if (!tagCount && rank === null) continue;
    matches.sort((a, b) => b.tags.length - a.tags.length || b.words.length - a.words.length || a.objective.id - b.objective.id);
    // FTS5 matched a word our own split did not attribute (a tokenizer corner): still a text match.
    const serves = matches[0] ?? { objective: { id: active[0]!.id, title: active[0]!.title }, tags: [], words: [] };
    results.push({
      item,
      course: courseById.get(item.courseId)!,
      yours: item.personId === personId,
      tagCount,
      textRank: rank,
      serves,
      also: matches.slice(1),
      reasons: reasonsFor(serves),
    });
  }
  results.sort(
    (a, b) =>
      b.tagCount - a.tagCount ||
      (a.textRank ?? Infinity) - (b.textRank ?? Infinity) ||
      b.item.publishedAt.getTime() - a.item.publishedAt.getTime() ||
      b.item.id - a.item.id,
  );
  // The same post may be in two of the learner's courses: show it once, where it ranks best.
  const seen = new Set<string>();
  return results.filter((r) => !seen.has(r.item.canonicalUrl) && seen.add(r.item.canonicalUrl)).slice(0, limit);
}

/** bm25 of each candidate whose title or excerpt holds any of the words (title weighs more). */
async function rankByWords(deps: PlsDeps, words: string[], ids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!words.length || !ids.length) return out;
  // Each word is an FTS5 string (our words are letters and digits only, so nothing is an operator);
  // the column filter keeps authors' names out of it (https://sqlite.org/fts5.html#column_filters).
  const match = `{title excerpt} : (${words.map((w) => `"${w}"`).join(" OR ")})`;
  const oldest = ids.reduce((a, b) => Math.min(a, b));
  // MATCH runs once, materialised, and only over rowids from the oldest candidate on (FTS5 seeks
  // its doclists by rowid), then the candidates are picked out of it. Putting "rowid IN (…)" next
  // to MATCH instead makes SQLite run the full-text query once per candidate: 25 s, not 30 ms, for
  // 2,000 candidates among 50,000 posts. The candidates travel as one JSON parameter: D1 allows
  // at most 100 bound parameters.
  const rows = await deps.db.all<{ id: number; rank: number }>(sql`
    WITH m AS MATERIALIZED (
      SELECT rowid AS id, bm25(items_fts, 8.0, 3.0, 0.0, 0.0, 0.0) AS rank FROM items_fts
      WHERE items_fts MATCH ${match} AND rowid >= ${oldest}
    )
    SELECT id, rank FROM m WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  for (const r of rows) out.set(Number(r.id), Number(r.rank));
  return out;
}

function reasonsFor(m: FocusMatch): string[] {
  const reasons: string[] = [];
  if (m.tags.length) reasons.push(`${m.tags.length > 1 ? "tags" : "tag"} ${m.tags.map((t) => `#${t}`).join(", ")}`);
  if (m.words.length) reasons.push(`words: ${m.words.join(", ")}`);
  if (!reasons.length) reasons.push("words in its title or excerpt");
  return reasons;
}
