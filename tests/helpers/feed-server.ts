// A real HTTP server on 127.0.0.1 serving feed files, with per-path overrides
// for the bad behaviours real servers show (errors, slowness, redirects).

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export const fixturesDir = fileURLToPath(new URL("../fixtures/feeds/", import.meta.url));

export function fixture(name: string): string {
  return readFileSync(fixturesDir + name, "utf8");
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FeedServer {
  url(path: string): string;
  /** Serve `body` at `path` with ETag support (304 when If-None-Match matches). */
  feed(path: string, body: string, contentType?: string): void;
  route(path: string, handler: Handler): void;
  hits(path: string): number;
  /** Requests answered 304 at `path`. */
  notModified(path: string): number;
  close(): Promise<void>;
}

export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Handler>();
  const hits = new Map<string, number>();
  const n304 = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    feed(path, body, contentType = "application/rss+xml; charset=utf-8") {
      const etag = `"${Buffer.from(body).length.toString(16)}-${hash(body)}"`;
      routes.set(path, (req, res) => {
        if (req.headers["if-none-match"] === etag) {
          n304.set(path, (n304.get(path) ?? 0) + 1);
          res.writeHead(304, { etag }).end();
          return;
        }
        res.writeHead(200, { "content-type": contentType, etag }).end(body);
      });
    },
    route: (path, handler) => routes.set(path, handler),
    hits: (path) => hits.get(path) ?? 0,
    notModified: (path) => n304.get(path) ?? 0,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function hash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16);
}
