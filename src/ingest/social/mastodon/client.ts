// A masto REST client whose every request goes through the hub's guarded
// `apiFetch` (SSRF guard, timeout, body cap).
//
// Why it is assembled here instead of calling `createRestAPIClient`: masto
// 7.12's only HTTP adapter (`HttpNativeImpl`) calls the global `fetch`
// directly, and `createRestAPIClient`'s options (url, accessToken, timeout,
// requestInit, log, mediaTimeout) have no way to hand it another fetch. So this
// file builds the same client `createRestAPIClient` builds, from the same masto
// parts (config, serializer, action proxy, dispatcher, Mastodon hook,
// paginator), and swaps in one part: an `Http` adapter that calls our fetch.
// Nothing global is patched. The parts come from masto's published subpath
// exports (`masto/adapters/...`, `"./*.js"` in its package.json); masto is
// pinned, and tests/ingest/social/mastodon exercise this wiring end to end.
import type { mastodon } from "masto";
import { HttpActionDispatcherHookMastodon } from "masto/adapters/action/dispatcher-http-hook-mastodon.js";
import { createActionProxy, HttpActionDispatcher } from "masto/adapters/action/index.js";
import { HttpConfigImpl } from "masto/adapters/config/http-config.js";
import { BaseHttp } from "masto/adapters/http/base-http.js";
import { SerializerNativeImpl } from "masto/adapters/serializers/index.js";
import type { HttpRequestParams, HttpResponse, Serializer } from "masto/interfaces/index.js";
import type { Deps } from "../../../db/deps.js";
import { IngestError } from "../../errors.js";
import { apiFetch } from "../../fetch/api-fetch.js";
import { describeHttpFailure, type FailureContext } from "./failures.js";

export type MastodonClient = mastodon.rest.Client;

export interface ClientOptions {
  /** The instance's base URL (https://mastodon.social). */
  instanceUrl: string;
  /** An access token for instances that refuse anonymous reads. Sent only to the instance's own origin. */
  accessToken?: string | null;
  /** Largest answer read; default: apiFetch's (2 MB). */
  maxBytes?: number;
}

/** Parses and checks a source's instance URL; a bad one is the person's to fix, so it says so plainly. */
export function instanceOrigin(instanceUrl: string): URL {
  let url: URL;
  try {
    url = new URL(instanceUrl);
  } catch {
    throw new IngestError("bad_url", `"${instanceUrl}" is not a web address; enter the instance like https://mastodon.social.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new IngestError("bad_url", `"${instanceUrl}" is not an http(s) address; enter the instance like https://mastodon.social.`);
  }
  return new URL(url.origin);
}

export function mastodonClient(deps: Deps, opts: ClientOptions): MastodonClient {
  const origin = instanceOrigin(opts.instanceUrl);
  const token = opts.accessToken?.trim() || undefined;
  // apiFetch follows redirects itself and re-sends the request's headers on
  // every hop. The Fetch standard drops Authorization on a cross-origin
  // redirect; do the same, so a token never leaves the instance it belongs to.
  const fetchOnlyTokenToOrigin: typeof fetch = (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input));
    if (target.origin !== origin.origin && init?.headers) {
      const headers = new Headers(init.headers);
      headers.delete("authorization");
      return deps.fetch(input, { ...init, headers });
    }
    return deps.fetch(input, init);
  };
  const guarded = apiFetch({ ...deps, fetch: fetchOnlyTokenToOrigin }, opts.maxBytes ? { maxBytes: opts.maxBytes } : {});
  const serializer = new SerializerNativeImpl();
  const config = new HttpConfigImpl({ url: origin.toString(), ...(token ? { accessToken: token } : {}) }, serializer);
  const http = new GuardedHttp(serializer, config, guarded, { host: origin.host, hadToken: Boolean(token) });
  const hook = new HttpActionDispatcherHookMastodon(http);
  const dispatcher = new HttpActionDispatcher(http, hook);
  return createActionProxy<MastodonClient>(dispatcher, { context: ["api"] });
}

/**
 * masto's `Http` over an injected fetch. Request building mirrors masto's
 * HttpNativeImpl (same config: base URL, query serialisation, Authorization
 * header); answers that are not a JSON success become IngestErrors with a
 * plain-language message, the status and the Retry-After to obey.
 */
class GuardedHttp extends BaseHttp {
  constructor(
    private readonly serializer: Serializer,
    private readonly config: HttpConfigImpl,
    private readonly fetchFn: typeof fetch,
    private readonly context: Omit<FailureContext, "path">,
  ) {
    super();
  }

  async request<T>(params: HttpRequestParams): Promise<HttpResponse<T>> {
    const { method, path, search, encoding = "json", requestInit = {} } = params;
    const url = this.config.resolvePath(path, search);
    const body = this.serializer.serialize(encoding, params.body);
    const init = this.config.mergeRequestInitWithDefaults(requestInit);
    const request = new Request(url, { method, body, ...init });
    if (typeof body === "string" && encoding === "json") request.headers.set("Content-Type", "application/json");
    const ctx: FailureContext = { ...this.context, path: url.pathname };

    let res: Response;
    try {
      res = await this.fetchFn(request);
    } catch (err) {
      if (err instanceof IngestError && err.code === "too_large") {
        throw new IngestError("too_large", `${ctx.host} sent more than the hub reads in one answer: ${err.message}`, err.status);
      }
      throw err;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw describeHttpFailure(res, ctx);
    }
    const contentType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const text = await res.text();
    if (contentType === "text/html" || /^\s*<(!doctype|html)/i.test(text)) {
      throw new IngestError(
        "not_a_feed",
        `${ctx.host} answered with a web page (HTML) instead of Mastodon API data: check that the address is a Mastodon instance.`,
        res.status,
      );
    }
    let data: T;
    try {
      // masto's serializer parses and turns snake_case keys into the camelCase its entity types use.
      data = this.serializer.deserialize("json", text) as T;
    } catch {
      // (masto's own error would quote the whole body; this message stays short.)
      throw new IngestError("not_a_feed", `${ctx.host} sent an answer that is not valid JSON, so it is not Mastodon API data.`, res.status);
    }
    return { headers: res.headers, data };
  }
}
