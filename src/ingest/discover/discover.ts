// Feed discovery: from whatever address a learner gives (a blog's home page, a
// post, or the feed itself) to the feed the hub should poll, with a note in
// plain language saying which feed was chosen and why.
//
// Where the platform offers a tag archive feed for the course tag we prefer it:
// it lists only course posts, so a busy blog's course post cannot slip out of
// a short main feed between two polls. A tag feed is only chosen once it has
// answered with a parsable feed, is not a redirect back to the main feed, and
// lists at least one post, and does not miss course posts the main feed shows
// (a #tag written in the text, or a differently spelt label, never reaches a
// platform's tag archive).
// Every request goes through safeFetch, so the SSRF guard applies to links
// found on the page too.
import type { Config } from "../../core/config.js";
import type { NormalisedEntry, NormalisedFeed } from "../entry.js";
import { IngestError } from "../errors.js";
import { decodeBody } from "../fetch/decode.js";
import { type FetchResult, safeFetch } from "../fetch/fetch.js";
import { parseFeed } from "../parse/parse.js";
import { matchCourseTags, normaliseTag } from "../tags.js";
import type { PageHints } from "./page.js";
import { readPage } from "./page.js";
import { detectPlatform, type Platform, type PlatformRule } from "./platforms.js";

export type { Platform } from "./platforms.js";

export interface DiscoverDeps {
  fetch: typeof fetch;
  config: Pick<Config, "fetchTimeoutMs" | "fetchMaxBytes" | "allowLoopbackFetch">;
  resolveHost?: (host: string) => Promise<string[]>;
  /** Given by the caller (the hub's, or the feed doctor's), so discovery needs nothing of the poller. */
  userAgent: string;
}

export interface Discovery {
  /** The feed to poll. */
  feedUrl: string;
  title: string | null;
  siteUrl: string | null;
  /** `feed` when the address given was itself a feed. */
  platform: Platform | "feed";
  /** Which feed was chosen and why, for people. */
  note: string;
  /** The page the feed was found from; null when the address given was a feed. */
  homePageUrl: string | null;
  /**
   * True when the chosen tag feed does not show the tag on its entries (Hugo):
   * the platform already filtered, so every entry of it must be kept.
   */
  keepAll: boolean;
  /** The chosen feed, parsed (the feed doctor prints it). */
  feed: NormalisedFeed;
}

/** Thrown when the address given could not be fetched at all (down, slow, refused): nothing is known yet. */
export class AddressUnreachable extends IngestError {
  constructor(cause: IngestError) {
    super(cause.code, cause.message, cause.status, cause.retryAfter);
  }
}

const PAGE_ACCEPT =
  "text/html, application/xhtml+xml;q=0.9, application/atom+xml;q=0.8, application/rss+xml;q=0.8, application/feed+json;q=0.8, application/xml;q=0.7, */*;q=0.5";
/** A page may link many feeds (one per category…); a few tries are enough. */
const MAX_FEED_TRIES = 3;

// A feed starts with <rss>, <feed> or <rdf:RDF>, perhaps after an XML
// declaration, stylesheet instructions and comments; a JSON Feed with "{".
const FEED_START = /^(?:<\?[^>]*\?>\s*|<!--[\s\S]*?-->\s*)*(?:<(?:rss|feed|rdf:rdf)[\s>]|\{)/i;
const HTML_START = /^(?:<!--[\s\S]*?-->\s*)*(?:<!doctype html|<html[\s>])/i;

interface Loaded {
  /** The address to store: the one asked for, or where a permanent redirect led. */
  url: string;
  /** Where the feed was finally answered from (to spot a redirect back to the main feed). */
  finalUrl: string;
  feed: NormalisedFeed;
}

async function get(url: string, deps: DiscoverDeps, accept?: string): Promise<{ res: FetchResult; text: string }> {
  const res = await safeFetch(url, {
    fetch: deps.fetch,
    timeoutMs: deps.config.fetchTimeoutMs,
    maxBytes: deps.config.fetchMaxBytes,
    userAgent: deps.userAgent,
    allowLoopback: deps.config.allowLoopbackFetch,
    resolveHost: deps.resolveHost,
    ...(accept ? { accept } : {}),
  });
  return { res, text: decodeBody(res.bytes, res.contentType) };
}

async function loadFeed(url: string, deps: DiscoverDeps): Promise<Loaded> {
  const { res, text } = await get(url, deps);
  return { url: res.permanentUrl ?? url, finalUrl: res.url, feed: await parseFeed(text, res.url) };
}

function looksLikeHtml(contentType: string | null, text: string): boolean {
  const head = text.slice(0, 4096).trimStart();
  if (FEED_START.test(head)) return false;
  return /html/i.test(contentType ?? "") || HTML_START.test(head);
}

/** "The server answered 404 Not Found." → "the server answered 404 Not Found", to sit inside a sentence. */
function clause(err: unknown): string {
  const message = err instanceof IngestError ? err.message : "it could not be read";
  const first = /^.*?[.!?](?=\s|$)/.exec(message)?.[0] ?? message;
  return first.replace(/[.!?]$/, "").replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase());
}

function isSame(a: NormalisedEntry, b: NormalisedEntry): boolean {
  return (a.url !== null && a.url === b.url) || a.id === b.id;
}

type TagFeedOutcome = { ok: true; loaded: Loaded } | { ok: false; why: string };

