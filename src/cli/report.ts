// The feed doctor's answer, for people (text) or for programs (one JSON
// object). Feed text is the feed author's, so it is cleaned of terminal
// control sequences and bidi overrides before it reaches a terminal.
import type { NormalisedEntry } from "../ingest/entry.js";
import { matchCourseTags, normaliseTag, type TagMatch } from "../ingest/tags.js";
import type { Checked } from "./check-feed.js";

// C0 and C1 controls, DEL, and the bidi embeddings/overrides/isolates that can
// make text read differently from what it is ("Trojan Source").
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function clean(s: string): string {
  return s.replace(UNSAFE, " ").replace(/ {2,}/g, " ").trim();
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}

export interface JsonEntry {
  id: string;
  url: string | null;
  title: string;
  published: string | null;
  updated: string | null;
  author: string | null;
  tags: string[];
  excerpt: string;
  hasTag?: boolean;
}

export function toJson(checked: Checked, tags: string[]): string {
  const entries = checked.feed.entries.map(
    (e): JsonEntry => ({
      id: e.id,
      url: e.url,
      title: e.title,
      published: iso(e.published),
      updated: iso(e.updated),
      author: e.author,
      tags: e.tags,
      excerpt: e.excerpt,
      ...(tags.length ? { hasTag: matchCourseTags(e, tags).matched } : {}),
    }),
  );
  const json = JSON.stringify({ feed: { title: checked.feed.title, link: checked.feed.link }, entries }, null, 2);
  // JSON.stringify leaves DEL, C1 and bidi controls raw; as \u escapes the JSON is the same, and safe to print.
  return json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function entryLines(e: NormalisedEntry, n: number, match: TagMatch | null): string[] {
  const field = (name: string, value: string) => `   ${name.padEnd(10)} ${value}`;
  const lines = [
    `${n}. ${clean(e.title)}`,
    field("url", e.url ? clean(e.url) : "(none: the hub can only show posts that link to a web page, so this one is left out)"),
    field("id", clean(e.id)),
    field("published", iso(e.published) ?? "(no date: the hub uses the time it first sees the post)"),
    field("updated", iso(e.updated) ?? "–"),
    field("author", e.author ? clean(e.author) : "–"),
    field("tags", e.tags.length ? clean(e.tags.join(", ")) : "(none)"),
    field("excerpt", clean(e.excerpt) || "–"),
  ];
  if (match) lines.push(field("has tag", match.matched ? `yes: ${clean(match.reason)}` : `no: ${clean(match.reason)}`));
  return lines;
}

export function toText(checked: Checked, tags: string[]): string {
  const { feed } = checked;
  const out = [
    `Feed:      ${clean(feed.title) || "(untitled)"}`,
    `Link:      ${feed.link ? clean(feed.link) : "(none)"}`,
    `Read from: ${clean(checked.readFrom)}`,
  ];
  if (checked.note) out.push(`Found:     ${clean(checked.note)}`);
  const matches = feed.entries.map((e) => (tags.length ? matchCourseTags(e, tags) : null));
  if (tags.length) {
    const label = tags.map((t) => `#${normaliseTag(t)}`).join(" or ");
    const carrying = matches.filter((m) => m?.matched).length;
    out.push(`Course tag: ${label}: ${carrying} of ${feed.entries.length} entries carry it.`);
  }
  out.push("");
  if (feed.entries.length === 0) out.push("The feed lists no entries.");
  for (const [i, e] of feed.entries.entries()) out.push(...entryLines(e, i + 1, matches[i]!), "");
  if (!tags.length && feed.entries.length) out.push("Add --tag TAG to see which entries carry the course tag, and why.");
  return `${out.join("\n").trimEnd()}\n`;
}
