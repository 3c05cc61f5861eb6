// One Mastodon hashtag stream (Mastodon docs, methods/streaming: `GET /api/v1/streaming` over
// WebSocket, `{"type":"subscribe","stream":"hashtag","tag":…}`), held through masto's streaming
// client. Its events are `update` (a new status), `status.update` (an edit) and `delete` (a status
// id); each is applied to the store for every source that follows the tag on that instance.
//
// The streaming address comes from the instance (`/api/v2/instance`, configuration.urls.streaming,
// else v1's urls.streaming_api) and is held to the same guard as every fetch. masto reconnects on
// its own, silently; the hub needs to know of every gap (to catch up through REST), so a closed
// socket ends the session here, and the supervisor (streams.ts) reconnects with backoff and jitter
// and catches up.
import { createStreamingAPIClient } from "masto";
import type { Source } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { IngestError } from "../errors.js";
import { assertFetchableUrl } from "../fetch/address-guard.js";
import { checkResolved } from "../fetch/fetch.js";
import { instanceOrigin, mastodonClient } from "../social/mastodon/client.js";
import { normaliseStatus } from "../social/mastodon/normalise.js";
import { removeStreamed, storeStreamedPost } from "./stream-store.js";

/** A WebSocket constructor as masto (isomorphic-ws) calls it; the entry point supplies a guarded one. */
export type WebSocketCtor = new (url: string | URL, protocols?: string | string[]) => WebSocket;

/** A single message larger than this ends the session (a status is a few kB). */
export const MAX_EVENT_BYTES = 512 * 1024;

export interface MastodonStreamTarget {
  instanceUrl: string;
  tag: string;
  accessToken: string | null;
  /** The sources that follow this tag on this instance (one per course). */
  sources: Source[];
}

const streamingUrls = new Map<string, string>();

/** The instance's streaming address, asked once per instance and process. */
export async function streamingUrlOf(deps: PollDeps, target: MastodonStreamTarget): Promise<string> {
  const origin = instanceOrigin(target.instanceUrl);
  const known = streamingUrls.get(origin.origin);
  if (known) return known;
  const rest = mastodonClient(deps, { instanceUrl: origin.toString(), accessToken: target.accessToken, maxBytes: 256 * 1024 });
  let url: string | undefined;
  try {
    url = (await rest.v2.instance.fetch()).configuration?.urls?.streaming;
  } catch {
    url = (await rest.v1.instance.fetch().catch(() => null))?.urls?.streamingApi;
  }
  const streaming = url?.trim() || origin.toString().replace(/^http/, "ws");
  streamingUrls.set(origin.origin, streaming);
  return streaming;
}

/** Checks a ws(s) address like an http(s) one: no private addresses, by name or by DNS. */
export async function assertStreamable(deps: PollDeps, raw: string): Promise<void> {
  const asHttp = raw.replace(/^ws(s?):/i, "http$1:");
  if (!/^https?:/i.test(asHttp)) throw new IngestError("bad_url", `The streaming address ${raw.slice(0, 100)} is not ws(s).`);
  const url = assertFetchableUrl(asHttp, { allowLoopback: deps.config.allowLoopbackFetch });
  await checkResolved(url, {
    fetch: deps.fetch,
    resolveHost: deps.resolveHost,
    allowLoopback: deps.config.allowLoopbackFetch,
    timeoutMs: 0,
    maxBytes: 0,
    userAgent: "",
  });
}

export interface SessionHooks {
  /** The socket is open and subscribed: the caller catches up through REST. */
  onOpen(): void;
  signal: AbortSignal;
}

/**
 * Holds the stream until it closes, fails or `signal` aborts. Resolves when it ends cleanly,
 * rejects with the reason otherwise; either way the caller reconnects after a pause.
 */
export async function runMastodonStream(deps: PollDeps, target: MastodonStreamTarget, hooks: SessionHooks): Promise<void> {
  const Base = deps.webSocket;
  if (!Base) throw new Error("This runtime has no WebSocket client for streams.");
  const streamingApiUrl = await streamingUrlOf(deps, target);
  await assertStreamable(deps, streamingApiUrl);
  const host = instanceOrigin(target.instanceUrl).hostname;
  let socket: WebSocket | null = null;
  // masto constructs the socket; this subclass tells the session when it opens and closes.
  const Watched = class extends Base {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      socket = this;
      this.addEventListener("message", (e: MessageEvent) => {
        const size = typeof e.data === "string" ? e.data.length : ((e.data as ArrayBuffer | undefined)?.byteLength ?? 0);
        if (size > MAX_EVENT_BYTES) {
          deps.log("warn", "stream.event_too_large", { host, bytes: size });
          this.close(1009, "message too big");
        }
      });
      this.addEventListener("open", () => hooks.onOpen(), { once: true });
      this.addEventListener("close", () => client.close(), { once: true });
    }
  } as unknown as WebSocketCtor;
  const client = createStreamingAPIClient({
    streamingApiUrl,
    ...(target.accessToken ? { accessToken: target.accessToken } : {}),
    implementation: Watched,
    retry: false,
    // masto prints only its errors (a failed connection) to the console; the session reports each
    // end itself too, as a JSON log line (stream.failed / stream.closed).
    log: "error",
  });
  const abort = () => client.close();
  // Stopped while the address was being looked up: never connect.
  if (hooks.signal.aborted) return client.close();
  hooks.signal.addEventListener("abort", abort, { once: true });
  try {
    for await (const event of client.hashtag.subscribe({ tag: target.tag })) {
      await applyEvent(deps, target, host, event.event, event.payload);
    }
  } finally {
    hooks.signal.removeEventListener("abort", abort);
    client.close();
    (socket as WebSocket | null)?.close();
  }
}

/** Applies one event; garbage and unknown events are logged and change nothing. */
export async function applyEvent(
  deps: PollDeps,
  target: MastodonStreamTarget,
  host: string,
  event: string,
  payload: unknown,
): Promise<void> {
  if (event === "update" || event === "status.update") {
    const post = normaliseStatus(payload, host);
    if (!post) {
      deps.log("warn", "stream.bad_event", { host, event, note: "not a status the hub can read" });
      return;
    }
    const kept = await storeStreamedPost(deps, target.sources, post);
    deps.log("info", "stream.post", { host, tag: target.tag, event, kept });
  } else if (event === "delete") {
    if (typeof payload !== "string" || !/^[0-9A-Za-z_-]{1,64}$/.test(payload)) {
      deps.log("warn", "stream.bad_event", { host, event, note: "a deletion without a status id" });
      return;
    }
    const removed = await removeStreamed(deps, target.sources, { remoteId: payload }, "deleted_at_source");
    if (removed) deps.log("info", "stream.deleted", { host, tag: target.tag, removed });
  }
}
