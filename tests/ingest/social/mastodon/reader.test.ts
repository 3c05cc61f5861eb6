// The Mastodon hashtag reader through masto, the hub's guarded fetch and a
// real HTTP server that pages, rate-limits and fails the way the Mastodon API
// documents.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestError } from "../../../../src/ingest/errors.js";
import { retryAfterDate } from "../../../../src/ingest/poll/schedule.js";
import { mastodonReader, PAGE_LIMIT } from "../../../../src/ingest/social/mastodon/reader.js";
import type { SocialPage, SocialPost } from "../../../../src/ingest/social/post.js";
import { createTestHub, type TestHub } from "../../../helpers/hub.js";
import { type MastodonServer, mastodonFixture, type StatusJson, startMastodonServer } from "../../../helpers/mastodon-server.js";
import { mastodonSource } from "./source.js";

const TIMELINE = "/api/v1/timelines/tag/t509massive";
let hub: TestHub;
let server: MastodonServer;

beforeEach(async () => {
  hub = await createTestHub();
  server = await startMastodonServer();
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

function read(over: Parameters<typeof mastodonSource>[1] = {}): Promise<SocialPage> {
  return mastodonReader.read(hub.deps, mastodonSource(server.url, over));
}

async function readError(over: Parameters<typeof mastodonSource>[1] = {}): Promise<IngestError> {
  const err = await read(over).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IngestError);
  return err as IngestError;
}

const ids = (posts: SocialPost[]) => posts.map((p) => p.remoteId).sort();
const idsOf = (statuses: StatusJson[]) => statuses.map((s) => s.id).sort();

describe("paging", () => {
  it("reads only the newest page for a new source, and keeps its newest id as the cursor", async () => {
    const all = server.postMany(55);
    const page = await read();
    expect(page.posts).toHaveLength(PAGE_LIMIT);
    expect(ids(page.posts)).toEqual(idsOf(all.slice(-PAGE_LIMIT)));
    expect(page.cursor).toBe(all.at(-1)!.id);
    expect(page.more).toBe(false);
    const asked = server.hits(TIMELINE);
    expect(asked).toHaveLength(1);
    expect(asked[0]!.query.get("limit")).toBe("40");
    expect(asked[0]!.query.has("min_id")).toBe(false);
  });

  it("reads a tag with letters beyond ASCII (the docs' #Qualitätskatzen)", async () => {
    const s = server.post({ tags: ["Qualitätskatzen"] });
    server.post(); // another tag
    const page = await read({ tag: "qualitätskatzen" });
    expect(ids(page.posts)).toEqual([s.id]);
    expect(page.posts[0]!.tags).toContain("qualitätskatzen");
    expect(server.requests[0]!.path).toBe("/api/v1/timelines/tag/qualit%C3%A4tskatzen");
  });

  it("a new source on an unused tag gets no posts and no cursor", async () => {
    const page = await read();
    expect(page).toEqual({ posts: [], cursor: null, more: false });
  });

  it("catches up from the cursor over several pages with nothing skipped and nothing repeated", async () => {
    const old = server.postMany(5);
    const fresh = server.postMany(100);
    const page = await read({ cursor: old.at(-1)!.id });
    expect(page.posts).toHaveLength(100);
    expect(new Set(ids(page.posts)).size).toBe(100);
    expect(ids(page.posts)).toEqual(idsOf(fresh));
    expect(page.cursor).toBe(fresh.at(-1)!.id);
    expect(page.more).toBe(false);
    // min_id paging: the first page starts at the cursor, the next ones follow rel="prev".
    const minIds = server.hits(TIMELINE).map((r) => r.query.get("min_id"));
    expect(minIds).toEqual([old.at(-1)!.id, fresh[39]!.id, fresh[79]!.id]);

    // Nothing new: no posts, cursor unchanged.
    const again = await read({ cursor: page.cursor });
    expect(again).toEqual({ posts: [], cursor: page.cursor, more: false });

    // Three more: exactly those three.
    const later = server.postMany(3);
    const next = await read({ cursor: page.cursor });
    expect(ids(next.posts)).toEqual(idsOf(later));
    expect(next.cursor).toBe(later.at(-1)!.id);
  });

  it("stops at the page budget, says there is more, and the next run goes on from there", async () => {
    hub.deps.config.socialPageBudget = 2;
    const old = server.post();
    const fresh = server.postMany(100);
    const first = await read({ cursor: old.id });
    expect(first.posts).toHaveLength(80);
    expect(first.more).toBe(true);
    expect(first.cursor).toBe(fresh[79]!.id);
    expect(server.hits(TIMELINE)).toHaveLength(2);

    const second = await read({ cursor: first.cursor });
    expect(second.posts).toHaveLength(20);
    expect(second.more).toBe(false);
    expect(second.cursor).toBe(fresh.at(-1)!.id);
    expect([...ids(first.posts), ...ids(second.posts)].sort()).toEqual(idsOf(fresh));
  });

  it("compares ids as snowflakes, never as numbers", async () => {
    // Three statuses in the same millisecond: their ids differ only in the low
    // sequence bits, and beyond Number.MAX_SAFE_INTEGER they are equal as numbers.
    const fresh = server.postMany(3, { createdAt: new Date("2026-10-02T10:00:00.000Z") });
    expect(Number(fresh[1]!.id) > Number.MAX_SAFE_INTEGER).toBe(true);
    expect(new Set(fresh.map((s) => Number(s.id))).size).toBe(1);
    const page = await read({ cursor: fresh[0]!.id });
    expect(ids(page.posts)).toEqual(idsOf(fresh.slice(1)));
    expect(page.cursor).toBe(fresh[2]!.id);
  });

  it("drops statuses at or below the cursor when a server ignores min_id", async () => {
    const all = server.postMany(6);
    server.override((_req, res, url) => {
      if (url.pathname !== TIMELINE) return false;
      const newest = server.timeline().slice(0, 40);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(newest));
      return true;
    });
    const page = await read({ cursor: all[3]!.id });
    expect(ids(page.posts)).toEqual(idsOf(all.slice(4)));
    expect(page.cursor).toBe(all[5]!.id);
  });

  it('stops when a full page brings nothing new, and says there is more when a full page has no rel="prev"', async () => {
    const all = server.postMany(50);
    let withLink = true;
    server.override((_req, res, url) => {
      if (url.pathname !== TIMELINE) return false;
      const newest = server.timeline().slice(0, 40); // min_id ignored: always the newest page
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (withLink) headers.link = `<${server.url}${TIMELINE}?limit=40&min_id=${newest[0]!.id}>; rel="prev"`;
      res.writeHead(200, headers).end(JSON.stringify(newest));
      return true;
    });
    const stuck = await read({ cursor: all[45]!.id });
    expect(ids(stuck.posts)).toEqual(idsOf(all.slice(46)));
    expect(stuck.more).toBe(false);
    expect(server.hits(TIMELINE)).toHaveLength(2);

    withLink = false;
    const unlinked = await read({ cursor: all[45]!.id });
    expect(ids(unlinked.posts)).toEqual(idsOf(all.slice(46)));
    expect(unlinked.more).toBe(true);
    expect(server.hits(TIMELINE)).toHaveLength(3);
  });

  it("skips reblogs but moves the cursor past them", async () => {
    const original = server.post({ tags: ["elsewhere"] });
    const kept = server.post();
    const reblog = server.post({ reblog: original });
    const page = await read({ cursor: "1" });
    expect(ids(page.posts)).toEqual([kept.id]);
    expect(page.cursor).toBe(reblog.id);
  });

  it("returns an edited status with its edit time when it is read again", async () => {
    const s = server.post({ content: "<p>First draft #t509massive</p>" });
    const before = await read({ cursor: "1" });
    expect(before.posts[0]!.editedAt).toBeNull();
    server.edit(
      s.id,
      '<p>Second draft, now with a link: <a href="https://maya.example.org/week-3">week 3</a> #t509massive</p>',
      new Date("2026-10-20T10:00:00Z"),
    );
    // The poll re-reads a page when a crash kept the old cursor; the edit comes through.
    const after = await read({ cursor: "1" });
    expect(after.posts[0]).toMatchObject({
      remoteId: s.id,
      text: "Second draft, now with a link: week 3 #t509massive",
      links: ["https://maya.example.org/week-3"],
      editedAt: new Date("2026-10-20T10:00:00Z"),
    });
  });
});

