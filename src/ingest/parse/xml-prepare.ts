// Feed text → text a strict XML parser accepts, without changing what it says.
// rss-parser sits on a strict SAX parser, and real feeds break XML in a few
// well-known ways that feedparser and every desktop reader forgive:
//
// - HTML named entities (&nbsp; &eacute; &mdash;) with no DTD to declare them.
//   We rewrite them as numeric character references. The five XML entities,
//   CDATA sections and comments are never touched.
// - Bare ampersands ("Q&A", "?a=1&b=2"): escaped as &amp;.
// - Numeric references to characters XML forbids (&#0;, a lone surrogate) become
//   U+FFFD; &#128;–&#159; are read as Windows-1252, as HTML does (&#150; is "–").
// - A DOCTYPE, sometimes an HTML one before an <rss> root, sometimes with an
//   internal subset of entity declarations. We drop it: its entities are never
//   expanded (no "billion laughs"), and references to them stay literal text.
// - Junk before the first tag and after the root element (PHP warnings), and a
//   last end tag cut short ("</rss").
// - Atom type="xhtml" (and Atom 0.3 mode="xml") content: the parser would keep
//   its child elements out of order, so we hand it over as escaped HTML instead
//   (RFC 4287 §3.1.1.3: the content is the div's XHTML, which is also HTML).
//
// It also reports the root element and its attributes (xml:base, which rss-parser
// drops, and namespace declarations).
import { decodeHTML, decodeHTMLStrict, replaceCodePoint } from "entities/decode";

export interface PreparedXml {
  /** Text ready for a strict XML parser. */
  xml: string;
  /** Qualified name of the root element ("rss", "feed", "rdf:RDF"), or null when there is none. */
  root: string | null;
  /** Attributes of the root element (entity references decoded). */
  rootAttrs: Record<string, string>;
}

const NAME_START = /[A-Za-z_]/;
const START_TAG = /^<([A-Za-z_][\w.:-]*)/;
const ATTR = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const XML_ENTITIES = new Set(["amp", "lt", "gt", "quot", "apos"]);

