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
