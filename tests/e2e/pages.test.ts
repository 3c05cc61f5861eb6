// Every main page, as people see it, in a real Chromium on the demo hub (its real feeds, course,
// learner and plan): on a 390 px phone no page scrolls sideways and the header stays compact;
// axe finds 0 violations and the Nu HTML Checker 0 errors; after a failed submit the error
// summary is inside the first viewport, on a phone and on a desktop. Without chromium (or Java,
// for the Nu checker) this file is skipped with a message, except under CI, where both are installed.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, skipWithoutChromium } from "../helpers/browser.js";

const skip = skipWithoutChromium("the page checks (phone width, axe, Nu)");
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const VNU = require.resolve("vnu-jar/build/dist/vnu.jar");
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const C = "/c/t509-demo";

type Who = "visitor" | "instructor" | "learner";
const EMAIL: Record<Exclude<Who, "visitor">, string> = { instructor: "demo@example.org", learner: "maya@example.org" };

/** The pages checked, by who sees them. `:objective` is found on the learner's plan. */
const PAGES: [Who, string][] = [
  ["visitor", "/"],
  ["visitor", C],
  ["visitor", `${C}/blog`],
  ["visitor", `${C}/social`],
  ["visitor", `${C}/spotlight`],
  ["visitor", `${C}/people`],
  ["visitor", `${C}/search?q=network`],
  ["visitor", `${C}/tags/t509massive`],
  ["visitor", "/login"],
  ["visitor", "/signup"],
  ["visitor", "/people/2/portfolio"],
  ["instructor", `${C}/manage`],
  ["instructor", `${C}/manage/people`],
  ["instructor", `${C}/manage/settings`],
  ["instructor", `${C}/manage/hidden`],
  ["instructor", `${C}/manage/templates`],
  ["instructor", "/courses/new"],
  ["instructor", "/account"],
  ["instructor", "/join"],
  ["learner", C],
  ["learner", `${C}/my-sources`],
  ["learner", `${C}/network`],
  ["learner", `${C}/people/2`],
  ["learner", "/me"],
  ["learner", "/pls"],
  ["learner", "/pls/objectives/:objective"],
  ["learner", "/pls/portfolio"],
  ["learner", "/pls/focus"],
  ["learner", "/pls/history"],
  ["learner", "/pls/sharing"],
  ["learner", "/pls/suggestions"],
  ["learner", "/pls/backpack"],
  ["learner", "/pls/follows"],
  ["learner", "/pls/home"],
  ["learner", "/pls/delete"],
];

function hasJava(): boolean {
  return existsSync("/usr/bin/java") || (process.env.PATH ?? "").split(":").some((d) => existsSync(join(d, "java")));
}
const ci = !!process.env.CI && process.env.CI !== "0" && process.env.CI !== "false";
const skipNu = !hasJava() && !ci;
if (skipNu && !skip) console.warn("[e2e] SKIPPED the Nu HTML check: no java (apt-get install -y default-jre-headless). Under CI it runs.");

