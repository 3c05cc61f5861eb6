// Atom 1.0 (RFC 4287). Every text construct is `type="text"` (§3.1.1.1), so
// titles and summaries are plain text escaped as XML, with nothing for a
// reader to interpret. Every entry has its own author, so the feed needs none
// (§4.1.1); entries have no content, so each has a rel="alternate" link
// (§4.1.1.1): the post itself. No xml:lang: the hub does not know the
// language of its learners' posts.
import { entryText, type OutboundEntry, type OutboundFeed } from "./model.js";
import { xmlAttr, xmlText } from "./text.js";

/** RFC 3339 date-time (RFC 4287 §3.3), in UTC. */
function rfc3339(d: Date): string {
  return d.toISOString();
}

function entry(e: OutboundEntry): string {
  const lines = [
    "  <entry>",
    `    <id>${xmlText(e.id)}</id>`,
    `    <title type="text">${xmlText(e.title)}</title>`,
    `    <link rel="alternate" type="text/html" href="${xmlAttr(e.url)}"/>`,
    ...e.alsoOn.map(
      (a) =>
        `    <link rel="related" type="text/html" href="${xmlAttr(a.url)}" title="${a.kind === "mastodon" ? "Also on Mastodon" : "Also on Bluesky"}"/>`,
    ),
    `    <published>${rfc3339(e.published)}</published>`,
    `    <updated>${rfc3339(e.updated)}</updated>`,
    "    <author>",
    `      <name>${xmlText(e.authorName)}</name>`,
    ...(e.authorUrl ? [`      <uri>${xmlText(e.authorUrl)}</uri>`] : []),
    "    </author>",
    ...e.categories.map((c) => `    <category term="${xmlAttr(c)}"/>`),
  ];
  const text = entryText(e);
  if (text.length) lines.push(`    <summary type="text">${xmlText(text.join("\n\n"))}</summary>`);
  lines.push("  </entry>");
  return lines.join("\n");
}

export function renderAtom(feed: OutboundFeed): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>${xmlText(feed.id)}</id>`,
    `  <title type="text">${xmlText(feed.title)}</title>`,
    `  <subtitle type="text">${xmlText(feed.description)}</subtitle>`,
    `  <updated>${rfc3339(feed.updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlAttr(feed.feedUrls.atom)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlAttr(feed.pageUrl)}"/>`,
    "  <generator>Tributary</generator>",
    ...feed.entries.map(entry),
    "</feed>",
    "",
  ].join("\n");
}