describe("normalised posts", () => {
  it("turns the documented example status into a post", async () => {
    const example = mastodonFixture("status.json");
    server.post({ raw: { ...example, tags: [{ name: "t509massive", url: "https://mastodon.social/tags/t509massive" }] } });
    const [post] = (await read()).posts;
    expect(post).toEqual({
      kind: "mastodon",
      externalId: "https://mastodon.social/users/Gargron/statuses/103270115826048975",
      url: "https://mastodon.social/@Gargron/103270115826048975",
      remoteId: "103270115826048975",
      // The documented account's verified profile field (Homepage, verified_at set) is a site it proves.
      author: {
        key: "gargron@127.0.0.1",
        handle: "@Gargron@127.0.0.1",
        name: "Eugen",
        url: "https://mastodon.social/@Gargron",
        sites: ["zeonfederated.com"],
      },
      text: '"I lost my inheritance with one wrong digit on my sort code" https://www.theguardian.com/money/2019/dec/07/i-lost-my-193000-inheritance-with-one-wrong-digit-on-my-sort-code',
      contentWarning: null,
      sensitive: false,
      hide: false,
      tags: ["t509massive"],
      links: ["https://www.theguardian.com/money/2019/dec/07/i-lost-my-193000-inheritance-with-one-wrong-digit-on-my-sort-code"],
      publishedAt: new Date("2019-12-08T03:48:33.901Z"),
      editedAt: null,
    } satisfies SocialPost);
  });

  it("keys local accounts with the instance host and remote ones by their acct", async () => {
    const local = server.post();
    const remote = server.post({ account: "remote" });
    const page = await read();
    const byId = new Map(page.posts.map((p) => [p.remoteId, p]));
    expect(byId.get(local.id)!.author).toEqual({
      key: "gargron@127.0.0.1",
      handle: "@Gargron@127.0.0.1",
      name: "Eugen",
      url: `${server.url}/@Gargron`,
      sites: ["zeonfederated.com"],
    });
    expect(byId.get(remote.id)!.author).toEqual({
      key: "noiob@awoo.space",
      handle: "@noiob@awoo.space",
      name: "ikea shark fan account",
      sites: ["shork.xyz"],
      url: "https://awoo.space/@noiob",
    });
    expect(byId.get(remote.id)!.url).toBe(remote.url);
    expect(byId.get(remote.id)!.externalId).toBe(remote.uri);
  });

  it("keeps a content warning and the sensitive flag, and the text behind the warning", async () => {
    server.post({ spoilerText: "  Exam spoilers ", sensitive: true, content: "<p>The answer to question 2 is 42 #t509massive</p>" });
    const [post] = (await read()).posts;
    expect(post!.contentWarning).toBe("Exam spoilers");
    expect(post!.sensitive).toBe(true);
    expect(post!.hide).toBe(false);
    expect(post!.text).toBe("The answer to question 2 is 42 #t509massive");
  });

  it("turns hostile HTML into harmless text and keeps only real http(s) links", async () => {
    const hostile =
      `<p onclick="steal()">Hello <script>alert("x")</script><style>p{display:none}</style>` +
      `<a href="javascript:alert(1)">click</a> <a href="data:text/html,<b>x</b>">data</a> ` +
      `<a href="/relative/path">rel</a> <a href="https://blog.example.org/post?a=1&amp;b=2" onclick="x()">my post</a> ` +
      `<span class="h-card"><a href="https://other.example/@bob" class="u-url mention">@<span>bob</span></a></span> ` +
      `<a href="${server.url}/tags/t509massive" class="mention hashtag" rel="tag">#<span>t509massive</span></a> ` +
      `<a href="https://x.example/tags/Week3" rel="tag">#Week3</a> #ExtraTag &lt;img src=x onerror=alert(2)&gt;</p>`;
    server.post({
      content: hostile,
      tags: ["t509massive", "Week3"],
      card: { url: "https://blog.example.org/card", title: "Card", type: "link" },
    });
    const [post] = (await read()).posts;
    expect(post!.text).toBe("Hello click data rel my post @bob #t509massive #Week3 #ExtraTag <img src=x onerror=alert(2)>");
    expect(post!.text).not.toMatch(/alert\("x"\)|display:none|steal/);
    expect(post!.links).toEqual(["https://blog.example.org/post?a=1&b=2", "https://blog.example.org/card"]);
    expect(post!.tags.sort()).toEqual(["extratag", "t509massive", "week3"]);
  });

  it("never takes a javascript: URL as the post's link, and skips a status with no usable link", async () => {
    const bad = server.post({ raw: { url: "javascript:alert(1)" } });
    server.post({ raw: { url: "javascript:alert(1)", uri: "tag:evil,2026:1" } });
    const page = await read();
    expect(page.posts).toHaveLength(1);
    expect(page.posts[0]!.url).toBe(bad.uri);
    expect(hub.log.lines.some((l) => l.msg === "mastodon.statuses_skipped" && l.skipped === 1)).toBe(true);
  });
});

