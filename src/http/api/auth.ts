// Who is calling the personal API. Either a grant holder with `Authorization: Bearer trt_…`,
// checked on every request so a revoke or an expiry works on the very next one (RFC 6750), or the
// signed-in learner by their session cookie. A bearer header always wins: the two never mix, so a
// grant holder who also has a session on this hub acts only as the grant.
//
// A session is what a browser sends by itself, so its writes must prove they are not a cross-site
// form: a JSON content type (no form can send one, and a cross-origin script cannot without a CORS
// preflight this hub never answers) and, when the browser names it, this hub's Origin.

import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { type Grant, type GrantScope, type Person, people } from "../../db/schema.js";
import { checkSecret, hasScope, logAccess } from "../../pls/sharing/grants.js";
import type { AppEnv } from "../env.js";
import { ApiError, jsonError } from "./errors.js";

export type ApiCaller = { kind: "session"; person: Person } | { kind: "grant"; grant: Grant; learner: { id: number; displayName: string } };

export interface ApiEnv {
  Variables: AppEnv["Variables"] & { caller: ApiCaller };
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether the request says its body is JSON (which no HTML form can send). */
export function sendsJson(c: Context): boolean {
  return /^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? "");
}
const REALM = 'Bearer realm="tributary"';

/** A 401 for a token that opens nothing, with the RFC 6750 §3 challenge. */
function tokenError(code: string, message: string): ApiError {
  return new ApiError(401, code, message, undefined, {
    "www-authenticate": `${REALM}, error="invalid_token", error_description="${message}"`,
  });
}

const REFUSED = {
  unknown: () => tokenError("invalid_token", "This token is not valid for this hub."),
  expired: () => tokenError("grant_expired", "This grant has expired; ask the learner for a new one."),
  revoked: () => tokenError("grant_revoked", "The learner has revoked this grant."),
};

export const apiAuth = (): MiddlewareHandler<ApiEnv> =>
  async function apiAuth(c, next) {
    c.header("cache-control", "no-store");
    const deps = c.get("deps");
    const authorization = c.req.header("authorization");
    if (authorization !== undefined) {
      const token = /^Bearer +([^\s]+)$/i.exec(authorization.trim())?.[1];
      const check = token ? await checkSecret(deps, token, "token") : ({ ok: false, reason: "unknown" } as const);
      if (!check.ok) return jsonError(c, REFUSED[check.reason]());
      const [learner] = await deps.db
        .select({ id: people.id, displayName: people.displayName })
        .from(people)
        .where(eq(people.id, check.grant.personId));
      if (!learner) return jsonError(c, REFUSED.unknown());
      c.set("caller", { kind: "grant", grant: check.grant, learner });
      await next();
      // The learner's access log records what each grant actually read or sent, not refusals.
      if (c.res.status < 400) await logAccess(deps, check.grant, "token", `${c.req.method} ${new URL(c.req.url).pathname}`);
      return;
    }
    const person = c.get("viewer");
    if (!person) {
      return jsonError(
        c,
        new ApiError(401, "unauthenticated", "Sign in, or send a grant's token as Authorization: Bearer trt_….", undefined, {
          "www-authenticate": REALM,
        }),
      );
    }
    if (!SAFE.has(c.req.method)) {
      if (!sendsJson(c)) {
        return jsonError(c, new ApiError(403, "json_required", "Send changes as JSON, with Content-Type: application/json."));
      }
      const origin = c.req.header("origin");
      if (origin !== undefined && origin !== new URL(c.req.url).origin && origin !== new URL(deps.config.publicUrl).origin) {
        return jsonError(c, new ApiError(403, "cross_origin", "Changes with your session must come from this hub's own pages."));
      }
    }
    c.set("caller", { kind: "session", person });
    await next();
  };

/** The signed-in learner; a grant token may read what its scopes open but never change or manage anything. */
export function ownerOf(caller: ApiCaller): Person {
  if (caller.kind === "session") return caller.person;
  throw new ApiError(403, "owner_only", "Only the learner, signed in, can do this; a grant's token cannot.");
}

/** The learner whose PLS a grant opens, if the grant has the scope (RFC 6750 §3.1 insufficient_scope). */
export function requireScope(caller: Extract<ApiCaller, { kind: "grant" }>, scope: GrantScope): Grant {
  if (hasScope(caller.grant, scope)) return caller.grant;
  throw new ApiError(403, "insufficient_scope", `This grant does not include "${scope}".`, undefined, {
    "www-authenticate": `${REALM}, error="insufficient_scope", scope="${scope}"`,
  });
}
