// A Jetstream stand-in on 127.0.0.1, built from Jetstream's README (github.com/bluesky-social/jetstream):
// - `GET /subscribe` upgrades to a WebSocket; query `wantedCollections` and `wantedDids` (repeated)
//   filter the events, `cursor` (unix microseconds) replays every stored event after it before the
//   live tail, and no cursor means live only;
// - events are JSON text frames: {"did","time_us","kind":"commit","commit":{"rev","operation":
//   "create"|"update"|"delete","collection","rkey","record","cid"}} (no record or cid on delete);
// - a client may send {"type":"options_update","payload":{"wantedCollections","wantedDids"}} to change
//   its filter on an open socket.
// Tests feed it commits (built from records written to the dev-env PDS), drop connections, refuse
// the next ones, and send garbage.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface JetstreamCommit {
  did: string;
  time_us: number;
  kind: "commit";
  commit: { rev: string; operation: "create" | "update" | "delete"; collection: string; rkey: string; record?: unknown; cid?: string };
}

interface Client {
  ws: WebSocket;
  collections: Set<string>;
  dids: Set<string>;
}

export interface JetstreamServer {
  url: string;
  /** Cursors the connections asked for (null: live), in order. */
  cursors: Array<number | null>;
  /** DID filters the connections started with, and any options_update since. */
  filters: string[][];
  open(): number;
  /** Stores a commit (its time_us now, microseconds, strictly increasing) and sends it to matching clients. */
  emit(commit: Omit<JetstreamCommit, "time_us" | "kind"> & { time_us?: number }): JetstreamCommit;
  sendRaw(text: string): void;
  drop(): void;
  /** Hold live events back (only replay on the next connection carries them). */
  muted: boolean;
  close(): Promise<void>;
}

export async function startJetstreamServer(): Promise<JetstreamServer> {
  const log: JetstreamCommit[] = [];
  const clients = new Set<Client>();
  let last = 0;
  const server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const matches = (c: Client, e: JetstreamCommit) =>
    (!c.collections.size || c.collections.has(e.commit.collection)) && (!c.dids.size || c.dids.has(e.did));
  const state: JetstreamServer = {
    url: "",
    cursors: [],
    filters: [],
    muted: false,
    open: () => clients.size,
    emit(partial) {
      const time_us = partial.time_us ?? Math.max(last + 1, Date.now() * 1000);
      last = Math.max(last, time_us);
      const event: JetstreamCommit = { ...partial, time_us, kind: "commit" };
      log.push(event);
      if (!state.muted) for (const c of clients) if (matches(c, event)) c.ws.send(JSON.stringify(event));
      return event;
    },
    sendRaw(text) {
      for (const c of clients) c.ws.send(text);
    },
    drop() {
      for (const c of clients) c.ws.terminate();
    },
    close: () =>
      new Promise((ok) => {
        for (const c of clients) c.ws.terminate();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/subscribe") {
      socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = {
        ws,
        collections: new Set(url.searchParams.getAll("wantedCollections")),
        dids: new Set(url.searchParams.getAll("wantedDids")),
      };
      const raw = url.searchParams.get("cursor");
      const cursor = raw && /^\d+$/.test(raw) ? Number(raw) : null;
      state.cursors.push(cursor);
      state.filters.push([...client.dids]);
      clients.add(client);
      // Replay, then live: a cursor in the future replays nothing.
      if (cursor !== null) for (const e of log) if (e.time_us > cursor && matches(client, e)) ws.send(JSON.stringify(e));
      ws.on("message", (data) => {
        try {
          const msg = JSON.parse(String(data)) as { type?: string; payload?: { wantedDids?: string[]; wantedCollections?: string[] } };
          if (msg.type !== "options_update" || !msg.payload) return;
          if (msg.payload.wantedDids) client.dids = new Set(msg.payload.wantedDids);
          if (msg.payload.wantedCollections) client.collections = new Set(msg.payload.wantedCollections);
          state.filters.push([...client.dids]);
        } catch {
          ws.close(1008, "invalid options update");
        }
      });
      ws.on("close", () => clients.delete(client));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  state.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/subscribe`;
  return state;
}
