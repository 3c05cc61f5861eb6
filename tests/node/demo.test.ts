// `npm run demo`: a populated Flow in seconds, offline.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "tributary-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run demo", () => {
  it("serves a demo course whose Flow lists the sample blogs' tagged posts", async () => {
    const child = spawn("node_modules/.bin/tsx", ["demo/demo.ts"], {
      env: { ...process.env, PORT: "0", DEMO_DATABASE_URL: `file:${join(dir, "demo.db")}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((ok) => child.on("exit", ok));
    try {
      const flowUrl = await new Promise<string>((ok, fail) => {
        const t = setInterval(() => {
          const m = /Flow:\s+(http:\/\/127\.0\.0\.1:\d+\/c\/t509-demo)/.exec(out);
          if (m && /Items:\s+\d+/.test(out)) {
            clearInterval(t);
            ok(m[1]!);
          }
        }, 50);
        setTimeout(() => {
          clearInterval(t);
          fail(new Error(`demo did not start: ${out}`));
        }, 25_000);
      });
      expect(Number(/Items:\s+(\d+)/.exec(out)![1])).toBeGreaterThanOrEqual(10);
      expect(out).toMatch(/Password:\s+\S{16,}/);
      const html = await (await fetch(flowUrl)).text();
      const posts = html.match(/<article class="item[ "]/g) ?? [];
      expect(posts.length).toBeGreaterThanOrEqual(10);
      expect(html).toContain("https://sam.example.dev/posts/");
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  }, 40_000);
});
