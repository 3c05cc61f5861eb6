// RSS 2.0 (https://www.rssboard.org/rss-specification), with the Atom
// namespace for the self link and Dublin Core for author names, as the RSS
// Advisory Board's profile recommends (https://www.rssboard.org/rss-profile).
//
// Titles, author names and categories are plain text, escaped once, the way
// the profile's "Character Data" section asks: "&", "<" and ">" as the
// hexadecimal references &#x26; &#x3C; &#x3E;. Readers that take a title as
// text (newsboat) and those that take it as HTML (feedparser) then both show
// "Fish & chips", never "Fish &amp; chips". A description is HTML by the
// specification: HTML that shows the plain text, then escaped as XML.
import { entryText, type OutboundEntry, type OutboundFeed } from "./model.js";
import { cleanText, htmlAttr, htmlText, xmlAttr, xmlText } from "./text.js";

/** RFC 822 date-time (RSS 2.0 "All date-times in RSS conform to RFC 822"), in GMT. */
function rfc822(d: Date): string {
  return d.toUTCString();
}

/** Plain text as an RSS element, escaped once with the profile's hexadecimal references. */
const rssText = (s: string) => cleanText(s).replace(/[&<>]/g, (c) => (c === "&" ? "&#x26;" : c === "<" ? "&#x3C;" : "&#x3E;"));

function descriptionHtml(e: OutboundEntry): string {
  const paragraphs = entryText(e).map((p) => `<p>${htmlText(p)}</p>`);
  for (const a of e.alsoOn)
    paragraphs.push(
      `<p>Also on ${a.kind === "mastodon" ? "Mastodon" : "Bluesky"}: <a href="${htmlAttr(a.url)}">${htmlText(a.url)}</a></p>`,
    );
  return paragraphs.join("");
}

function item(e: OutboundEntry): string {
  const description = descriptionHtml(e);
  // RSS needs a title or a description: a social post's text is its description, with no title made up.
  const title = e.titled || !description ? [`      <title>${rssText(e.title)}</title>`] : [];
  const lines = ["    <item>", ...title, `      <link>${xmlText(e.url)}</link>`];
  if (description) lines.push(`      <description>${xmlText(description)}</description>`);
  lines.push(
    `      <dc:creator>${rssText(e.authorName)}</dc:creator>`,
    ...e.categories.map((c) => `      <category>${rssText(c)}</category>`),
    // The canonical URL is the item's identity in the course: a permalink.
    `      <guid isPermaLink="true">${xmlText(e.id)}</guid>`,
    `      <pubDate>${rfc822(e.published)}</pubDate>`,
    "    </item>",
  );
  return lines.join("\n");
}

export function renderRss(feed: OutboundFeed): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    "  <channel>",
    `    <title>${rssText(feed.title)}</title>`,
    `    <link>${xmlText(feed.pageUrl)}</link>`,
    `    <description>${rssText(feed.description)}</description>`,
    `    <atom:link href="${xmlAttr(feed.feedUrls.rss)}" rel="self" type="application/rss+xml"/>`,
    `    <lastBuildDate>${rfc822(feed.updated)}</lastBuildDate>`,
    "    <generator>Tributary</generator>",
    "    <docs>https://www.rssboard.org/rss-specification</docs>",
    ...feed.entries.map(item),
    "  </channel>",
    "</rss>",
    "",
  ].join("\n");
}