describe("rate limits", () => {
  it("stops paging early when few requests remain, and says there is more", async () => {
    const old = server.post();
    server.postMany(120);
    server.rateLimit.remaining = 10; // the first answer says 9 remain
    const page = await read({ cursor: old.id });
    expect(server.hits(TIMELINE)).toHaveLength(1);
    expect(page.posts).toHaveLength(40);
    expect(page.more).toBe(true);
    expect(hub.log.lines.some((l) => l.msg === "mastodon.rate_limit_low" && l.remaining === 9)).toBe(true);
  });

  it("turns 429 into an IngestError whose Retry-After is the rate-limit reset", async () => {
    server.post();
    server.rateLimit.remaining = 0;
    server.rateLimit.reset = new Date("2026-11-01T12:05:00.250Z");
    const err = await readError();
    expect(err.status).toBe(429);
    expect(err.code).toBe("http_error");
    expect(err.message).toMatch(/too many requests/i);
    expect(err.message).toContain("127.0.0.1");
    expect(err.retryAfter).toBe("Sun, 01 Nov 2026 12:05:01 GMT");
    expect(retryAfterDate(err.retryAfter!, hub.clock.now)).toEqual(new Date("2026-11-01T12:05:01Z"));
  });

  it("prefers the server's own Retry-After on 429", async () => {
    server.override((_req, res) => {
      res
        .writeHead(429, { "content-type": "application/json", "retry-after": "120", "x-ratelimit-reset": "2026-11-01T13:00:00.000000Z" })
        .end('{"error":"Too many requests"}');
      return true;
    });
    const err = await readError();
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe("120");
    expect(err.message).toContain("in 120 s");
  });
});

