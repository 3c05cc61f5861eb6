// What a failed Mastodon API answer means, in words a course manager can act
// on. Messages name the instance, never the access token.
import { IngestError } from "../../errors.js";

export interface FailureContext {
  /** The instance's host, as the person entered it. */
  host: string;
  /** Whether the request carried an access token (changes what a 401/403 means). */
  hadToken: boolean;
  /** The API path asked for. */
  path: string;
}

/**
 * The Retry-After to obey: the server's own header, else Mastodon's
 * `X-RateLimit-Reset` (an ISO 8601 time, https://docs.joinmastodon.org/api/rate-limits/)
 * turned into a Retry-After HTTP-date (RFC 9110 §10.2.3), rounded up to the second.
 */
export function retryAfterFrom(headers: Headers): string | null {
  const given = headers.get("retry-after")?.trim();
  if (given) return given;
  const reset = Date.parse(headers.get("x-ratelimit-reset") ?? "");
  if (Number.isNaN(reset)) return null;
  return new Date(Math.ceil(reset / 1000) * 1000).toUTCString();
}

function whenToRetry(retryAfter: string | null): string {
  if (!retryAfter) return "after a pause";
  if (/^\d+$/.test(retryAfter)) return `in ${retryAfter} s`;
  const at = new Date(retryAfter);
  return Number.isNaN(at.getTime()) ? "after a pause" : `after ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function describeHttpFailure(res: Response, ctx: FailureContext): IngestError {
  const { status } = res;
  const { host } = ctx;
  if (status === 429) {
    const retryAfter = retryAfterFrom(res.headers);
    return new IngestError(
      "http_error",
      `${host} is limiting how often the hub may ask it (HTTP 429, too many requests); the hub will ask again ${whenToRetry(retryAfter)}.`,
      429,
      retryAfter,
    );
  }
  if (status === 401 || status === 403) {
    return new IngestError(
      "http_error",
      ctx.hadToken
        ? `${host} refused this source's access token (HTTP ${status}): it may have been revoked or lack the read:statuses scope. Create a new token on ${host} and update the source.`
        : `${host} refuses anonymous access to its timelines (HTTP ${status}): an access token is needed. Create one on ${host} (Preferences → Development, scope read:statuses) and add it to this source.`,
      status,
    );
  }
  if (status === 404) {
    return new IngestError(
      "http_error",
      ctx.path.includes("/timelines/tag/")
        ? `${host} has no hashtag timeline at this address (HTTP 404, not found): check that it is a Mastodon instance.`
        : `${host} says this was not found (HTTP 404).`,
      404,
    );
  }
  if (status >= 500) {
    // Only an explicit Retry-After here: Mastodon sends X-RateLimit-Reset on every
    // answer, and on a server error it says nothing about when to come back.
    const retryAfter = res.headers.get("retry-after")?.trim() || null;
    return new IngestError(
      "http_error",
      `${host} had a server error (HTTP ${status}); the hub will try again ${status === 503 ? whenToRetry(retryAfter) : "later"}.`,
      status,
      retryAfter,
    );
  }
  return new IngestError("http_error", `${host} answered HTTP ${status} instead of Mastodon API data.`, status);
}
