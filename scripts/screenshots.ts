// `npm run screenshots`: pictures of the main pages for the README, taken in
// headless Chromium (Debian's `chromium` package; CHROMIUM_PATH overrides)
// from the demo hub and from an empty hub's setup page. Only 127.0.0.1.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startNodeHub } from "../src/node.js";

const out = "docs/screenshots";
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), "tributary-shots-"));
const quiet = () => {};

// The demo hub, for the Flow and the management page.
const demo = spawn("node_modules/.bin/tsx", ["demo/demo.ts"], {
  env: { ...process.env, PORT: "0", DEMO_DATABASE_URL: `file:${join(dir, "demo.db")}` },
  stdio: ["ignore", "pipe", "inherit"],
});
let banner = "";
demo.stdout.on("data", (c: Buffer) => (banner += c.toString()));
const ready = await new Promise<{ flow: string; password: string; base: string }>((ok, fail) => {
  const t = setInterval(() => {
    const flow = /Flow:\s+(\S+)/.exec(banner)?.[1];
    const password = /Password:\s+(\S+)/.exec(banner)?.[1];
    if (flow && password && /Items:/.test(banner)) {
      clearInterval(t);
      ok({ flow, password, base: new URL(flow).origin });
    }
  }, 50);
  setTimeout(() => fail(new Error("demo did not start")), 30_000);
});
// An empty hub, for the first-run page.
const empty = await startNodeHub({ PORT: "0", DATABASE_URL: `file:${join(dir, "empty.db")}` }, quiet);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${empty.url}/setup`);
  await page.screenshot({ path: `${out}/setup.png` });

  await page.goto(ready.flow);
  await page.screenshot({ path: `${out}/flow.png` });
  for (const [name, path] of [
    ["blog", "/blog"],
    ["spotlight", "/spotlight"],
    ["people", "/people"],
    ["search", "/search?q=network"],
  ] as const) {
    await page.goto(ready.flow + path);
    await page.screenshot({ path: `${out}/${name}.png` });
  }

  await page.goto(`${ready.base}/login?next=/c/t509-demo/manage`);
  await page.fill("#f-email", "demo@example.org");
  await page.fill("#f-password", ready.password);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/manage$/);
  await page.screenshot({ path: `${out}/manage.png` });

  // The demo learner's personal learning system: her public portfolio (as anyone sees it), then
  // signed in as her, her dashboard, portfolio and sharing pages.
  const visitor = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await visitor.goto(`${ready.base}/people/2/portfolio`);
  await visitor.screenshot({ path: `${out}/portfolio-public.png` });
  const learner = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  await learner.goto(`${ready.base}/login?next=/pls`);
  await learner.fill("#f-email", "maya@example.org");
  await learner.fill("#f-password", ready.password);
  await learner.click("button[type=submit]");
  await learner.waitForURL(/\/pls$/);
  await learner.screenshot({ path: `${out}/pls-dashboard.png` });
  for (const [name, path] of [
    ["pls-portfolio", "/pls/portfolio"],
    ["pls-sharing", "/pls/sharing"],
  ] as const) {
    await learner.goto(ready.base + path);
    await learner.screenshot({ path: `${out}/${name}.png` });
  }

  // On a 390 px phone: the Flow as anyone sees it, the instructor's Manage page with a failed
  // Add blog (the error summary first), a confirmation step, and the learner's Sharing page.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await phone.goto(ready.flow);
  await phone.screenshot({ path: `${out}/flow-phone.png` });
  const instructorPhone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await instructorPhone.goto(`${ready.base}/login?next=/c/t509-demo/manage`);
  await instructorPhone.fill("#f-email", "demo@example.org");
  await instructorPhone.fill("#f-password", ready.password);
  await instructorPhone.click("main button[type=submit]");
  await instructorPhone.waitForURL(/\/manage$/);
  await instructorPhone.screenshot({ path: `${out}/manage-phone.png` });
  await instructorPhone.fill('form[action$="/manage/sources"] [name="url"]', "not a web address");
  await Promise.all([
    instructorPhone.waitForLoadState("load"),
    instructorPhone.click('form[action$="/manage/sources"] button[type=submit]'),
  ]);
  await instructorPhone.screenshot({ path: `${out}/error-phone.png` });
  await instructorPhone.goto(`${ready.base}/c/t509-demo/manage`);
  await Promise.all([instructorPhone.waitForLoadState("load"), instructorPhone.locator('form[action$="/remove"] button').first().click()]);
  await instructorPhone.screenshot({ path: `${out}/confirm-phone.png` });
  await learner.setViewportSize({ width: 390, height: 844 });
  await learner.goto(`${ready.base}/pls/sharing`);
  await learner.screenshot({ path: `${out}/pls-sharing-phone.png` });
  console.log(`screenshots written to ${out}/`);
} finally {
  await browser.close();
  await empty.stop();
  demo.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