describe("access", () => {
  const TOKEN = "zSecretTokenValue123456789abcdef";

  it("explains that an instance refusing anonymous reads needs an access token", async () => {
    server.auth.required = true;
    const err = await readError();
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/refuses anonymous access to its timelines/);
    expect(err.message).toMatch(/access token is needed/);
    expect(server.hits(TIMELINE)[0]!.authorization).toBeNull();
  });

  it("reads with a token when one is given, sending it as a Bearer token", async () => {
    server.auth.required = true;
    server.auth.tokens.set(TOKEN, "read");
    server.post();
    const page = await read({ accessToken: TOKEN });
    expect(page.posts).toHaveLength(1);
    expect(server.hits(TIMELINE)[0]!.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("says a refused token (401) or one without the read scope (403) must be replaced, without showing it", async () => {
    server.auth.required = true;
    const invalid = await readError({ accessToken: TOKEN });
    expect(invalid.status).toBe(401);
    expect(invalid.message).toMatch(/refused this source's access token/);
    server.auth.tokens.set(TOKEN, "none");
    const scopeless = await readError({ accessToken: TOKEN });
    expect(scopeless.status).toBe(403);
    for (const err of [invalid, scopeless]) {
      expect(err.message).not.toContain(TOKEN);
      expect(err.message).not.toContain(TOKEN.slice(0, 8));
      expect(String(err.stack)).not.toContain(TOKEN);
    }
    expect(JSON.stringify(hub.log.lines)).not.toContain(TOKEN);
  });

  it("never sends the token to another origin a redirect points at", async () => {
    const seen: Array<string | null> = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers.authorization ?? null);
      res.writeHead(200, { "content-type": "application/json" }).end("[]");
    });
    await new Promise<void>((ok) => elsewhere.listen(0, "127.0.0.1", ok));
    const port = (elsewhere.address() as AddressInfo).port;
    server.auth.tokens.set(TOKEN, "read");
    server.override((_req, res, url) => {
      res.writeHead(302, { location: `http://127.0.0.1:${port}${url.pathname}${url.search}` }).end();
      return true;
    });
    try {
      await read({ accessToken: TOKEN });
      expect(server.requests[0]!.authorization).toBe(`Bearer ${TOKEN}`);
      expect(seen).toEqual([null]);
    } finally {
      elsewhere.closeAllConnections();
      await new Promise((ok) => elsewhere.close(ok));
    }
  });

  it("goes through the hub's guarded fetch: its User-Agent, and loopback refused unless allowed", async () => {
    server.post();
    await read();
    expect(server.requests[0]!.userAgent).toMatch(/^Tributary\//);

    hub.deps.config.allowLoopbackFetch = false;
    const before = server.requests.length;
    const err = await readError();
    expect(err.code).toBe("blocked_address");
    expect(server.requests.length).toBe(before);
  });
});

describe("bad answers", () => {
  it("a web page instead of JSON is a clear error", async () => {
    server.override((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end("<!DOCTYPE html><html><body>Welcome to my blog</body></html>");
      return true;
    });
    const err = await readError();
    expect(err.code).toBe("not_a_feed");
    expect(err.message).toMatch(/web page \(HTML\) instead of Mastodon API data/);
  });

  it("JSON that is not a list of statuses is a clear error", async () => {
    server.override((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"hello":"world"}');
      return true;
    });
    const err = await readError();
    expect(err.message).toMatch(/something other than a list of statuses/);
  });

  it("broken JSON is a clear error that does not quote the body", async () => {
    server.override((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('[{"id": "1", "content": "secret stuff');
      return true;
    });
    const err = await readError();
    expect(err.message).toMatch(/not valid JSON/);
    expect(err.message).not.toContain("secret stuff");
  });

  it("a server error is an IngestError with the status", async () => {
    server.override((_req, res) => {
      res.writeHead(500, { "content-type": "text/html" }).end("<h1>We're sorry, but something went wrong.</h1>");
      return true;
    });
    const err = await readError();
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/server error \(HTTP 500\)/);
  });

  it("503 passes its Retry-After on", async () => {
    server.override((_req, res) => {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": "600" }).end("down for maintenance");
      return true;
    });
    const err = await readError();
    expect(err.status).toBe(503);
    expect(err.retryAfter).toBe("600");
  });

  it("an address that is not a Mastodon API (404) says so", async () => {
    server.override((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"Record not found"}');
      return true;
    });
    const err = await readError();
    expect(err.status).toBe(404);
    expect(err.message).toMatch(/no hashtag timeline at this address/);
  });

  it("an enormous page fails clearly instead of filling memory", async () => {
    const big = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ ...server.post(), content: `<p>${"x".repeat(80_000)} ${i}</p>` })));
    expect(big.length).toBeGreaterThan(3 * 1024 * 1024);
    server.override((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(big);
      return true;
    });
    const err = await readError();
    expect(err.code).toBe("too_large");
    expect(err.message).toMatch(/127\.0\.0\.1:\d+ sent more than the hub reads in one answer: The response is larger than/);
  });

  it("an instance address that is not a web address is the person's to fix", async () => {
    const err = await mastodonReader.read(hub.deps, mastodonSource("mastodon.social")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect((err as IngestError).code).toBe("bad_url");
  });
});

