// The one fetcher every outbound request goes through: SSRF guard on the first
// URL and on every redirect hop, a total timeout, a body cap counted after
// decompression (a gzip bomb stops early), conditional GET, and an identifying
// User-Agent.

import { IngestError } from "../errors.js";
import { assertFetchableUrl, type GuardOptions, refusedAddressReason } from "./address-guard.js";

export interface FetchOptions extends GuardOptions {
  fetch: typeof fetch;
  /** Total time for the whole exchange, redirects and body included. */
  timeoutMs: number;
  /** Time allowed until a server starts answering (connect + response headers), per hop. */
  connectTimeoutMs?: number;
  /** HEAD for cheap existence checks; GET otherwise. */
  method?: "GET" | "HEAD";
  maxBytes: number;
  userAgent: string;
  maxRedirects?: number;
  /** Conditional GET validators from the previous successful fetch. */
  etag?: string | null;
  lastModified?: string | null;
  accept?: string;
  /** Resolves a host name to its addresses (Node); every address is checked. */
  resolveHost?: (host: string) => Promise<string[]>;
}

export interface FetchResult {
  status: number;
  /** The URL finally answered, after redirects. */
  url: string;
  /** Set when every redirect on the way was permanent (301/308): the stored URL should change. */
  permanentUrl: string | null;
  notModified: boolean;
  etag: string | null;
  lastModified: string | null;
  contentType: string | null;
  /** The final answer's Link header (RFC 8288), where a feed may name its WebSub hub. */
  link: string | null;
  bytes: Uint8Array;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function checkResolved(url: URL, opts: FetchOptions): Promise<void> {
  if (!opts.resolveHost) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (/^[\d.]+$/.test(host) || host.includes(":")) return; // literal, already checked
  let addresses: string[];
  try {
    addresses = await opts.resolveHost(host);
  } catch {
    throw new IngestError("network", `The name ${host} could not be found (DNS).`);
  }
  for (const address of addresses) {
    const reason = refusedAddressReason(address, opts);
    if (reason) {
      throw new IngestError(
        "blocked_address",
        `${host} points to a ${reason} address (${address}); the hub only reads public web addresses.`,
      );
    }
  }
}

/** A low-level network failure, in a few words: "connection reset", "connection closed early". */
function describeCause(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error && (cause as Error & { code?: string }).code === "ECONNRESET"
    ? "connection reset"
    : "connection closed early";
}

export async function readCapped(res: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  // Content-Length counts compressed bytes; it can only prove a body too big when uncompressed.
  if (!res.headers.get("content-encoding") && declared > maxBytes) {
    await res.body?.cancel();
    throw new IngestError("too_large", `The response is larger than ${formatBytes(maxBytes)}.`);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // The server closed or reset the connection before the end of the body ("TypeError: terminated").
      throw new IngestError(
        "network",
        `The connection broke off while the answer was being read (${describeCause(err)}); it will be tried again.`,
      );
    }
    const { done, value } = step;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new IngestError("too_large", `The response is larger than ${formatBytes(maxBytes)}.`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** A short reason from the network error's cause (refused, reset, DNS), never a stack. */
function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : "";
  const known: Record<string, string> = {
    ECONNREFUSED: "the connection was refused",
    ECONNRESET: "the connection was reset",
    ENOTFOUND: "the name does not exist (DNS)",
    EAI_AGAIN: "the name could not be resolved (DNS)",
    CERT_HAS_EXPIRED: "its TLS certificate has expired",
    UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
    UND_ERR_SOCKET: "the connection broke",
  };
  if (known[code]) return `: ${known[code]}`;
  const message = typeof cause?.message === "string" ? cause.message : "";
  return /public web addresses/.test(message) ? `: ${message}` : "";
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`;
}

export async function safeFetch(raw: string, opts: FetchOptions): Promise<FetchResult> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new IngestError("timeout", `No complete answer within ${Math.round(opts.timeoutMs / 1000)} s.`)),
    opts.timeoutMs,
  );
  try {
    let url = assertFetchableUrl(raw, opts);
    let permanent = true;
    const maxRedirects = opts.maxRedirects ?? 5;
    const connectTimeout = Math.min(opts.connectTimeoutMs ?? 10_000, opts.timeoutMs);
    for (let hop = 0; ; hop++) {
      await checkResolved(url, opts);
      const headers = new Headers({
        "user-agent": opts.userAgent,
        accept:
          opts.accept ??
          "application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
      });
      if (hop === 0 && opts.etag) headers.set("if-none-match", opts.etag);
      if (hop === 0 && opts.lastModified) headers.set("if-modified-since", opts.lastModified);
      let res: Response;
      const connectTimer = setTimeout(
        () => controller.abort(new IngestError("timeout", `${url.host} did not answer within ${Math.round(connectTimeout / 1000)} s.`)),
        connectTimeout,
      );
      try {
        res = await opts.fetch(url.toString(), { method: opts.method ?? "GET", headers, redirect: "manual", signal: controller.signal });
      } catch (err) {
        if (controller.signal.aborted) throw controller.signal.reason;
        throw new IngestError("network", `Could not connect to ${url.host}${networkDetail(err)}.`);
      } finally {
        clearTimeout(connectTimer);
      }
      if (REDIRECTS.has(res.status)) {
        await res.body?.cancel();
        const location = res.headers.get("location");
        if (!location) throw new IngestError("http_error", `Redirect (${res.status}) without a Location.`, res.status);
        if (hop >= maxRedirects) {
          throw new IngestError("too_many_redirects", `More than ${maxRedirects} redirects.`, res.status);
        }
        if (res.status !== 301 && res.status !== 308) permanent = false;
        url = assertFetchableUrl(new URL(location, url), opts);
        continue;
      }
      const result = {
        status: res.status,
        url: url.toString(),
        permanentUrl: hop > 0 && permanent ? url.toString() : null,
        notModified: res.status === 304,
        etag: res.headers.get("etag"),
        lastModified: res.headers.get("last-modified"),
        contentType: res.headers.get("content-type"),
        link: res.headers.get("link"),
      };
      // HEAD is an existence check: its caller reads the final status, so no status throws.
      if (res.status === 304 || opts.method === "HEAD") {
        await res.body?.cancel();
        return { ...result, bytes: new Uint8Array() };
      }
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel();
        throw new IngestError(
          "http_error",
          `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`,
          res.status,
          res.headers.get("retry-after"),
        );
      }
      return { ...result, bytes: await readCapped(res, opts.maxBytes, controller.signal) };
    }
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof IngestError)) throw controller.signal.reason;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
