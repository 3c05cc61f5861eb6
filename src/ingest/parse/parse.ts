// Feed text → a normalised feed. One entry point for every format: JSON Feed
// 1.0/1.1 is read by json-feed.ts; RSS 0.9x/1.0 (RDF)/2.0 and Atom 0.3/1.0 go
// through rss-parser, after xml-prepare.ts has made real-world XML acceptable to
// its strict parser. rss-parser only builds the tree and finds the channel and
// its items: we read the raw elements ourselves (its `customFields` with
// `keepArray` hand them over untouched), so attributes such as xml:base, rel and
// type survive, and the rest of the hub never sees rss-parser's shapes. We call
// `parseString` on text we fetched ourselves (never `parseURL`), which works the
// same on Node and in workerd.

import Parser from "rss-parser";
import type { NormalisedEntry, NormalisedFeed } from "../entry.js";
import { IngestError } from "../errors.js";
import { parseDate } from "./dates.js";
import { collapseWhitespace, htmlToText } from "./html-text.js";
import { looksLikeJson, parseJsonFeed } from "./json-feed.js";
import { authorName, cleanText, finishEntry, isWebUrl, resolveUrl, webUrl } from "./normalise.js";
import { syndicationLinks } from "./syndication.js";
import { prepareXml } from "./xml-prepare.js";

type Raw = Record<string, unknown>;
type Attrs = Record<string, string>;
type Kind = "rss" | "rdf" | "atom";

const ATOM_NAMESPACES = new Set(["http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"]);

// rss-parser interprets a few elements itself and throws on values it does not
// expect (an Atom date that is not ISO 8601, an Atom <link> without attributes),
// which would lose the whole feed. xml2js renames them while it builds the tree
// (its `tagNameProcessors` option), so rss-parser never sees them; we read them.
const RENAMED = new Map([
  ["link", "x-link"],
  ["published", "x-published"],
  ["updated", "x-updated"],
]);
const renameTag = (name: string): string => RENAMED.get(name) ?? name;

// The raw elements we read, copied by rss-parser from each channel/feed and item/entry.
const FEED_ELEMENTS = ["$", "title", "dc:title", "x-link", "author", "dc:creator"];
const ITEM_ELEMENTS = [
  "$",
  "title",
  "dc:title",
  "x-link",
  "feedburner:origLink",
  "atom:link",
  "guid",
  "id",
  "x-published",
  "pubDate",
  "issued",
  "created",
  "dcterms:issued",
  "dcterms:created",
  "dc:date",
  "x-updated",
  "modified",
  "dcterms:modified",
  "author",
  "dc:creator",
  "dc:author",
  "category",
  "dc:subject",
  "tags",
  "content:encoded",
  "description",
  "content",
  "summary",
];
const RAW = "raw ";
const rawFields = (names: string[]) => names.map((n) => [n, RAW + n, { keepArray: true }]);

function makeParser(stripPrefix: string | null): Parser<Raw, Raw> {
  const tagName = stripPrefix
    ? (name: string) => renameTag(name.startsWith(stripPrefix) ? name.slice(stripPrefix.length) : name)
    : renameTag;
  return new Parser<Raw, Raw>({
    defaultRSS: 2, // <rss> without a version attribute (RSS 0.9x feeds often omit it)
    xml2js: { tagNameProcessors: [tagName] },
    customFields: { feed: rawFields(FEED_ELEMENTS), item: rawFields(ITEM_ELEMENTS) } as never,
  });
}

const parser = makeParser(null);

// ── Reading xml2js nodes: a string, or { _: text, $: attributes, child: [nodes] } ──

