// A micro-cache for anonymous page views: a rendered page (or feed) is reused
// for a couple of seconds for visitors who are not signed in. A course page
// changes when a poll or a curator writes, minutes apart, while a popular
// course can be read hundreds of times a second; two seconds of staleness buy
// a large factor (measured in bench/pages.ts). Signed-in viewers always get a
// fresh page. Pages that carry a form token are never cached (each visitor
// needs their own), and no Set-Cookie is ever replayed. Any write handled by
// this process (a POST: withdraw, hide, spotlight…) empties the cache at once,
// so the people who change something see it changed.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.js";

interface Entry {
  expires: number;
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

const CACHEABLE_TYPE = /^(text\/html|application\/(rss\+xml|atom\+xml|feed\+json|json)|text\/x-opml|text\/xml)/i;

/** Personal pages and the API: never cached, whoever asks. */
const PERSONAL = /^\/(api|share|pls)(\/|$)/;

export const microcache = (opts: { maxEntries?: number } = {}): MiddlewareHandler<AppEnv> => {
  const cache = new Map<string, Entry>();
  const inflight = new Map<string, Promise<Entry | null>>();
  const maxEntries = opts.maxEntries ?? 500;
  return async function microcache(c, next) {
    const { config, now } = c.get("deps");
    const ttlMs = config.pageCacheSeconds * 1000;
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") {
      cache.clear();
      return next();
    }
    if (ttlMs <= 0 || c.get("viewer")) return next();
    // What a grant opens is checked (and logged) on every request, so a revoke works on the next one.
    if (c.req.header("authorization") || PERSONAL.test(new URL(c.req.url).pathname)) return next();
    const key = c.req.url;
    const at = now().getTime();
    const hit = cache.get(key);
    if (hit && hit.expires > at && !c.req.header("if-none-match") && !c.req.header("if-modified-since")) {
      return new Response(method === "HEAD" ? null : hit.body, { status: hit.status, headers: hit.headers });
    }
    // When an entry expires under load, one request renders it and the others wait for
    // that one, instead of fifty renders at once.
    const pending = inflight.get(key);
    if (pending && !c.req.header("if-none-match") && !c.req.header("if-modified-since")) {
      const entry = await pending;
      if (entry) return new Response(method === "HEAD" ? null : entry.body, { status: entry.status, headers: entry.headers });
    }
    let settle: (entry: Entry | null) => void = () => {};
    inflight.set(key, new Promise<Entry | null>((ok) => (settle = ok)));
    try {
      await next();
      const res = c.res;
      if (res.status !== 200 || !CACHEABLE_TYPE.test(res.headers.get("content-type") ?? "")) return settle(null);
      const body = await res.clone().arrayBuffer();
      if (new TextDecoder().decode(body).includes('name="_csrf"')) return settle(null);
      const headers = [...res.headers].filter(([name]) => name.toLowerCase() !== "set-cookie");
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!); // oldest first
      const entry = { expires: at + ttlMs, status: res.status, headers, body };
      cache.set(key, entry);
      settle(entry);
    } catch (err) {
      settle(null);
      throw err;
    } finally {
      inflight.delete(key);
    }
  };
};
