// Webmentions sent by a real sender (@remy/webmention: its endpoint discovery and its sender) to
// the hub running as a process (`tsx src/node.ts`, a real port, a SQLite file). The sources are
// real pages on 127.0.0.1 with h-entries. Covered: discovery on a course page, a guest's tagged post
// joining the Flow, an edit, a post that no longer links and one that is gone, a course blog read at
// once, and bad input (not ours, malformed, a private address and a redirect to one, a flood).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
// The sender's own modules: endpoint discovery (Link header, then <link>/<a rel=webmention>) and the POST.
// @ts-expect-error: plain CommonJS, no types
import discover from "@remy/webmention/shared/lib/endpoint.js";
// @ts-expect-error: plain CommonJS, no types
import sendMention from "@remy/webmention/shared/lib/send/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { Client, setUpCourse } from "../../helpers/hub.js";

type Endpoint = { source: string; endpoint: { url: string; type: string } | null };
const findEndpoint = discover as (url: string) => Promise<Endpoint>;
const send = sendMention as (m: { source: string; target: string; endpoint: { url: string; type: string } }) => Promise<{
  status: number;
  error: string | null;
}>;

let dir: string;
let hub: ChildProcess;
let origin: string;
let client: Client;
let pages: FeedServer;
const logs: Array<Record<string, unknown>> = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as { port: number }).port;
  await new Promise((ok) => server.close(ok));
  return port;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function post(opts: { title: string; links?: string[]; tags?: string[]; author?: string; published?: string }): string {
  const links = (opts.links ?? []).map((l) => `<a href="${l}">the course</a>`).join(" ");
  const tags = (opts.tags ?? []).map((t) => `<a class="p-category" href="/tag/${t}/">${t}</a>`).join(" ");
  return `<!doctype html><html><head><title>${opts.title} | A blog</title></head><body>
<article class="h-entry">
  <h1 class="p-name">${opts.title}</h1>
  <a class="p-author h-card" href="/">${opts.author ?? "Gus Guest"}</a>
  <time class="dt-published" datetime="${opts.published ?? "2026-12-01T10:00:00Z"}">1 December</time>
  <div class="e-content"><p>Reading the week's pieces. ${links}</p></div>
  ${tags}
</article></body></html>`;
}

const flow = async () =>
  (
    (await (await fetch(`${origin}/c/t509/feed.json`)).json()) as {
      items: Array<{ url: string; title: string; authors?: Array<{ name: string }> }>;
    }
  ).items;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tributary-webmention-"));
  pages = await startFeedServer();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  hub = spawn("node_modules/.bin/tsx", ["src/node.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: origin,
      DATABASE_URL: `file:${join(dir, "hub.db")}`,
      ALLOW_LOOPBACK_FETCH: "true",
      POLL_CRON: "0 0 1 1 *",
      PAGE_CACHE_SECONDS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let buffer = "";
  hub.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      try {
        logs.push(JSON.parse(buffer.slice(0, nl)));
      } catch {
        // not a log line
      }
      buffer = buffer.slice(nl + 1);
    }
  });
  await until("the hub to start", async () => logs.some((l) => l.msg === "hub.started"), 30_000);
  client = new Client((req) => fetch(req), origin);
  await setUpCourse(client);
}, 60_000);

