// A Mastodon instance stand-in on 127.0.0.1 that answers the two API methods
// the hashtag reader uses, shaped as the Mastodon API docs describe them:
//
// - GET /api/v1/timelines/tag/:hashtag (docs.joinmastodon.org/methods/timelines/#tag):
//   limit defaults to 20, max 40; max_id = older than, since_id = newer than
//   (the newest ones), min_id = "immediately newer than" (the oldest ones above
//   it), always sorted newest first; a `Link` header with rel="next" (max_id =
//   the page's last id) and rel="prev" (min_id = the page's first id), carrying
//   `limit`, and no Link header on an empty page (tag_controller.rb); an
//   unknown tag is an empty list.
// - GET /api/v1/statuses/:id (methods/statuses/#get): the Status, or 404
//   {"error":"Record not found"} once deleted.
// - Every API answer carries X-RateLimit-Limit/Remaining/Reset (api/rate-limits;
//   Reset as Rails' iso8601(6)); when none remain, 429 {"error":"Too many requests"}.
// - Instances that disable timeline preview answer 401 without a token, 401 for
//   an unknown token and 403 for a token without the read scope.
//
// - GET /api/v2/instance (methods/instance#v2): configuration.urls.streaming names the stream.
// - The streaming API over WebSocket (methods/streaming): GET /api/v1/streaming upgrades; the client
//   sends {"type":"subscribe","stream":"hashtag","tag":…}; events are
//   {"stream":["hashtag",tag],"event":"update"|"status.update"|"delete","payload":…}, the payload a
//   JSON string of the Status (for delete, the status id). Statuses posted, edited or deleted while a
//   client is subscribed to one of their tags are sent to it; `stream` lets tests drop connections,
//   send garbage or half a frame, or refuse the next connections.
// - The same stream as Server-Sent Events: GET /api/v1/streaming/hashtag?tag=… answers
//   text/event-stream, `event: update` and `data: <Status JSON>` per event, a `:thump` heartbeat
//   first; `stream.websocketOff` refuses every upgrade, as a proxy that does not pass them would.
//
// Statuses are built from the documented example Status and Account
// (tests/fixtures/mastodon/) and held in one ordered list, so tests can post,
// edit and delete between reader runs.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type WebSocket, WebSocketServer } from "ws";

const fixturesDir = fileURLToPath(new URL("../fixtures/mastodon/", import.meta.url));
export function mastodonFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fixturesDir + name, "utf8")) as Record<string, unknown>;
}

/** A status as the API serialises it (snake_case JSON). */
export type StatusJson = Record<string, unknown> & { id: string; tags: Array<{ name: string; url: string }> };

export interface NewStatus {
  /** HTML content; default: a sentence naming the status and its tags. */
  content?: string;
  /** Hashtag names (as typed); default: the server's default tag. */
  tags?: string[];
  /** `local` (acct without a domain, default), `remote` (the documented remote account), or an account JSON. */
  account?: "local" | "remote" | Record<string, unknown>;
  spoilerText?: string;
  sensitive?: boolean;
  card?: Record<string, unknown> | null;
  reblog?: StatusJson | null;
  createdAt?: Date;
  /** Fields written over the built status last (to serve odd or hostile data). */
  raw?: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  userAgent: string | null;
}

export type Override = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

export interface MastodonServer {
  /** The instance base URL (http://127.0.0.1:PORT). */
  url: string;
  host: string;
  defaultTag: string;
  /** Posts a status (ids grow like Mastodon's snowflakes); returns it as served. */
  post(opts?: NewStatus): StatusJson;
  postMany(n: number, opts?: NewStatus): StatusJson[];
  /** Edits a status in place: new content, `edited_at` set. */
  edit(id: string, content: string, at?: Date): StatusJson;
  delete(id: string): void;
  /** The timeline of a tag, newest first. */
  timeline(tag?: string): StatusJson[];
  requests: RecordedRequest[];
  /** Requests to a path prefix. */
  hits(prefix: string): RecordedRequest[];
  rateLimit: { limit: number; remaining: number; reset: Date };
  /** Timeline preview off: tokens become necessary. */
  auth: { required: boolean; tokens: Map<string, "read" | "none"> };
  stream: StreamControl;
  /** Handlers tried before the API; return true when handled. `once` ones are dropped after handling. */
  override(handler: Override, opts?: { once?: boolean }): void;
  close(): Promise<void>;
}

