// The first end-to-end slice on Node, in process: setup → course → feed → poll → Flow.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pollDueSources } from "../../src/ingest/poll/poll.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  server.feed("/maya.xml", fixture("wordpress-rss2.xml"));
  server.feed("/leo.xml", fixture("blogger-atom.xml"), "application/atom+xml");
  server.feed("/hostile.xml", fixture("hostile.xml"));
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("first run", () => {
  it("sends an empty hub to the setup page, which creates the admin once", async () => {
    const visitor = Client.forApp(hub.app);
    const home = await visitor.get("/");
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe("/setup");
    const setup = await visitor.get("/setup");
    expect(await setup.text()).toContain("Create the first one");

    await setUpCourse(hub.app);
    // Setup is closed once an account exists.
    const late = await Client.forApp(hub.app).get("/setup");
    expect(late.status).toBe(302);
    expect(late.headers.get("location")).toBe("/login");
  });

  it("explains bad setup input and keeps what was typed", async () => {
    const visitor = Client.forApp(hub.app);
    const res = await visitor.submit("/setup", "/setup", {
      displayName: "Ida <b>",
      email: "not-an-email",
      password: "correct horse battery",
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Enter an email address like name@example.org.");
    expect(html).toContain('value="Ida &lt;b&gt;"');
    expect(html).toContain('aria-invalid="true"');
    const short = await visitor.submit("/setup", "/setup", { displayName: "Ida", email: "ida@example.org", password: "short" });
    expect(await short.text()).toContain("at least 10 characters");
  });

  it("asks for the setup token when one is configured", async () => {
    const guarded = await createTestHub({ SETUP_TOKEN: "s3cret-token" });
    try {
      const c = Client.forApp(guarded.app);
      const wrong = await c.submit("/setup", "/setup", {
        setupToken: "nope",
        displayName: "I",
        email: "i@example.org",
        password: "correct horse battery",
      });
      expect(wrong.status).toBe(403);
      const right = await c.submit("/setup", "/setup", {
        setupToken: "s3cret-token",
        displayName: "I",
        email: "i@example.org",
        password: "correct horse battery",
      });
      expect(right.status).toBe(303);
    } finally {
      await guarded.close();
    }
  });
});

describe("the slice: course, feed, poll, Flow", () => {
  it("lists tagged posts newest first as links back to the blogs", async () => {
    const instructor = await setUpCourse(hub.app);
    for (const path of ["/maya.xml", "/leo.xml"]) {
      const added = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url(path), filter: "tagged" });
      expect(added.status).toBe(303);
    }
    // Adding a feed reads it at once; a scheduled poll later finds nothing new.
    const manage = await (await instructor.get("/c/t509/manage")).text();
    expect(manage).toContain("Leo&#39;s Learning Log");
    expect(manage).toContain('<span class="badge ok">ok</span>');
    hub.clock.advance(2 * 60 * 60_000);
    await pollDueSources(hub.deps);

    const visitor = Client.forApp(hub.app);
    const flow = await visitor.get("/c/t509");
    expect(flow.status).toBe(200);
    const html = await flow.text();
    const titles = [...html.matchAll(/<h3><a href="([^"]+)"[^>]*>([^<]+)<\/a><\/h3>/g)].map((m) => [m[2], m[1]]);
    expect(titles).toEqual([
      ["Remix as a way of reading", "https://leo.example.net/2026/11/remix.html"],
      ["Week 3: networks are made of people", "https://maya.example.org/2026/11/03/week-3-networks/"],
      ["Sketchnotes from the live session", "https://leo.example.net/2026/11/sketchnotes.html"],
      ["Week 2: a long read on open pedagogy", "https://maya.example.org/2026/10/27/week-2/"],
    ]);
    expect(html).not.toContain("My grocery list");
    expect(html).not.toContain("t509massivefan club");
    expect(html).toContain("Maya Okafor");
    expect(html).not.toContain("<script");
  });

  it("escapes hostile titles and excerpts, and refuses non-web links", async () => {
    const instructor = await setUpCourse(hub.app);
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/hostile.xml") });
    const html = await (await Client.forApp(hub.app).get("/c/t509")).text();
    expect(html).toContain("Fish &amp; &quot;chips&quot; &lt;3 #t509massive");
    expect(html).toContain("&lt;script&gt;alert(2)&lt;/script&gt; literally");
    expect(html).not.toMatch(/<script|<img|onerror=|onclick=|javascript:/i);
    expect(html).not.toContain("Script link");
  });

  it("shows a feed's error to the instructor in plain language", async () => {
    const instructor = await setUpCourse(hub.app);
    server.route("/down", (_req, res) => res.writeHead(503).end());
    const res = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/down") });
    expect(res.status).toBe(303);
    const page = await (await instructor.get("/c/t509/manage")).text();
    expect(page).toContain("Feed added, but it could not be read: The server answered 503 Service Unavailable.");
    expect(page).toContain('<span class="badge bad">failing</span>');
  });

  it("removes a source with its posts, for the course's managers only", async () => {
    const instructor = await setUpCourse(hub.app);
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/maya.xml") });
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/leo.xml") });
    const page = await (await instructor.get("/c/t509/manage")).text();
    const [first] = [...page.matchAll(/action="\/c\/t509\/manage\/sources\/(\d+)\/remove"/g)].map((m) => m[1]);
    // A visitor cannot remove it (sent to sign in), even with a valid form token of their own.
    const visitor = Client.forApp(hub.app);
    const refused = await visitor.submit("/login", `/c/t509/manage/sources/${first}/remove`, { confirm: "yes" });
    expect(refused.status).toBe(302);
    // The button asks first: what will be lost, and nothing removed yet.
    const ask = await instructor.submit("/c/t509/manage", `/c/t509/manage/sources/${first}/remove`, {});
    expect(ask.status).toBe(200);
    const question = await ask.text();
    expect(question).toMatch(/<h1 id="confirm-h">Remove “[^”]+” from the course\?<\/h1>/);
    expect(question).toMatch(
      /<li>The \d+ posts read from it leave the hub, with any Spotlight notes on them\. They stay on the blog itself\.<\/li>/,
    );
    expect(question).toContain(`<form method="post" action="/c/t509/manage/sources/${first}/remove" class="confirm-actions">`);
    expect(question).toContain('<a href="/c/t509/manage">Cancel, keep it</a>');
    expect(await (await visitor.get("/c/t509")).text()).toContain("Week 3: networks are made of people");
    const removed = await instructor.submit("/c/t509/manage", `/c/t509/manage/sources/${first}/remove`, { confirm: "yes" });
    expect(removed.status).toBe(303);
    const flow = await (await visitor.get("/c/t509")).text();
    expect(flow).not.toContain("Week 3: networks are made of people");
    expect(flow).toContain("Remix as a way of reading");
    const again = await instructor.submit("/c/t509/manage", `/c/t509/manage/sources/${first}/remove`, { confirm: "yes" });
    expect(again.status).toBe(404);
  });

  it("refuses feed addresses that are not public web addresses, on the form", async () => {
    const hubNoLoopback = await createTestHub({ ALLOW_LOOPBACK_FETCH: "false" });
    try {
      const instructor = await setUpCourse(hubNoLoopback.app);
      const res = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: "http://169.254.169.254/latest" });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("link-local (cloud metadata) address");
      const dup = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: "ftp://example.org/feed" });
      expect(await dup.text()).toContain("Only http and https");
    } finally {
      await hubNoLoopback.close();
    }
  });

  it("pages the Flow with a keyset cursor", async () => {
    const instructor = await setUpCourse(hub.app);
    const entries = Array.from({ length: 35 }, (_, i) => {
      const day = String(1 + (i % 28)).padStart(2, "0");
      return `<item><title>Post ${i}</title><link>https://many.example.org/${i}</link><pubDate>${new Date(Date.UTC(2026, 9, Number(day), i)).toUTCString()}</pubDate><category>t509massive</category></item>`;
    });
    server.feed(
      "/many.xml",
      `<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title><link>https://many.example.org/</link>${entries.join("")}</channel></rss>`,
    );
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/many.xml") });
    const page1 = await (await instructor.get("/c/t509")).text();
    const next = /href="\/c\/t509\?before=([^"]+)" rel="next"/.exec(page1)?.[1];
    expect(next).toBeTruthy();
    const page2 = await (await instructor.get(`/c/t509?before=${next}`)).text();
    const ids = (html: string) => [...html.matchAll(/https:\/\/many\.example\.org\/(\d+)"/g)].map((m) => m[1]);
    const seen = [...new Set(ids(page1))];
    const more = [...new Set(ids(page2))];
    expect(seen).toHaveLength(30);
    expect(more).toHaveLength(5);
    expect(seen.filter((id) => more.includes(id))).toEqual([]);
    expect(page2).not.toContain('rel="next"');
  });
});

