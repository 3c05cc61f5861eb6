// HTML to plain text with a real HTML parser (htmlparser2), never a regex.
// Scripts, styles and comments are dropped; block elements become spaces so
// words from adjacent paragraphs do not run together.
import { Parser } from "htmlparser2";

const SKIP = new Set(["script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head", "title"]);
const BLOCK = new Set([
  "p",
  "div",
  "br",
  "li",
  "ul",
  "ol",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "section",
  "article",
  "header",
  "footer",
  "aside",
  "figure",
  "figcaption",
  "table",
  "tr",
  "td",
  "th",
  "hr",
  "dd",
  "dt",
]);

export function collapseWhitespace(s: string): string {
  return s.replace(/[\s\u00a0\u200b]+/g, " ").trim();
}

export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return collapseWhitespace(html);
  const out: string[] = [];
  let skipDepth = 0;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (SKIP.has(name)) skipDepth++;
        else if (BLOCK.has(name)) out.push(" ");
      },
      onclosetag(name) {
        if (SKIP.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        else if (BLOCK.has(name)) out.push(" ");
      },
      ontext(text) {
        if (skipDepth === 0) out.push(text);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  return collapseWhitespace(out.join(""));
}

/** Cuts plain text to at most `max` characters at a word boundary, ending with "…". */
export function excerpt(text: string, max = 280): string {
  const t = collapseWhitespace(text);
  const chars = Array.from(t); // count code points, never split a surrogate pair
  if (chars.length <= max) return t;
  const head = chars.slice(0, max - 1).join("");
  const cut = head.search(/\s\S*$/);
  const base = cut > max * 0.5 ? head.slice(0, cut) : head;
  return `${base.replace(/[\s,;:.\-–—]+$/, "")}…`;
}
