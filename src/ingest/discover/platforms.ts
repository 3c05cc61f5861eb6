// What we know about blog platforms: how to recognise one from its page, where
// its main feed usually lives, and where its tag archive feed is. A tag feed
// lists only the learner's course posts, so a busy blog's course post is not
// pushed out of a 10-item main feed between two polls.
//
// The tag feed is derived from the main feed's address where possible, because
// that address shows where the blog is installed (a WordPress in /blog/, a
// Medium publication, a Hugo site under a sub-path).
import type { PageHints } from "./page.js";

export type Platform = "wordpress" | "blogger" | "ghost" | "medium" | "hugo" | "microblog" | "writeas" | "unknown";

export interface PlatformRule {
  id: Platform;
  /** How the note names it: "WordPress blog: using its tag feed …". */
  label: string;
  detect(page: PageHints): boolean;
  /** The platform's usual main feed, tried when the page links none. */
  defaultFeed(page: PageHints): string | null;
  /** The tag archive feed for `tag`, given the main feed when one is known. */
  tagFeed(mainFeed: string | null, page: PageHints, tag: string): string | null;
}

function generator(page: PageHints, pattern: RegExp): boolean {
  return (page.meta.get("generator") ?? []).some((g) => pattern.test(g));
}

function host(url: string): string {
  return new URL(url).hostname.toLowerCase();
}

function hostIs(url: string, name: string): boolean {
  const h = host(url);
  return h === name || h.endsWith(`.${name}`);
}

function origin(page: PageHints): string {
  return new URL(page.url).origin;
}

/**
 * The site root of a feed address that ends with `suffix` ("…/blog/feed/" →
 * "…/blog/"), or null when it does not end that way.
 */
function rootOf(feedUrl: string | null, suffix: RegExp): string | null {
  if (!feedUrl) return null;
  const u = new URL(feedUrl);
  const m = suffix.exec(u.pathname);
  if (!m) return null;
  u.pathname = u.pathname.slice(0, m.index).replace(/\/?$/, "/");
  u.search = "";
  u.hash = "";
  return u.toString();
}

const enc = encodeURIComponent;

