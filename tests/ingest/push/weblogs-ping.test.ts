// XML-RPC weblogs pings (weblogUpdates.ping / extendedPing), as WordPress's Update Services send
// them, to the hub on a real port: a known blog is read at once (at most once a minute however
// often it pings), an unknown one changes nothing, and a malformed call gets an XML-RPC fault.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { jsonLog } from "../../../src/core/log.js";
import { sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { type NodeHub, startNodeHub } from "../../../src/node.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";

let dir: string;
let node: NodeHub;
let blog: FeedServer;
let titles: string[] = ["First"];

const rss = () =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Maya</title><link>${blog.url("/")}</link>${titles
    .map(
      (t, i) =>
        `<item><title>${t}</title><link>${blog.url(`/p/${i}/`)}</link><pubDate>${new Date(Date.UTC(2026, 11, 1 + i)).toUTCString()}</pubDate><category>t509massive</category></item>`,
    )
    .join("")}</channel></rss>`;

/** What WordPress's wp-includes/comment.php (weblog_ping) sends: the blog's name and home, then for extendedPing its feed. */
const call = (method: string, params: string[]) =>
  `<?xml version="1.0"?>\n<methodCall><methodName>${method}</methodName><params>${params
    .map((p) => `<param><value><string>${p}</string></value></param>`)
    .join("")}</params></methodCall>`;

const ping = (body: string) =>
  fetch(`${node.url}/xmlrpc`, {
    method: "POST",
    headers: { "content-type": "text/xml", "user-agent": "The Incutio XML-RPC PHP Library -- WordPress/6.7" },
    body,
  });

async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tributary-ping-"));
  blog = await startFeedServer();
  blog.route("/feed/", (_req, res) => res.writeHead(200, { "content-type": "application/rss+xml" }).end(rss()));
  node = await startNodeHub(
    { PORT: "0", HOST: "127.0.0.1", DATABASE_URL: `file:${join(dir, "hub.db")}`, ALLOW_LOOPBACK_FETCH: "true", POLL_CRON: "0 0 1 1 *" },
    jsonLog(() => {}),
  );
  const { db } = node.deps;
  const admin = await createFirstAdmin(db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  const course = await createCourse(
    db,
    { title: "T509", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  await addFeedSource(db, course.id, { url: blog.url("/feed/"), filter: "tagged" }, null, node.deps.now());
  await pollDueSources(node.deps);
});
afterAll(async () => {
  await node?.stop();
  await blog?.close();
  rmSync(dir, { recursive: true, force: true });
});

const flowTitles = async () =>
  ((await (await fetch(`${node.url}/c/t509/feed.json`)).json()) as { items: Array<{ title: string }> }).items.map((i) => i.title);

describe("weblogs pings", () => {
  it("reads a known blog at once, and only once a minute however often it pings", async () => {
    // The first read (in beforeAll) was moments ago: as if it were two minutes ago.
    await node.deps.db.update(sources).set({ lastPolledAt: new Date(Date.now() - 120_000) });
    const reads = blog.hits("/feed/");
    titles = ["First", "Second"];
    const res = await ping(call("weblogUpdates.ping", ["Maya's blog", blog.url("/")]));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/xml/);
    const xml = await res.text();
    expect(xml).toContain("<name>flerror</name><value><boolean>0</boolean></value>");
    expect(xml).toContain("being read now");
    await until("the new post", async () => (await flowTitles()).includes("Second"));
    expect(blog.hits("/feed/")).toBe(reads + 1);
    // Pinged again at once (WordPress pings on every edit): no second read within the minute.
    const again = await (
      await ping(call("weblogUpdates.extendedPing", ["Maya's blog", blog.url("/"), blog.url("/"), blog.url("/feed/")]))
    ).text();
    expect(again).toContain("read moments ago");
    await new Promise((r) => setTimeout(r, 200));
    expect(blog.hits("/feed/")).toBe(reads + 1);
  });

  it("does nothing for a site it does not read, and answers a malformed call with a fault", async () => {
    const reads = blog.hits("/feed/");
    const unknown = await (await ping(call("weblogUpdates.ping", ["Elsewhere", "https://elsewhere.example/"]))).text();
    expect(unknown).toContain("<boolean>0</boolean>");
    expect(unknown).toContain("does not read that site");
    for (const [body, code] of [
      ["not xml at all", -32700],
      [call("system.listMethods", []), -32601],
      [call("weblogUpdates.ping", ["No address"]), -32602],
      [call("weblogUpdates.ping", ["Local", "javascript:alert(1)"]), -32602],
    ] as const) {
      const res = await ping(body);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`<name>faultCode</name><value><int>${code}</int></value>`);
    }
    expect((await ping(call("weblogUpdates.ping", ["x".repeat(70_000), blog.url("/")]))).status).toBe(413);
    expect((await fetch(`${node.url}/xmlrpc`)).status).toBe(405);
    // A title with markup in the call is escaped in the answer, never echoed raw.
    expect(await (await ping(call("<script>x</script>", []))).text()).not.toContain("<script>");
    expect(blog.hits("/feed/")).toBe(reads);
  });
});
