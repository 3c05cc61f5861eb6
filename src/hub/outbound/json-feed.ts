// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/). Titles and text are
// plain strings; each item has `content_text` (the spec requires content_text
// or content_html) holding the same short text the other formats carry, never
// the post. What JSON Feed has no field for goes in one documented extension
// object, `_tributary` (the spec's rule for extensions: a key starting with an
// underscore, with an `about` URL that explains it).
import { entryText, type OutboundEntry, type OutboundFeed } from "./model.js";

export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";

/** Where the `_tributary` extension is explained (served by src/http/routes/hub/feeds.ts). */
export const EXTENSION_PATH = "/feeds/json-feed-extension";

export const EXTENSION_DOC = `Tributary's JSON Feed extension: "_tributary"

Tributary is a connected-course hub: its feeds list pointers to learners' own
posts (title, link, a short excerpt, author, dates, tags), never the posts.
JSON Feed 1.1 items of a Tributary feed may carry one extension object,
"_tributary", with these keys (all optional but "about"):

  about            this page's address.
  kind             where the post lives: "blog", "mastodon" or "bluesky".
  content_warning  the post's content warning (Mastodon "spoiler_text"). When
                   present, content_text and summary give the warning instead
                   of the post's text.
  also_on          [{ "kind": "mastodon" | "bluesky", "url": "..." }]: the
                   author's toots or skeets announcing this blog post.
  spotlight        for the course's Spotlight feed: why a curator chose the
                   post: { "note": "...", "curator": "name" or null,
                   "spotlighted_at": RFC 3339 date-time, "position": 0-based
                   place in the curators' order }. The note is also the first
                   paragraph of content_text.

A learner's items in one course (/c/<course>/people/<id>/items.json, which a
personal learning system on another Tributary can follow) also carry a
feed-level "_tributary" object:

  about            this page's address.
  person_id        the learner's account number on this hub.
  course_slug      the course the items were posted to.
  hub_url          this hub's address.
`;

type Json = Record<string, unknown>;

function item(e: OutboundEntry, about: string): Json {
  const text = entryText(e);
  const extension: Json = { about, kind: e.kind };
  if (e.contentWarning) extension.content_warning = e.contentWarning;
  if (e.alsoOn.length) extension.also_on = e.alsoOn.map((a) => ({ kind: a.kind, url: a.url }));
  if (e.spotlight) {
    extension.spotlight = {
      note: e.spotlight.note,
      curator: e.spotlight.curator,
      spotlighted_at: e.spotlight.at.toISOString(),
      position: e.spotlight.position,
    };
  }
  // A social post has no title (JSON Feed's title is optional): its text is the content.
  const out: Json = {
    id: e.id,
    url: e.url,
    ...(e.titled ? { title: e.title } : {}),
    content_text: text.length ? text.join("\n\n") : e.title,
  };
  if (e.summary) out.summary = e.summary;
  out.date_published = e.published.toISOString();
  out.date_modified = e.updated.toISOString();
  out.authors = [e.authorUrl ? { name: e.authorName, url: e.authorUrl } : { name: e.authorName }];
  if (e.categories.length) out.tags = e.categories;
  out._tributary = extension;
  return out;
}

export function renderJsonFeed(feed: OutboundFeed, publicUrl: string): string {
  const about = new URL(EXTENSION_PATH, publicUrl).toString();
  const doc = {
    version: JSON_FEED_VERSION,
    title: feed.title,
    home_page_url: feed.pageUrl,
    feed_url: feed.feedUrls.json,
    description: feed.description,
    items: feed.entries.map((e) => item(e, about)),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