describe("access and CSRF", () => {
  it("refuses a form without the CSRF token and changes nothing", async () => {
    const instructor = await setUpCourse(hub.app);
    const res = await instructor.post("/c/t509/manage/sources", { url: server.url("/maya.xml") });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("This form has expired");
    const page = await (await instructor.get("/c/t509/manage")).text();
    expect(page).toContain("No sources yet");
  });

  it("refuses a cross-site form post even with a token", async () => {
    const instructor = await setUpCourse(hub.app);
    const html = await (await instructor.get("/c/t509/manage")).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const res = await instructor.post(
      "/c/t509/manage/sources",
      { _csrf: token, url: server.url("/maya.xml") },
      { origin: "https://evil.example.com" },
    );
    expect(res.status).toBe(403);
  });

  it("sends visitors to sign in, and refuses people who may not manage the course", async () => {
    await setUpCourse(hub.app);
    const visitor = Client.forApp(hub.app);
    const manage = await visitor.get("/c/t509/manage");
    expect(manage.status).toBe(302);
    expect(manage.headers.get("location")).toBe("/login?next=%2Fc%2Ft509%2Fmanage");
    expect((await visitor.get("/courses/new")).status).toBe(302);
    expect((await visitor.get("/c/nope")).status).toBe(404);
  });

  it("signs in and out with server-side sessions stored hashed", async () => {
    await setUpCourse(hub.app);
    const c = Client.forApp(hub.app);
    const bad = await c.submit("/login", "/login", { email: "ida@example.org", password: "wrong password!" });
    expect(bad.status).toBe(401);
    const ok = await c.submit("/login", "/login", { email: "IDA@example.org", password: "correct horse battery", next: "/c/t509/manage" });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/c/t509/manage");
    const token = c.cookie("tributary_session")!;
    const stored = await hub.database.client.execute("SELECT token_hash FROM sessions");
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(token);
    expect((await c.get("/c/t509/manage")).status).toBe(200);
    await c.submit("/c/t509", "/logout", {});
    expect((await c.get("/c/t509/manage")).status).toBe(302);
  });

  it("never redirects off-site after sign-in", async () => {
    await setUpCourse(hub.app);
    const c = Client.forApp(hub.app);
    const res = await c.submit("/login", "/login", {
      email: "ida@example.org",
      password: "correct horse battery",
      next: "//evil.example.com/",
    });
    expect(res.headers.get("location")).toBe("/");
  });

  it("refuses a request body over 1 MB before reading it", async () => {
    const instructor = await setUpCourse(hub.app);
    const res = await instructor.post("/c/t509/manage/sources", { _csrf: "x", url: "x".repeat(1100 * 1024) });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain("more than 1 MB");
  });

  it("lets a backpack import carry up to 2 MB, no more, and answers the API's too-large body in JSON", async () => {
    const instructor = await setUpCourse(hub.app);
    const html = await (await instructor.get("/pls/backpack")).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    // 1.5 MB of JSON passes the size check and reaches the importer, which refuses it as a backpack.
    const big = await instructor.post("/pls/backpack/import", { _csrf: csrf, json: JSON.stringify({ pad: "x".repeat(1500 * 1024) }) });
    expect(big.status).toBe(400);
    const huge = await instructor.post("/pls/backpack/import", { _csrf: csrf, json: "x".repeat(2200 * 1024) });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain("at most 2 MB");
    const api = await instructor.request("/api/v1/objectives", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x".repeat(1100 * 1024) }),
    });
    expect(api.status).toBe(413);
    expect(await api.json()).toMatchObject({ error: "too_large" });
  });

  it("sends security headers", async () => {
    const res = await Client.forApp(hub.app).get("/setup");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    const cookie = res.headers.getSetCookie().join("\n");
    expect(cookie).toMatch(/tributary_csrf=[^;]+;.*HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});
