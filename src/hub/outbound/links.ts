// Feed autodiscovery: the <link rel="alternate"> elements a course page puts in
// its head (the layout renders `alternates`), so a feed reader given the
// page's address finds its feeds (RSS Autodiscovery,
// https://www.rssboard.org/rss-autodiscovery; the same convention for Atom and
// JSON Feed). The course's blogs as OPML ride along: a reader that imports
// OPML finds the whole class from any course page.
import { coursePath } from "./lists.js";
import { FEED_CONTENT_TYPES, FEED_FORMAT_NAMES, feedFormats } from "./model.js";

export interface Alternate {
  type: string;
  title: string;
  href: string;
  /** For a feed of this list: the format's name, shown in the page's visible "Subscribe" links. */
  format?: string;
}

/**
 * The alternates of a course list page. `listPath` is the list's path under
 * the course, already URL-encoded: `""` for the Flow, `"/blog"`, `"/social"`,
 * `"/spotlight"`, `"/people/12"`, `"/tags/t509massive"`. `title` names the
 * list, e.g. "T509 Massive: Blog". `query` narrows the Flow (`flowQuery`).
 */
export function alternatesFor(courseSlug: string, listPath: string, title: string, query = ""): Alternate[] {
  const base = coursePath(courseSlug);
  return [
    ...feedFormats.map((f) => ({
      type: FEED_CONTENT_TYPES[f],
      title: `${title} (${FEED_FORMAT_NAMES[f]})`,
      href: `${base}${listPath}/feed.${f}${query}`,
      format: FEED_FORMAT_NAMES[f],
    })),
    { type: "text/x-opml", title: "The course's blogs (OPML)", href: `${base}/blogs.opml` },
  ];
}
