// The Node entry point as `npm start` runs it: a real process, a real port, a
// SQLite file it creates and migrates itself, and a clean stop on SIGTERM.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { fixture, startFeedServer } from "../helpers/feed-server.js";

const dir = mkdtempSync(join(tmpdir(), "tributary-node-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startProcess(env: Record<string, string>) {
  const child = spawn("node_modules/.bin/tsx", ["src/node.ts"], {
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(line));
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  const waitFor = (msg: string, timeout = 15_000) =>
    new Promise<Record<string, unknown>>((ok, fail) => {
      const started = Date.now();
      const t = setInterval(() => {
        const hit = lines.find((l) => l.msg === msg);
        if (hit) {
          clearInterval(t);
          ok(hit);
        } else if (Date.now() - started > timeout) {
          clearInterval(t);
          fail(new Error(`no "${msg}" log line; got ${JSON.stringify(lines)}`));
        }
      }, 25);
    });
  const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
  return { child, lines, waitFor, exited };
}

describe("npm start (src/node.ts)", () => {
  it("creates and migrates its database, serves the setup page, polls, and stops cleanly", async () => {
    const feeds = await startFeedServer();
    feeds.feed("/maya.xml", fixture("wordpress-rss2.xml"));
    const dbFile = join(dir, "nested", "hub.db");
    // Pre-seed a course and a due source so the startup poll has work to do.
    const hub = startProcess({ DATABASE_URL: `file:${dbFile}`, ALLOW_LOOPBACK_FETCH: "true", POLL_CRON: "*/5 * * * * *" });
    try {
      const started = await hub.waitFor("hub.started");
      expect(existsSync(dbFile)).toBe(true);
      expect(hub.lines.some((l) => l.msg === "config.loopback_fetch_allowed")).toBe(true);
      const base = String(started.url);
      const home = await fetch(`${base}/`, { redirect: "manual" });
      expect(home.status).toBe(302);
      expect(home.headers.get("location")).toBe("/setup");
      expect(await (await fetch(`${base}/setup`)).text()).toContain("Welcome to Tributary");

      const db = createClient({ url: `file:${dbFile}` });
      const migrations = await db.execute("SELECT count(*) AS n FROM __drizzle_migrations");
      expect(Number(migrations.rows[0]!.n)).toBeGreaterThan(0);
      await db.execute("INSERT INTO courses (slug, title) VALUES ('t509', 'T509')");
      await db.execute("INSERT INTO course_tags (course_id, tag) VALUES (1, 't509massive')");
      await db.execute({
        sql: "INSERT INTO sources (course_id, kind, url, next_poll_at) VALUES (1, 'feed', ?, 0)",
        args: [feeds.url("/maya.xml")],
      });
      // The node-cron tick (every 5 s here) picks the due source up.
      await hub.waitFor("poll.done", 15_000);
      const items = await db.execute("SELECT count(*) AS n FROM items");
      expect(Number(items.rows[0]!.n)).toBe(2);
      db.close();

      hub.child.kill("SIGTERM");
      expect(await hub.exited).toBe(0);
      expect(hub.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["hub.stopping", "hub.stopped"]));
      expect(hub.lines.every((l) => typeof l.level === "string" && typeof l.msg === "string")).toBe(true);
    } finally {
      hub.child.kill("SIGKILL");
      await feeds.close();
    }
  }, 40_000);

  it("refuses to start with a clear message when configuration is wrong", async () => {
    const hub = startProcess({ DATABASE_URL: `file:${join(dir, "bad.db")}`, POLL_CONCURRENCY: "lots" });
    const failed = await hub.waitFor("hub.start_failed");
    expect(failed.error).toBe('POLL_CONCURRENCY must be a whole number from 1 to 256 (got "lots")');
    expect(await hub.exited).toBe(1);
  });

  it("derives PUBLIC_URL from the port it binds when unset, and warns once on a public bind", async () => {
    const loopback = startProcess({ DATABASE_URL: `file:${join(dir, "derived.db")}`, PUBLIC_URL: "" });
    try {
      const started = await loopback.waitFor("hub.started");
      const base = String(started.url);
      const port = new URL(base).port;
      expect(started.publicUrl).toBe(`http://localhost:${port}`);
      expect(loopback.lines.some((l) => l.msg === "config.public_url_unset")).toBe(false);
      const db = createClient({ url: `file:${join(dir, "derived.db")}` });
      await db.execute("INSERT INTO courses (slug, title) VALUES ('t509', 'T509')");
      db.close();
      // Feed self links point at this server, not at a port nobody listens on.
      expect(await (await fetch(`${base}/c/t509/feed.rss`)).text()).toContain(`href="http://localhost:${port}/c/t509/feed.rss"`);
    } finally {
      loopback.child.kill("SIGKILL");
    }

    const wide = startProcess({ DATABASE_URL: `file:${join(dir, "wide.db")}`, PUBLIC_URL: "", HOST: "0.0.0.0" });
    try {
      const started = await wide.waitFor("hub.started");
      expect(wide.lines.filter((l) => l.msg === "config.public_url_unset")).toHaveLength(1);
      expect(wide.lines.find((l) => l.msg === "config.public_url_unset")!.level).toBe("warn");
      expect(started.publicUrl).toBe(`http://localhost:${new URL(String(started.url)).port}`);
    } finally {
      wide.child.kill("SIGKILL");
    }

    const named = startProcess({ DATABASE_URL: `file:${join(dir, "named.db")}`, PUBLIC_URL: "https://hub.example.org/", HOST: "0.0.0.0" });
    try {
      const started = await named.waitFor("hub.started");
      expect(started.publicUrl).toBe("https://hub.example.org");
      expect(named.lines.some((l) => l.msg === "config.public_url_unset")).toBe(false);
    } finally {
      named.child.kill("SIGKILL");
    }
  });
});
