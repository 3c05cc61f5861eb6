// Debian's chromium driven by playwright-core, for the end-to-end tests. Without chromium a test
// file is skipped with a message, except under CI (.ci/run installs it), where it must run.
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ci = !!process.env.CI && process.env.CI !== "0" && process.env.CI !== "false";

/** Whether to skip a browser test file here (and say so once). */
export function skipWithoutChromium(what: string): boolean {
  const skip = !existsSync(CHROMIUM) && !ci;
  if (skip) console.warn(`[e2e] SKIPPED ${what}: no Chromium at ${CHROMIUM} (apt-get install -y chromium). Under CI it runs.`);
  return skip;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A page in a fresh context (its own cookies); any dialog a page opens is recorded and dismissed. */
export async function newPage(browser: Browser, dialogs: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return page;
}
