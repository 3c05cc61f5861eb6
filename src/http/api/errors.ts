// The personal API's errors: always JSON, {error: a stable code, message: plain words, field?: the
// input at fault}, with the HTTP status that fits. A FormError from the domain code is the caller's
// input (400); a NotFoundError is a thing the path names that is missing or not theirs (404), or,
// where the id came from the body (`owned`'s fromBody), that body field at fault (400).
import type { Context, ErrorHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { FormError, NotFoundError } from "../../core/errors.js";

export interface ApiErrorBody {
  error: string;
  message: string;
  field?: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra response headers (WWW-Authenticate on 401 and insufficient scope). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (message = "There is nothing at this address, or it is not yours.") => new ApiError(404, "not_found", message);

export function jsonError(c: Context, err: ApiError): Response {
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  c.header("cache-control", "no-store");
  const body: ApiErrorBody = { error: err.code, message: err.message };
  if (err.field) body.field = err.field;
  return c.json(body, err.status);
}

/**
 * Runs a domain call. Its NotFoundError means "the thing in the path is missing or not yours" (404,
 * never revealing which), unless the thing's id came from the body: `fromBody` maps such a thing to
 * the JSON field that named it (400 on that field).
 */
export async function owned<T>(run: () => Promise<T>, fromBody: Record<string, string> = {}): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const field = err instanceof NotFoundError ? fromBody[err.thing] : undefined;
    if (err instanceof NotFoundError && field) throw new ApiError(400, "invalid_input", err.message, field);
    if (err instanceof NotFoundError) throw notFound(err.message);
    throw err;
  }
}

/** onError for the API's routes: JSON for every failure, a log line (no secrets) for the unexpected. */
export const apiErrorHandler: ErrorHandler = (err, c) => {
  if (err instanceof ApiError) return jsonError(c, err);
  if (err instanceof FormError) return jsonError(c, new ApiError(400, "invalid_input", err.message, err.field));
  if (err instanceof NotFoundError) return jsonError(c, notFound(err.message));
  const deps = c.get("deps") as { log?: (level: "error", msg: string, fields: Record<string, unknown>) => void } | undefined;
  deps?.log?.("error", "api.error", { path: new URL(c.req.url).pathname, error: String(err).slice(0, 500) });
  return jsonError(c, new ApiError(500, "server_error", "The hub could not complete this request. Please try again in a moment."));
};
