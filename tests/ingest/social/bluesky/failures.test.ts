// How the Bluesky reader fails, against a loopback XRPC server that answers the
// way a misbehaving or busy service would: 429 with Bluesky's ratelimit-*
// headers, 500/503, a web page instead of JSON, JSON that is not the lexicon.
// It also serves a searchPosts answer recorded from the local atproto network
// (tests/fixtures/bluesky/search-posts.json: real CIDs, which @atproto/api's
// strict response validation needs), so the reader's happy path is covered
// here too on machines without PostgreSQL and Redis.

import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestError } from "../../../../src/ingest/errors.js";
import { blueskyReader } from "../../../../src/ingest/social/bluesky/reader.js";
import { createTestHub, type TestHub } from "../../../helpers/hub.js";
import { blueskySource } from "./source.js";

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../fixtures/bluesky/search-posts.json", import.meta.url)), "utf8"),
) as {
  posts: Array<Record<string, unknown> & { uri: string; indexedAt: string }>;
  cursor: string;
};

const PASSWORD = "abcd-efgh-ijkl-mnop";
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
/** A token shaped like the PDS's (the hub reads only `exp`); opaque to everyone else. */
const token = (kind: string) =>
  `${b64({ typ: "at+jwt", alg: "HS256" })}.${b64({ scope: kind, sub: "did:plc:hubhubhubhubhubhubhubhub", exp: 4102444800 })}.c2ln`;

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