export interface StreamControl {
  /** Subscriptions made, as the client sent them. */
  subscriptions: Array<{ stream: string; tag?: string; protocol: string | null }>;
  /** Connections open now. */
  open(): number;
  /** Connections made in all. */
  connections: number;
  /** Refuse this many next upgrade attempts (HTTP 503). */
  refuseNext: number;
  /** Refuse every WebSocket upgrade (the SSE endpoint still answers). */
  websocketOff: boolean;
  /** Server-Sent Events connections open now. */
  sseOpen(): number;
  /** Stop sending events (statuses still change: only REST shows them). */
  muted: boolean;
  /** Sends raw text to every subscribed client. */
  sendRaw(text: string): void;
  /** Closes every connection (1006-like: the TCP socket is destroyed), optionally after half a frame. */
  drop(opts?: { midFrame?: boolean }): void;
}

const BASE_TIME = Date.parse("2026-10-01T09:00:00.000Z");

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));
}

export async function startMastodonServer(defaultTag = "t509massive"): Promise<MastodonServer> {
  const statuses: StatusJson[] = []; // oldest first
  const byId = new Map<string, StatusJson>();
  const overrides: Array<{ handler: Override; once: boolean }> = [];
  const requests: RecordedRequest[] = [];
  let seq = 0;
  let lastMs = BASE_TIME;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    requests.push({
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization ?? null,
      userAgent: req.headers["user-agent"] ?? null,
    });
    for (const o of overrides) {
      if (o.handler(req, res, url)) {
        if (o.once) overrides.splice(overrides.indexOf(o), 1);
        return;
      }
    }
    api(req, res, url);
  });
  // The streaming API, on the same port as Mastodon's own setups often put it behind one proxy.
  const clients = new Map<WebSocket, Set<string>>();
  const sseClients = new Map<ServerResponse, string>();
  const wss = new WebSocketServer({ noServer: true });
  const stream: StreamControl = {
    subscriptions: [],
    open: () => clients.size,
    connections: 0,
    refuseNext: 0,
    websocketOff: false,
    sseOpen: () => sseClients.size,
    muted: false,
    sendRaw(text) {
      for (const ws of clients.keys()) ws.send(text);
    },
    drop(opts = {}) {
      for (const ws of clients.keys()) {
        // A text frame header announcing 100 bytes, then 3 of them: the socket dies mid-event.
        if (opts.midFrame)
          (ws as unknown as { _socket: import("node:net").Socket })._socket.write(Buffer.from([0x81, 100, 0x7b, 0x22, 0x73]));
        ws.terminate();
      }
    },
  };
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", base);
    if (url.pathname !== "/api/v1/streaming" || stream.refuseNext > 0 || stream.websocketOff) {
      if (stream.refuseNext > 0) stream.refuseNext--;
      socket.end("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      stream.connections++;
      const protocol = (req.headers["sec-websocket-protocol"] as string | undefined) ?? null;
      const tags = new Set<string>();
      clients.set(ws, tags);
      ws.on("message", (data) => {
        let msg: { type?: string; stream?: string; tag?: string };
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        if (msg.type === "subscribe" && msg.stream === "hashtag" && msg.tag) {
          tags.add(msg.tag.toLowerCase());
          stream.subscriptions.push({ stream: msg.stream, tag: msg.tag, protocol });
        }
      });
      ws.on("close", () => clients.delete(ws));
    });
  });

  /** Sends an event to the clients subscribed to one of the status's tags (or `tagsBefore`). */
  function emit(status: StatusJson, event: string, payload: string, tagsBefore: string[] = []): void {
    if (stream.muted) return;
    const names = new Set([...status.tags.map((t) => t.name), ...tagsBefore]);
    for (const [res, tag] of sseClients) if (names.has(tag)) res.write(`event: ${event}\ndata: ${payload}\n\n`);
    for (const [ws, tags] of clients) {
      for (const tag of tags) {
        if (names.has(tag)) ws.send(JSON.stringify({ stream: ["hashtag", tag], event, payload }));
      }
    }
  }

  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const host = `127.0.0.1`;

  const state: MastodonServer = {
    url: base,
    host,
    defaultTag,
    requests,
    rateLimit: { limit: 300, remaining: 300, reset: new Date(Date.now() + 5 * 60_000) },
    auth: { required: false, tokens: new Map() },
    post,
    postMany: (n, opts) => Array.from({ length: n }, () => post(opts)),
    edit(id, content, at = new Date(lastMs + 1000)) {
      const s = byId.get(id);
      if (!s) throw new Error(`no status ${id}`);
      s.content = content;
      s.edited_at = at.toISOString();
      // Mastodon parses an edited status's hashtags again: an edit can add or drop a tag.
      const base = String((s.tags[0]?.url ?? "").replace(/\/tags\/.*$/, ""));
      const before = s.tags.map((t) => t.name);
      s.tags = [...new Set([...content.matchAll(/#(?:<span>)?([\p{L}\p{N}_]+)/gu)].map((m) => m[1]!.toLowerCase()))].map((name) => ({
        name,
        url: `${base}/tags/${name}`,
      }));
      // Subscribers of the tags it had hear of the edit too (Mastodon pushes status.update to them).
      emit(s, "status.update", JSON.stringify(s), before);
      return s;
    },
    delete(id) {
      const s = byId.get(id);
      if (!s) return;
      byId.delete(id);
      statuses.splice(statuses.indexOf(s), 1);
      emit(s, "delete", id);
    },
    timeline: (tag = defaultTag) => timelineOf(tag).slice().reverse(),
    hits: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    override: (handler, opts = {}) => overrides.push({ handler, once: opts.once ?? false }),
    stream,
    close: () =>
      new Promise((ok) => {
        for (const ws of clients.keys()) ws.terminate();
        for (const res of sseClients.keys()) res.destroy();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };

  function post(opts: NewStatus = {}): StatusJson {
    lastMs += 60_000;
    const createdAt = opts.createdAt ?? new Date(lastMs);
    // Mastodon ids: milliseconds since the epoch in the high bits, a sequence below (lib/mastodon/snowflake.rb).
    const id = ((BigInt(createdAt.getTime()) << 16n) + BigInt(++seq)).toString();
    const status = structuredClone(mastodonFixture("status.json")) as StatusJson;
    let account: Record<string, unknown>;
    if (opts.account === "remote") account = mastodonFixture("account.json");
    else if (typeof opts.account === "object") account = opts.account;
    else {
      account = status.account as Record<string, unknown>;
      account.url = `${base}/@${String(account.username)}`;
    }
    const acct = String(account.acct);
    const username = String(account.username);
    const remoteDomain = acct.includes("@") ? acct.split("@")[1]! : null;
    const tags = opts.tags ?? [defaultTag];
    const origin = remoteDomain ? `https://${remoteDomain}` : base;
    Object.assign(status, {
      id,
      created_at: createdAt.toISOString(),
      uri: `${origin}/users/${username}/statuses/${remoteDomain ? `9${id}` : id}`,
      url: `${origin}/@${username}/${remoteDomain ? `9${id}` : id}`,
      account,
      content:
        opts.content ??
        `<p>Status ${seq} for the course ` +
          tags.map((t) => `<a href="${base}/tags/${t.toLowerCase()}" class="mention hashtag" rel="tag">#<span>${t}</span></a>`).join(" ") +
          `</p>`,
      tags: tags.map((t) => ({ name: t.toLowerCase(), url: `${base}/tags/${encodeURIComponent(t.toLowerCase())}` })),
      spoiler_text: opts.spoilerText ?? "",
      sensitive: opts.sensitive ?? false,
      card: opts.card === undefined ? null : opts.card,
      reblog: opts.reblog ?? null,
      edited_at: null,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      ...(opts.raw ?? {}),
    });
    statuses.push(status);
    byId.set(id, status);
    lastMs = Math.max(lastMs, createdAt.getTime());
    emit(status, "update", JSON.stringify(status));
    return status;
  }

  function timelineOf(tag: string): StatusJson[] {
    const name = tag.toLowerCase();
    return statuses.filter((s) => s.tags.some((t) => t.name === name)).sort((a, b) => compareIds(a.id, b.id));
  }

  function rateHeaders(): Record<string, string> {
    return {
      "x-ratelimit-limit": String(state.rateLimit.limit),
      "x-ratelimit-remaining": String(state.rateLimit.remaining),
      // Rails' Time#iso8601(6), as Mastodon's rack-attack config writes it.
      "x-ratelimit-reset": state.rateLimit.reset.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z"),
    };
  }

  /** What a token-holding reader sees in addition (Status docs: "If the current token has an authorized user"). */
  function viewerFields(s: StatusJson): StatusJson {
    return { ...s, favourited: false, reblogged: false, muted: false, bookmarked: false, filtered: [] };
  }

  function stripViewerFields(s: StatusJson): StatusJson {
    const { favourited: _f, reblogged: _r, muted: _m, bookmarked: _b, ...rest } = s;
    return rest as StatusJson;
  }

  function api(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (url.pathname === "/api/v1/streaming/hashtag") {
      const tag = (url.searchParams.get("tag") ?? "").toLowerCase();
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(":thump\n\n");
      sseClients.set(res, tag);
      stream.subscriptions.push({ stream: "hashtag", tag, protocol: "sse" });
      req.on("close", () => sseClients.delete(res));
      return;
    }
    if (url.pathname === "/api/v2/instance") {
      json(res, 200, { domain: host, title: "Test instance", configuration: { urls: { streaming: base.replace(/^http/, "ws") } } });
      return;
    }
    const timelineMatch = /^\/api\/v1\/timelines\/tag\/([^/]+)$/.exec(url.pathname);
    const statusMatch = /^\/api\/v1\/statuses\/([^/]+)$/.exec(url.pathname);
    if (!timelineMatch && !statusMatch) {
      res
        .writeHead(404, { "content-type": "text/html; charset=utf-8" })
        .end("<!DOCTYPE html><html><body><h1>The page you are looking for isn't here.</h1></body></html>");
      return;
    }
    if (state.rateLimit.remaining <= 0) {
      json(res, 429, { error: "Too many requests" }, rateHeaders());
      return;
    }
    state.rateLimit.remaining--;
    const headers = rateHeaders();

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? null;
    const scope = bearer === null ? null : (state.auth.tokens.get(bearer) ?? "invalid");
    if (scope === "invalid") {
      json(res, 401, { error: "The access token is invalid" }, headers);
      return;
    }
    if (state.auth.required) {
      if (scope === null) {
        json(res, 401, { error: "This method requires an authenticated user" }, headers);
        return;
      }
      if (scope === "none") {
        json(res, 403, { error: "This action is outside the authorized scopes" }, headers);
        return;
      }
    }
    const present = (s: StatusJson) => (scope === "read" ? viewerFields(s) : stripViewerFields(s));

    if (statusMatch) {
      const s = byId.get(decodeURIComponent(statusMatch[1]!));
      if (!s) {
        json(res, 404, { error: "Record not found" }, headers);
        return;
      }
      json(res, 200, present(s), headers);
      return;
    }

    const tag = decodeURIComponent(timelineMatch![1]!);
    const q = url.searchParams;
    const limitParam = q.get("limit");
    const limit = limitParam === null ? 20 : Math.min(40, Math.max(1, Math.abs(parseInt(limitParam, 10) || 20)));
    let list = timelineOf(tag); // oldest first
    const maxId = q.get("max_id");
    const sinceId = q.get("since_id");
    const minId = q.get("min_id");
    if (q.get("local") === "true") list = list.filter((s) => !String((s.account as { acct: string }).acct).includes("@"));
    if (q.get("remote") === "true") list = list.filter((s) => String((s.account as { acct: string }).acct).includes("@"));
    if (maxId) list = list.filter((s) => compareIds(s.id, maxId) < 0);
    if (sinceId) list = list.filter((s) => compareIds(s.id, sinceId) > 0);
    let page: StatusJson[];
    if (minId) {
      // paginate_by_min_id: the `limit` statuses just above min_id, then newest first.
      page = list
        .filter((s) => compareIds(s.id, minId) > 0)
        .slice(0, limit)
        .reverse();
    } else {
      page = list.slice().reverse().slice(0, limit);
    }
    if (page.length) {
      const keep = new URLSearchParams();
      for (const k of ["local", "limit", "only_media"]) if (q.has(k)) keep.set(k, q.get(k)!);
      const link = (k: string, v: string) => {
        const p = new URLSearchParams(keep);
        p.set(k, v);
        return `${base}/api/v1/timelines/tag/${encodeURIComponent(tag)}?${p}`;
      };
      headers.link = `<${link("max_id", page[page.length - 1]!.id)}>; rel="next", <${link("min_id", page[0]!.id)}>; rel="prev"`;
    }
    json(res, 200, page.map(present), headers);
  }

  return state;
}
