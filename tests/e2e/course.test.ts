// End to end in a real browser (playwright-core driving Debian's chromium) on
// the real Node hub: first-run setup → a course → a learner signs up, joins
// with the code and registers her blog → the instructor approves it (which
// reads it) → the post is in the Flow and the Blog hub → the instructor
// spotlights it with a note → it is in the Spotlight and its Atom feed. A post
// with a hostile title runs no script anywhere. Without chromium this file is
// skipped with a message, except under CI (.ci/run installs it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type NodeHub, startNodeHub } from "../../src/node.js";
import { launchChromium, newPage as openPage, skipWithoutChromium } from "../helpers/browser.js";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";

const skip = skipWithoutChromium("the browser tests");

const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script> Week 2`;

function blogFeed(base: string): string {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Maya learns in the open</title><link>${base}/</link><description>Maya's blog</description>
<item><title>Week 1: learning in the open</title><link>${base}/2026/11/week-1/</link><guid>${base}/?p=1</guid>
<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><category>t509massive</category>
<description>&lt;p&gt;Networks are made of people. &lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>${esc(HOSTILE)}</title><link>${base}/2026/11/week-2/</link><guid>${base}/?p=2</guid>
<pubDate>Mon, 09 Nov 2026 10:00:00 GMT</pubDate><category>t509massive</category><description>Second week.</description></item>
</channel></rss>`;
}

describe.skipIf(skip)("a course, end to end in Chromium", () => {
  let dir: string;
  let blog: FeedServer;
  let hub: NodeHub;
  let browser: Browser;
  const dialogs: string[] = [];

  const newPage = () => openPage(browser, dialogs);

  async function submit(page: Page, action: string, fields: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(fields)) await page.fill(`form[action="${action}"] [name="${name}"]`, value);
    await Promise.all([page.waitForLoadState("load"), page.click(`form[action="${action}"] button[type=submit]`)]);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tributary-e2e-"));
    blog = await startFeedServer();
    const base = blog.url("").replace(/\/$/, "");
    blog.route("/", (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(`<!doctype html><title>Maya</title><link rel="alternate" type="application/rss+xml" href="/feed.xml"><h1>Maya</h1>`),
    );
    blog.feed("/feed.xml", blogFeed(base));
    hub = await startNodeHub(
      {
        PORT: "0",
        DATABASE_URL: `file:${join(dir, "hub.db")}`,
        ALLOW_LOOPBACK_FETCH: "true",
        POLL_CRON: "0 0 1 1 *",
        PAGE_CACHE_SECONDS: "0",
      },
      () => {},
    );
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await blog?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("setup → course → learner joins and registers her blog → approved and read → Flow and Blog → Spotlight with a note → Atom", async () => {
    const ida = await newPage();
    await ida.goto(`${hub.url}/`);
    expect(ida.url()).toMatch(/\/setup$/);
    await submit(ida, "/setup", { displayName: "Ida Instructor", email: "ida@example.org", password: "correct horse battery" });
    expect(ida.url()).toMatch(/\/courses\/new$/);
    await submit(ida, "/courses", { title: "T509 Massive", slug: "t509", tags: "#t509massive" });
    expect(ida.url()).toMatch(/\/c\/t509\/manage$/);

    await ida.goto(`${hub.url}/c/t509/manage/people`);
    await Promise.all([ida.waitForLoadState("load"), ida.click(`form[action="/c/t509/manage/people/join-code"] button[type=submit]`)]);
    const code = (await ida.locator("strong code").first().textContent())!.trim();
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);

    const maya = await newPage();
    await maya.goto(`${hub.url}/signup`);
    await submit(maya, "/signup", { displayName: "Maya Learner", email: "maya@example.org", password: "another good passphrase" });
    await maya.goto(`${hub.url}/join`);
    await submit(maya, "/join", { code: code.toLowerCase() });
    await maya.goto(`${hub.url}/c/t509/my-sources`);
    await submit(maya, "/c/t509/my-sources", { url: blog.url("/") });
    expect(await maya.textContent("main")).toMatch(/waiting|pending|approv/i);

    await ida.goto(`${hub.url}/c/t509/manage`);
    const approve = ida.locator(`form[action$="/approve"] button[type=submit]`).first();
    await Promise.all([ida.waitForLoadState("load"), approve.click()]);

    await maya.goto(`${hub.url}/c/t509`);
    await expect
      .poll(
        async () => {
          await maya.reload();
          return maya.textContent("main");
        },
        { timeout: 10_000 },
      )
      .toContain("Week 1: learning in the open");
    expect(await maya.textContent("main")).toContain("Maya Learner");
    await maya.goto(`${hub.url}/c/t509/blog`);
    expect(await maya.textContent("main")).toContain("Week 1: learning in the open");

    // The hostile title was reduced to its text at ingest (RSS titles are HTML), is escaped
    // on the way out, and runs nothing, here or on any page.
    expect(await maya.textContent("main")).toContain("Week 2");
    expect(await maya.content()).not.toMatch(/<script>window\.__pwned|<img src="?x"? onerror/);
    expect(await maya.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

    await ida.goto(`${hub.url}/c/t509`);
    const article = ida.locator("article", { hasText: "Week 1: learning in the open" });
    await article.locator("details.spot-add summary").click();
    await article.locator('textarea[name="note"]').fill("A clear first post: the network is the people.");
    await Promise.all([ida.waitForLoadState("load"), article.locator('form[action$="/manage/spotlight"] button[type=submit]').click()]);

    const visitor = await newPage();
    await visitor.goto(`${hub.url}/c/t509/spotlight`);
    const spot = await visitor.textContent("main");
    expect(spot).toContain("Week 1: learning in the open");
    expect(spot).toContain("A clear first post: the network is the people.");
    const atom = await (await fetch(`${hub.url}/c/t509/spotlight/feed.atom`)).text();
    expect(atom).toContain('<title type="text">Week 1: learning in the open</title>');
    expect(atom).toContain("A clear first post: the network is the people.");
    for (const path of ["/c/t509", "/c/t509/blog", "/c/t509/people", "/c/t509/search?q=week"]) {
      await visitor.goto(`${hub.url}${path}`);
      expect(await visitor.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), path).toBeUndefined();
    }
    expect(dialogs).toEqual([]);
  }, 90_000);
});