describe("recheck", () => {
  it("asks the instance about each status: present, missing (404), or inconclusive", async () => {
    const [a, b, c] = server.postMany(3);
    server.delete(b!.id);
    server.override((_req, res, url) => {
      if (url.pathname !== `/api/v1/statuses/${c!.id}`) return false;
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":"boom"}');
      return true;
    });
    const verdicts = await mastodonReader.recheck(hub.deps, mastodonSource(server.url), [a!.id, b!.id, c!.id]);
    // Present statuses come back normalised (so edits reach the hub), the others as verdicts.
    expect(Object.fromEntries([...verdicts].map(([id, v]) => [id, typeof v === "string" ? v : `post:${v.remoteId}`]))).toEqual({
      [a!.id]: `post:${a!.id}`,
      [b!.id]: "missing",
      [c!.id]: "inconclusive",
    });
  });

  it("uses the source's token and stops asking once rate-limited", async () => {
    const TOKEN = "recheckTokenValue0987654321";
    server.auth.required = true;
    server.auth.tokens.set(TOKEN, "read");
    const statuses = server.postMany(8);
    server.rateLimit.remaining = 2;
    const verdicts = await mastodonReader.recheck(
      hub.deps,
      mastodonSource(server.url, { accessToken: TOKEN }),
      statuses.map((s) => s.id),
    );
    expect([...verdicts.values()].filter((v) => typeof v !== "string")).toHaveLength(2);
    expect([...verdicts.values()].filter((v) => v === "inconclusive")).toHaveLength(6);
    expect(server.hits("/api/v1/statuses/").length).toBeLessThanOrEqual(2 + 3);
    expect(server.hits("/api/v1/statuses/").every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("is inconclusive when the instance cannot be reached, never missing", async () => {
    const [a] = server.postMany(1);
    await server.close();
    const verdicts = await mastodonReader.recheck(hub.deps, mastodonSource(server.url), [a!.id]);
    expect(verdicts.get(a!.id)).toBe("inconclusive");
    server = await startMastodonServer(); // for afterEach
  });

  it("asks a few at a time", async () => {
    const statuses = server.postMany(9);
    let inFlight = 0;
    let most = 0;
    server.override((_req, _res, url) => {
      if (!url.pathname.startsWith("/api/v1/statuses/")) return false;
      inFlight++;
      most = Math.max(most, inFlight);
      return false;
    });
    // Count concurrency by delaying answers a little.
    const original = hub.deps.fetch;
    hub.deps.fetch = async (input, init) => {
      const res = await original(input, init);
      await new Promise((ok) => setTimeout(ok, 20));
      inFlight--;
      return res;
    };
    const verdicts = await mastodonReader.recheck(
      hub.deps,
      mastodonSource(server.url),
      statuses.map((s) => s.id),
    );
    expect([...verdicts.values()].every((v) => typeof v !== "string")).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });
});
