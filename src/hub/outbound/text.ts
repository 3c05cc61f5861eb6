// Text for the hub's outbound documents (RSS, Atom, JSON Feed, OPML, CSV).
// Everything is written by string building, so escaping is done here, once,
// and tested with hostile input: no CDATA sections (a "]]>" in a title would
// end one), only character escapes.

// XML 1.0 §2.2 (production [2] Char): these code points cannot appear in a
// document at all, not even as character references (`&#1;` is not well
// formed), so they cannot be escaped: they are removed. Lone surrogates are
// matched too (the `u` flag reads them as code points U+D800–U+DFFF), as are
// U+FFFE and U+FFFF. Applied to every string of every format, so a feed says
// the same thing in RSS, Atom and JSON.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The string without characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). */
export function cleanText(s: string): string {
  return s.replace(NOT_XML_CHAR, "");
}

/**
 * Character data of an XML element. `>` is escaped too, so a "]]>" in the text
 * can never be read as the end of a CDATA section (XML 1.0 §2.4).
 */
export function xmlText(s: string): string {
  return cleanText(s).replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/**
 * A double-quoted XML attribute value. Tab, LF and CR become character
 * references so attribute-value normalisation (XML 1.0 §3.3.3) keeps them.
 */
export function xmlAttr(s: string): string {
  return cleanText(s).replace(/[&<>"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Plain text as HTML text (for RSS, whose title and description readers treat as HTML). */
export function htmlText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** Plain text as a double-quoted HTML attribute value. */
export function htmlAttr(s: string): string {
  return htmlText(s).replace(/"/g, "&quot;");
}

/** A field of an RFC 4180 CSV line: quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  const v = cleanText(s);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The http(s) URL, or null (author links and the like come from feeds and APIs: never trust a scheme). */
export function webUrlOrNull(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}
