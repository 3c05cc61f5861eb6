// Conditional GET for outbound documents (RFC 9110 §13): a strong ETag from
// the body's SHA-256 (the body depends only on the data, never on the time of
// the request, so equal bodies mean equal representations), Last-Modified from
// the newest entry or the last change of the body (feed-versions.ts), and 304
// Not Modified when the client already has it.
// Feed readers poll; a 304 costs them and us almost nothing.

/** Short public caching: feed readers poll every few minutes at most, and a withdrawn post should leave soon. */
export const FEED_CACHE_CONTROL = "public, max-age=300";

export async function etagOf(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  let b64 = "";
  for (const byte of digest.subarray(0, 18)) b64 += String.fromCharCode(byte);
  return `"${btoa(b64).replace(/\+/g, "-").replace(/\//g, "_")}"`;
}

/** HTTP-date (RFC 9110 §5.6.7), which has whole seconds. */
export function httpDate(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toUTCString();
}

/** The opaque part of an entity tag, without W/ (If-None-Match uses the weak comparison, §13.1.2). */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, "");
}

/**
 * True when the request's validators show the client has this representation.
 * If-None-Match wins; If-Modified-Since counts only without it (§13.1.3).
 */
export function notModified(headers: { get(name: string): string | null | undefined }, etag: string, lastModified: Date): boolean {
  const inm = headers.get("if-none-match");
  if (inm) {
    if (inm.trim() === "*") return true;
    const mine = opaque(etag);
    return inm.split(",").some((t) => opaque(t) === mine);
  }
  const ims = headers.get("if-modified-since");
  if (ims) {
    const since = Date.parse(ims);
    if (Number.isNaN(since)) return false;
    return Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}
