// Errors a person will read on a source's health line ("why isn't my blog in the
// Flow?"). Each carries a stable code and a plain-language message; no stack
// trace ever reaches a page.

export type IngestErrorCode =
  | "blocked_address"
  | "bad_url"
  | "timeout"
  | "too_large"
  | "too_many_redirects"
  | "http_error"
  | "network"
  | "not_a_feed"
  | "empty";

export class IngestError extends Error {
  override name = "IngestError";
  constructor(
    readonly code: IngestErrorCode,
    message: string,
    readonly status?: number,
    /** The server's Retry-After header, on 429 and 503. */
    readonly retryAfter?: string | null,
  ) {
    super(message);
  }
}

/** The message to store and show for any error thrown while polling a source. */
export function describeError(err: unknown): string {
  if (err instanceof IngestError) return err.message;
  return "Unexpected error while reading this source; it will be retried.";
}
