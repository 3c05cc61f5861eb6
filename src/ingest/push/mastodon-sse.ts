// The same Mastodon hashtag stream over Server-Sent Events (Mastodon docs, methods/streaming:
// `GET /api/v1/streaming/hashtag?tag=…`, `event: update` / `status.update` / `delete` and a
// `data:` line each, `:thump` heartbeats). For instances whose proxy will not upgrade to a
// WebSocket: the supervisor falls back to it when the socket cannot open (streams.ts). masto has no
// SSE client, so this small reader follows the EventSource format (HTML Living Standard §9.2). It
// is fetched through the hub's guarded fetch, never follows a redirect, and caps every event.
import { SerializerNativeImpl } from "masto/adapters/serializers/index.js";
import type { PollDeps } from "../deps.js";
import { IngestError } from "../errors.js";
import { userAgent } from "../fetch/user-agent.js";
import { instanceOrigin } from "../social/mastodon/client.js";
import {
  applyEvent,
  assertStreamable,
  MAX_EVENT_BYTES,
  type MastodonStreamTarget,
  type SessionHooks,
  streamingUrlOf,
} from "./mastodon-stream.js";

/** Splits an EventSource text stream into events ({event, data}); comments and ids are skipped. */
export function sseEvents(onEvent: (event: string, data: string) => void) {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  return (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_EVENT_BYTES) throw new IngestError("too_large", "A streamed event was larger than the hub accepts.");
    for (let nl = buffer.search(/\r\n|\r|\n/); nl >= 0; nl = buffer.search(/\r\n|\r|\n/)) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1));
      if (line === "") {
        if (data.length) onEvent(event || "message", data.join("\n"));
        event = "";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
  };
}

const serializer = new SerializerNativeImpl();

export async function runMastodonSse(deps: PollDeps, target: MastodonStreamTarget, hooks: SessionHooks): Promise<void> {
  const base = (await streamingUrlOf(deps, target)).replace(/^ws(s?):/i, "http$1:").replace(/\/+$/, "");
  const url = `${base}/api/v1/streaming/hashtag?tag=${encodeURIComponent(target.tag)}`;
  await assertStreamable(deps, url);
  const host = instanceOrigin(target.instanceUrl).hostname;
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (hooks.signal.aborted) return;
  hooks.signal.addEventListener("abort", abort, { once: true });
  try {
    const res = await deps.fetch(url, {
      redirect: "manual",
      signal: controller.signal,
      headers: {
        accept: "text/event-stream",
        "user-agent": userAgent(deps.config.publicUrl),
        ...(target.accessToken ? { authorization: `Bearer ${target.accessToken}` } : {}),
      },
    });
    if (res.status !== 200 || !/text\/event-stream/i.test(res.headers.get("content-type") ?? "") || !res.body) {
      await res.body?.cancel();
      throw new IngestError("http_error", `${host} answered ${res.status} instead of an event stream.`, res.status);
    }
    hooks.onOpen();
    const queue: Array<[string, string]> = [];
    const feed = sseEvents((event, data) => queue.push([event, data]));
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      feed(decoder.decode(value, { stream: true }));
      for (const [event, data] of queue.splice(0)) {
        let payload: unknown = data;
        if (event !== "delete") {
          try {
            // As masto reads the WebSocket's payloads (camelCase keys), so one normaliser reads both.
            payload = serializer.deserialize("json", data);
          } catch {
            deps.log("warn", "stream.bad_event", { host, event, note: "not JSON" });
            continue;
          }
        }
        await applyEvent(deps, target, host, event, payload);
      }
    }
  } catch (err) {
    if (hooks.signal.aborted) return;
    throw err;
  } finally {
    hooks.signal.removeEventListener("abort", abort);
    controller.abort();
  }
}
