// One Bluesky post view (app.bsky.feed.defs#postView, as searchPosts and
// getPosts return it) → one SocialPost. @atproto/api has already checked the
// answer against the lexicons, but `record` is open ("unknown" fields) and a
// hostile service can put anything the lexicon allows there, so every field the
// hub uses is checked again: a post missing what a post needs is skipped,
// never a crash.
//
// References: the lexicons app.bsky.feed.post, app.bsky.richtext.facet,
// app.bsky.embed.external / recordWithMedia, com.atproto.label.defs, and the
// label values Bluesky's moderation documents (@atproto/api moderation/const/labels).

import { siteKey } from "../../canonical-url.js";
import { hashtagsIn, normaliseTag } from "../../tags.js";
import { httpUrl, jsonDate } from "../json-values.js";
import type { SocialAuthor, SocialPost } from "../post.js";

type Json = Record<string, unknown>;

const POST_COLLECTION = "app.bsky.feed.post";
const TAG_FEATURE = "app.bsky.richtext.facet#tag";
const LINK_FEATURE = "app.bsky.richtext.facet#link";

/**
 * Labels that hide the post from the hub's pages, whoever applied them (the
 * author as a self-label, or a labeler such as Bluesky's moderation service):
 * - `!hide`, `!takedown`, `!suspend`: moderation said no one sees it;
 * - `porn`, `sexual`, `graphic-media` (and its old name `gore`): the "adult"
 *   labels, which Bluesky itself filters out for anyone who has not turned
 *   adult content on (the default, and always for signed-out visitors). A
 *   course hub is read by learners of any age, signed out;
 * - `!no-unauthenticated`: the author asked that people who are not signed in
 *   to Bluesky not see their posts, and the hub's pages are public.
 * `nudity` is NOT here: Bluesky shows it by default (it is not an adult label;
 * art and health courses use it), so it only marks the post sensitive. The hub
 * never copies or shows media anyway.
 */
export const HIDING_LABELS: ReadonlySet<string> = new Set([
  "!hide",
  "!takedown",
  "!suspend",
  "porn",
  "sexual",
  "graphic-media",
  "gore",
  "!no-unauthenticated",
]);

/** Labels on media (`blurs: "media"` in Bluesky's label definitions). */
export const MEDIA_LABELS: ReadonlySet<string> = new Set(["porn", "sexual", "nudity", "graphic-media", "gore"]);

/** A self-label asking for a warning over the whole post (`blurs: "content"`). */
const WARN_LABEL = "!warn";
export const WARNING_TEXT = "The author marked this post with a content warning.";

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v : null;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A DID as the atproto spec allows it (did:method:id); only such characters reach a URL path unencoded. */
const DID = /^did:[a-z]+:[A-Za-z0-9._:%-]+$/;

/** `at://did:plc:x/app.bsky.feed.post/3k…` → its DID and record key, or null for anything else. */
export function parsePostUri(uri: unknown): { did: string; rkey: string } | null {
  if (typeof uri !== "string") return null;
  const m = /^at:\/\/(did:[a-z]+:[A-Za-z0-9._:%-]+)\/([^/]+)\/([A-Za-z0-9._:~-]{1,512})$/.exec(uri);
  if (!m || m[2] !== POST_COLLECTION) return null;
  return { did: m[1]!, rkey: m[3]! };
}

/** A handle people can type, or null (`handle.invalid` is what the AppView says when it could not verify one). */
function usableHandle(v: unknown): string | null {
  const h = str(v)?.trim().toLowerCase();
  if (!h || h === "handle.invalid" || !/^[a-z0-9.-]+$/.test(h)) return null;
  return h;
}

export function authorOf(author: unknown): SocialAuthor | null {
  if (!isObject(author)) return null;
  const did = str(author.did)?.trim();
  if (!did || !DID.test(did)) return null;
  // Without a verified handle, the DID is the name bsky.app accepts in its URLs.
  const handle = usableHandle(author.handle) ?? did;
  // A domain handle is proven by the domain (a DNS record or /.well-known/atproto-did): its site is theirs.
  const site = handle !== did && !/\.bsky\.social$/i.test(handle) ? siteKey(handle) : null;
  return {
    key: did,
    handle,
    name: str(author.displayName)?.trim() || null,
    url: `https://bsky.app/profile/${handle}`,
    sites: site ? [site] : [],
  };
}

interface LabelSets {
  /** Every label in force on the post or its author, self-applied or not. */
  all: Set<string>;
  /** The author's own labels on this post. */
  self: Set<string>;
}

/**
 * The label values in force: the post record's self-labels, and the labels the
 * view carries (the AppView adds those of the labelers the hub accepts), for
 * the post and for its author's account. A negation (`neg`) or an expired
 * label (`exp` in the past) is not in force.
 */
