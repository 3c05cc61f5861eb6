// Reading fields of untrusted API JSON (Mastodon statuses, Bluesky post views)
// without trusting their types: each helper returns a clean value or null.

/** An absolute http(s) URL, or null (relative, at://, javascript:, data:, garbage). */
export function httpUrl(v: unknown): string | null {
  if (typeof v !== "string") return null;
  try {
    const url = new URL(v.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A valid date from an ISO string, or null. */
export function jsonDate(v: unknown): Date | null {
  if (typeof v !== "string") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
