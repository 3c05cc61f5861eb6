// Node's WebSocket client for streams (Mastodon streaming, Bluesky Jetstream): `ws`, with the same
// guarded DNS lookup as the outbound fetch (node-fetch.ts), so a stream can never be pointed at a
// private address, not even by DNS rebinding; a handshake timeout, and a cap on each message.
// Part of the Node entry point: Workers open their sockets in a Durable Object instead.
import WebSocket from "ws";
import type { Config } from "./core/config.js";
import { userAgent } from "./ingest/fetch/user-agent.js";
import { MAX_EVENT_BYTES } from "./ingest/push/mastodon-stream.js";
import { guardedLookup } from "./node-fetch.js";

export type WebSocketCtor = new (url: string | URL, protocols?: string | string[]) => globalThis.WebSocket;

export function guardedWebSocket(config: Config): WebSocketCtor {
  const lookup = guardedLookup(config.allowLoopbackFetch);
  return class GuardedWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      // partysocket (Jetstream's client) passes null for "no protocols"; ws wants undefined.
      super(url, protocols ?? undefined, {
        lookup: lookup as never,
        handshakeTimeout: 10_000,
        maxPayload: MAX_EVENT_BYTES,
        followRedirects: false,
        headers: { "user-agent": userAgent(config.publicUrl) },
      });
    }
  } as unknown as WebSocketCtor;
}
