// The feed doctor run as a real child process (`node bin/tributary.js
// check-feed …`), on files and on a feed server on 127.0.0.1, in text and JSON.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeedServer, fixture, fixturesDir, startFeedServer } from "../helpers/feed-server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const discoverDir = fileURLToPath(new URL("../fixtures/discover/", import.meta.url));
const feedFile = join(fixturesDir, "wordpress-rss2.xml");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tributary(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/tributary.js", ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let server: FeedServer;
let tmp: string;
beforeAll(async () => {
  server = await startFeedServer();
  server.feed("/feed/", fixture("wordpress-rss2.xml"));
  server.feed("/broken.xml", fixture("broken.xml"));
  // A WordPress home page whose tag feed exists.
  const { readFileSync } = await import("node:fs");
  server.feed("/", readFileSync(join(discoverDir, "wordpress-home.html"), "utf8").replaceAll("{{site}}", server.url("/")), "text/html");
  server.feed("/tag/t509massive/feed/", readFileSync(join(discoverDir, "wordpress-tag-rss2.xml"), "utf8"));
  tmp = mkdtempSync(join(tmpdir(), "tributary-cli-"));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const ENTRY_KEYS = ["id", "url", "title", "published", "updated", "author", "tags", "excerpt"];

describe("check-feed on a file", () => {
  it("prints the feed and each entry, and with --tag whether it carries the tag and why", async () => {
    const r = await tributary(["check-feed", feedFile, "--tag", "#T509Massive"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Feed:      Maya learns in the open\nLink:      https://maya.example.org/\n");
    expect(r.stdout).toContain("Course tag: #t509massive: 2 of 3 entries carry it.");
    expect(r.stdout).toContain(
      [
        "1. Week 3: networks are made of people",
        "   url        https://maya.example.org/2026/11/03/week-3-networks/",
        "   id         https://maya.example.org/?p=41",
        "   published  2026-11-03T09:30:00.000Z",
        "   updated    –",
        "   author     Maya Okafor",
        "   tags       t509massive, reflection",
      ].join("\n"),
    );
    expect(r.stdout).toContain('   has tag    yes: category "T509Massive"');
    expect(r.stdout).toContain("   has tag    no: no category or hashtag #t509massive (categories: personal)");
  });

  it("prints exactly one JSON object with --json, hasTag only when --tag is given", async () => {
    const tagged = await tributary(["check-feed", "--json", feedFile, "--tag", "t509massive"]);
    expect(tagged.code).toBe(0);
    expect(tagged.stderr).toBe("");
    const out = JSON.parse(tagged.stdout) as { feed: unknown; entries: Array<Record<string, unknown>> };
    expect(Object.keys(out)).toEqual(["feed", "entries"]);
    expect(out.feed).toEqual({ title: "Maya learns in the open", link: "https://maya.example.org/" });
    expect(out.entries).toHaveLength(3);
    expect(Object.keys(out.entries[0]!)).toEqual([...ENTRY_KEYS, "hasTag"]);
    expect(out.entries[0]).toEqual({
      id: "https://maya.example.org/?p=41",
      url: "https://maya.example.org/2026/11/03/week-3-networks/",
      title: "Week 3: networks are made of people",
      published: "2026-11-03T09:30:00.000Z",
      updated: null,
      author: "Maya Okafor",
      tags: ["t509massive", "reflection"],
      excerpt: expect.stringMatching(/^This week I traced who I learn from/),
      hasTag: true,
    });
    expect(out.entries.map((e) => e.hasTag)).toEqual([true, false, true]);

    const untagged = await tributary(["check-feed", feedFile, "--json"]);
    const plain = JSON.parse(untagged.stdout) as { entries: Array<Record<string, unknown>> };
    expect(Object.keys(plain.entries[0]!)).toEqual(ENTRY_KEYS);
  });

  it("keeps terminal control sequences from a feed out of the output", async () => {
    const path = join(tmp, "hostile.xml");
    const esc = "\u001b[2J\u001b]0;pwned\u0007";
    writeFileSync(
      path,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Evil${esc}</title><item><title>Post ${esc}\u202e gnp.exe</title><link>https://e.org/1</link></item></channel></rss>`,
    );
    const text = await tributary(["check-feed", path]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    const json = await tributary(["check-feed", path, "--json"]);
    expect(json.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect((JSON.parse(json.stdout) as { entries: Array<{ title: string }> }).entries[0]!.title).toContain("\u202e");
  });

  it("fails with one clear line and exit code 1 for a bad feed or a missing file", async () => {
    const bad = await tributary(["check-feed", join(fixturesDir, "broken.xml")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^tributary check-feed: This .*feed.*\.\n$/);

    const page = await tributary(["check-feed", join(fixturesDir, "html-page.html")]);
    expect(page.code).toBe(1);
    expect(page.stderr).toMatch(/is a web page, not a feed\. Give check-feed the blog's web address instead/);

    const missing = await tributary(["check-feed", "maya.example.org/feed"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("tributary check-feed: No such file: maya.example.org/feed (a web address must start with https://).\n");
  });
});

describe("check-feed on a web address", () => {
  it("reads a feed from 127.0.0.1 with --allow-loopback, in text and JSON", async () => {
    const text = await tributary(["check-feed", server.url("/feed/"), "--allow-loopback", "--tag", "t509massive"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Read from: ${server.url("/feed/")}\n`);
    expect(text.stdout).not.toContain("Found:");
    expect(text.stdout).toContain("Course tag: #t509massive: 2 of 3 entries carry it.");

    const json = await tributary(["check-feed", server.url("/feed/"), "--allow-loopback", "--json"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    expect((JSON.parse(json.stdout) as { entries: unknown[] }).entries).toHaveLength(3);
  });

  it("finds the feed behind a blog's home page and says which one it read", async () => {
    const text = await tributary(["check-feed", server.url("/"), "--allow-loopback", "--tag", "t509massive"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Read from: ${server.url("/tag/t509massive/feed/")}\n`);
    expect(text.stdout).toContain("Found:     WordPress blog: using its tag feed for #t509massive, so only course posts are read.");
    expect(text.stdout).toContain("Course tag: #t509massive: 3 of 3 entries carry it.");

    const json = await tributary(["check-feed", server.url("/"), "--allow-loopback", "--json", "--tag", "t509massive"]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(
      `Read ${server.url("/tag/t509massive/feed/")}: WordPress blog: using its tag feed for #t509massive, so only course posts are read.\n`,
    );
    expect((JSON.parse(json.stdout) as { entries: unknown[] }).entries).toHaveLength(3);
  });

  it("keeps the SSRF guard on by default, whatever the environment says", async () => {
    const r = await tributary(["check-feed", server.url("/feed/")], { ALLOW_LOOPBACK_FETCH: "true" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("tributary check-feed: 127.0.0.1 is a loopback address; the hub only reads public web addresses.\n");
  });

  it("fails with one clear line for a broken feed or a server error", async () => {
    const bad = await tributary(["check-feed", server.url("/broken.xml"), "--allow-loopback"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tributary check-feed: This .*feed.*\.\n$/);
    const gone = await tributary(["check-feed", server.url("/nothing-here.xml"), "--allow-loopback"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("tributary check-feed: The server answered 404 Not Found.\n");
  });
});

describe("usage", () => {
  it("exits 2 with the usage on stderr for a wrong command line, 0 for --help", async () => {
    for (const args of [
      [],
      ["check-feed"],
      ["fetch", feedFile],
      ["check-feed", feedFile, "--bogus"],
      ["check-feed", feedFile, "--tag"],
      ["check-feed", feedFile, "extra"],
    ]) {
      const r = await tributary(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^tributary: .+\n\nUsage: tributary check-feed/);
    }
    const help = await tributary(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tributary check-feed <address-or-file>/);
  });
});
