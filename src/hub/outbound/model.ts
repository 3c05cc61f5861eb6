// One outbound feed, before it is written as RSS, Atom or JSON Feed: the three
// formats say the same things, so they are built from the same model. Entries
// are pointers, like the items they come from: title, link to the original,
// the ≤ 280-character excerpt (or the content warning instead), author, dates
// and tags. Never the post's content.
import type { ItemKind } from "../../db/schema.js";
import { authorName, hasOwnTitle, untitledLabel } from "../../views/author-name.js";
import type { AlsoOn, FlowItem } from "../flow.js";
import { cleanText, webUrlOrNull } from "./text.js";

export const feedFormats = ["rss", "atom", "json"] as const;
export type FeedFormat = (typeof feedFormats)[number];

export const FEED_CONTENT_TYPES: Record<FeedFormat, string> = {
  rss: "application/rss+xml",
  atom: "application/atom+xml",
  json: "application/feed+json",
};

export const FEED_FORMAT_NAMES: Record<FeedFormat, string> = { rss: "RSS", atom: "Atom", json: "JSON Feed" };

export interface SpotlightNote {
  note: string;
  curator: string | null;
  at: Date;
  position: number;
}

export interface OutboundEntry {
  /** The post's canonical URL: stable, and unique within a course. */
  id: string;
  url: string;
  /** The post's own title; for a social post (`titled` false) a label naming it, for formats that need one. */
  title: string;
  titled: boolean;
  /** Plain text: the excerpt, or the content warning notice instead of it. */
  summary: string;
  contentWarning: string | null;
  authorName: string;
  authorUrl: string | null;
  published: Date;
  updated: Date;
  /**
   * When the entry last changed in this list, as the hub saw it: its update,
   * or when the hub first read it (an old post read today is news to the feed).
   */
  changed: Date;
  categories: string[];
  kind: ItemKind;
  alsoOn: AlsoOn[];
  /** Spotlight feeds: why a curator chose the post. */
  spotlight: SpotlightNote | null;
}

export interface OutboundFeed {
  /** A tag: URI (RFC 4151), stable as long as the hub's host and the course's short name are. */
  id: string;
  title: string;
  description: string;
  /** The HTML page this feed is the list of. */
  pageUrl: string;
  /** Where each format of this feed lives (self links). */
  feedUrls: Record<FeedFormat, string>;
  /** The newest `changed` among the entries (for an empty feed: when the course was made); also the Last-Modified. */
  updated: Date;
  entries: OutboundEntry[];
}

/** The entry's plain-text body, in order: the curator's note, then the excerpt or the content warning. */
export function entryText(e: Pick<OutboundEntry, "summary" | "spotlight">): string[] {
  const parts: string[] = [];
  if (e.spotlight?.note)
    parts.push(`Why it is in the Spotlight${e.spotlight.curator ? ` (${e.spotlight.curator})` : ""}: ${e.spotlight.note}`);
  if (e.summary) parts.push(e.summary);
  return parts;
}

/**
 * A list item as a feed entry. `publicUrl` makes the learner profile links absolute; `learnerName`
 * is the name the course knows the post's learner by (their account's, or the roster's), which
 * the feed shows as the author, as the pages do.
 */
export function entryOf(
  item: FlowItem,
  publicUrl: string,
  spotlight: SpotlightNote | null = null,
  learnerName: string | null = null,
): OutboundEntry {
  const author = cleanText(authorName(item, learnerName && item.personId !== null ? { [item.personId]: learnerName } : null)).trim();
  // A toot or a skeet has no title of its own: the feed names it (Atom needs a title) and gives
  // its text once, as the pages do, rather than a title cut from that same text.
  const titled = hasOwnTitle(item);
  const title = titled
    ? cleanText(item.title).trim() || cleanText(item.excerpt).slice(0, 80).trim() || "Untitled post"
    : untitledLabel(author, item.kind);
  const warning = item.contentWarning ? cleanText(item.contentWarning).trim() : "";
  // A social post's text is its excerpt (its stored title is only the text's first words).
  const excerpt = cleanText(item.excerpt).trim() || (titled ? "" : cleanText(item.title).trim());
  // Like the course pages: a content warning is shown instead of the text, and an
  // excerpt that only repeats the title is left out.
  const summary = warning
    ? `Content warning: ${warning}. Read it at the source if you choose to.`
    : excerpt && (!titled || excerpt !== title)
      ? excerpt
      : "";
  const profile = item.personId !== null ? new URL(`/people/${item.personId}`, publicUrl).toString() : null;
  const updatedAt = latest(item.updatedAt, item.publishedAt);
  const updated = latest(spotlight?.at, updatedAt);
  return {
    id: item.canonicalUrl,
    url: item.canonicalUrl,
    title,
    titled,
    summary,
    contentWarning: warning || null,
    authorName: author,
    authorUrl: webUrlOrNull(item.authorUrl) ?? profile,
    published: item.publishedAt,
    // A Spotlight entry changes when a curator chooses the post.
    updated,
    changed: latest(item.firstSeenAt, updated),
    categories: item.tags.map(cleanText).filter(Boolean),
    kind: item.kind,
    alsoOn: item.alsoOn.filter((a) => webUrlOrNull(a.url)),
    spotlight: spotlight
      ? { ...spotlight, note: cleanText(spotlight.note).trim(), curator: spotlight.curator ? cleanText(spotlight.curator) : null }
      : null,
  };
}

function latest(a: Date | null | undefined, b: Date): Date {
  return a && a > b ? a : b;
}

/** The newest `changed` among the entries, or `fallback` when there are none. */
export function newestChange(entries: OutboundEntry[], fallback: Date): Date {
  let newest: Date | null = null;
  for (const e of entries) if (!newest || e.changed > newest) newest = e.changed;
  return newest ?? fallback;
}

/**
 * A tag: URI (RFC 4151) for a list of the course: the hub's host name as the
 * tagging authority, dated the day the course was made, and the list's path.
 */
export function tagUri(publicUrl: string, courseCreatedAt: Date, path: string): string {
  const host = new URL(publicUrl).hostname.toLowerCase();
  return `tag:${host},${courseCreatedAt.toISOString().slice(0, 10)}:${path}`;
}
