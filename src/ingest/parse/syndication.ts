// Where a blog post says it was also published (POSSE: Publish on your Own Site, Syndicate
// Elsewhere): links marked rel="syndication" or class="u-syndication" (microformats2 h-entry) in
// the entry's content, as WordPress's Syndication Links plugin and IndieWeb themes write them, and
// Atom <link rel="syndication">. The hub shows those toots and skeets as "also on" under the post.
// Read with a real HTML parser (htmlparser2), never a regex.
import { Parser } from "htmlparser2";
import { resolveUrl } from "./normalise.js";

const MAX_LINKS = 8;

const tokens = (v: string | undefined) => (v ?? "").toLowerCase().split(/\s+/).filter(Boolean);

/** Absolute http(s) syndication links in `html`, resolved against `base`. */
export function syndicationLinks(html: string, base: string | null): string[] {
  const found = new Set<string>();
  if (!html || !/syndication/i.test(html)) return [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name !== "a" && name !== "link") return;
        if (!tokens(attribs.rel).includes("syndication") && !tokens(attribs.class).includes("u-syndication")) return;
        const href = attribs.href ? resolveUrl(attribs.href.trim(), base) : null;
        if (href && /^https?:\/\//i.test(href) && found.size < MAX_LINKS) found.add(href);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return [...found];
}
