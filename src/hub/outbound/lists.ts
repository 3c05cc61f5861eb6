// Which course list an outbound feed is: the same lists as the course pages
// (Flow, Blog, Social, Spotlight, a learner, a tag), read through the same
// query (`listItems`), so what is hidden, withdrawn or blocked on the pages is
// absent from the feeds too.
import type { Db } from "../../db/database.js";
import type { Course, ItemKind } from "../../db/schema.js";
import { type ListFilter, listItems } from "../flow.js";
import { namesOf } from "../roster.js";
import { entryOf, type FeedFormat, feedFormats, newestChange, type OutboundEntry, type OutboundFeed, tagUri } from "./model.js";
import { participantName } from "./participants.js";
import { cleanText } from "./text.js";

/** Entries per feed: the newest; feed readers keep what they have already read. */
export const FEED_SIZE = 50;

export type FeedList =
  | { kind: "flow"; filter?: FlowFilter }
  | { kind: "blog" }
  | { kind: "social" }
  | { kind: "spotlight" }
  | { kind: "person"; personId: number }
  | { kind: "tag"; tag: string };

/** A narrowed Flow, as its page reads `?kind=blog&person=3&tag=x`. */
export interface FlowFilter {
  kind?: ItemKind;
  personId?: number;
  tag?: string;
}

/** The Flow filter as a query string in one fixed order (`""` for none), so one filter is one feed. */
export function flowQuery(filter: FlowFilter | undefined): string {
  const q = new URLSearchParams();
  if (filter?.kind) q.set("kind", filter.kind);
  if (filter?.personId !== undefined) q.set("person", String(filter.personId));
  if (filter?.tag) q.set("tag", filter.tag);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The list's path under the course (`""` for the Flow), as the course pages use it. */
export function listPath(list: FeedList): string {
  switch (list.kind) {
    case "flow":
      return "";
    case "blog":
      return "/blog";
    case "social":
      return "/social";
    case "spotlight":
      return "/spotlight";
    case "person":
      return `/people/${list.personId}`;
    case "tag":
      return `/tags/${encodeURIComponent(list.tag)}`;
  }
}

export function coursePath(slug: string): string {
  return `/c/${encodeURIComponent(slug)}`;
}

export function feedPath(slug: string, path: string, format: FeedFormat): string {
  return `${coursePath(slug)}${path}/feed.${format}`;
}

/** What a Flow narrowed to one kind shows, in words: the page's filter summary and the feed's title. */
export const KIND_LABEL: Record<ItemKind, string> = { blog: "blog posts", mastodon: "Mastodon posts", bluesky: "Bluesky posts" };

/** A tag with feeds: any tag a page lists ("learning design", "reading-notes"), up to 100 characters, no controls. */
export const FEED_TAG = /^[^\p{Cc}]{1,100}$/u;

const POINTERS = "Each entry links to the post where it lives, on its author's own blog or account; the hub keeps only a pointer.";

interface Loaded {
  title: string;
  description: string;
  entries: OutboundEntry[];
}

/** Spotlight entries, as src/hub/spotlight.ts lists them; null while the Spotlight is not wired in. */
export type SpotlightLoader = (db: Db, course: Course, limit: number, publicUrl: string) => Promise<OutboundEntry[]>;

async function load(db: Db, course: Course, list: FeedList, publicUrl: string, spotlight: SpotlightLoader | null): Promise<Loaded | null> {
  const name = cleanText(course.title);
  const entries = async (filter: ListFilter) => {
    const { items } = await listItems(db, course.id, filter, { limit: FEED_SIZE });
    const names = await namesOf(
      db,
      items.map((i) => i.personId),
    );
    return items.map((item) => entryOf(item, publicUrl, null, item.personId === null ? null : (names[item.personId] ?? null)));
  };
  switch (list.kind) {
    case "flow": {
      const f = list.filter ?? {};
      if (!f.kind && f.personId === undefined && !f.tag)
        return { title: `${name}: Flow`, description: `Everything in ${name}, newest first. ${POINTERS}`, entries: await entries({}) };
      const who = f.personId === undefined ? null : await participantName(db, course.id, f.personId);
      if (f.personId !== undefined && who === null) return null;
      const what = `${f.kind ? KIND_LABEL[f.kind] : "posts"}${who ? ` by ${cleanText(who)}` : ""}${f.tag ? ` tagged #${cleanText(f.tag)}` : ""}`;
      return {
        title: `${name}: Flow, ${what}`,
        description: `The Flow of ${name} narrowed to ${what}, newest first. ${POINTERS}`,
        entries: await entries({ kinds: f.kind ? [f.kind] : undefined, personId: f.personId, tag: f.tag }),
      };
    }
    case "blog":
      return {
        title: `${name}: Blog`,
        description: `Blog posts in ${name}, newest first. ${POINTERS}`,
        entries: await entries({ kinds: ["blog"] }),
      };
    case "social":
      return {
        title: `${name}: Social`,
        description: `Mastodon and Bluesky posts in ${name}, newest first. ${POINTERS}`,
        entries: await entries({ kinds: ["mastodon", "bluesky"] }),
      };
    case "spotlight":
      if (!spotlight) return null;
      return {
        title: `${name}: Spotlight`,
        description: `Posts the people who run ${name} chose, in their order, each with a note saying why. ${POINTERS}`,
        entries: await spotlight(db, course, FEED_SIZE, publicUrl),
      };
    case "person": {
      const who = await participantName(db, course.id, list.personId);
      if (who === null) return null;
      const person = cleanText(who);
      return {
        title: `${name}: posts by ${person}`,
        description: `Posts by ${person} in ${name}, newest first. ${POINTERS}`,
        entries: await entries({ personId: list.personId }),
      };
    }
    case "tag":
      return {
        title: `${name}: #${cleanText(list.tag)}`,
        description: `Posts tagged #${cleanText(list.tag)} in ${name}, newest first. ${POINTERS}`,
        entries: await entries({ tag: list.tag }),
      };
  }
}

/** The feed of a course list, or null when the list does not exist (a person who is not in the course). */
export async function buildFeed(
  db: Db,
  course: Course,
  list: FeedList,
  publicUrl: string,
  spotlight: SpotlightLoader | null = null,
): Promise<OutboundFeed | null> {
  const loaded = await load(db, course, list, publicUrl, spotlight);
  if (!loaded) return null;
  const path = listPath(list);
  const query = list.kind === "flow" ? flowQuery(list.filter) : "";
  const page = `${coursePath(course.slug)}${path}${query}`;
  return {
    id: tagUri(publicUrl, course.createdAt, page),
    title: loaded.title,
    description: loaded.description,
    pageUrl: new URL(page, publicUrl).toString(),
    feedUrls: Object.fromEntries(
      feedFormats.map((f) => [f, new URL(`${feedPath(course.slug, path, f)}${query}`, publicUrl).toString()]),
    ) as Record<FeedFormat, string>,
    updated: newestChange(loaded.entries, course.createdAt),
    entries: loaded.entries,
  };
}