/** Starts `npm run demo`'s hub on a free port with a throwaway database; resolves with its address and password. */
function startDemo(dbFile: string): Promise<{ proc: ChildProcess; base: string; password: string }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "demo/demo.ts"], {
    env: { ...process.env, PORT: "0", DEMO_DATABASE_URL: `file:${dbFile}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let banner = "";
  proc.stdout!.on("data", (c: Buffer) => (banner += c.toString()));
  proc.stderr!.on("data", () => {});
  return new Promise((ok, fail) => {
    const timer = setInterval(() => {
      const flow = /Flow:\s+(\S+)/.exec(banner)?.[1];
      const password = /Password:\s+(\S+)/.exec(banner)?.[1];
      if (flow && password && /Items:/.test(banner)) {
        clearInterval(timer);
        ok({ proc, base: new URL(flow).origin, password });
      }
    }, 50);
    proc.once("exit", (code) => {
      clearInterval(timer);
      fail(new Error(`the demo exited (${code}) before it was ready:\n${banner}`));
    });
  });
}

interface Axe {
  run(context: Document, options: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
}

async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP (no script) does not govern.
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: Axe }).axe
      .run(document, { resultTypes: ["violations"] })
      .then((r) => r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)),
  );
  return result;
}

describe.skipIf(skip)("the main pages in Chromium", () => {
  let dir: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  const pages = new Map<Who, Page>();
  const ids = { objective: "" };
  /** Each page's HTML as the hub sent it, for the Nu checker. */
  const sent = new Map<string, string>();

  async function signedIn(who: Who, viewport = PHONE): Promise<Page> {
    const page = await (await browser.newContext({ viewport })).newPage();
    if (who !== "visitor") {
      await page.goto(`${demo.base}/login`);
      await page.fill("#f-email", EMAIL[who]);
      await page.fill("#f-password", demo.password);
      await Promise.all([page.waitForLoadState("load"), page.click("main button[type=submit]")]);
    }
    return page;
  }

  const path = (p: string) => p.replace(":objective", ids.objective);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tributary-e2e-pages-"));
    [demo, browser] = await Promise.all([startDemo(join(dir, "demo.db")), launchChromium()]);
    for (const who of ["visitor", "instructor", "learner"] as const) pages.set(who, await signedIn(who));
    const learner = pages.get("learner")!;
    await learner.goto(`${demo.base}/pls`);
    ids.objective =
      /\/pls\/objectives\/(\d+)/.exec((await learner.locator('a[href^="/pls/objectives/"]').first().getAttribute("href")) ?? "")?.[1] ?? "";
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    demo?.proc.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("found the demo learner's objective to check its page", () => {
    expect(ids.objective).toMatch(/^\d+$/);
  });

  it.each(PAGES)("%s: %s fits a 390 px phone, with a compact header and 0 axe violations", async (who, p) => {
    const page = pages.get(who)!;
    const res = await page.goto(demo.base + path(p));
    expect(res!.status()).toBe(200);
    sent.set(`${who} ${p}`, await res!.text());
    const m = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      header: document.querySelector("header.site")!.getBoundingClientRect().height,
      // Anything drawn past the right edge (clipped buttons, a long address) even inside a scrolling box.
      past: [...document.querySelectorAll("main *")]
        .filter((e) => {
          const r = e.getBoundingClientRect();
          return r.width > 0 && r.right > window.innerWidth + 1 && !e.closest("thead");
        })
        .slice(0, 3)
        .map((e) => `${e.tagName.toLowerCase()}${e.className ? `.${e.className}` : ""}`),
    }));
    expect(m.past, "drawn past the screen's edge").toEqual([]);
    expect(m.scrollWidth, "the page scrolls sideways").toBeLessThanOrEqual(m.innerWidth);
    expect(m.header, "the header's height in px").toBeLessThanOrEqual(110);
    expect(await axeViolations(page)).toEqual([]);
  });

  it("asks before removing a source, on a page that fits a phone, and Cancel keeps it", async () => {
    const page = await signedIn("instructor");
    await page.goto(`${demo.base}${C}/manage`);
    const sources = await page.locator('form[action$="/remove"]').count();
    await Promise.all([page.waitForLoadState("load"), page.locator('form[action$="/remove"] button').first().click()]);
    expect(await page.locator("h1").textContent()).toMatch(/^Remove .+ from the course\?$/);
    expect(await page.locator(".confirm li").first().textContent()).toMatch(/posts read from it leave the hub/);
    sent.set("instructor: the confirmation step", await page.content());
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const button = (await page.locator("button.danger").boundingBox())!;
    expect(button.y + button.height).toBeLessThanOrEqual(PHONE.height);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForLoadState("load"), page.getByRole("link", { name: "Cancel, keep it" }).click()]);
    expect(new URL(page.url()).pathname).toBe(`${C}/manage`);
    expect(await page.locator('form[action$="/remove"]').count()).toBe(sources);
    await page.context().close();
  });

  for (const [label, viewport] of [
    ["a phone", PHONE],
    ["a desktop", DESKTOP],
  ] as const) {
    it(`shows a failed Add blog's errors inside the first viewport, on ${label}`, async () => {
      const page = await signedIn("instructor", viewport);
      await page.goto(`${demo.base}${C}/manage`);
      await page.fill(`form[action="${C}/manage/sources"] [name="url"]`, "not a web address");
      await Promise.all([page.waitForLoadState("load"), page.click(`form[action="${C}/manage/sources"] button[type=submit]`)]);
      const summary = page.locator(".error-summary[role=alert]");
      expect(await summary.textContent()).toMatch(/not a valid web address|web address/i);
      if (viewport === PHONE) sent.set("instructor: a failed Add blog", await page.content());
      const box = (await summary.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      // The field is marked too, and the summary is not styled like a success.
      expect(await page.locator("#f-url").getAttribute("aria-invalid")).toBe("true");
      const border = await summary.evaluate((e) => getComputedStyle(e).borderLeftColor);
      expect(border).toBe("rgb(164, 22, 26)"); // --bad, not the success green
      expect(await axeViolations(page)).toEqual([]);
      await page.context().close();
    });

    it(`shows every error of an empty new-course form inside the first viewport, on ${label}`, async () => {
      const page = await signedIn("instructor", viewport);
      await page.goto(`${demo.base}/courses/new`);
      await Promise.all([page.waitForLoadState("load"), page.click("main form button[type=submit]")]);
      const summary = page.locator(".error-summary[role=alert]");
      expect(await summary.locator("li").count()).toBeGreaterThanOrEqual(3);
      if (viewport === PHONE) sent.set("instructor: an empty new course", await page.content());
      const box = (await summary.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
      await page.context().close();
    });
  }
  it.skipIf(skipNu)(
    "every page checked, a confirmation step and failed forms included, is valid HTML to the Nu HTML Checker",
    async () => {
      expect(sent.size).toBe(PAGES.length + 3); // and the confirmation step and two failed forms
      const files: string[] = [];
      const names = new Map<string, string>();
      for (const [i, [name, html]] of [...sent].entries()) {
        const file = join(dir, `page-${i}.html`);
        writeFileSync(file, html);
        files.push(file);
        names.set(`file:${file}`, name);
      }
      const { stdout, stderr } = await promisify(execFile)("java", ["-jar", VNU, "--format", "json", "--exit-zero-always", ...files], {
        maxBuffer: 64 * 1024 * 1024,
      });
      const report = JSON.parse(stderr || stdout) as { messages: { type: string; url: string; message: string; lastLine?: number }[] };
      const errors = report.messages
        .filter((msg) => msg.type === "error")
        .map((msg) => `${names.get(msg.url) ?? msg.url}:${msg.lastLine ?? "?"} ${msg.message}`);
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
