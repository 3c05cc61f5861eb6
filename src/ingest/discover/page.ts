// What a blog's HTML page says about its feeds and its platform, read with a
// real HTML parser (htmlparser2), never a regex: `<link rel="alternate">` feed
// links (HTML Living Standard §4.6.6 "alternate" with a feed type), `<base
// href>`, generator and other `<meta>` tags, and the rel links platforms leave
// behind (WordPress's `https://api.w.org/`, micro.blog's `micropub`).
import { Parser } from "htmlparser2";
import { collapseWhitespace } from "../parse/html-text.js";

export type FeedFormat = "atom" | "rss" | "json";

export interface FeedLink {
  url: string;
  format: FeedFormat;
  title: string;
}

export interface PageHints {
  /** The page's address after redirects; relative links were resolved against it (or `<base href>`). */
  url: string;
  title: string | null;
  /** Feed links in document order, comment feeds left out. */
  feeds: FeedLink[];
  /** Every `<meta name|property>` value, keys lower-cased (several generators are possible). */
  meta: Map<string, string[]>;
  /** `<link rel>` targets by rel value, resolved. */
  rels: Map<string, string[]>;
  /** Asset addresses (link href, script src), resolved: `/wp-content/` betrays WordPress. */
  assets: string[];
}

const FEED_TYPES: Record<string, FeedFormat> = {
  "application/atom+xml": "atom",
  "application/rss+xml": "rss",
  "application/feed+json": "json",
};

// WordPress lists "Comments Feed" (and one per post) beside the posts feed; a
// comment feed is never what a learner means by their blog.
const COMMENTS = /\bcomments?\b/i;

function resolve(href: string, base: string): string | null {
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === "http:" || u.protocol === "https:" ? u.toString() : null;
  } catch {
    return null;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function readPage(html: string, pageUrl: string): PageHints {
  // Hrefs are collected raw and resolved at the end: the first <base href>
  // sets the base for the whole document (HTML §4.2.3), wherever links sit.
  let baseHref: string | null = null;
  let title: string | null = null;
  let inTitle = false;
  const titleParts: string[] = [];
  const rawFeeds: Array<{ href: string; format: FeedFormat; title: string }> = [];
  const rawRels: Array<{ rel: string; href: string }> = [];
  const rawAssets: string[] = [];
  const meta = new Map<string, string[]>();

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === "base" && baseHref === null && attrs.href) baseHref = attrs.href;
        else if (name === "title" && title === null) inTitle = true;
        else if (name === "meta") {
          const key = (attrs.name ?? attrs.property ?? "").trim().toLowerCase();
          if (key && attrs.content !== undefined) push(meta, key, attrs.content.trim());
        } else if (name === "script" && attrs.src) rawAssets.push(attrs.src);
        else if (name === "link" && attrs.href) {
          rawAssets.push(attrs.href);
          const rels = (attrs.rel ?? "").toLowerCase().split(/\s+/).filter(Boolean);
          for (const rel of rels) rawRels.push({ rel, href: attrs.href });
          const type = (attrs.type ?? "").split(";")[0]!.trim().toLowerCase();
          const format = FEED_TYPES[type];
          const linkTitle = collapseWhitespace(attrs.title ?? "");
          if (rels.includes("alternate") && format && !COMMENTS.test(linkTitle) && !/\/comments\/feed\/?$/i.test(attrs.href)) {
            rawFeeds.push({ href: attrs.href, format, title: linkTitle });
          }
        }
      },
      ontext(text) {
        if (inTitle) titleParts.push(text);
      },
      onclosetag(name) {
        if (name === "title" && inTitle) {
          inTitle = false;
          title = collapseWhitespace(titleParts.join("")) || null;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  const base = (baseHref !== null ? resolve(baseHref, pageUrl) : null) ?? pageUrl;
  const feeds: FeedLink[] = [];
  for (const f of rawFeeds) {
    const url = resolve(f.href, base);
    if (url && !feeds.some((x) => x.url === url)) feeds.push({ url, format: f.format, title: f.title });
  }
  const rels = new Map<string, string[]>();
  for (const r of rawRels) {
    const url = resolve(r.href, base);
    if (url) push(rels, r.rel, url);
  }
  const assets = rawAssets.map((a) => resolve(a, base)).filter((a): a is string => a !== null);
  return { url: pageUrl, title, feeds, meta, rels, assets };
}
