// Feed text → a normalised feed. rss-parser (RSS 0.9x/1.0/2.0, Atom) does the
// XML; everything after it is ours, so the rest of the hub never sees
// rss-parser's shapes. We call `parseString` on text we fetched ourselves
// (never `parseURL`), which works the same on Node and in workerd.
import Parser from "rss-parser";
import { IngestError } from "./errors.js";
import { collapseWhitespace, excerpt, htmlToText } from "./html-text.js";
import { hashtagsIn, normaliseTag } from "./tags.js";

export interface NormalisedEntry {
  /** GUID / Atom id, else the link. */
  id: string;
  /** Absolute URL of the post, or null when the entry has none (then it cannot be a pointer). */
  url: string | null;
  title: string;
  published: Date | null;
  updated: Date | null;
  author: string | null;
  /** Categories as the feed gives them (for display and for the feed doctor). */
  categories: string[];
  /** Normalised tags: categories and #hashtags, lower-case, without '#'. */
  tags: string[];
  /** Full plain text, used to find hashtags. Never stored. */
  text: string;
  /** At most 280 characters of plain text, cut at a word. */
  excerpt: string;
}

export interface NormalisedFeed {
  title: string;
  link: string | null;
  entries: NormalisedEntry[];
}

type Raw = Record<string, unknown>;

const parser = new Parser<Raw, Raw>({
  customFields: {
    feed: ["author"],
    item: ["updated", "published", "summary", "dc:date", "author", ["category", "category", { keepArray: true }]],
  },
});

function asText(v: unknown): string {
  if (v == null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return asText(v[0]);
  if (typeof v === "object") {
    const o = v as Raw;
    if ("_" in o) return asText(o._);
    if ("name" in o) return asText(o.name); // Atom <author><name>
    if ("$" in o) {
      const attrs = o.$ as Raw;
      return asText(attrs.term ?? attrs.label ?? attrs.href ?? "");
    }
  }
  return "";
}

function categoriesOf(item: Raw): string[] {
  const raw = (item.categories ?? item.category ?? []) as unknown;
  const list = Array.isArray(raw) ? raw : [raw];
  const out = new Set<string>();
  for (const c of list) {
    const t = collapseWhitespace(htmlToText(asText(c)));
    if (t) out.add(t);
  }
  return [...out];
}

function parseDate(...candidates: unknown[]): Date | null {
  for (const c of candidates) {
    const s = asText(c).trim();
    if (!s) continue;
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return null;
}

function absolute(link: string, base: string | null): string | null {
  const l = link.trim();
  if (!l) return null;
  try {
    const u = new URL(l, base ?? undefined);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

function authorOf(item: Raw, feedAuthor: string | null): string | null {
  const a = collapseWhitespace(asText(item.creator ?? item["dc:creator"] ?? item.author));
  // RSS <author> is an e-mail address, often "mail@x (Name)": keep the name only.
  const named = /\(([^)]+)\)\s*$/.exec(a)?.[1] ?? a.replace(/\S+@\S+/g, "").trim();
  return named || feedAuthor;
}

export async function parseFeed(xml: string, feedUrl: string | null = null): Promise<NormalisedFeed> {
  const trimmed = xml.trimStart();
  if (!trimmed) throw new IngestError("empty", "The feed is empty.");
  if (/^<!doctype html|^<html[\s>]/i.test(trimmed)) {
    throw new IngestError("not_a_feed", "This address returns a web page, not a feed. Use the blog's RSS or Atom feed address.");
  }
  let feed: Raw & { items?: Raw[] };
  try {
    feed = (await parser.parseString(xml)) as Raw & { items?: Raw[] };
  } catch (err) {
    const detail = err instanceof Error ? err.message.split("\n")[0]!.slice(0, 160) : "";
    throw new IngestError("not_a_feed", `This is not a readable RSS or Atom feed${detail ? ` (${detail})` : ""}.`);
  }
  const feedLink = absolute(asText(feed.link), feedUrl);
  const base = feedUrl ?? feedLink;
  const feedAuthor = collapseWhitespace(asText(feed.author)) || null;
  const entries = (feed.items ?? []).map((item) => normaliseEntry(item, base, feedAuthor));
  return { title: collapseWhitespace(htmlToText(asText(feed.title))), link: feedLink, entries };
}

function normaliseEntry(item: Raw, base: string | null, feedAuthor: string | null): NormalisedEntry {
  const url = absolute(asText(item.link), base) ?? (isUrl(asText(item.guid)) ? asText(item.guid).trim() : null);
  const html = asText(item["content:encoded"]) || asText(item.content) || asText(item.summary);
  const text = htmlToText(html);
  const short = excerpt(text);
  const title = htmlToText(asText(item.title)) || excerpt(text, 80) || "(untitled)";
  const categories = categoriesOf(item);
  const tags = [...new Set([...categories.map(normaliseTag), ...hashtagsIn(title), ...hashtagsIn(text)])];
  const published = parseDate(item.isoDate, item.published, item.pubDate, item["dc:date"]);
  const updated = parseDate(item.updated);
  const id = asText(item.guid).trim() || asText(item.id).trim() || url || title;
  return { id, url, title, published, updated, author: authorOf(item, feedAuthor), categories, tags, text, excerpt: short };
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s.trim());
}
