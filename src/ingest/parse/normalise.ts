// The last step shared by every feed format: plain-text fields → a
// NormalisedEntry (title fallback, tags, excerpt, id fallback), plus the small
// rules for URLs and author names that RSS, Atom and JSON Feed have in common.

import type { NormalisedEntry } from "../entry.js";
import { hashtagsIn, normaliseTag } from "../tags.js";
import { collapseWhitespace, excerpt } from "./html-text.js";

export interface EntryParts {
  /** GUID / Atom id / JSON Feed id as the feed gives it, if any. */
  id: string | null;
  url: string | null;
  /** Plain-text title, possibly empty. */
  title: string;
  /** Plain text of the content (or summary), white space already collapsed. */
  text: string;
  published: Date | null;
  updated: Date | null;
  author: string | null;
  categories: string[];
  /** Syndication links the entry lists (absolute http(s)). */
  syndication?: string[];
}

// XML 1.0 §2.2 forbids these characters, but the parser lets them through;
// they never reach a stored field.
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]/;
const CONTROLS = new RegExp(CONTROL.source, "g");

function dropControls(s: string): string {
  return CONTROL.test(s) ? s.replace(CONTROLS, "") : s;
}

/** White space collapsed, forbidden control characters dropped: for the short fields we store. */
export function cleanText(s: string): string {
  return collapseWhitespace(dropControls(s));
}

export function finishEntry(p: EntryParts): NormalisedEntry {
  const text = p.text;
  const title = cleanText(p.title) || cleanText(excerpt(text, 80)) || "(untitled)";
  const categories = [...new Set(p.categories.map(cleanText).filter(Boolean))];
  const tags = [...new Set([...categories.map(normaliseTag), ...hashtagsIn(title), ...hashtagsIn(text)])].filter(Boolean);
  // Missing GUIDs fall back to the link; duplicate ids are kept (the store keys entries by URL).
  const id = p.id?.trim() || p.url || title;
  return {
    id,
    url: p.url,
    title,
    published: p.published,
    updated: p.updated,
    author: p.author && (cleanText(p.author) || null),
    categories,
    tags,
    text,
    excerpt: dropControls(excerpt(text)), // excerpt() has collapsed the white space
    ...(p.syndication?.length ? { syndication: [...new Set(p.syndication)].slice(0, 8) } : {}),
  };
}

/** Resolves `ref` against `base` (RFC 3986 §5); null when the result is not an absolute URL. */
export function resolveUrl(ref: string, base: string | null): string | null {
  const r = ref.trim();
  if (!r) return base;
  try {
    return new URL(r, base ?? undefined).href;
  } catch {
    return null;
  }
}

/** An absolute http(s) URL for `link`, or null: other schemes (javascript:, data:) never become pointers. */
export function webUrl(link: string, base: string | null): string | null {
  const l = link.trim();
  if (!l) return null;
  try {
    const u = new URL(l, base ?? undefined);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export function isWebUrl(s: string): boolean {
  return /^https?:\/\/\S/i.test(s.trim());
}

const EMAIL = /^(?:mailto:)?[^\s@()<>]+@[^\s@()<>]+$/i;

/**
 * The author's name without an e-mail address. RSS 2.0 <author> is an address,
 * usually written "mail@x (Name)"; feeds also send "Name <mail@x>" and "Name (mail@x)".
 * A bare address yields null.
 */
export function authorName(raw: string): string | null {
  const s = collapseWhitespace(raw);
  if (!s) return null;
  const angle = /^(.*?)\s*<([^<>]*)>$/.exec(s);
  if (angle?.[1]) return angle[1].replace(/^["']|["']$/g, "").trim() || null;
  const paren = /^(.*?)\s*\(([^()]*)\)$/.exec(s);
  if (paren) {
    const [, outside, inside] = paren as unknown as [string, string, string];
    if (EMAIL.test(outside) && inside.trim()) return inside.trim();
    if (outside && EMAIL.test(inside)) return outside;
  }
  if (EMAIL.test(s)) return null;
  return (
    s
      .replace(/(?:mailto:)?[^\s@()<>]+@[^\s@()<>]+/gi, "")
      .replace(/\(\s*\)|<\s*>/g, "")
      .trim() || null
  );
}
