// Which course list an outbound feed is: the same lists as the course pages
// (Flow, Blog, Social, Spotlight, a learner, a tag), read through the same
// query (`listItems`), so what is hidden, withdrawn or blocked on the pages is
// absent from the feeds too.
import type { Db } from "../../db/database.js";
import type { Course } from "../../db/schema.js";
import { type ListFilter, listItems } from "../flow.js";
import { namesOf } from "../roster.js";
import { entryOf, type FeedFormat, feedFormats, newestChange, type OutboundEntry, type OutboundFeed, tagUri } from "./model.js";
import { participantName } from "./participants.js";
import { cleanText } from "./text.js";

/** Entries per feed: the newest; feed readers keep what they have already read. */
export const FEED_SIZE = 50;

export type FeedList =
  | { kind: "flow" }
  | { kind: "blog" }
  | { kind: "social" }
  | { kind: "spotlight" }
  | { kind: "person"; personId: number }
  | { kind: "tag"; tag: string };

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
    case "flow":
      return { title: `${name}: Flow`, description: `Everything in ${name}, newest first. ${POINTERS}`, entries: await entries({}) };
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
  const page = `${coursePath(course.slug)}${path}`;
  return {
    id: tagUri(publicUrl, course.createdAt, page),
    title: loaded.title,
    description: loaded.description,
    pageUrl: new URL(page, publicUrl).toString(),
    feedUrls: Object.fromEntries(feedFormats.map((f) => [f, new URL(feedPath(course.slug, path, f), publicUrl).toString()])) as Record<
      FeedFormat,
      string
    >,
    updated: newestChange(loaded.entries, course.createdAt),
    entries: loaded.entries,
  };
}
