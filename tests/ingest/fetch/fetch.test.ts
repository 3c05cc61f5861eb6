import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FetchOptions, safeFetch } from "../../../src/ingest/fetch/fetch.js";
import { type FeedServer, fixture, startFeedServer } from "../../helpers/feed-server.js";

let server: FeedServer;
const opts = (over: Partial<FetchOptions> = {}): FetchOptions => ({
  fetch: globalThis.fetch,
  timeoutMs: 2000,
  maxBytes: 64 * 1024,
  userAgent: "Tributary/test (+http://localhost)",
  allowLoopback: true,
  ...over,
});

beforeAll(async () => {
  server = await startFeedServer();
  server.feed("/feed.xml", fixture("wordpress-rss2.xml"));
  server.route("/moved", (_req, res) => res.writeHead(301, { location: "/feed.xml" }).end());
  server.route("/temp", (_req, res) => res.writeHead(302, { location: "/feed.xml" }).end());
  server.route("/loop", (_req, res) => res.writeHead(302, { location: "/loop" }).end());
  server.route("/to-metadata", (_req, res) => res.writeHead(302, { location: "http://169.254.169.254/" }).end());
  server.route("/big", (_req, res) => res.writeHead(200, { "content-type": "application/xml" }).end("x".repeat(200 * 1024)));
  server.route("/bomb", (_req, res) => {
    res.writeHead(200, { "content-type": "application/xml", "content-encoding": "gzip" }).end(gzipSync(Buffer.alloc(20 * 1024 * 1024)));
  });
  server.route("/drip", (_req, res) => {
    res.writeHead(200, { "content-type": "application/xml" });
    const t = setInterval(() => res.write("<"), 100);
    res.on("close", () => clearInterval(t));
  });
  server.route("/ua", (req, res) => res.writeHead(200).end(req.headers["user-agent"]));
  server.route("/gone", (_req, res) => res.writeHead(410).end());
});
afterAll(() => server.close());

describe("safeFetch", () => {
  it("sends an identifying User-Agent", async () => {
    const res = await safeFetch(server.url("/ua"), opts());
    expect(new TextDecoder().decode(res.bytes)).toBe("Tributary/test (+http://localhost)");
  });

  it("uses conditional GET: the second request with the ETag answers 304", async () => {
    const first = await safeFetch(server.url("/feed.xml"), opts());
    expect(first.status).toBe(200);
    expect(first.etag).toBeTruthy();
    const second = await safeFetch(server.url("/feed.xml"), opts({ etag: first.etag }));
    expect(second.notModified).toBe(true);
    expect(server.notModified("/feed.xml")).toBe(1);
  });

  it("reports a permanent redirect's new URL, but not a temporary one's", async () => {
    expect((await safeFetch(server.url("/moved"), opts())).permanentUrl).toBe(server.url("/feed.xml"));
    expect((await safeFetch(server.url("/temp"), opts())).permanentUrl).toBeNull();
  });

  it("stops redirect loops and re-checks every hop against the SSRF guard", async () => {
    await expect(safeFetch(server.url("/loop"), opts())).rejects.toMatchObject({ code: "too_many_redirects" });
    expect(server.hits("/loop")).toBe(6);
    await expect(safeFetch(server.url("/to-metadata"), opts())).rejects.toMatchObject({ code: "blocked_address" });
  });

  it("caps bodies, counting after decompression (a gzip bomb stops early)", async () => {
    await expect(safeFetch(server.url("/big"), opts())).rejects.toMatchObject({ code: "too_large" });
    // The compressed bomb is far under the cap; only counting decompressed bytes catches it.
    expect(gzipSync(Buffer.alloc(20 * 1024 * 1024)).length).toBeLessThan(64 * 1024);
    await expect(safeFetch(server.url("/bomb"), opts())).rejects.toMatchObject({
      code: "too_large",
      message: expect.stringContaining("64 KB"),
    });
  });

  it("gives up on a server that drips bytes, within the total timeout", async () => {
    const started = Date.now();
    await expect(safeFetch(server.url("/drip"), opts({ timeoutMs: 500 }))).rejects.toMatchObject({ code: "timeout" });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("turns HTTP errors into plain-language errors that keep the status", async () => {
    await expect(safeFetch(server.url("/nope"), opts())).rejects.toMatchObject({
      code: "http_error",
      status: 404,
      message: "The server answered 404 Not Found.",
    });
    await expect(safeFetch(server.url("/gone"), opts())).rejects.toMatchObject({ status: 410 });
  });

  it("refuses loopback when it is not explicitly allowed", async () => {
    const before = server.hits("/feed.xml");
    await expect(safeFetch(server.url("/feed.xml"), opts({ allowLoopback: false }))).rejects.toMatchObject({ code: "blocked_address" });
    expect(server.hits("/feed.xml")).toBe(before); // refused before any connection
  });
});

describe("safeFetch timeouts and HEAD", () => {
  it("gives up on a server that accepts the connection but never answers, within the connect timeout", async () => {
    server.route("/silent", () => {}); // never writes headers
    const started = Date.now();
    await expect(safeFetch(server.url("/silent"), opts({ connectTimeoutMs: 300, timeoutMs: 5000 }))).rejects.toMatchObject({
      code: "timeout",
      message: expect.stringMatching(/did not answer within/),
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("HEAD reports the final status without reading or throwing", async () => {
    const res = await safeFetch(server.url("/nope"), opts({ method: "HEAD" }));
    expect(res.status).toBe(404);
    expect(res.bytes.byteLength).toBe(0);
  });

  it("names the network failure in plain words", async () => {
    const closed = await startFeedServer();
    const url = closed.url("/feed.xml");
    await closed.close();
    await expect(safeFetch(url, opts())).rejects.toMatchObject({
      code: "network",
      message: expect.stringMatching(/^Could not connect to 127\.0\.0\.1:\d+: the connection was refused\.$/),
    });
  });
});