function isObject(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function nodes(o: Raw, name: string): unknown[] {
  const v = o[RAW + name];
  return Array.isArray(v) ? v : [];
}

function first(o: Raw, ...names: string[]): unknown {
  for (const name of names) {
    const v = o[RAW + name];
    if (Array.isArray(v) && v.length) return v[0];
  }
  return undefined;
}

function attrsOf(n: unknown): Attrs {
  return isObject(n) && isObject(n.$) ? (n.$ as Attrs) : {};
}

/** All text in a node, children included (depth-limited: the input is hostile). */
function textOf(n: unknown, depth = 0): string {
  if (typeof n === "string") return n;
  if (Array.isArray(n)) return n.map((c) => textOf(c, depth)).join(" ");
  if (!isObject(n) || depth > 32) return "";
  let out = typeof n._ === "string" ? n._ : "";
  for (const key in n) if (key !== "_" && key !== "$") out += ` ${textOf(n[key], depth + 1)}`;
  return out;
}

function fromBase64(s: string): string {
  try {
    const bin = atob(s.replace(/\s+/g, ""));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
}

/**
 * Plain text of a title, summary or content. Atom says how to read it
 * (RFC 4287 §3.1: type text, html or xhtml; Atom 0.3: a MIME type and a mode);
 * RSS does not, and RSS titles and descriptions carry HTML, so they go through
 * the HTML parser.
 */
function textConstruct(n: unknown, atom: boolean): string {
  if (n === undefined) return "";
  if (!atom) return htmlToText(textOf(n));
  const attrs = attrsOf(n);
  const type = (attrs.type ?? "text").trim().toLowerCase();
  const raw = attrs.mode === "base64" ? fromBase64(textOf(n)) : textOf(n);
  if (type === "html" || type === "xhtml" || type === "text/html" || type === "application/xhtml+xml") return htmlToText(raw);
  if (type === "" || type === "text" || type.startsWith("text/")) return collapseWhitespace(raw);
  return ""; // another media type (an image, a PDF): no text to show
}

function firstText(o: Raw, names: string[], atom: boolean): string {
  for (const name of names) {
    for (const n of nodes(o, name)) {
      const t = textConstruct(n, atom);
      if (t) return t;
    }
  }
  return "";
}

/** The last valid date among the named elements, in order of preference (a repeated element: the last one wins, as in feedparser). */
function dateOf(o: Raw, names: string[]): Date | null {
  for (const name of names) {
    const list = nodes(o, name);
    for (let k = list.length - 1; k >= 0; k--) {
      const d = parseDate(textOf(list[k]));
      if (d) return d;
    }
  }
  return null;
}

/** xml:base (XML Base §4.2, RFC 4287 §2) on an element, resolved against its parent's base. */
function withBase(base: string | null, attrs: Attrs): string | null {
  const b = attrs["xml:base"];
  return b ? (resolveUrl(b, base) ?? base) : base;
}

const NOT_A_PAGE = new Set([
  "self",
  "edit",
  "edit-media",
  "replies",
  "enclosure",
  "license",
  "hub",
  "next",
  "prev",
  "previous",
  "first",
  "last",
  "related",
  "via",
]);
const PAGE_TYPES = new Set(["text/html", "application/xhtml+xml"]);

/** The entry's (or feed's) page: an Atom link, preferring rel="alternate" of an HTML type (RFC 4287 §4.2.7.2). */
function atomLink(links: unknown[], base: string | null): string | null {
  let best: unknown;
  let bestScore = -1;
  for (const l of links) {
    const a = attrsOf(l);
    const rel = (a.rel ?? "alternate").trim().toLowerCase();
    const type = (a.type ?? "").trim().toLowerCase();
    const score = rel === "alternate" ? (PAGE_TYPES.has(type) ? 3 : type ? 1 : 2) : NOT_A_PAGE.has(rel) ? -1 : 0;
    if (score > bestScore) [best, bestScore] = [l, score];
  }
  if (bestScore < 0) return null;
  const a = attrsOf(best);
  return webUrl(a.href ?? textOf(best), withBase(base, a));
}

/** An RSS <link>: its text (some feeds write <link href="…"/>). */
function rssLink(links: unknown[], base: string | null): string | null {
  for (const l of links) {
    const a = attrsOf(l);
    const href = textOf(l).trim() || a.href || "";
    if (href) return webUrl(href, withBase(base, a));
  }
  return null;
}

function personName(n: unknown): string | null {
  if (isObject(n) && Array.isArray(n.name)) return authorName(textOf(n.name[0]));
  return authorName(textOf(n));
}

function authorOf(o: Raw, names: string[]): string | null {
  for (const name of names) {
    for (const n of nodes(o, name)) {
      const a = personName(n);
      if (a) return a;
    }
  }
  return null;
}

function categoriesOf(item: Raw, atom: boolean): string[] {
  const out: string[] = [];
  for (const c of nodes(item, "category")) {
    const text = textOf(c).trim();
    const a = attrsOf(c);
    // RSS: the element's text. Atom: the term attribute (RFC 4287 §4.2.2), the label failing that.
    if (text) out.push(atom ? text : htmlToText(text));
    else if (a.term?.trim()) out.push(a.term);
    else if (a.label?.trim()) out.push(a.label);
  }
  for (const s of nodes(item, "dc:subject")) out.push(htmlToText(textOf(s)));
  // A non-standard, comma-separated <tags> element (feedparser reads it too).
  for (const t of nodes(item, "tags")) out.push(...textOf(t).split(","));
  return out;
}

function entryOf(item: Raw, kind: Kind, parentBase: string | null, feedAuthor: string | null): NormalisedEntry {
  const attrs = isObject(item[`${RAW}$`]) ? (item[`${RAW}$`] as Attrs) : {};
  const base = withBase(parentBase, attrs);
  const atom = kind === "atom";

  const guidNode = first(item, "guid");
  const guid = guidNode === undefined ? "" : textOf(guidNode).trim();
  // RSS 2.0: a guid is a permalink unless isPermaLink="false"; only trust it as a link if it looks like one.
  const guidLink =
    guid && attrsOf(guidNode).isPermaLink?.trim().toLowerCase() !== "false" && (isWebUrl(guid) || guid.startsWith("/"))
      ? webUrl(guid, base)
      : null;
  const about = kind === "rdf" ? (attrs["rdf:about"] ?? "").trim() : "";

  // FeedBurner (and feeds proxied like it) link to a redirect of its own and give the post's real
  // address as feedburner:origLink: that is the learner's post.
  const origLink = textOf(first(item, "feedburner:origLink")).trim();
  const url = isWebUrl(origLink)
    ? webUrl(origLink, base)
    : atom
      ? atomLink(nodes(item, "x-link"), base)
      : (rssLink(nodes(item, "x-link"), base) ??
        atomLink(nodes(item, "atom:link"), base) ??
        guidLink ??
        (isWebUrl(guid) ? webUrl(guid, null) : null) ??
        (isWebUrl(about) ? webUrl(about, null) : null));

  let id: string | null = guid || about || null;
  if (!id) {
    const raw = textOf(first(item, "id")).trim();
    // An Atom id is an IRI (RFC 4287 §4.2.6): a relative path ("/2026/post") resolves against
    // xml:base like any other reference. A bare token ("post-1") is kept as it is: resolving
    // it would invent an address nobody published.
    id = atom && /^\.{0,2}\//.test(raw) ? (resolveUrl(raw, base) ?? raw) : raw || null;
  }

  const text = atom
    ? firstText(item, ["content", "summary"], true)
    : firstText(item, ["content:encoded", "description", "content", "summary"], false);
  const updated = dateOf(item, ["x-updated", "modified", "dcterms:modified", "dc:date"]);
  // The content's own HTML, for the syndication links it lists, and Atom's <link rel="syndication">.
  const html = textOf(atom ? first(item, "content") : (first(item, "content:encoded") ?? first(item, "description")));
  const syndication = [
    ...syndicationLinks(html, url ?? base),
    ...nodes(item, "x-link")
      .filter((l) => attrsOf(l).rel?.trim().toLowerCase() === "syndication")
      .map((l) => resolveUrl((attrsOf(l).href ?? "").trim(), base))
      .filter((l): l is string => l !== null && isWebUrl(l)),
  ];
  return finishEntry({
    syndication,
    id,
    url,
    title: textConstruct(first(item, "title", "dc:title"), atom),
    text,
    // An entry with only an update date (Atom requires <updated>, <published> is optional) is dated by it.
    published: dateOf(item, ["x-published", "pubDate", "issued", "dcterms:issued", "created", "dcterms:created", "dc:date"]) ?? updated,
    updated,
    author: authorOf(item, ["dc:creator", "author", "dc:author"]) ?? feedAuthor,
    categories: categoriesOf(item, atom),
  });
}

// ── The entry point ──

function kindOf(root: string, rootAttrs: Attrs): { kind: Kind; stripPrefix: string | null } | null {
  if (root === "rss") return { kind: "rss", stripPrefix: null };
  if (root === "rdf:RDF") return { kind: "rdf", stripPrefix: null };
  if (root === "feed") return { kind: "atom", stripPrefix: null };
  const [prefix, local] = root.split(":");
  if (local === "feed" && ATOM_NAMESPACES.has(rootAttrs[`xmlns:${prefix}`] ?? "")) return { kind: "atom", stripPrefix: `${prefix}:` };
  return null;
}

function notAFeed(root: string | null, text: string): IngestError {
  // An HTML page: an <html> root, or an HTML doctype or <html> tag near the start (the root of
  // tag-soup HTML may be anything: <title>, <head>, <meta>).
  if (root?.toLowerCase() === "html" || /<html[\s>]|<!doctype html/i.test(text.slice(0, 2048))) {
    return new IngestError("not_a_feed", "This address returns a web page, not a feed. Use the blog's RSS or Atom feed address.");
  }
  if (root?.toLowerCase() === "opml") {
    return new IngestError("not_a_feed", "This is an OPML list of feeds, not a feed. Add the feeds it lists one at a time.");
  }
  if (root) {
    return new IngestError(
      "not_a_feed",
      `This is an XML document but not an RSS or Atom feed (its root element is <${root.slice(0, 40)}>).`,
    );
  }
  return new IngestError("not_a_feed", "This address does not return a feed: no RSS, Atom or JSON Feed was found.");
}

/** A syntax error from the XML parser, in words: "unexpected close tag on line 3". */
function xmlProblem(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const line = /\nLine: (\d+)/.exec(err.message);
  if (!line) return null;
  const what = err.message.split("\n")[0]!.toLowerCase().slice(0, 120);
  return `${what} on line ${Number(line[1]) + 1}`;
}

export async function parseFeed(xml: string, feedUrl: string | null = null): Promise<NormalisedFeed> {
  const text = xml.replace(/^[\s\uFEFF]+/, "");
  if (!text.trim()) throw new IngestError("empty", "The feed is empty.");
  const docBase = feedUrl ? resolveUrl(feedUrl, null) : null;
  if (looksLikeJson(text)) return parseJsonFeed(text, docBase);

  const prepared = prepareXml(text);
  const kind = prepared.root ? kindOf(prepared.root, prepared.rootAttrs) : null;
  if (!kind) throw notAFeed(prepared.root, text);

  let feed: Raw & { items?: Raw[] };
  try {
    const p = kind.stripPrefix ? makeParser(kind.stripPrefix) : parser;
    feed = (await p.parseString(prepared.xml)) as Raw & { items?: Raw[] };
  } catch (err) {
    const problem = xmlProblem(err);
    throw new IngestError(
      "not_a_feed",
      problem ? `This is not a readable RSS or Atom feed: its XML is broken (${problem}).` : "This is not a readable RSS or Atom feed.",
    );
  }

  const atom = kind.kind === "atom";
  const feedAttrs = isObject(feed[`${RAW}$`]) ? (feed[`${RAW}$`] as Attrs) : {};
  // Bases (XML Base): the document's address, then xml:base on the root, the
  // channel (for Atom the root is the feed) and each entry; RSS 1.0 items are
  // children of the root, not of the channel.
  const rootBase = atom ? docBase : withBase(docBase, prepared.rootAttrs);
  const feedBase = withBase(rootBase, feedAttrs);
  const link = atom ? atomLink(nodes(feed, "x-link"), feedBase) : rssLink(nodes(feed, "x-link"), feedBase);
  // Without a document address or xml:base, relative entry links resolve against the feed's home page.
  const itemBase = (kind.kind === "rdf" ? rootBase : feedBase) ?? link;
  const feedAuthor = authorOf(feed, ["author", "dc:creator"]);
  const entries = (feed.items ?? []).map((item) => entryOf(item, kind.kind, itemBase, feedAuthor));
  return { title: cleanText(textConstruct(first(feed, "title", "dc:title"), atom)), link, entries };
}
