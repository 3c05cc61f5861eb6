// JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) → a normalised
// feed. Small enough to read ourselves; rss-parser does not know the format.

import type { NormalisedEntry, NormalisedFeed } from "../entry.js";
import { IngestError } from "../errors.js";
import { parseDate } from "./dates.js";
import { collapseWhitespace, htmlToText } from "./html-text.js";
import { authorName, cleanText, finishEntry, isWebUrl, resolveUrl, webUrl } from "./normalise.js";

type Json = Record<string, unknown>;

const VERSION = /^https?:\/\/(?:www\.)?jsonfeed\.org\/version\/1(?:\.\d+)?\/?$/i;

function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : "";
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON Feed 1.1 `authors` (a list) or 1.0 `author` (one object): the first name given. */
function authorOf(o: Json): string | null {
  const list = Array.isArray(o.authors) ? o.authors : [o.author];
  for (const a of list) {
    if (isObject(a)) {
      const name = authorName(str(a.name));
      if (name) return name;
    }
  }
  return null;
}

function itemOf(item: Json, base: string | null, feedAuthor: string | null): NormalisedEntry {
  const id = str(item.id).trim() || null;
  // `url` is the item's permalink; an id that is a web address may stand in for it (§ Items, "id").
  const url = webUrl(str(item.url), base) ?? (id && isWebUrl(id) ? webUrl(id, null) : null);
  const html = str(item.content_html);
  const text = (html ? htmlToText(html) : "") || collapseWhitespace(str(item.content_text) || str(item.summary));
  const tags = Array.isArray(item.tags) ? item.tags.map(str) : [];
  return finishEntry({
    id,
    url,
    title: collapseWhitespace(str(item.title)), // plain text in JSON Feed
    text,
    published: parseDate(str(item.date_published)),
    updated: parseDate(str(item.date_modified)),
    author: authorOf(item) ?? feedAuthor,
    categories: tags,
  });
}

/** True when the text is a JSON object (the caller then reads it as JSON Feed). */
export function looksLikeJson(text: string): boolean {
  return text.charCodeAt(0) === 123; // "{"
}

export function parseJsonFeed(text: string, feedUrl: string | null): NormalisedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new IngestError("not_a_feed", "This looks like a JSON Feed but is not valid JSON, so it cannot be read.");
  }
  if (!isObject(doc) || !VERSION.test(str(doc.version))) {
    throw new IngestError("not_a_feed", 'This address returns JSON, but not a JSON Feed (its "version" is not a jsonfeed.org address).');
  }
  if (doc.items !== undefined && !Array.isArray(doc.items)) {
    throw new IngestError("not_a_feed", "This JSON Feed has no list of items.");
  }
  const link = webUrl(str(doc.home_page_url), feedUrl);
  // Relative item URLs resolve against the address we fetched, else the feed's own feed_url.
  const base = feedUrl ?? resolveUrl(str(doc.feed_url), null) ?? link;
  const feedAuthor = authorOf(doc);
  const items = (doc.items ?? []) as unknown[];
  return {
    title: cleanText(str(doc.title)),
    link,
    entries: items.filter(isObject).map((item) => itemOf(item, base, feedAuthor)),
  };
}