// What the main pass looks for: sections to copy as they are, and references.
const SCAN = /<!\[CDATA\[|<!--|&(?:(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)?/g;
// The same, plus start tags of XHTML text constructs.
const XHTML_HINT = /\stype\s*=\s*["']xhtml["']|\smode\s*=\s*["']xml["']/;
const SCAN_XHTML =
  /<!\[CDATA\[|<!--|&(?:(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)?|<([A-Za-z_][\w.:-]*)(?:\s[^<>]*?)?\s(?:type\s*=\s*["']xhtml["']|mode\s*=\s*["']xml["'])[^<>]*>/g;

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

function numericRef(cp: number): string {
  return `&#${cp};`;
}

/** One reference (or bare '&') → what a strict XML parser accepts. */
function fixReference(match: string, ref: string | undefined): string {
  if (ref === undefined) return "&amp;"; // a bare ampersand
  if (ref.charCodeAt(0) === 35 /* # */) {
    const hex = ref[1] === "x" || ref[1] === "X";
    const cp = parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
    if (cp >= 0x80 && cp <= 0x9f) return numericRef(replaceCodePoint(cp)); // Windows-1252, as in HTML
    return isXmlChar(cp) ? match : "&#xFFFD;";
  }
  if (XML_ENTITIES.has(ref)) return match;
  const decoded = decodeHTMLStrict(match);
  if (decoded === match) return `&amp;${ref};`; // unknown (or declared in a DTD we dropped): keep as text
  let out = "";
  for (const ch of decoded) out += numericRef(ch.codePointAt(0)!);
  return out;
}

/** Index just after the end of a DOCTYPE declaration starting at `i` (quotes, internal subset and comments respected). */
function doctypeEnd(s: string, i: number): number {
  let quote = "";
  let depth = 0;
  for (let j = i + 9; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "<" && s.startsWith("<!--", j)) {
      const end = s.indexOf("-->", j + 4);
      if (end < 0) return s.length;
      j = end + 2;
    } else if (c === ">" && depth <= 0) return j + 1;
  }
  return s.length;
}

/** Index of the '>' that ends the tag starting at `i`, quotes respected; -1 if none. */
function tagEnd(s: string, i: number): number {
  let quote = "";
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return j;
    else if (c === "<") return -1;
  }
  return -1;
}

function newlinesIn(s: string): string {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return "\n".repeat(n);
}

function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = Object.create(null);
  for (const m of tag.matchAll(ATTR)) attrs[m[1]!] = decodeHTML(m[2] ?? m[3] ?? "");
  return attrs;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The element starting with the start tag at [start, openEnd] holds XHTML: return
 * the index of its matching end tag's '<' (same-name elements nest), or -1.
 */
function matchingEnd(s: string, name: string, from: number): number {
  const re = new RegExp(`<(/?)${escapeRegExp(name)}(?=[\\s/>])`, "g");
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m[1]) {
      if (--depth === 0) return m.index;
    } else {
      const end = tagEnd(s, m.index);
      if (end > 0 && s[end - 1] !== "/") depth++;
    }
  }
  return -1;
}

/** `<content type="xhtml">…</content>` → `<content type="html"><![CDATA[…]]></content>`. */
function xhtmlAsHtml(startTag: string, inner: string): string {
  const tag = startTag.replace(/(\stype\s*=\s*["'])xhtml(["'])/, "$1html$2").replace(/(\smode\s*=\s*["'])xml(["'])/, "$1escaped$2");
  return `${tag}<![CDATA[${inner.replace(/]]>/g, "]]]]><![CDATA[>")}]]>`;
}

export function prepareXml(input: string): PreparedXml {
  // Control characters XML 1.0 forbids (§2.2) are left in: the parser accepts
  // them, and normalise.ts drops them from the fields we keep, which is cheaper
  // than another pass over the whole document.
  const s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;

  // The prolog: XML declaration, processing instructions, comments, DOCTYPE.
  // What we drop is replaced by its line breaks, so parse errors keep their line numbers.
  const parts: string[] = [];
  let pos = 0;
  let i = 0;
  let root: string | null = null;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else if (s.startsWith("<?", i)) {
      const end = s.indexOf("?>", i + 2);
      if (end < 0) break;
      i = end + 2;
    } else if (s.startsWith("<!--", i)) {
      const end = s.indexOf("-->", i + 4);
      if (end < 0) break;
      i = end + 3;
    } else if (s.startsWith("<!", i) && /^<!doctype/i.test(s.slice(i, i + 9))) {
      const end = doctypeEnd(s, i);
      parts.push(s.slice(pos, i), newlinesIn(s.slice(i, end)));
      pos = i = end;
    } else if (s[i] === "<" && NAME_START.test(s[i + 1] ?? "")) {
      root = START_TAG.exec(s.slice(i, i + 200))![1]!;
      break;
    } else {
      // Text before the first tag (a PHP warning, a stray line): skip to the next tag.
      const next = s.indexOf("<", i + 1);
      const end = next < 0 ? s.length : next;
      parts.push(s.slice(pos, i), newlinesIn(s.slice(i, end)));
      pos = i = end;
    }
  }
  if (root === null) return { xml: s, root: null, rootAttrs: Object.create(null) };

  const rootTagEnd = tagEnd(s, i);
  const rootAttrs = rootTagEnd > 0 ? attributes(s.slice(i, rootTagEnd)) : Object.create(null);

  // The body: copy CDATA sections and comments as they are, fix references,
  // and turn XHTML text constructs into escaped HTML.
  const scan = (s.includes("xhtml", i) || s.includes("mode=", i)) && XHTML_HINT.test(s) ? SCAN_XHTML : SCAN;
  scan.lastIndex = i;
  for (let m = scan.exec(s); m; m = scan.exec(s)) {
    const at = m.index;
    const token = m[0];
    if (token === "<![CDATA[" || token === "<!--") {
      const close = token === "<!--" ? "-->" : "]]>";
      const end = s.indexOf(close, at + token.length);
      scan.lastIndex = end < 0 ? s.length : end + close.length;
      continue; // copied with the rest of the slice
    }
    if (token.charCodeAt(0) === 38 /* & */) {
      const fixed = fixReference(token, m[1]);
      if (fixed !== token) {
        parts.push(s.slice(pos, at), fixed);
        pos = at + token.length;
      }
      continue;
    }
    // An XHTML text construct.
    if (token.endsWith("/>")) continue;
    const innerStart = at + token.length;
    const endAt = matchingEnd(s, m[2]!, innerStart);
    if (endAt < 0) continue;
    parts.push(s.slice(pos, at), xhtmlAsHtml(token, s.slice(innerStart, endAt)));
    pos = endAt;
    scan.lastIndex = endAt;
  }
  parts.push(s.slice(pos));
  let xml = parts.length === 1 ? parts[0]! : parts.join("");

  // The end: a last end tag missing its '>' ("</rss"), and anything after the root element.
  const cut = /<\/([A-Za-z_][\w.:-]*)\s*$/.exec(xml.slice(-300));
  if (cut) xml = `${xml.trimEnd()}>`;
  const rootClose = xml.lastIndexOf(`</${root}`);
  if (rootClose > 0) {
    const end = xml.indexOf(">", rootClose);
    if (end > 0 && end < xml.length - 1) xml = xml.slice(0, end + 1);
  }
  return { xml, root, rootAttrs };
}
