// Sending a feed: a strong ETag and Last-Modified for conditional GET (304 when unchanged), public
// caching, CORS for browser-based readers, and never a visitor's cookie.
import type { Context } from "hono";
import { etagOf, FEED_CACHE_CONTROL, httpDate, notModified } from "../hub/outbound/conditional.js";
import { feedLastModified } from "../hub/outbound/feed-versions.js";
import type { AppEnv } from "./env.js";

/** What a feed is: its canonical URL (one history however the path is spelled), its newest change, and whether it has entries. */
export interface SentFeed {
  key: string;
  body: string;
  newest: Date;
  hasEntries: boolean;
}

export async function sendFeed(c: Context<AppEnv>, feed: SentFeed, contentType: string): Promise<Response> {
  const { db, now } = c.get("deps");
  const { body } = feed;
  const etag = await etagOf(body);
  const updated = await feedLastModified(db, { key: feed.key, etag, newest: feed.newest, remember: feed.hasEntries }, now());
  const headers: Record<string, string> = {
    etag,
    "last-modified": httpDate(updated),
    "cache-control": FEED_CACHE_CONTROL,
    // Public data: browser-based feed readers may fetch it from their own origin.
    "access-control-allow-origin": "*",
  };
  // A publicly cacheable response must not carry a visitor's CSRF cookie (the CSRF middleware
  // mints one on a first visit): a shared cache would hand it to everyone. Feeds have no forms.
  c.header("set-cookie", undefined);
  if (notModified(c.req.raw.headers, etag, updated)) return c.body(null, 304, headers);
  return c.body(body, 200, { ...headers, "content-type": `${contentType}; charset=utf-8` });
}
