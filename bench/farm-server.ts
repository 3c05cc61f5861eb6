// The feed farm, run as a child process of the ingest benchmark so that the
// hub's memory and CPU are measured alone (in production the hub does not
// serve the blogs it reads). Feeds are spread over several loopback addresses
// (127.0.0.1, 127.0.0.2, …: Linux routes all of 127/8 to loopback), so the
// hub's per-host limit meets many hosts as it would on the web. Conditional
// GET with ETags, like most blog platforms. Any /post/… path is a post page
// (200, a small HTML body), for the re-check benchmark. Driven over the IPC
// channel; see farm.ts for the messages.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { renderFeed } from "./feeds.js";

export type FarmRequest =
  | { id: number; type: "publish"; feeds: number[] }
  | { id: number; type: "counts"; reset: boolean }
  | { id: number; type: "close" };

export type FarmReply =
  | { type: "ready"; urls: string[]; bytes: number }
  | { id: number; type: "done"; requests: number; notModified: number; rss: number };

interface Feed {
  items: number;
  body: Buffer;
  etag: string;
}

const [feedCount, itemCount, hostCount] = process.argv.slice(2).map(Number) as [number, number, number];
const send = (reply: FarmReply) => process.send!(reply);

const make = (i: number, n: number): Feed => ({ items: n, body: Buffer.from(renderFeed(i, n)), etag: `"f${i}-n${n}"` });
const feeds = Array.from({ length: feedCount }, (_, i) => make(i, itemCount));
const counts = { requests: 0, notModified: 0 };

const servers: Server[] = [];
const ports: number[] = [];
for (let h = 0; h < hostCount; h++) {
  const server = createServer((req, res) => {
    counts.requests++;
    if (req.url?.startsWith("/post/")) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(req.method === "HEAD" ? undefined : "<!doctype html><title>A post</title><p>A learner's post.</p>");
    }
    const feed = feeds[Number(/^\/feed\/(\d+)\.xml$/.exec(req.url ?? "")?.[1] ?? NaN)];
    if (!feed) return void res.writeHead(404).end();
    if (req.headers["if-none-match"] === feed.etag) {
      counts.notModified++;
      return void res.writeHead(304, { etag: feed.etag }).end();
    }
    res.writeHead(200, { "content-type": "application/rss+xml; charset=utf-8", etag: feed.etag }).end(feed.body);
  });
  await new Promise<void>((ok) => server.listen(0, `127.0.0.${h + 1}`, ok));
  servers.push(server);
  ports.push((server.address() as AddressInfo).port);
}

const urls = feeds.map((_, i) => `http://127.0.0.${(i % hostCount) + 1}:${ports[i % hostCount]}/feed/${i}.xml`);
send({ type: "ready", urls, bytes: feeds.reduce((n, f) => n + f.body.length, 0) });

process.on("message", (msg: FarmRequest) => {
  if (msg.type === "publish") {
    // One new post on each listed feed: a new body and a new ETag.
    for (const i of msg.feeds) feeds[i] = make(i, feeds[i]!.items + 1);
  }
  send({ id: msg.id, type: "done", ...counts, rss: process.memoryUsage().rss });
  if (msg.type === "counts" && msg.reset) counts.requests = counts.notModified = 0;
  if (msg.type === "close") {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    process.disconnect();
  }
});
