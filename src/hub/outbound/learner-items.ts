// One learner's posts in one course as a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/),
// for their PLS on another Tributary deployment to follow (src/pls/portability/follows.ts there). It lists
// what the course's learner page lists, read through the same query (`listItems`), so hidden,
// withdrawn and blocked posts are absent; but up to 200 entries, not a feed reader's 50: the
// follower treats it as the whole list and removes what it no longer names. Pointers only: link,
// title, the ≤ 280-character excerpt, dates, tags and author. The feed-level `_tributary` object
// (an extension, as the spec allows) says whose posts these are, in which course, on which hub.

import { profileUrl } from "../../accounts/identities.js";
import type { Db } from "../../db/database.js";
import type { Course } from "../../db/schema.js";
import { listItems } from "../flow.js";
import { EXTENSION_PATH, JSON_FEED_VERSION } from "./json-feed.js";
import { coursePath } from "./lists.js";
import { entryOf, newestChange } from "./model.js";
import { participantName } from "./participants.js";
import { cleanText } from "./text.js";

export const LEARNER_FEED_SIZE = 200;

export function learnerItemsPath(slug: string, personId: number): string {
  return `${coursePath(slug)}/people/${personId}/items.json`;
}

export interface LearnerFeed {
  body: string;
  /** Its canonical URL. */
  url: string;
  /** The newest change among the entries. */
  updated: Date;
  hasEntries: boolean;
}

/** The feed, or null when the person takes no part in the course (no membership, no posts). */
export async function learnerItemsFeed(db: Db, course: Course, personId: number, publicUrl: string): Promise<LearnerFeed | null> {
  const who = await participantName(db, course.id, personId);
  if (who === null) return null;
  const person = cleanText(who);
  const courseName = cleanText(course.title);
  const page = await listItems(db, course.id, { personId }, { limit: LEARNER_FEED_SIZE });
  const entries = page.items.map((item) => entryOf(item, publicUrl, null, person));
  const doc = {
    version: JSON_FEED_VERSION,
    title: `${courseName}: posts by ${person}`,
    home_page_url: new URL(`${coursePath(course.slug)}/people/${personId}`, publicUrl).toString(),
    feed_url: new URL(learnerItemsPath(course.slug, personId), publicUrl).toString(),
    description: `Every post by ${person} in ${courseName} (the newest ${LEARNER_FEED_SIZE}), for their personal learning system. Each entry links to the post where it lives; the hub keeps only a pointer.`,
    authors: [{ name: person, url: profileUrl(publicUrl, personId) }],
    _tributary: {
      about: new URL(EXTENSION_PATH, publicUrl).toString(),
      person_id: personId,
      course_slug: course.slug,
      hub_url: publicUrl,
    },
    items: entries.map((e) => ({
      id: e.id,
      url: e.url,
      title: e.title,
      // JSON Feed requires content_text or content_html: the same short text, never the post.
      content_text: e.summary || e.title,
      ...(e.summary ? { summary: e.summary } : {}),
      date_published: e.published.toISOString(),
      date_modified: e.updated.toISOString(),
      authors: [e.authorUrl ? { name: e.authorName, url: e.authorUrl } : { name: e.authorName }],
      ...(e.categories.length ? { tags: e.categories } : {}),
    })),
  };
  return {
    body: `${JSON.stringify(doc, null, 2)}\n`,
    url: doc.feed_url,
    updated: newestChange(entries, course.createdAt),
    hasEntries: entries.length > 0,
  };
}