function labelsOf(view: Json, record: Json, did: string, now: Date): LabelSets {
  const all = new Set<string>();
  const self = new Set<string>();
  const selfLabels = isObject(record.labels) ? list(record.labels.values) : [];
  for (const l of selfLabels) {
    const val = isObject(l) ? str(l.val) : null;
    if (val) {
      all.add(val);
      self.add(val);
    }
  }
  const author = isObject(view.author) ? view.author : {};
  for (const l of [...list(view.labels), ...list(author.labels)]) {
    if (!isObject(l)) continue;
    const val = str(l.val);
    if (!val || l.neg === true) continue;
    const exp = jsonDate(l.exp);
    if (exp && exp.getTime() <= now.getTime()) continue;
    all.add(val);
    if (l.src === did) self.add(val);
  }
  return { all, self };
}

/** Tags the author put in the post: tag facets and the record's `tags` field (both without '#'). */
export function declaredTags(record: Json): string[] {
  const found = new Set<string>();
  for (const facet of list(record.facets)) {
    if (!isObject(facet)) continue;
    for (const feature of list(facet.features)) {
      if (isObject(feature) && feature.$type === TAG_FEATURE) {
        const tag = str(feature.tag);
        if (tag) found.add(normaliseTag(tag));
      }
    }
  }
  for (const t of list(record.tags)) {
    const tag = str(t);
    if (tag) found.add(normaliseTag(tag));
  }
  found.delete("");
  return [...found];
}

/** Links in the post: link facets, and the link card (an external embed, alone or beside a quoted record). */
export function linksOf(record: Json): string[] {
  const found = new Set<string>();
  for (const facet of list(record.facets)) {
    if (!isObject(facet)) continue;
    for (const feature of list(facet.features)) {
      if (isObject(feature) && feature.$type === LINK_FEATURE) {
        const url = httpUrl(feature.uri);
        if (url) found.add(url);
      }
    }
  }
  const embed = isObject(record.embed) ? record.embed : null;
  const external = (e: Json | null): string | null =>
    e && e.$type === "app.bsky.embed.external" && isObject(e.external) ? httpUrl(e.external.uri) : null;
  const card =
    external(embed) ?? (embed && embed.$type === "app.bsky.embed.recordWithMedia" && isObject(embed.media) ? external(embed.media) : null);
  if (card) found.add(card);
  return [...found];
}

/** Whether the post really carries `tag`: a tag facet, the record's tags, or `#tag` written in its text. */
export function carriesTag(post: Pick<SocialPost, "tags">, tag: string): boolean {
  return post.tags.includes(normaliseTag(tag));
}

/**
 * The moment the search orders and filters by (`since`/`until` "expected to
 * use 'sortAt'"): the AppView's sortAt is the earlier of createdAt and
 * indexedAt, so a post that claims a future date sorts when it was indexed.
 */
export function sortAtOf(view: unknown): Date | null {
  if (!isObject(view)) return null;
  const indexed = jsonDate(view.indexedAt);
  const created = isObject(view.record) ? jsonDate(view.record.createdAt) : null;
  // biome-ignore lint/complexity/useMathMinMax: these are Dates; Math.min would turn them into numbers.
  if (indexed && created) return created < indexed ? created : indexed;
  return indexed ?? created;
}

/**
 * The post for a post view, or null when it is not a post the hub can point to
 * (not an app.bsky.feed.post at-uri, no author DID, no record, no usable date).
 * `now` clamps dates in the future.
 */
export function normalisePostView(view: unknown, now: Date): SocialPost | null {
  if (!isObject(view)) return null;
  const uri = str(view.uri);
  const parsed = parsePostUri(uri);
  const author = authorOf(view.author);
  const record = isObject(view.record) ? view.record : null;
  if (!uri || !parsed || !author || !record) return null;
  // The record lives in the author's repository: a view whose author is someone else is not one to trust.
  if (parsed.did !== author.key) return null;
  if (record.$type !== undefined && record.$type !== POST_COLLECTION) return null;

  const created = jsonDate(record.createdAt);
  const indexed = jsonDate(view.indexedAt);
  // createdAt is the client's claim; a date in the future falls back to when
  // the AppView saw the post, and nothing is ever later than now.
  let publishedAt = created && created.getTime() <= now.getTime() ? created : (indexed ?? created);
  if (!publishedAt) return null;
  if (publishedAt.getTime() > now.getTime()) publishedAt = now;

  const text = typeof record.text === "string" ? record.text : "";
  const tags = new Set(declaredTags(record));
  for (const t of hashtagsIn(text)) tags.add(t);
  tags.delete("");

  const labels = labelsOf(view, record, author.key, now);
  const sensitive = [...labels.all].some((l) => MEDIA_LABELS.has(l));
  const hide = [...labels.all].some((l) => HIDING_LABELS.has(l));

  return {
    kind: "bluesky",
    externalId: uri,
    url: `https://bsky.app/profile/${author.handle}/post/${parsed.rkey}`,
    remoteId: uri,
    author,
    text,
    // Bluesky has no content-warning text: only a `!warn` self-label asks for one.
    contentWarning: labels.self.has(WARN_LABEL) ? WARNING_TEXT : null,
    sensitive,
    hide,
    tags: [...tags],
    links: linksOf(record),
    publishedAt,
    editedAt: null,
  };
}

export { httpUrl };
