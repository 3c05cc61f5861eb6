// Course tags: how an entry is matched to a course. A tag matches as a
// category/term or as a #hashtag in the title or text, case-insensitively.

/** `#T509Massive ` → `t509massive`. Unicode NFC, lower-case, no leading '#'. */
export function normaliseTag(raw: string): string {
  return raw.normalize("NFC").trim().replace(/^#+/, "").toLowerCase();
}

/** A looser form for comparing categories: "T509 Massive" and "t509-massive" match `t509massive`. */
function squash(tag: string): string {
  return normaliseTag(tag).replace(/[\s_\-.]+/g, "");
}

// A hashtag starts after a non-word character (not inside a URL fragment or an
// entity such as `&#35;`) and runs over letters, digits and underscores.
const HASHTAG = /(?:^|[^\p{L}\p{N}_&/#])#([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)/gu;

export function hashtagsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(HASHTAG)) found.add(normaliseTag(m[1]!));
  return [...found];
}

export interface TagMatch {
  matched: boolean;
  /** Plain-language reason, shown by the feed doctor. */
  reason: string;
}

export function matchCourseTags(entry: { categories: string[]; title: string; text: string }, courseTags: string[]): TagMatch {
  const wanted = courseTags.map(normaliseTag);
  const wantedSquashed = new Set(wanted.map(squash));
  const category = entry.categories.find((c) => wantedSquashed.has(squash(c)));
  if (category !== undefined) return { matched: true, reason: `category "${category}"` };
  const wantedSet = new Set(wanted);
  const inTitle = hashtagsIn(entry.title).find((t) => wantedSet.has(t));
  if (inTitle) return { matched: true, reason: `#${inTitle} in the title` };
  const inText = hashtagsIn(entry.text).find((t) => wantedSet.has(t));
  if (inText) return { matched: true, reason: `#${inText} in the text` };
  const list = wanted.map((t) => `#${t}`).join(" or ");
  return {
    matched: false,
    reason: entry.categories.length
      ? `no category or hashtag ${list} (categories: ${entry.categories.join(", ")})`
      : `no category or hashtag ${list}`,
  };
}

/**
 * Writes every spelling of a course tag ("T509 Massive", "t509-massive") as the
 * course's own tag, so pages and counts show one tag, not several.
 */
export function canonicalTags(tags: string[], courseTags: string[]): string[] {
  const bySquash = new Map(courseTags.map((t) => [squash(t), normaliseTag(t)]));
  return [...new Set(tags.map((t) => bySquash.get(squash(t)) ?? t))];
}
