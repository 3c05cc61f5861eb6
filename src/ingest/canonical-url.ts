// One URL per post. Feeds decorate links with tracking parameters (utm_*,
// Medium's `?source=rss-…`), fragments and default ports; two spellings of the
// same post must key the same item, or an edit or a second source duplicates it.

const TRACKING = /^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|igshid|yclid|ref_src|ref_url)$/i;

export function canonicalUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  url.hash = "";
  url.hostname = url.hostname.toLowerCase().replace(/\.$/, "");
  for (const key of [...url.searchParams.keys()]) {
    const value = url.searchParams.get(key) ?? "";
    if (TRACKING.test(key) || (key === "source" && /^rss/i.test(value))) url.searchParams.delete(key);
  }
  // URLSearchParams re-encodes what it touches; leave an untouched query alone.
  return url.toString().replace(/\?$/, "");
}

/** Query parameters that only ask for an AMP rendering of the same post. */
const AMP_PARAMS = /^(amp|amp_js_v|usqp)$/i;

/**
 * A post's identity: its URL with every spelling of the same page folded together, so a post
 * reached as http and https, with and without www., a trailing slash, index.html, an AMP variant
 * (/amp/, ?amp=1, an amp. host) counts once. Only the identity: the hub keeps and shows the link
 * the learner published (canonicalUrl). What can tell two posts apart stays: the path apart from
 * those endings, and every query parameter that is not tracking or AMP (?p=12 and ?p=13 are two
 * posts). Not a URL to fetch: the scheme is always https.
 */
export function postKey(raw: string): string {
  let url: URL;
  try {
    url = new URL(canonicalUrl(raw));
  } catch {
    return raw;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return url.toString();
  const host = url.hostname.replace(/^(www\d*|amp)\./, "");
  let path = url.pathname.replace(/\/+/g, "/");
  path = path.replace(/\/index\.(html?|php)$/i, "/");
  // WordPress's AMP plugins: /post-slug/amp/ and /amp/post-slug/.
  path = path.replace(/\/amp\/?$/i, "/").replace(/^\/amp\//i, "/");
  path = path.replace(/\/+$/, "");
  const params = [...url.searchParams].filter(([k]) => !AMP_PARAMS.test(k));
  const query = params.length === url.searchParams.size ? url.search : params.length ? `?${new URLSearchParams(params)}` : "";
  const port = url.port ? `:${url.port}` : "";
  return `https://${host}${port}${path}${query}`;
}

/**
 * The site of a post key or an address, as post keys spell it ("maya.example.org", with a port if
 * any): what an author's verified profile link or domain handle proves they own.
 */
export function siteKey(urlOrHost: string): string | null {
  try {
    const key = postKey(/^[a-z][a-z0-9+.-]*:\/\//i.test(urlOrHost) ? urlOrHost : `https://${urlOrHost}/`);
    return new URL(key).host || null;
  } catch {
    return null;
  }
}
