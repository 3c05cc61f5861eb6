// Every list of a course as RSS 2.0, Atom 1.0 and JSON Feed 1.1: the Flow,
// Blog, Social, Spotlight, a learner's posts and a tag. Public like the pages
// they mirror, with conditional GET and short public caching.
import { type Context, Hono } from "hono";
import { type Course, type ItemKind, itemKinds } from "../../../db/schema.js";
import { renderAtom } from "../../../hub/outbound/atom.js";
import { EXTENSION_DOC, EXTENSION_PATH, renderJsonFeed } from "../../../hub/outbound/json-feed.js";
import { buildFeed, FEED_TAG, type FeedList } from "../../../hub/outbound/lists.js";
import { FEED_CONTENT_TYPES, type FeedFormat, feedFormats, type OutboundFeed } from "../../../hub/outbound/model.js";
import { renderRss } from "../../../hub/outbound/rss.js";
import { spotlightEntries } from "../../../hub/outbound/spotlight.js";
import { normaliseTag } from "../../../ingest/tags.js";
import type { AppEnv } from "../../env.js";
import { sendFeed } from "../../feed-response.js";
import { errorPage } from "../../page.js";
import { withCourse } from "./course-access.js";

export const feedRoutes = new Hono<AppEnv>();

function render(feed: OutboundFeed, format: FeedFormat, publicUrl: string): string {
  return format === "rss" ? renderRss(feed) : format === "atom" ? renderAtom(feed) : renderJsonFeed(feed, publicUrl);
}

async function serveFeed(c: Context<AppEnv>, course: Course, list: FeedList, format: FeedFormat): Promise<Response> {
  const { db, config } = c.get("deps");
  const feed = await buildFeed(db, course, list, config.publicUrl, spotlightEntries);
  if (!feed) return errorPage(c, 404, "No such feed", "There is no such list in this course.");
  const sent = {
    key: feed.feedUrls[format],
    body: render(feed, format, config.publicUrl),
    newest: feed.updated,
    hasEntries: feed.entries.length > 0,
  };
  return sendFeed(c, sent, FEED_CONTENT_TYPES[format]);
}

/** A list named by the path, or null when the path names none (a malformed learner id or tag). */
type ListOf = (c: Context<AppEnv>) => FeedList | null;

/** The Flow, narrowed as its page is: `?kind=blog&person=3&tag=x`. Any malformed part names no list. */
function flowOf(c: Context<AppEnv>): FeedList | null {
  const kind = c.req.query("kind");
  const person = c.req.query("person");
  const tag = c.req.query("tag");
  if (kind !== undefined && !itemKinds.includes(kind as ItemKind)) return null;
  if (person !== undefined && !/^\d{1,9}$/.test(person)) return null;
  const normal = tag === undefined ? undefined : normaliseTag(tag);
  if (normal !== undefined && !FEED_TAG.test(normal)) return null;
  const filter = { kind: kind as ItemKind | undefined, personId: person === undefined ? undefined : Number(person), tag: normal };
  return { kind: "flow", filter };
}

const lists: Array<[string, ListOf]> = [
  ["", flowOf],
  ["/blog", () => ({ kind: "blog" })],
  ["/social", () => ({ kind: "social" })],
  ["/spotlight", () => ({ kind: "spotlight" })],
  [
    "/people/:personId",
    (c) => {
      const raw = c.req.param("personId") ?? "";
      return /^\d{1,15}$/.test(raw) ? { kind: "person", personId: Number(raw) } : null;
    },
  ],
  [
    "/tags/:tag",
    (c) => {
      const tag = normaliseTag(c.req.param("tag") ?? "");
      return FEED_TAG.test(tag) ? { kind: "tag", tag } : null;
    },
  ],
];

for (const [path, listOf] of lists) {
  for (const format of feedFormats) {
    feedRoutes.get(`/c/:slug${path}/feed.${format}`, (c) =>
      withCourse(c, (course) => {
        const list = listOf(c);
        if (!list) return errorPage(c, 404, "No such feed", "There is no such list in this course.");
        return serveFeed(c, course, list, format);
      }),
    );
  }
}

// The `about` page of the JSON Feed extension (JSON Feed 1.1: "Extensions").
feedRoutes.get(EXTENSION_PATH, (c) =>
  c.body(EXTENSION_DOC, 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=86400" }),
);
