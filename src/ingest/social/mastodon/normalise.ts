// One Mastodon Status (https://docs.joinmastodon.org/entities/Status/) → one
// SocialPost. The answer comes from a server we do not control, so every field
// is checked before use: a status missing what a post needs is skipped, never
// a crash. Field names are masto's camelCase (its serializer converts them).

import { Parser } from "htmlparser2";
import { siteKey } from "../../canonical-url.js";
import { htmlToText } from "../../parse/html-text.js";
import { hashtagsIn, normaliseTag } from "../../tags.js";
import { httpUrl, jsonDate } from "../json-values.js";
import type { SocialAuthor, SocialPost } from "../post.js";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

/** The status id (the timeline's paging key), whatever else the status holds. */
export function statusIdOf(raw: unknown): string | null {
  return isObject(raw) ? str(raw.id) : null;
}

/**
 * The author, keyed `user@domain` lower-case. Mastodon's `acct` is the bare
 * username for the instance's own accounts (Account entity docs), so those get
 * the instance's host name added.
 */
export function authorOf(account: unknown, instanceHost: string): SocialAuthor | null {
  if (!isObject(account)) return null;
  const acct = str(account.acct)?.trim().replace(/^@+/, "");
  if (!acct) return null;
  const full = acct.includes("@") ? acct : `${acct}@${instanceHost}`;
  return {
    key: full.toLowerCase(),
    handle: `@${full}`,
    name: str(account.displayName)?.trim() || null,
    url: httpUrl(account.url),
    sites: verifiedSites(account.fields),
  };
}

/** The sites of profile fields the instance has verified (a rel="me" link back; `verified_at` set). */
function verifiedSites(fields: unknown): string[] {
  if (!Array.isArray(fields)) return [];
  const sites = new Set<string>();
  for (const f of fields) {
    if (!isObject(f) || !str(f.verifiedAt)) continue;
    for (const link of linksIn(typeof f.value === "string" ? f.value : "")) {
      const site = siteKey(link);
      if (site) sites.add(site);
    }
  }
  return [...sites].slice(0, 8);
}

function tokens(v: string | undefined): string[] {
  return (v ?? "").toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Absolute http(s) links in a status's HTML, leaving out Mastodon's mention and
 * hashtag links (`class="u-url mention"`, `class="mention hashtag" rel="tag"`).
 */
export function linksIn(html: string): string[] {
  const found = new Set<string>();
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name !== "a") return;
        const classes = tokens(attribs.class);
        if (classes.includes("mention") || classes.includes("hashtag") || tokens(attribs.rel).includes("tag")) return;
        const href = httpUrl(attribs.href);
        if (href) found.add(href);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return [...found];
}

/**
 * The post for a status, or null when it is not one to keep: a reblog (the
 * original reaches the tag timeline on its own), or a status lacking an id, a
 * URI, a readable link, an author or a creation date.
 */
export function normaliseStatus(raw: unknown, instanceHost: string): SocialPost | null {
  if (!isObject(raw)) return null;
  if (raw.reblog !== null && raw.reblog !== undefined) return null;
  const id = str(raw.id);
  const uri = str(raw.uri);
  // A link people will click: `url` is the HTML page, `uri` the federation id
  // (often also a page). Never a javascript: or data: URL from a hostile server.
  const url = httpUrl(raw.url) ?? httpUrl(raw.uri);
  const author = authorOf(raw.account, instanceHost);
  const publishedAt = jsonDate(raw.createdAt);
  if (!id || !uri || !url || !author || !publishedAt) return null;

  const content = typeof raw.content === "string" ? raw.content : "";
  const text = htmlToText(content);
  const tags = new Set<string>();
  if (Array.isArray(raw.tags)) {
    for (const t of raw.tags) {
      const name = isObject(t) ? str(t.name) : null;
      if (name) tags.add(normaliseTag(name));
    }
  }
  for (const t of hashtagsIn(text)) tags.add(normaliseTag(t));
  tags.delete("");

  const links = new Set(linksIn(content));
  const cardUrl = isObject(raw.card) ? httpUrl(raw.card.url) : null;
  if (cardUrl) links.add(cardUrl);

  return {
    kind: "mastodon",
    externalId: uri,
    url,
    remoteId: id,
    author,
    text,
    contentWarning: str(raw.spoilerText)?.trim() || null,
    sensitive: raw.sensitive === true,
    hide: false,
    tags: [...tags],
    links: [...links],
    publishedAt,
    editedAt: jsonDate(raw.editedAt),
  };
}

export { httpUrl };