interface XrpcServer {
  url: string;
  hits: string[];
  on: Map<string, Handler>;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

async function startXrpcServer(): Promise<XrpcServer> {
  const hits: string[] = [];
  const on = new Map<string, Handler>();
  on.set("com.atproto.server.createSession", (req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const { identifier, password } = JSON.parse(body) as { identifier: string; password: string };
      if (identifier !== "hub.test" || password !== PASSWORD)
        return json(res, 401, { error: "AuthenticationRequired", message: "Invalid identifier or password" });
      json(res, 200, {
        accessJwt: token("com.atproto.appPass"),
        refreshJwt: token("com.atproto.refresh"),
        handle: "hub.test",
        did: "did:plc:hubhubhubhubhubhubhubhub",
        active: true,
      });
    });
  });
  on.set("app.bsky.feed.searchPosts", (_req, res) => json(res, 200, { posts: [] }));
  on.set("app.bsky.feed.getPosts", (_req, res) => json(res, 200, { posts: [] }));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const nsid = url.pathname.replace(/^\/xrpc\//, "");
    hits.push(nsid);
    const handler = on.get(nsid);
    if (handler) return handler(req, res, url);
    res.writeHead(404, { "content-type": "text/html" });
    res.end("<!doctype html><title>Not found</title>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    on,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

let hub: TestHub;
let server: XrpcServer;

beforeEach(async () => {
  server = await startXrpcServer();
  hub = await createTestHub({ BLUESKY_IDENTIFIER: "hub.test", BLUESKY_APP_PASSWORD: PASSWORD });
  hub.clock.now = new Date("2026-12-01T00:00:00Z");
});
afterEach(async () => {
  await hub.close();
  await server.close();
});

async function readError(over: Parameters<typeof blueskySource>[1] = {}): Promise<IngestError> {
  const err = await blueskyReader.read(hub.deps, blueskySource(server.url, over)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  return err as IngestError;
}

describe("sign-in", () => {
  it("without an identifier or app password, says Bluesky sign-in is not configured and asks nothing", async () => {
    for (const missing of [{ blueskyIdentifier: null }, { blueskyAppPassword: null }]) {
      Object.assign(hub.deps.config, { blueskyIdentifier: "hub.test", blueskyAppPassword: PASSWORD }, missing);
      const err = await readError();
      expect(err.message).toMatch(/^Bluesky sign-in is not configured: .*BLUESKY_IDENTIFIER and BLUESKY_APP_PASSWORD/);
    }
    expect(server.hits).toEqual([]);
    // A re-check cannot ask either: everything stays inconclusive, nothing is thrown.
    const uri = fixture.posts[0]!.uri;
    expect(await blueskyReader.recheck(hub.deps, blueskySource(server.url), [uri])).toEqual(new Map([[uri, "inconclusive"]]));
  });

  it("uses the configured service when the source names none", async () => {
    hub.deps.config.blueskyService = server.url;
    const page = await blueskyReader.read(hub.deps, blueskySource(""));
    expect(page.posts).toEqual([]);
    expect(server.hits).toEqual(["com.atproto.server.createSession", "app.bsky.feed.searchPosts"]);
  });

  it("a service that is a plain web site (HTML 404) is named as not a Bluesky service", async () => {
    server.on.delete("com.atproto.server.createSession");
    const err = await readError();
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/does not offer the Bluesky API needed to sign in .*Bluesky service/);
  });

  it("a 429 on sign-in says when to come back", async () => {
    server.on.set("com.atproto.server.createSession", (_req, res) =>
      json(
        res,
        429,
        { error: "RateLimitExceeded", message: "Rate Limit Exceeded" },
        { "ratelimit-limit": "30", "ratelimit-remaining": "0", "ratelimit-reset": "1796000000" },
      ),
    );
    const err = await readError();
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(new Date(1796000000 * 1000).toUTCString());
  });
});

describe("search failures", () => {
  it("429: an IngestError with the status and a Retry-After from ratelimit-reset", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) =>
      json(
        res,
        429,
        { error: "RateLimitExceeded", message: "Rate Limit Exceeded" },
        { "ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": "1796000123", "ratelimit-policy": "3000;w=300" },
      ),
    );
    const err = await readError();
    expect(err).toMatchObject({ code: "http_error", status: 429, retryAfter: "Mon, 30 Nov 2026 00:55:23 GMT" });
    expect(err.message).toMatch(/^127\.0\.0\.1:\d+ is limiting how often the hub may ask it \(HTTP 429.*after 2026-11-30 00:55 UTC/);
  });

  it("429 with a Retry-After header: that header wins", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) =>
      json(res, 429, { error: "RateLimitExceeded" }, { "retry-after": "120", "ratelimit-reset": "1796000123" }),
    );
    const err = await readError();
    expect(err).toMatchObject({ status: 429, retryAfter: "120" });
    expect(err.message).toMatch(/in 120 s/);
  });

  it("500: a server error, tried again later", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) =>
      json(res, 500, { error: "InternalServerError", message: "Internal Server Error" }),
    );
    const err = await readError();
    expect(err).toMatchObject({ code: "http_error", status: 500 });
    expect(err.message).toMatch(/had a server error \(HTTP 500\)/);
  });

  it("503 with Retry-After: obeyed", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) => {
      res.writeHead(503, { "content-type": "text/html", "retry-after": "300" });
      res.end("<html><body>Down for maintenance</body></html>");
    });
    const err = await readError();
    expect(err).toMatchObject({ status: 503, retryAfter: "300" });
  });

  it("a web page (HTML) instead of JSON is named as such", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!DOCTYPE html><html><head><title>Welcome</title></head><body>Hello</body></html>");
    });
    const err = await readError();
    expect(err.code).toBe("not_a_feed");
    expect(err.message).toMatch(/answered with a web page \(HTML\) instead of Bluesky API data/);
  });

  it("broken JSON, and JSON that does not follow the lexicon, are not Bluesky API data", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"posts": [');
    });
    expect((await readError()).message).toMatch(/not valid Bluesky API data/);
    server.on.set("app.bsky.feed.searchPosts", (_req, res) => json(res, 200, { posts: [{ uri: "nope" }] }));
    expect((await readError()).message).toMatch(/not valid Bluesky API data \(it does not follow the atproto lexicon\)/);
  });

  it("an enormous answer fails clearly instead of filling memory", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(`{"posts":[],"pad":"${"x".repeat(3 * 1024 * 1024)}"}`);
    });
    const err = await readError();
    expect(err.code).toBe("too_large");
  });
});

