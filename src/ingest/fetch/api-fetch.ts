// A `fetch` for API clients (masto, @atproto/api) that goes through the same
// guard as feed fetching: only http/https, no private or loopback address (on
// Node every resolved address is checked), every redirect hop re-checked, a
// total timeout and a body cap counted after decompression. Unlike safeFetch
// it hands every status back as a Response, because API clients read 401, 404
// and 429 (and their rate-limit headers) themselves.
import type { Deps } from "../../db/deps.js";
import { IngestError } from "../errors.js";
import { assertFetchableUrl } from "./address-guard.js";
import { checkResolved, type FetchOptions, readCapped } from "./fetch.js";
import { userAgent } from "./user-agent.js";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface ApiFetchOptions {
  /** Largest body accepted (an "enormous page" fails clearly instead of filling memory). Default 2 MB. */
  maxBytes?: number;
  timeoutMs?: number;
  resolveHost?: (host: string) => Promise<string[]>;
  /**
   * Follow 307/308 for a request with a body too, resending it whole (RFC 9110 §15.4.8: the method
   * and body are kept). For a WebSub hub that moved (§5.1); never for a sign-in.
   */
  followBodyRedirects?: boolean;
}

export function apiFetch(deps: Deps, opts: ApiFetchOptions = {}): typeof fetch {
  const guard: Pick<FetchOptions, "allowLoopback" | "resolveHost"> = {
    allowLoopback: deps.config.allowLoopbackFetch,
    ...((opts.resolveHost ?? deps.resolveHost) ? { resolveHost: opts.resolveHost ?? deps.resolveHost } : {}),
  };
  const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024;
  const timeoutMs = opts.timeoutMs ?? deps.config.fetchTimeoutMs;
  const agent = userAgent(deps.config.publicUrl);

  return async function guardedApiFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new IngestError("timeout", `No complete answer within ${Math.round(timeoutMs / 1000)} s.`)),
      timeoutMs,
    );
    const outer = request.signal;
    const onAbort = () => controller.abort(outer.reason);
    outer.addEventListener("abort", onAbort, { once: true });
    try {
      let url = assertFetchableUrl(request.url, guard as FetchOptions);
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      const headers = new Headers(request.headers);
      headers.set("user-agent", agent);
      for (let hop = 0; ; hop++) {
        await checkResolved(url, guard as FetchOptions);
        let res: Response;
        try {
          res = await deps.fetch(url.toString(), { method: request.method, headers, body, redirect: "manual", signal: controller.signal });
        } catch {
          if (controller.signal.aborted) throw controller.signal.reason;
          throw new IngestError("network", `Could not connect to ${url.host}.`, undefined, null);
        }
        // Only reads follow redirects (a sign-in POST must never be replayed elsewhere), unless the
        // caller asked for 307/308 to be followed with the body kept.
        const follows = body === undefined || (opts.followBodyRedirects === true && (res.status === 307 || res.status === 308));
        if (REDIRECTS.has(res.status) && follows) {
          await res.body?.cancel();
          const location = res.headers.get("location");
          if (!location || hop >= 5) throw new IngestError("too_many_redirects", `Too many redirects from ${url.host}.`, res.status);
          const next = assertFetchableUrl(new URL(location, url), guard as FetchOptions);
          // Credentials are for the server they were meant for, never for where it redirects.
          if (next.origin !== url.origin) {
            headers.delete("authorization");
            headers.delete("cookie");
          }
          url = next;
          continue;
        }
        const bytes = request.method === "HEAD" ? new Uint8Array() : await readCapped(res, maxBytes, controller.signal);
        const out = new Headers(res.headers);
        // The body is already decompressed; say so, or a client would try again.
        out.delete("content-encoding");
        out.delete("content-length");
        const response = new Response(
          res.status === 204 || res.status === 304 || bytes.byteLength === 0 ? null : (bytes as Uint8Array<ArrayBuffer>),
          {
            status: res.status,
            statusText: res.statusText,
            headers: out,
          },
        );
        Object.defineProperty(response, "url", { value: url.toString() });
        return response;
      }
    } catch (err) {
      if (controller.signal.aborted && !(err instanceof IngestError)) throw controller.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      outer.removeEventListener("abort", onAbort);
    }
  };
}