async function tryTagFeed(
  rule: PlatformRule,
  page: PageHints,
  main: Loaded | null,
  tag: string,
  deps: DiscoverDeps,
): Promise<TagFeedOutcome> {
  const url = rule.tagFeed(main?.url ?? null, page, tag);
  if (!url || url === main?.url) return { ok: false, why: "is the main feed" };
  let loaded: Loaded;
  try {
    loaded = await loadFeed(url, deps);
  } catch (err) {
    return { ok: false, why: `did not answer with a feed (${clause(err)})` };
  }
  if (main && loaded.finalUrl === main.finalUrl) return { ok: false, why: "leads back to the main feed" };
  // An empty tag feed proves nothing: the tag may be spelt otherwise (Blogger's
  // labels are case-sensitive and an unknown one answers an empty feed), and
  // choosing it would miss every later post.
  if (loaded.feed.entries.length === 0) return { ok: false, why: "lists no posts yet" };
  if (main) {
    const tagged = main.feed.entries.filter((e) => matchCourseTags(e, [tag]).matched);
    const missing = tagged.filter((e) => !loaded.feed.entries.some((t) => isSame(e, t)));
    if (missing.length > 0) {
      return {
        ok: false,
        why: `misses ${missing.length} course post(s) that the main feed shows (tagged another way, e.g. #${tag} in the text)`,
      };
    }
  }
  return { ok: true, loaded };
}

function noFeedError(page: PageHints, rule: PlatformRule, tried: string | null, err: unknown): IngestError {
  if (page.feeds.length > 0) {
    const code = err instanceof IngestError ? err.code : "not_a_feed";
    return new IngestError(code, `This page links a feed (${page.feeds[0]!.url}), but it could not be read: ${clause(err)}.`);
  }
  const usual = tried ? ` The usual ${rule.label.replace(/ \w+$/, "")} feed address (${tried}) did not answer with a feed either.` : "";
  return new IngestError(
    "not_a_feed",
    `No feed found on this page: ${page.url} links no RSS, Atom or JSON feed.${usual} Ask the blog's author for its feed address.`,
  );
}

/**
 * Finds the feed behind `address`. `tags` are the course tags the source will
 * keep (none when it keeps every post): a tag feed is preferred only for a
 * single tag, since one tag archive cannot hold posts carrying another tag.
 */
export async function discoverFeed(address: string, tags: string[], deps: DiscoverDeps): Promise<Discovery> {
  let first: { res: FetchResult; text: string };
  try {
    first = await get(address, deps, PAGE_ACCEPT);
  } catch (err) {
    throw err instanceof IngestError && err.code !== "blocked_address" && err.code !== "bad_url" ? new AddressUnreachable(err) : err;
  }
  const { res, text } = first;
  const given = res.permanentUrl ?? new URL(address).toString();

  if (!looksLikeHtml(res.contentType, text)) {
    try {
      const feed = await parseFeed(text, res.url);
      return {
        feedUrl: given,
        title: feed.title || null,
        siteUrl: feed.link,
        platform: "feed",
        note: "This address is a feed, so it is read as given.",
        homePageUrl: null,
        keepAll: false,
        feed,
      };
    } catch (err) {
      // A page served as XML is still a page; anything else really is a broken feed.
      if (!/<html[\s>]/i.test(text.slice(0, 4096))) throw err;
    }
  }

  const page = readPage(text, res.url);
  const rule = detectPlatform(page);
  const linked = [...page.feeds].sort((a, b) => Number(a.format === "json") - Number(b.format === "json")).map((f) => f.url);
  const usual = linked.length === 0 ? rule.defaultFeed(page) : null;
  const candidates = (usual ? [usual] : linked).slice(0, MAX_FEED_TRIES);

  let main: Loaded | null = null;
  let mainError: unknown = null;
  for (const url of candidates) {
    try {
      main = await loadFeed(url, deps);
      break;
    } catch (err) {
      mainError ??= err;
    }
  }

  const tag = tags.length === 1 ? normaliseTag(tags[0]!) : null;
  const outcome = tag && rule.id !== "unknown" ? await tryTagFeed(rule, page, main, tag, deps) : null;
  const chosen = outcome?.ok ? outcome.loaded : main;
  if (!chosen) throw noFeedError(page, rule, usual, mainError);

  const keepAll = !!outcome?.ok && chosen.feed.entries.some((e) => !matchCourseTags(e, [tag!]).matched);
  return {
    feedUrl: chosen.url,
    title: chosen.feed.title || main?.feed.title || page.title,
    siteUrl: main?.feed.link ?? page.url,
    platform: rule.id,
    note: noteFor(rule, { tag, tags, outcome, usedUsual: usual !== null && !outcome?.ok, keepAll, title: chosen.feed.title }),
    homePageUrl: given,
    keepAll,
    feed: chosen.feed,
  };
}

function noteFor(
  rule: PlatformRule,
  o: { tag: string | null; tags: string[]; outcome: TagFeedOutcome | null; usedUsual: boolean; keepAll: boolean; title: string },
): string {
  if (o.outcome?.ok) {
    const all = o.keepAll ? " Its feed does not list tags, so every post in the tag feed is kept." : "";
    return `${rule.label}: using its tag feed for #${o.tag}, so only course posts are read.${all}`;
  }
  const keeps = o.tag ? `only posts tagged #${o.tag} are kept` : "";
  if (rule.id === "unknown") {
    const named = o.title ? `the feed "${o.title}"` : "the feed";
    return `Using ${named} linked from this page${keeps ? `; ${keeps}` : ""}.`;
  }
  const main = o.usedUsual ? "its usual feed address (the page links no feed)" : "its main feed";
  if (o.outcome) return `${rule.label}: its tag feed for #${o.tag} ${o.outcome.why}, so ${main} is read and ${keeps}.`;
  if (o.tags.length > 1) {
    const list = o.tags.map((t) => `#${normaliseTag(t)}`).join(", ");
    return `${rule.label}: using ${main}, because the course listens to several tags (${list}); posts carrying one of them are kept.`;
  }
  return `${rule.label}: using ${main}.`;
}