describe("a lexicon-valid answer recorded from the local network", () => {
  it("is normalised, with labels, links and the cursor", async () => {
    const asked: URLSearchParams[] = [];
    server.on.set("app.bsky.feed.searchPosts", (_req, res, url) => {
      asked.push(url.searchParams);
      json(res, 200, url.searchParams.has("cursor") ? { posts: [] } : fixture);
    });
    const page = await blueskyReader.read(hub.deps, blueskySource(server.url));
    expect(asked).toHaveLength(1); // a new source: the newest page only
    expect(asked[0]!.get("q")).toBe("#t509massive");
    expect(asked[0]!.getAll("tag")).toEqual(["t509massive"]);
    expect(asked[0]!.get("sort")).toBe("latest");
    expect(asked[0]!.has("since")).toBe(false);
    expect(page.posts.map((p) => [p.text, p.hide, p.sensitive])).toEqual([
      ["Life drawing class #t509massive", false, true],
      ["Field trip photos #t509massive", true, true],
      ["Week 3 reflection for #t509massive: https://alice.example/blog/week-3", false, false],
    ]);
    expect(page.posts[2]!.links).toEqual(["https://alice.example/blog/week-3", "https://alice.example/blog/week-3?utm=card"]);
    expect(page.more).toBe(false);
    const newest = Math.max(...fixture.posts.map((p) => Date.parse(p.indexedAt)));
    expect(JSON.parse(page.cursor!)).toMatchObject({ v: 1, newest: new Date(newest).toISOString() });

    // The next run asks from the cursor (less the overlap); the same posts again are not delivered twice.
    const again = await blueskyReader.read(hub.deps, blueskySource(server.url, { cursor: page.cursor }));
    expect(asked[1]!.get("since")).toBe(new Date(newest - 10 * 60_000).toISOString());
    expect(again).toEqual({ posts: [], cursor: page.cursor, more: false });
  });

  it("a service that ignores `since` gets its old posts dropped on our side", async () => {
    server.on.set("app.bsky.feed.searchPosts", (_req, res) => json(res, 200, fixture));
    const cursor = JSON.stringify({ v: 1, newest: "2027-01-01T00:00:00.000Z", seen: [] });
    const page = await blueskyReader.read(hub.deps, blueskySource(server.url, { cursor }));
    expect(page).toEqual({ posts: [], cursor, more: false });
    expect(server.hits.filter((h) => h === "app.bsky.feed.searchPosts")).toHaveLength(1);
  });
});

describe("re-check failures", () => {
  const uris = Array.from(
    { length: 30 },
    (_, i) => `at://did:plc:aliceealiceealiceealicee/app.bsky.feed.post/3kabc${String(i).padStart(4, "0")}`,
  );

  it("500: inconclusive, never missing", async () => {
    server.on.set("app.bsky.feed.getPosts", (_req, res) => json(res, 500, { error: "InternalServerError" }));
    const answers = await blueskyReader.recheck(hub.deps, blueskySource(server.url), uris);
    expect([...answers.values()].every((a) => a === "inconclusive")).toBe(true);
    expect(server.hits.filter((h) => h === "app.bsky.feed.getPosts")).toHaveLength(2);
  });

  it("429: stops asking; what is left stays inconclusive", async () => {
    server.on.set("app.bsky.feed.getPosts", (_req, res) =>
      json(res, 429, { error: "RateLimitExceeded" }, { "ratelimit-reset": "1796000000" }),
    );
    const answers = await blueskyReader.recheck(hub.deps, blueskySource(server.url), uris);
    expect([...answers.values()].every((a) => a === "inconclusive")).toBe(true);
    expect(server.hits.filter((h) => h === "app.bsky.feed.getPosts")).toHaveLength(1);
  });

  it("HTML: inconclusive", async () => {
    server.on.set("app.bsky.feed.getPosts", (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>hi</html>");
    });
    const answers = await blueskyReader.recheck(hub.deps, blueskySource(server.url), uris.slice(0, 3));
    expect([...answers.values()]).toEqual(["inconclusive", "inconclusive", "inconclusive"]);
  });
});
