// A strict XML reader for tests: `sax` in strict mode with namespaces (the
// parser under rss-parser's xml2js, already installed with it), building a
// small tree. Unlike the hub's lenient feed reader, it throws on anything that
// is not well-formed XML 1.0 (an unescaped "<" or "&", a bad entity, a broken
// tag), so a feed that passes here is well-formed, and its elements can be
// checked by namespace and name against the specifications.
import { createRequire } from "node:module";

interface SaxTag {
  name: string;
  local: string;
  uri: string;
  attributes: Record<string, { value: string; uri: string; local: string }>;
}
interface SaxParser {
  onerror: (e: Error) => void;
  onopentag: (t: SaxTag) => void;
  onclosetag: () => void;
  ontext: (t: string) => void;
  oncdata: (t: string) => void;
  write(s: string): SaxParser;
  close(): void;
}
const sax = createRequire(import.meta.url)("sax") as { parser(strict: boolean, opts: Record<string, unknown>): SaxParser };

export interface El {
  /** Namespace URI ("" for none). */
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
  sawCdata: boolean;
}

export function parseStrict(xml: string): El {
  // XML 1.0 §2.2: characters a document may not contain at all (sax does not check them).
  const bad = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML 1.0`);
  const p = sax.parser(true, { xmlns: true, trim: false, normalize: false });
  const stack: El[] = [];
  let root: El | null = null;
  p.onerror = (e) => {
    throw e;
  };
  p.onopentag = (t) => {
    const attrs: Record<string, string> = {};
    for (const [k, a] of Object.entries(t.attributes)) attrs[k] = a.value;
    const el: El = { ns: t.uri, name: t.local, attrs, children: [], text: "", sawCdata: false };
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else root = el;
    stack.push(el);
  };
  p.onclosetag = () => {
    stack.pop();
  };
  p.ontext = (t) => {
    if (stack.length) stack[stack.length - 1]!.text += t;
  };
  p.oncdata = (t) => {
    if (stack.length) {
      stack[stack.length - 1]!.text += t;
      stack[stack.length - 1]!.sawCdata = true;
    }
  };
  p.write(xml).close();
  if (!root) throw new Error("no root element");
  return root;
}

export const kids = (el: El, ns: string, name: string) => el.children.filter((c) => c.ns === ns && c.name === name);
export const kid = (el: El, ns: string, name: string): El | undefined => kids(el, ns, name)[0];
export function all(el: El, pred: (e: El) => boolean, out: El[] = []): El[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}
