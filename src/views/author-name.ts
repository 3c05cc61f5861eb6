// The one name a post's author goes by, on the course pages, in Focus and in the outbound feeds:
// the name the course knows its learner by (their account's, or the roster's), else the name and
// handle the source gave, else where it came from. One function, so no two places disagree.
import type { ItemKind } from "../db/schema.js";

export interface Authored {
  personId: number | null;
  kind: ItemKind;
  authorName: string | null;
  authorHandle: string | null;
  canonicalUrl: string;
}

const WHERE: Record<ItemKind, string> = { blog: "a blog", mastodon: "Mastodon", bluesky: "Bluesky" };

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return "";
  }
}

/** `names`: person id → the name the course knows them by (hub/roster.ts namesOf). */
export function authorName(item: Authored, names: Record<number, string> | null | undefined): string {
  const learner = item.personId !== null ? names?.[item.personId] : undefined;
  const given = (learner || item.authorName || item.authorHandle || "").trim();
  if (given) return given;
  return (item.kind === "blog" && hostOf(item.canonicalUrl)) || `Someone on ${WHERE[item.kind]}`;
}

/** Social posts carry no title of their own: the hub shows their text, not a title made of it. */
export function hasOwnTitle(item: { kind: ItemKind }): boolean {
  return item.kind === "blog";
}

/** What names a post with no title of its own, for headings and formats that need one. */
export function untitledLabel(author: string, kind: ItemKind): string {
  return `Post by ${author} on ${WHERE[kind]}`;
}

/** A post's heading: its own title, or for a social post the label naming it. */
export function postLabel(item: Authored & { title: string }, names: Record<number, string> | null | undefined): string {
  return hasOwnTitle(item) ? item.title || item.canonicalUrl : untitledLabel(authorName(item, names), item.kind);
}
