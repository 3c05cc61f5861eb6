// What a failed Bluesky (XRPC) call means, in words a course manager can act
// on. Messages name the service and the hub's account, never its app password
// or tokens (the server's own error text is left out where it could echo them).
import { IngestError } from "../../errors.js";

/** The XRPC error shape @atproto/api throws (XRPCError; XRPCInvalidResponseError adds `responseBody`). */
interface XrpcLike {
  status: number;
  error?: string;
  headers?: Record<string, string>;
  responseBody?: unknown;
  cause?: unknown;
}

/** @atproto/xrpc's ResponseType for an answer that is not valid for the lexicon, or not parseable. */
const INVALID_RESPONSE = 2;
/** …and for a failure that never got an HTTP status (the fetch threw). */
const UNKNOWN = 1;

export function isXrpcError(err: unknown): err is Error & XrpcLike {
  return err instanceof Error && typeof (err as { status?: unknown }).status === "number" && "error" in err;
}

/** An expired or refused session: what a new sign-in can fix. */
export function isAuthFailure(err: unknown): boolean {
  if (!isXrpcError(err)) return false;
  if (err.status === 401) return true;
  return err.status === 400 && (err.error === "ExpiredToken" || err.error === "InvalidToken");
}

function header(headers: Record<string, string> | undefined, name: string): string | null {
  if (!headers) return null;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v.trim() || null;
  return null;
}

/**
 * The Retry-After to obey on a 429: the server's own header, else Bluesky's
 * `ratelimit-reset` (Unix time in seconds, per the IETF RateLimit header draft
 * the PDS follows) turned into a Retry-After HTTP-date (RFC 9110 §10.2.3).
 */
export function retryAfterFrom(headers: Record<string, string> | undefined): string | null {
  const given = header(headers, "retry-after");
  if (given) return given;
  const reset = header(headers, "ratelimit-reset");
  if (!reset || !/^\d+$/.test(reset)) return null;
  return new Date(Number(reset) * 1000).toUTCString();
}

function whenToRetry(retryAfter: string | null): string {
  if (!retryAfter) return "after a pause";
  if (/^\d+$/.test(retryAfter)) return `in ${retryAfter} s`;
  const at = new Date(retryAfter);
  return Number.isNaN(at.getTime()) ? "after a pause" : `after ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function looksLikeHtml(body: unknown): boolean {
  return typeof body === "string" && /^\s*<(!doctype|html|head|body)/i.test(body);
}

export interface FailureContext {
  /** The service's host (bsky.social). */
  host: string;
  /** What was being done, for the message: "sign in", "search #t509massive", "re-check posts". */
  doing: string;
  /** The hub's account (a handle or DID: not a secret). */
  identifier: string;
}

/** Any error from an XRPC call → an IngestError with a plain message, the status and the Retry-After. */
export function describeFailure(err: unknown, ctx: FailureContext): IngestError {
  if (err instanceof IngestError) return err;
  // apiFetch's own errors (blocked address, timeout, too large, network) arrive wrapped by XRPCError.from.
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (cause instanceof IngestError) {
    if (cause.code === "too_large") {
      return new IngestError("too_large", `${ctx.host} sent more than the hub reads in one answer: ${cause.message}`, cause.status);
    }
    return cause;
  }
  const { host } = ctx;
  if (!isXrpcError(err)) {
    return new IngestError("http_error", `Reading from ${host} failed unexpectedly (${ctx.doing}); it will be retried.`);
  }
  const status = err.status;
  if (status === INVALID_RESPONSE) {
    if (looksLikeHtml(err.responseBody)) {
      return new IngestError(
        "not_a_feed",
        `${host} answered with a web page (HTML) instead of Bluesky API data: check that the address is a Bluesky service (a PDS, or an entryway such as https://bsky.social).`,
        200,
      );
    }
    return new IngestError(
      "not_a_feed",
      `${host} sent an answer that is not valid Bluesky API data (it does not follow the atproto lexicon) while trying to ${ctx.doing}.`,
      200,
    );
  }
  if (status === UNKNOWN) return new IngestError("network", `Could not get an answer from ${host}.`);
  if (status === 429) {
    const retryAfter = retryAfterFrom(err.headers);
    return new IngestError(
      "http_error",
      `${host} is limiting how often the hub may ask it (HTTP 429, too many requests); the hub will ask again ${whenToRetry(retryAfter)}.`,
      429,
      retryAfter,
    );
  }
  if (status === 401 || status === 403 || isAuthFailure(err)) {
    if (ctx.doing === "sign in") {
      const twoFactor = err.error === "AuthFactorTokenRequired";
      return new IngestError(
        "http_error",
        twoFactor
          ? `${host} asks for an emailed code to sign in as ${ctx.identifier}: use an app password (Settings → Privacy and security → App passwords) as BLUESKY_APP_PASSWORD, not the account's own password.`
          : `${host} refused the hub's sign-in as ${ctx.identifier} (HTTP ${status}): check BLUESKY_IDENTIFIER and BLUESKY_APP_PASSWORD (an app password made for the hub).`,
        status,
      );
    }
    return new IngestError(
      "http_error",
      `${host} refused the hub's session as ${ctx.identifier} even after signing in again (HTTP ${status}${err.error ? `, ${err.error}` : ""}); check the account and its app password.`,
      status,
    );
  }
  if (status === 404 || status === 501) {
    return new IngestError(
      "http_error",
      `${host} does not offer the Bluesky API needed to ${ctx.doing} (HTTP ${status}): check that the address is a Bluesky service such as https://bsky.social.`,
      status,
    );
  }
  if (status >= 500) {
    const retryAfter = header(err.headers, "retry-after");
    return new IngestError(
      "http_error",
      `${host} had a server error (HTTP ${status}); the hub will try again ${status === 503 ? whenToRetry(retryAfter) : "later"}.`,
      status,
      retryAfter,
    );
  }
  // A 400 with a lexicon error name (BadQueryString, InvalidRequest…): name it, not the server's free text.
  return new IngestError(
    "http_error",
    `${host} refused the request to ${ctx.doing} (HTTP ${status}${err.error ? `, ${err.error}` : ""}).`,
    status,
  );
}
