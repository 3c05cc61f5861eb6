// The personal learning system end to end in a real browser (playwright-core driving Debian's
// chromium) on the real Node hub: a learner whose blog post the hub has read builds a plan (an
// objective and a step), adds her post to her portfolio and links it to the objective, shares plan
// and portfolio with her coach through a grant, the coach opens the secret link (and sees what the
// grant allows, not her private objective), and the learner revokes it: the coach's next visit is
// refused, and the learner sees the coach's visit in the access log.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { memberships, sources } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { type NodeHub, startNodeHub } from "../../src/node.js";
import { launchChromium, newPage as openPage, skipWithoutChromium } from "../helpers/browser.js";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";

const skip = skipWithoutChromium("the PLS browser test");

const PASSWORD = "correct horse battery";
const POST_TITLE = "Charts that tell a story";

function blogFeed(base: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Maya learns in the open</title><link>${base}/</link><description>Maya's blog</description>
<item><title>${POST_TITLE}</title><link>${base}/2026/11/charts/</link><guid>${base}/?p=7</guid>
<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate><category>t509massive</category>
<description>Three charts, and what each one hides.</description></item>
</channel></rss>`;
}

describe.skipIf(skip)("a learner's plan, portfolio and sharing, end to end in Chromium", () => {
  let dir: string;
  let blog: FeedServer;
  let hub: NodeHub;
  let browser: Browser;
  const dialogs: string[] = [];

  const newPage = () => openPage(browser, dialogs);

  /** Clicks a form's submit button and waits for the page it leads to. */
  async function send(page: Page, form: string): Promise<void> {
    await Promise.all([page.waitForLoadState("load"), page.click(`${form} button[type=submit]`)]);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tributary-e2e-pls-"));
    blog = await startFeedServer();
    blog.feed("/feed.xml", blogFeed(blog.url("").replace(/\/$/, "")));
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
    // The course side is the hub's own end-to-end test; here it is set up directly: Ida's course,
    // Maya a learner in it with her blog approved, read once.
    const { db } = hub.deps;
    const ida = (await createPerson(db, { email: "ida@example.org", displayName: "Ida Instructor", password: PASSWORD }))!;
    const course = await createCourse(
      db,
      { title: "T509 Massive", slug: "t509", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      ida,
    );
    const maya = (await createPerson(db, { email: "maya@example.org", displayName: "Maya Learner", password: PASSWORD }))!;
    await db.insert(memberships).values({ courseId: course.id, personId: maya.id, role: "learner" });
    const now = hub.deps.now();
    await db.insert(sources).values({
      courseId: course.id,
      kind: "feed",
      url: blog.url("/feed.xml"),
      status: "active",
      ownerId: maya.id,
      nextPollAt: now,
      createdAt: now,
    });
    expect(await hub.pollNow()).toBe("ran");
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await blog?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("builds a plan, links a post, shares it with a grant and revokes it", async () => {
    const maya = await newPage();
    await maya.goto(`${hub.url}/login`);
    await maya.fill('form[action^="/login"] [name="email"]', "maya@example.org");
    await maya.fill('form[action^="/login"] [name="password"]', PASSWORD);
    await send(maya, 'form[action^="/login"]');

    // A plan: one objective shared with grant holders, one kept private, and a step.
    const objectiveForm = 'form[action="/pls/objectives"]';
    await maya.goto(`${hub.url}/pls`);
    await maya.fill(`${objectiveForm} [name="title"]`, "Tell stories with data");
    await maya.fill(`${objectiveForm} [name="why"]`, "My project needs charts people understand.");
    await maya.selectOption(`${objectiveForm} [name="status"]`, "active");
    await maya.check(`${objectiveForm} [name="visibility"][value="grant"]`);
    await send(maya, objectiveForm);
    await maya.goto(`${hub.url}/pls`);
    await maya.fill(`${objectiveForm} [name="title"]`, "A private worry");
    await send(maya, objectiveForm);
    await maya.goto(`${hub.url}/pls`);
    await Promise.all([maya.waitForLoadState("load"), maya.getByRole("link", { name: "Tell stories with data" }).first().click()]);
    expect(maya.url()).toMatch(/\/pls\/objectives\/\d+$/);
    const stepForm = 'form[action$="/steps"]';
    await maya.fill(`${stepForm} [name="title"]`, "Redraw one chart three ways");
    await send(maya, stepForm);
    await expect(maya.locator("#steps").textContent()).resolves.toContain("Redraw one chart three ways");

    // The portfolio: her post (read from her blog by the hub), added and linked to the objective,
    // made visible to grant holders.
    await maya.goto(`${hub.url}/pls/portfolio`);
    const add = maya.locator('form[action^="/pls/portfolio/items/"]').filter({ hasText: POST_TITLE });
    await Promise.all([maya.waitForLoadState("load"), add.locator("button[type=submit]").click()]);
    await maya.goto(`${hub.url}/pls/portfolio`);
    const linkForm = 'form[action$="/link"]';
    const objectiveValue = await maya
      .locator(`${linkForm} [name="objectiveId"] option`)
      .filter({ hasText: "Tell stories with data" })
      .getAttribute("value");
    await maya.selectOption(`${linkForm} [name="objectiveId"]`, objectiveValue!);
    await send(maya, linkForm);
    await maya.goto(`${hub.url}/pls/portfolio`);
    const editForm = 'form[action^="/pls/portfolio/entries/"]:not([action$="/link"]):not([action$="/unlink"]):not([action$="/delete"])';
    await maya.locator("details summary").first().click();
    await maya.fill(`${editForm} [name="reflection"]`, "Drawing the same data three ways showed me what each chart hides.");
    // Each choice is a radio button with its own label: the person clicks the words.
    await maya.locator(editForm).getByLabel("People you share with", { exact: true }).check();
    await send(maya, editForm);
    const portfolio = (await maya.locator("main").textContent())!;
    expect(portfolio).toContain(POST_TITLE);
    expect(portfolio).toContain("Tell stories with data");

    // On the hub, her post now points to the portfolio entry it is in (she may see it).
    await maya.goto(`${hub.url}/c/t509`);
    await expect(maya.locator("a.portfolio-link").count()).resolves.toBe(1);

    // Sharing: a grant for her coach to read plan and portfolio; the secret link is shown once.
    const grantForm = 'form[action="/pls/sharing"]';
    await maya.goto(`${hub.url}/pls/sharing`);
    await maya.fill(`${grantForm} [name="audience"]`, "Ms Rivera, my coach");
    await maya.selectOption(`${grantForm} [name="audienceKind"]`, "coach");
    await maya.check(`${grantForm} [name="scopes"][value="plan:read"]`);
    await maya.check(`${grantForm} [name="scopes"][value="portfolio:read"]`);
    await send(maya, grantForm);
    const shown = await maya.inputValue("#secret-link");
    expect(shown).toMatch(/\/share\/trl_[\w-]{43}$/);
    // The link is written with the hub's PUBLIC_URL; this hub listens on a random port.
    const link = hub.url + new URL(shown).pathname;

    // The coach, with no account, opens the link.
    const coach = await newPage();
    const shared = await coach.goto(link);
    expect(shared!.status()).toBe(200);
    const sharedText = (await coach.locator("main").textContent())!;
    expect(sharedText).toContain("Tell stories with data");
    expect(sharedText).toContain("Redraw one chart three ways");
    expect(sharedText).toContain(POST_TITLE);
    expect(sharedText).toContain("what each chart hides");
    expect(sharedText).not.toContain("A private worry");
    const postHref = await coach.getByRole("link", { name: POST_TITLE }).first().getAttribute("href");
    expect(postHref).toBe(blog.url("/2026/11/charts/"));

    // The learner sees the visit in the access log, then revokes the grant.
    await maya.goto(`${hub.url}/pls/sharing`);
    expect(await maya.locator("main").textContent()).toContain("viewed the shared page");
    await send(maya, 'form[action$="/revoke"]');
    // Revoking asks first, on a page of its own (no script), and only the second button revokes.
    expect(await maya.locator("h1").textContent()).toBe("Revoke the grant for Ms Rivera, my coach?");
    expect((await coach.goto(link))!.status()).toBe(200);
    await send(maya, "form.confirm-actions");

    // The coach's very next visit is refused, and shows nothing of the plan.
    const again = await coach.goto(link);
    expect(again!.status()).toBe(410);
    const refused = (await coach.locator("main").textContent())!;
    expect(refused).toMatch(/withdrawn/i);
    expect(refused).not.toContain("Tell stories with data");
    expect(dialogs).toEqual([]);
  }, 60_000);
});
