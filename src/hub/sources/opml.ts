// OPML, the list-of-feeds format feed readers and class rosters use (OPML 2.0,
// http://opml.org/spec2.opml; 1.0 files read the same way). Reading is done
// with htmlparser2 in XML mode: lenient with the hand-edited rosters people
// really have, and it never fetches DTDs or expands external entities.
import { Parser } from "htmlparser2";
import { FormError } from "../../core/errors.js";
import type { Source } from "../../db/schema.js";
import { collapseWhitespace } from "../../ingest/parse/html-text.js";

/** Largest roster accepted, in characters (a 40-student roster is ~10 KB). */
export const MAX_OPML_CHARS = 512 * 1024;
export const MAX_OUTLINES = 1000;

export interface RosterLine {
  /** Line of the file the outline starts on, for the per-line report. */
  line: number;
  /** The outline's `text` when it names a person, not just the blog. */
  ownerName: string | null;
  /** The blog's own name (`title`, or `text` when both say the same). */
  title: string | null;
  xmlUrl: string | null;
  htmlUrl: string | null;
  /** Why this outline cannot be imported, when that is clear from the file alone. */
  problem: string | null;
}

interface OpenOutline extends RosterLine {
  hasChildren: boolean;
}

function attr(attrs: Record<string, string>, name: string): string | null {
  // OPML says xmlUrl/htmlUrl, but hand-made files write xmlurl, XMLURL…
  for (const [k, v] of Object.entries(attrs)) if (k.toLowerCase() === name) return collapseWhitespace(v).slice(0, 2000) || null;
  return null;
}

/** Reads a roster's outlines. Folders (outlines that only group others) are left out. */
export function parseOpml(text: string): RosterLine[] {
  if (text.length > MAX_OPML_CHARS) {
    throw new FormError("opml", `This file is larger than ${MAX_OPML_CHARS / 1024} KB; split the roster into smaller files.`);
  }
  let root: string | null = null;
  let sawBody = false;
  const open: OpenOutline[] = [];
  const all: OpenOutline[] = [];
  // Line numbers are counted as the parser moves forward, never re-scanned from the start.
  let scanned = 0;
  let line = 1;
  const lineAt = (index: number) => {
    for (; scanned < index && scanned < text.length; scanned++) if (text.charCodeAt(scanned) === 10) line++;
    return line;
  };

  const parser: Parser = new Parser(
    {
      onopentag(name, attrs) {
        const tag = name.toLowerCase();
        root ??= tag;
        if (tag === "body") sawBody = true;
        if (tag !== "outline") return;
        const parent = open[open.length - 1];
        if (parent) parent.hasChildren = true;
        const textAttr = attr(attrs, "text");
        const titleAttr = attr(attrs, "title");
        const type = attr(attrs, "type")?.toLowerCase();
        const include = type === "include";
        const xmlUrl = include ? null : attr(attrs, "xmlurl");
        const htmlUrl = include ? null : (attr(attrs, "htmlurl") ?? (type === "link" ? attr(attrs, "url") : null));
        // Feed readers write text = title = the blog's name (or its address);
        // a roster names the person in `text`.
        const names = textAttr !== null && textAttr !== titleAttr && textAttr !== xmlUrl && textAttr !== htmlUrl;
        const outline: OpenOutline = {
          line: lineAt(parser.startIndex),
          ownerName: names ? textAttr.slice(0, 200) : null,
          title: (titleAttr ?? (names || textAttr === xmlUrl || textAttr === htmlUrl ? null : textAttr))?.slice(0, 300) ?? null,
          xmlUrl,
          htmlUrl,
          problem: include ? "Included OPML files are not followed; import that file on its own." : null,
          hasChildren: false,
        };
        open.push(outline);
        all.push(outline);
        if (all.length > MAX_OUTLINES) {
          throw new FormError("opml", `This roster has more than ${MAX_OUTLINES} entries; split it into smaller files.`);
        }
      },
      onclosetag(name) {
        if (name.toLowerCase() === "outline") open.pop();
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(text);
  parser.end();

  if (root !== "opml" || !sawBody) {
    throw new FormError("opml", "This is not an OPML file: it should start with <opml> and list blogs as <outline> lines in its <body>.");
  }
  return all
    .filter((o) => o.xmlUrl || o.htmlUrl || o.problem || !o.hasChildren)
    .map(({ hasChildren: _, ...o }) => ({
      ...o,
      problem: o.problem ?? (o.xmlUrl || o.htmlUrl ? null : "No feed or blog address (xmlUrl or htmlUrl) on this line."),
    }));
}

// XML 1.0 §2.2: these characters cannot appear in a document at all, escaped or not.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text safe inside a double-quoted XML attribute or element. */
export function xmlEscape(s: string): string {
  return s.replace(NOT_XML, "").replace(/[&<>"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type OutlineAttrs = Array<[name: string, value: string | null]>;

/** An OPML 2.0 document (http://opml.org/spec2.opml); empty attributes are left out. */
export function opmlDocument(title: string, outlines: OutlineAttrs[], now: Date): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    "  <head>",
    `    <title>${xmlEscape(title)}</title>`,
    `    <dateCreated>${now.toUTCString()}</dateCreated>`,
    "    <docs>http://opml.org/spec2.opml</docs>",
    "  </head>",
    "  <body>",
    ...outlines.map(
      (attrs) =>
        `    <outline ${attrs
          .filter(([, v]) => v)
          .map(([k, v]) => `${k}="${xmlEscape(v!)}"`)
          .join(" ")}/>`,
    ),
    "  </body>",
    "</opml>",
    "",
  ].join("\n");
}

/** OPML 2.0 of a course's blogs; owner names go in `text`, as rosters write them. */
export function exportOpml(course: { title: string }, list: Source[], now: Date): string {
  const outlines = list
    .filter((s) => s.kind === "feed")
    .map(
      (s): OutlineAttrs => [
        ["text", s.ownerName ?? s.title ?? s.url],
        ["title", s.title],
        ["type", "rss"],
        ["xmlUrl", s.url],
        ["htmlUrl", s.homePageUrl ?? s.siteUrl],
      ],
    );
  return opmlDocument(`${course.title}: blogs`, outlines, now);
}
