// What a person is told after a form: every wrong field at once, in a summary first on the page
// (role="alert") and beside each field; and a one-shot message styled by what happened: done
// (green, a status), done-but (amber), failed (red, an alert). A tampered tone is dropped.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FeedServer, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

/** The summary's messages, in order, and where on the page it sits (its offset in the body). */
function summaryOf(html: string): { messages: string[]; at: number } | null {
  const m = /<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(html);
  if (!m) return null;
  const messages = [...m[1]!.matchAll(/<li>([^<]*)<\/li>/g)].map((x) => x[1]!);
  return { messages, at: m.index - html.indexOf('<main id="main">') };
}

function flashOf(html: string): { className: string; role: string; text: string } | null {
  const m = /<p class="(flash[^"]*)" role="([a-z]+)">([^<]*)<\/p>/.exec(html);
  return m ? { className: m[1]!, role: m[2]!, text: m[3]! } : null;
}

describe("a form with several wrong fields", () => {
  it("reports all three of an empty setup form, first on the page and beside each field", async () => {
    const client = Client.forApp(hub.app);
    const res = await client.submit("/setup", "/setup", { displayName: "", email: "", password: "" });
    expect(res.status).toBe(400);
    const html = await res.text();
    const summary = summaryOf(html)!;
    expect(summary.messages).toEqual(["Your name is required.", "Email is required.", "Choose a password of at least 10 characters."]);
    // First in <main>: before the page's heading and its form.
    expect(summary.at).toBeLessThan(html.indexOf("<h1") - html.indexOf('<main id="main">'));
    for (const field of ["displayName", "email", "password"]) {
      expect(html).toContain(`id="f-${field}-error"`);
      expect(html).toMatch(new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`));
    }
  });

  it("reports every wrong field of a new course, and keeps what was typed", async () => {
    const client = await setUpCourse(hub.app);
    const res = await client.submit("/courses/new", "/courses", { title: "", slug: "Not A Slug!", tags: "", startsOn: "2026-13-40" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(summaryOf(html)!.messages).toHaveLength(4);
    expect(html).toContain('value="Not A Slug!"');
  });

  it("reports every wrong field of an objective and of a grant at once", async () => {
    const client = await setUpCourse(hub.app);
    const objective = await client.submit("/pls", "/pls/objectives", {
      title: "",
      tags: "not a tag!",
      targetDate: "someday",
      status: "active",
    });
    expect(objective.status).toBe(400);
    expect(summaryOf(await objective.text())!.messages).toHaveLength(3);
    const grant = await client.submit("/pls/sharing", "/pls/sharing", { audience: "", audienceKind: "coach", expiresOn: "2020-01-01" });
    expect(grant.status).toBe(400);
    expect(summaryOf(await grant.text())!.messages).toHaveLength(3); // who, what it allows, the day
  });

  it("shows no summary on a page that has no errors", async () => {
    const client = await setUpCourse(hub.app);
    expect(summaryOf(await (await client.get("/courses/new")).text())).toBeNull();
  });
});

describe("the one-shot message", () => {
  it("is green and a status when it worked, red and an alert when it failed", async () => {
    const client = await setUpCourse(hub.app);
    server.feed("/ok.xml", `<rss version="2.0"><channel><title>Ok</title><link>https://ok.example/</link></channel></rss>`);
    let failing = false;
    server.route("/flaky.xml", (_req, res) =>
      failing
        ? res.writeHead(404).end("gone")
        : res
            .writeHead(200, { "content-type": "application/rss+xml" })
            .end(`<rss version="2.0"><channel><title>Flaky</title><link>https://f.example/</link></channel></rss>`),
    );
    const added = await client.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/ok.xml"), filter: "all" });
    expect(added.status).toBe(303);
    const ok = flashOf(await (await client.get("/c/t509/manage")).text())!;
    expect(ok).toMatchObject({ className: "flash", role: "status" });
    expect(ok.text).toMatch(/^Feed added/);

    await client.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/flaky.xml"), filter: "all" });
    failing = true;
    const manage = await (await client.get("/c/t509/manage")).text();
    const id = /\/manage\/sources\/(\d+)\/poll"[\s\S]*?\/manage\/sources\/(\d+)\/poll"/.exec(manage)![2]!;
    await client.submit("/c/t509/manage", `/c/t509/manage/sources/${id}/poll`, {});
    const failed = flashOf(await (await client.get("/c/t509/manage")).text())!;
    expect(failed).toMatchObject({ className: "flash flash-error", role: "alert" });
    expect(failed.text).toMatch(/^Poll failed: /);
  });

  it("drops a flash cookie whose tone the hub did not write", async () => {
    const client = Client.forApp(hub.app);
    for (const raw of ["evil|hello", "hello", "ok|", "ok|%E0%A4%A"]) {
      const res = await client.request("/login", { headers: { cookie: `tributary_flash=${encodeURIComponent(raw)}` } });
      expect(res.status).toBe(200);
      expect(flashOf(await res.text())).toBeNull();
    }
  });
});

describe("date fields", () => {
  it("hint at the calendar, not at a format the date widget does not show, and read a day typed in words", async () => {
    const client = await setUpCourse(hub.app);
    for (const path of ["/c/t509/manage/settings", "/pls", "/courses/new"]) {
      const html = await (await client.get(path)).text();
      expect(html, path).toContain('type="date"');
      expect(html, path).not.toMatch(/(?:like|e\.g\.) \d{4}-\d{2}-\d{2}/);
    }
    const made = await client.submit("/courses/new", "/courses", {
      title: "Spring",
      slug: "spring",
      tags: "spring",
      startsOn: "1 March 2027",
    });
    expect(made.status).toBe(303);
    const settings = await (await client.get("/c/spring/manage/settings")).text();
    expect(settings).toContain('value="2027-03-01"');
  });
});