afterAll(async () => {
  hub?.kill("SIGTERM");
  await new Promise((ok) => hub?.once("exit", ok));
  await pages?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the Webmention endpoint", () => {
  it("is advertised on course and tag pages, in the Link header and the page", async () => {
    const res = await fetch(`${origin}/c/t509/tags/week1`);
    expect(res.headers.get("link")).toContain(`<${origin}/webmention>; rel="webmention"`);
    expect(await res.text()).toContain(`<link rel="webmention" href="${origin}/webmention">`);
    expect((await fetch(`${origin}/login`)).headers.get("link")).toBeNull();
    // The sender finds it.
    const found = await findEndpoint(`${origin}/c/t509`);
    expect(found.endpoint).toEqual({ url: `${origin}/webmention`, type: "webmention" });
  });

  it("takes a guest's tagged post into the Flow, follows an edit, and removes it when it stops linking or is gone", async () => {
    const target = `${origin}/c/t509`;
    const source = pages.url("/2026/12/reading-week/");
    pages.route("/2026/12/reading-week/", (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(post({ title: "Reading week", links: [target], tags: ["t509massive"] })),
    );
    const { endpoint } = await findEndpoint(target);
    const sent = await send({ source, target, endpoint: endpoint! });
    expect(sent.status).toBe(202);
    const item = await until("the post in the Flow", async () => (await flow()).find((i) => i.url === source));
    expect(item.title).toBe("Reading week");
    expect(item.authors?.[0]?.name).toBe("Gus Guest");

    // The status page says what happened.
    const raw = await fetch(`${origin}/webmention`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ source, target }),
    });
    expect(raw.status).toBe(202);
    const status = raw.headers.get("location")!;
    expect(status).toMatch(new RegExp(`^${origin}/webmention/[A-Za-z0-9_-]{24}$`));
    const statusPage = await until("the second check", async () => {
      const html = await (await fetch(status)).text();
      return html.includes("Accepted") ? html : null;
    });
    expect(statusPage).toContain("The post is in the course");

    // Edited at the source: the same item, its new title.
    pages.route("/2026/12/reading-week/", (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(post({ title: "Reading week (revised)", links: [target], tags: ["t509massive"] })),
    );
    expect((await send({ source, target, endpoint: endpoint! })).status).toBe(202);
    await until("the edit", async () => (await flow()).find((i) => i.url === source && i.title === "Reading week (revised)"));
    expect((await flow()).filter((i) => i.url === source)).toHaveLength(1);

    // The link taken out: the post leaves the course.
    pages.route("/2026/12/reading-week/", (_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(post({ title: "Reading week (revised)", tags: ["t509massive"] })),
    );
    expect((await send({ source, target, endpoint: endpoint! })).status).toBe(202);
    await until("the post to leave", async () => !(await flow()).some((i) => i.url === source));

    // Linked again, it comes back; deleted at the source (404), it leaves for good.
    pages.route("/2026/12/reading-week/", (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html" })
        .end(post({ title: "Reading week, again", links: [target], tags: ["t509massive"] })),
    );
    expect((await send({ source, target, endpoint: endpoint! })).status).toBe(202);
    await until("the post to come back", async () => (await flow()).some((i) => i.url === source));
    pages.route("/2026/12/reading-week/", (_req, res) => res.writeHead(404).end("gone"));
    expect((await send({ source, target, endpoint: endpoint! })).status).toBe(202);
    await until("the post to be removed", async () => !(await flow()).some((i) => i.url === source));
    expect(await (await fetch(status)).text()).toContain("Removed");
  }, 60_000);

  it("leaves out a post without the course tag, and one that does not link to the target", async () => {
    const target = `${origin}/c/t509/spotlight`;
    pages.route("/untagged/", (_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(post({ title: "Untagged", links: [target] })),
    );
    pages.route("/unlinked/", (_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end(post({ title: "Unlinked", tags: ["t509massive"] })),
    );
    const endpoint = { url: `${origin}/webmention`, type: "webmention" };
    for (const path of ["/untagged/", "/unlinked/"]) expect((await send({ source: pages.url(path), target, endpoint })).status).toBe(202);
    await until("both checks", async () => logs.filter((l) => l.msg === "webmention.checked" && l.state === "rejected").length >= 2);
    const reasons = logs.filter((l) => l.msg === "webmention.checked" && l.state === "rejected").map((l) => String(l.reason));
    expect(reasons.some((r) => /carries no category or hashtag #t509massive/.test(r))).toBe(true);
    expect(reasons.some((r) => r.includes(`does not link to ${target}`))).toBe(true);
    expect((await flow()).map((i) => i.title)).not.toContain("Untagged");

    // A course that lets a mention alone be enough takes the untagged post on its next mention.
    const saved = await client.submit("/c/t509/manage/settings", "/c/t509/manage/settings", {
      title: "T509 Massive",
      tags: "#T509Massive",
      mentionsJoin: "yes",
    });
    expect(saved.status).toBe(303);
    expect(await (await client.get("/c/t509/manage/settings")).text()).toMatch(/name="mentionsJoin" value="yes" checked/);
    expect((await send({ source: pages.url("/untagged/"), target, endpoint })).status).toBe(202);
    await until("the untagged post", async () => (await flow()).some((i) => i.title === "Untagged"));
    expect((await flow()).map((i) => i.title)).not.toContain("Unlinked");
  }, 30_000);

  it("reads a course blog's feed at once when the mention comes from it", async () => {
    const blog = await startFeedServer();
    try {
      const target = `${origin}/c/t509`;
      blog.route("/", (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<title>Maya's blog</title>"));
      const feed = (titles: string[]) =>
        `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>${blog.url("/")}</link>${titles
          .map(
            (t, i) =>
              `<item><title>${t}</title><link>${blog.url(`/p/${i}/`)}</link><pubDate>${new Date(Date.UTC(2026, 11, 1 + i)).toUTCString()}</pubDate><category>t509massive</category></item>`,
          )
          .join("")}</channel></rss>`;
      blog.feed("/feed.xml", feed(["Maya one"]));
      const added = await client.submit("/c/t509/manage", "/c/t509/manage/sources", { url: blog.url("/feed.xml"), filter: "tagged" });
      expect(added.status).toBe(303);
      await until("the blog's first read", async () => logs.some((l) => l.msg === "poll.done"));
      const reads = blog.hits("/feed.xml");
      blog.feed("/feed.xml", feed(["Maya one", "Maya two"]));
      blog.route("/p/1/", (_req, res) =>
        res.writeHead(200, { "content-type": "text/html" }).end(post({ title: "Maya two", links: [target], tags: ["t509massive"] })),
      );
      expect(
        (await send({ source: blog.url("/p/1/"), target, endpoint: { url: `${origin}/webmention`, type: "webmention" } })).status,
      ).toBe(202);
      await until("the blog's post", async () => (await flow()).some((i) => i.title === "Maya two"));
      expect(blog.hits("/feed.xml")).toBe(reads + 1);
    } finally {
      await blog.close();
    }
  }, 30_000);

  it("refuses what is not a mention of ours, and never fetches a private address", async () => {
    const mention = (fields: Record<string, string>, type = "application/x-www-form-urlencoded") =>
      fetch(`${origin}/webmention`, { method: "POST", headers: { "content-type": type }, body: new URLSearchParams(fields) });
    const src = pages.url("/untagged/");
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ source: src, target: "https://elsewhere.example/c/t509" }, /not a course or tag page of this hub/],
      [{ source: src, target: `${origin}/login` }, /not a course or tag page/],
      [{ source: src, target: `${origin}/c/no-such-course` }, /names no course/],
      [{ target: `${origin}/c/t509` }, /source parameter is missing/],
      [{ source: "javascript:alert(1)", target: `${origin}/c/t509` }, /must be an http or https address/],
      [{ source: `${origin}/c/t509/blog`, target: `${origin}/c/t509` }, /page of this hub/],
      [{ source: `https://x.example/${"a".repeat(3000)}`, target: `${origin}/c/t509` }, /longer than/],
    ];
    for (const [fields, why] of bad) {
      const res = await mention(fields);
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(400);
      expect(await res.text()).toMatch(why);
    }
    expect((await mention({ source: src, target: `${origin}/c/t509` }, "application/json")).status).toBe(400);
    const broken = await fetch(`${origin}/webmention`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "source=%E0%A4%A&target=%",
    });
    expect(broken.status).toBe(400);

    // A private address, directly or by a redirect: taken (202), then refused on checking, with nothing fetched there.
    pages.route("/redirects/", (_req, res) => res.writeHead(302, { location: "http://10.0.0.7/internal" }).end());
    for (const source of ["http://10.0.0.7/internal", "http://169.254.169.254/latest/meta-data/", pages.url("/redirects/")]) {
      const res = await mention({ source, target: `${origin}/c/t509` });
      expect(res.status).toBe(202);
      const status = res.headers.get("location")!;
      const html = await until("the refusal", async () => {
        const page = await (await fetch(status)).text();
        return page.includes("Not taken") ? page : null;
      });
      expect(html).toMatch(/private|local|reserved/i);
    }
  }, 30_000);

  it("limits a flood from one site", async () => {
    const flood = await startFeedServer();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++) {
        const res = await fetch(`${origin}/webmention`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ source: flood.url(`/p/${i}`), target: `${origin}/c/t509` }),
        });
        statuses.push(res.status);
        if (res.status === 429) expect(res.headers.get("retry-after")).toBe("3600");
      }
      expect(statuses.filter((s) => s === 202)).toHaveLength(30);
      expect(statuses.slice(30)).toEqual([429, 429]);
      // The hub goes on answering everyone else.
      expect((await fetch(`${origin}/c/t509`)).status).toBe(200);
    } finally {
      await flood.close();
    }
  }, 30_000);
});
