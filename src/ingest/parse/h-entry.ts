// A post's own page, read as microformats2 (an h-entry: name, url, published, author, categories),
// with the real parser (microformats-parser). Where the page has no h-entry, the parser's
// metaformats read the page's metadata instead (<title>, Open Graph, Twitter cards, meta
// description), so a plain WordPress theme still gives a title, a date and an excerpt. Every link the
// page makes (href, src, cite) is listed too, for a Webmention's "does the source link to the target".
import { Parser } from "htmlparser2";
import { mf2 } from "microformats-parser";
import type { NormalisedEntry } from "../entry.js";
import { parseDate } from "./dates.js";
import { htmlToText } from "./html-text.js";
import { finishEntry, resolveUrl } from "./normalise.js";

export interface PostPage {
  /** The page's h-entry (or its metadata) as an entry; url is the page's own address. */
  entry: NormalisedEntry;
  /** The author's home page, when the h-entry's h-card (or the page's rel=author) gives one. */
  authorUrl: string | null;
  /** Every absolute http(s) address the page links to, fragments dropped. */
  links: Set<string>;
}

// The parser's own types, which it does not export by name.
type MicroformatRoot = ReturnType<typeof mf2>["items"][number];
type Prop = MicroformatRoot["properties"][string][number];

const isRoot = (p: Prop | undefined): p is MicroformatRoot => typeof p === "object" && p !== null && "properties" in p;

/** A property's plain value: a string, an e-* property's text, an h-* property's own value or name. */
function text(p: Prop | undefined): string {
  if (p === undefined) return "";
  if (typeof p === "string") return p;
  if (isRoot(p)) return typeof p.value === "string" ? p.value : text(p.properties.name?.[0]);
  if ("html" in p) return p.value;
  return p.value ?? "";
}

const first = (root: MicroformatRoot, name: string) => root.properties[name]?.[0];

/** h-entries in document order, those inside an h-feed (or any other item's children) included. */
function entriesOf(items: MicroformatRoot[]): MicroformatRoot[] {
  const out: MicroformatRoot[] = [];
  const walk = (list: MicroformatRoot[]) => {
    for (const item of list) {
      if (item.type?.includes("h-entry")) out.push(item);
      if (item.children) walk(item.children);
    }
  };
  walk(items);
  return out;
}

/** Addresses compared as a Webmention target is: no fragment, and a bare host with its slash. */
export function comparableUrl(raw: string, base?: string): string | null {
  try {
    const u = new URL(raw, base);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    u.hash = "";
    return u.toString();
  } catch {
    return null;
  }
}

/** Every address the page links to (a/link/area href, img/video/audio/source src, blockquote/q/ins/del cite). */
function linksIn(html: string, base: string): Set<string> {
  const found = new Set<string>();
  let baseHref = base;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === "base" && attribs.href) baseHref = resolveUrl(attribs.href.trim(), base) ?? base;
        for (const attr of ["href", "src", "cite"]) {
          const v = attribs[attr];
          if (!v) continue;
          const url = comparableUrl(v.trim(), baseHref);
          if (url && found.size < 5000) found.add(url);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

/** Reads a post page fetched from `pageUrl` (after redirects). */
export function readPostPage(html: string, pageUrl: string): PostPage {
  const doc = mf2(html, { baseUrl: pageUrl, experimental: { metaformats: true, textContent: true } });
  const entries = entriesOf(doc.items);
  // The h-entry that is this page (its u-url), else the page's first one (a permalink page has one).
  const own = comparableUrl(pageUrl);
  const entry = entries.find((e) => (e.properties.url ?? []).some((u) => comparableUrl(text(u), pageUrl) === own)) ?? entries[0];
  const author = entry ? first(entry, "author") : undefined;
  const authorUrl = (isRoot(author) ? text(first(author, "url")) : "") || doc.rels.author?.[0] || "";
  const content = entry ? first(entry, "content") : undefined;
  const body = content && typeof content === "object" && "html" in content ? htmlToText(content.html) : text(content);
  const categories = [
    ...(entry?.properties.category ?? []).map(text),
    // rel=tag links name their tag in the address's last segment (microformats rel-tag).
    ...(doc.rels.tag ?? []).map((u) => decodeURIComponent(new URL(u).pathname.replace(/\/+$/, "").split("/").pop() ?? "")),
  ].filter(Boolean);
  const name = entry ? text(first(entry, "name")) : "";
  const summary = entry ? text(first(entry, "summary")) : "";
  const parsedDate = (p: Prop | undefined) => (p === undefined ? null : parseDate(text(p)));
  return {
    entry: finishEntry({
      id: pageUrl,
      url: pageUrl,
      // A note's implied name is its whole text: a name that merely repeats the content is no title.
      title: name && !body.startsWith(name.slice(0, 40)) ? name : "",
      text: body || summary,
      published: entry ? parsedDate(first(entry, "published")) : null,
      updated: entry ? parsedDate(first(entry, "updated")) : null,
      author: author ? text(author) || null : null,
      categories,
    }),
    authorUrl: authorUrl ? comparableUrl(authorUrl, pageUrl) : null,
    links: linksIn(html, pageUrl),
  };
}
