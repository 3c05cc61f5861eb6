// WebSub discovery (W3C WebSub §4): the hub a feed's publisher pings when it changes, and the feed's
// own canonical address (its topic). HTTP Link headers come first (RFC 8288); otherwise the feed's
// top-level links: Atom's <link rel="hub"> under <feed>, or <atom:link rel="hub"> in an RSS <channel>
// (WordPress, Blogger, Medium and micro.blog feeds carry them). Only links before the first entry
// count, so a post quoting a hub link changes nothing. Addresses are resolved against the feed's
// URL and kept only when they are http(s); the SSRF guard applies when the hub is contacted.

export interface WebSubLinks {
  hub: string | null;
  self: string | null;
}

function httpUrl(raw: string, base: string): string | null {
  try {
    const url = new URL(raw.trim(), base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.toString() : null;
  } catch {
    return null;
  }
}

/** RFC 8288 Link header → [target, rel values] pairs; anything malformed is skipped. */
export function parseLinkHeader(header: string): Array<{ target: string; rels: string[] }> {
  const out: Array<{ target: string; rels: string[] }> = [];
  // Each link-value: <target> followed by ;-separated parameters, values bare or quoted.
  const value = /<([^>]*)>((?:\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(?:=\s*(?:"(?:[^"\\]|\\.)*"|[^",;]*))?)*)\s*(?:,|$)/gy;
  const param = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^",;]*)))?/g;
  const text = header.slice(0, 8192).trim();
  let at = 0;
  while (at < text.length) {
    value.lastIndex = at;
    const m = value.exec(text);
    if (!m) break;
    at = value.lastIndex;
    while (text[at] === " " || text[at] === "\t") at++;
    let rels: string[] = [];
    for (const p of m[2]!.matchAll(param)) {
      if (p[1]!.toLowerCase() === "rel") rels = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1").toLowerCase().split(/\s+/).filter(Boolean);
    }
    out.push({ target: m[1]!, rels });
  }
  return out;
}

/** The feed-level <link> elements (any namespace prefix) before its first entry or item. */
function feedLevelLinks(xml: string): Array<{ rel: string; href: string }> {
  const head = xml.slice(0, 262_144).split(/<(?:[\w-]+:)?(?:entry|item)[\s>]/i)[0] ?? "";
  const out: Array<{ rel: string; href: string }> = [];
  for (const tag of head.matchAll(/<(?:[\w-]+:)?link\b([^>]*)>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of tag[1]!.matchAll(/([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? "");
    const rel = attrs.get("rel");
    const href = attrs.get("href");
    if (rel && href) for (const r of rel.toLowerCase().split(/\s+/)) out.push({ rel: r, href: decodeXmlAttr(href) });
  }
  return out;
}

function decodeXmlAttr(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (all, e: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    const code = e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/** The feed's WebSub hub and topic, from its HTTP Link header (preferred) and its top-level links. */
export function discoverWebSub(feedUrl: string, linkHeader: string | null, xml: string): WebSubLinks {
  let hub: string | null = null;
  let self: string | null = null;
  for (const link of linkHeader ? parseLinkHeader(linkHeader) : []) {
    if (!hub && link.rels.includes("hub")) hub = httpUrl(link.target, feedUrl);
    if (!self && link.rels.includes("self")) self = httpUrl(link.target, feedUrl);
  }
  // Both from one place (§4): a feed's own links count only when its headers name no hub.
  if (!hub) {
    self = null;
    for (const link of feedLevelLinks(xml)) {
      if (!hub && link.rel === "hub") hub = httpUrl(link.href, feedUrl);
      if (!self && link.rel === "self") self = httpUrl(link.href, feedUrl);
    }
  }
  return hub ? { hub, self: self ?? feedUrl } : { hub: null, self: null };
}