const wordpress: PlatformRule = {
  id: "wordpress",
  label: "WordPress blog",
  detect: (page) =>
    generator(page, /^wordpress/i) ||
    page.rels.has("https://api.w.org/") ||
    page.assets.some((a) => /\/wp-(content|includes|json)\//.test(new URL(a).pathname)),
  defaultFeed: (page) => `${wpRoot(page)}feed/`,
  tagFeed(main, page, tag) {
    // Plain permalinks ("/?feed=rss2"): the tag is a query parameter.
    if (main && new URL(main).searchParams.has("feed")) {
      const u = new URL(main);
      u.searchParams.set("tag", tag);
      return u.toString();
    }
    return `${rootOf(main, /(?<!comments\/)feed\/?$/) ?? wpRoot(page)}tag/${enc(tag)}/feed/`;
  },
};

/** WordPress's root from its REST API link ("…/wp-json/"), else the page's origin. */
function wpRoot(page: PageHints): string {
  return rootOf(page.rels.get("https://api.w.org/")?.[0] ?? null, /wp-json\/?$/) ?? `${origin(page)}/`;
}

const blogger: PlatformRule = {
  id: "blogger",
  label: "Blogger blog",
  detect: (page) =>
    generator(page, /^blogger$/i) || hostIs(page.url, "blogspot.com") || page.feeds.some((f) => f.url.includes("/feeds/posts/default")),
  defaultFeed: (page) => `${origin(page)}/feeds/posts/default`,
  // Blogger calls tags "labels"; a label feed is /feeds/posts/default/-/<label>.
  tagFeed: (main, page, tag) => `${rootOf(main, /feeds\/posts\/default\/?$/) ?? `${origin(page)}/`}feeds/posts/default/-/${enc(tag)}`,
};

const ghost: PlatformRule = {
  id: "ghost",
  label: "Ghost blog",
  detect: (page) => generator(page, /^ghost\b/i),
  defaultFeed: (page) => `${origin(page)}/rss/`,
  tagFeed: (main, page, tag) => `${rootOf(main, /rss\/?$/) ?? `${origin(page)}/`}tag/${enc(tag)}/rss/`,
};

const medium: PlatformRule = {
  id: "medium",
  label: "Medium page",
  detect: (page) =>
    hostIs(page.url, "medium.com") ||
    (page.meta.get("al:android:package") ?? []).includes("com.medium.reader") ||
    (page.meta.get("og:site_name") ?? []).includes("Medium"),
  // medium.com/@user → /feed/@user; medium.com/<publication> → /feed/<publication>;
  // a publication on its own domain → /feed.
  defaultFeed(page) {
    const first = new URL(page.url).pathname.split("/").filter(Boolean)[0];
    return host(page.url) === "medium.com" && first ? `${origin(page)}/feed/${first}` : `${origin(page)}/feed`;
  },
  // Every Medium feed has a tagged variant: <feed>/tagged/<tag>.
  tagFeed(main, page, tag) {
    const feed = main && /^\/feed(\/|$)/.test(new URL(main).pathname) ? main : medium.defaultFeed(page)!;
    const u = new URL(feed);
    u.pathname = `${u.pathname.replace(/\/+$/, "")}/tagged/${enc(tag)}`;
    u.search = "";
    return u.toString();
  },
};

const microblog: PlatformRule = {
  id: "microblog",
  label: "micro.blog blog",
  detect: (page) =>
    hostIs(page.url, "micro.blog") ||
    ["micropub", "subscribe", "authorization_endpoint", "token_endpoint"].some((rel) =>
      (page.rels.get(rel) ?? []).some((href) => host(href) === "micro.blog"),
    ),
  defaultFeed: (page) => `${origin(page)}/feed.xml`,
  // micro.blog calls tags "categories".
  tagFeed: (main, page, tag) => `${rootOf(main, /feed\.xml$/) ?? `${origin(page)}/`}categories/${enc(tag)}/feed.xml`,
};

const hugo: PlatformRule = {
  id: "hugo",
  label: "Hugo site",
  detect: (page) => generator(page, /^hugo\b/i),
  defaultFeed: (page) => `${origin(page)}/index.xml`,
  tagFeed: (main, page, tag) => `${rootOf(main, /index\.xml$/) ?? `${origin(page)}/`}tags/${enc(tag)}/index.xml`,
};

const writeas: PlatformRule = {
  id: "writeas",
  label: "Write.as blog",
  detect: (page) => hostIs(page.url, "write.as") || hostIs(page.url, "writeas.com") || generator(page, /^(writefreely|write\.as)/i),
  // On write.as itself a blog is a path (write.as/maya/); elsewhere it is the site.
  defaultFeed(page) {
    const first = new URL(page.url).pathname.split("/").filter(Boolean)[0];
    return host(page.url) === "write.as" && first ? `${origin(page)}/${first}/feed/` : `${origin(page)}/feed/`;
  },
  tagFeed: (main, page, tag) => `${rootOf(main, /feed\/?$/) ?? rootOf(writeas.defaultFeed(page), /feed\/?$/)!}tag:${enc(tag)}/feed/`,
};

// Order matters where platforms overlap: micro.blog is built on Hugo.
const RULES: PlatformRule[] = [wordpress, blogger, ghost, medium, microblog, writeas, hugo];

export const unknownPlatform: PlatformRule = {
  id: "unknown",
  label: "Blog",
  detect: () => true,
  defaultFeed: () => null,
  tagFeed: () => null,
};

export function detectPlatform(page: PageHints): PlatformRule {
  return RULES.find((r) => r.detect(page)) ?? unknownPlatform;
}
