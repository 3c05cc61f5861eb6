// The manage page's source forms, in process against a real libSQL file and a
// feed server on 127.0.0.1: adding a blog by its home page (discovery), the
// roster import (file upload and paste, CSRF, who may) and the public OPML export.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/accounts/passwords.js";
import { memberships, people } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { parseOpml } from "../../src/hub/sources/opml.js";
import { sourcesOf } from "../../src/hub/sources/sources.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const dir = fileURLToPath(new URL("../fixtures/", import.meta.url));
const read = (path: string, site = "") => readFileSync(dir + path, "utf8").replaceAll("{{site}}", site);
const HTML = "text/html; charset=UTF-8";

let hub: TestHub;
let server: FeedServer;

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  // Maya's WordPress blog, with a tag feed for the course.
  server.feed("/", read("discover/wordpress-home.html", server.url("/")), HTML);
  server.feed("/feed/", fixture("wordpress-rss2.xml"));
  server.feed("/tag/t509massive/feed/", read("discover/wordpress-tag-rss2.xml"));
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

async function stored() {
  const course = (await courseBySlug(hub.deps.db, "t509"))!;
  return sourcesOf(hub.deps.db, course.id);
}

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

describe("adding a blog by its home page", () => {
  it("finds the tag feed, stores the home page, owner and note, shows them and reads the posts at once", async () => {
    const instructor = await setUpCourse(hub.app);
    const res = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", {
      url: server.url("/"),
      ownerName: "Maya Okafor",
      filter: "tagged",
    });
    expect(res.status).toBe(303);

    const [source] = await stored();
    expect(source).toMatchObject({
      url: server.url("/tag/t509massive/feed/"),
      homePageUrl: server.url("/"),
      ownerName: "Maya Okafor",
      filter: "tagged",
      discoveryNote: "WordPress blog: using its tag feed for #t509massive, so only course posts are read.",
    });
    const manage = await (await instructor.get("/c/t509/manage")).text();
    expect(manage).toContain('<p class="flash" role="status">Feed added: 3 tagged post(s) found.</p>');
    expect(manage).toContain(`<a href="${server.url("/")}" rel="noopener nofollow">T509Massive – Maya learns in the open</a>`);
    expect(manage).toContain("by Maya Okafor");
    expect(manage).toContain(`Feed: <a href="${server.url("/tag/t509massive/feed/")}"`);
    expect(manage).toContain("WordPress blog: using its tag feed for #t509massive, so only course posts are read.");
    expect(manage).toContain('<span class="badge ok">ok</span>');

    // The tag feed reaches a course post the 10-item main feed no longer lists.
    const flow = await (await Client.forApp(hub.app).get("/c/t509")).text();
    expect(flow).toContain("Week 1: hello, network");
    expect(flow).not.toContain("My grocery list");
  });

  it("reads the main feed for a blog that keeps all posts", async () => {
    const instructor = await setUpCourse(hub.app);
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/"), filter: "all" });
    const [source] = await stored();
    expect(source).toMatchObject({ url: server.url("/feed/"), filter: "all", discoveryNote: "WordPress blog: using its main feed." });
    expect(server.hits("/tag/t509massive/feed/")).toBe(0);
    const manage = await (await instructor.get("/c/t509/manage")).text();
    expect(manage).toContain("Feed added: 3 post(s) found.");
    expect(manage).toContain(`<td data-label="Keeps">all posts</td>`);
  });

  it("keeps every post of a Hugo tag feed, whose entries carry no tags", async () => {
    const instructor = await setUpCourse(hub.app);
    server.feed("/garden/", read("discover/hugo-home.html", server.url("/garden/")), HTML);
    server.feed("/garden/index.xml", read("discover/hugo-index.xml"));
    server.feed("/garden/tags/t509massive/index.xml", read("discover/hugo-tag-index.xml"));
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/garden/"), filter: "tagged" });
    const [source] = await stored();
    expect(source).toMatchObject({ url: server.url("/garden/tags/t509massive/index.xml"), filter: "all" });
    const flow = await (await Client.forApp(hub.app).get("/c/t509")).text();
    expect(flow).toContain("Wayfinding in a MOOC");
    expect(flow).not.toContain("Seed catalogue");
  });

  it("explains a page without a feed on the form, keeps what was typed, and stores nothing", async () => {
    const instructor = await setUpCourse(hub.app);
    server.feed("/pat/", read("discover/no-feed.html"), HTML);
    const typed = `${server.url("/pat/")}?q=<b>`;
    const res = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: typed, ownerName: "Pat <Lee>" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(`No feed found on this page: ${server.url("/pat/")}?q=%3Cb%3E links no RSS, Atom or JSON feed.`);
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain(`value="${server.url("/pat/")}?q=&lt;b&gt;"`);
    expect(html).toContain('value="Pat &lt;Lee&gt;"');
    expect(await stored()).toEqual([]);
  });

  it("refuses the same blog twice, by home page or by feed", async () => {
    const instructor = await setUpCourse(hub.app);
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/") });
    for (const url of [server.url("/"), server.url("/tag/t509massive/feed/")]) {
      const res = await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/already part of the course/);
    }
    expect(await stored()).toHaveLength(1);
  });
});

describe("importing a class roster", () => {
  const roster = () => read("opml/roster.opml", server.url("/r/"));
  beforeEach(() => {
    server.feed("/r/maya/feed/", fixture("wordpress-rss2.xml"));
    server.feed("/r/leo/atom.xml", fixture("blogger-atom.xml"), "application/atom+xml");
    server.feed("/r/zoe/feed.xml", fixture("wordpress-rss2.xml"));
    server.feed("/r/ravi/", read("discover/ghost-home.html", server.url("/r/ravi/")), HTML);
    server.feed("/r/ravi/rss/", read("discover/ghost-rss.xml"));
  });

  it("takes an uploaded file, reports every line, and refuses a private address while the others import", async () => {
    const instructor = await setUpCourse(hub.app);
    const form = new FormData();
    form.set("_csrf", csrfOf(await (await instructor.get("/c/t509/manage")).text()));
    form.set("opmlFile", new File([roster()], "roster.opml", { type: "text/x-opml" }));
    form.set("importFilter", "tagged");
    const res = await instructor.request("/c/t509/manage/roster", { method: "POST", body: form });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<p role="status">4 added, 1 skipped, 3 not added.</p>');
    expect(html).toContain("10.0.0.5 is a private address; the hub only reads public web addresses.");
    expect(html).toContain("&quot;http://my blog.example.org/feed&quot; is not a valid web address.");
    expect(html).toContain("Listed twice in this file (first on line 10).");
    expect(html).toContain("Zoë &amp; &lt;Sam&gt;");
    expect(html).not.toContain("<Sam>");
    // Ravi has no tag feed here: the note says so.
    expect(html).toContain("Ghost blog: its tag feed for #t509massive did not answer with a feed");

    const sources = await stored();
    expect(sources.map((s) => s.ownerName).sort()).toEqual(["Leo Park", "Maya Okafor", "Ravi Menon", "Zoë & <Sam>"]);
    const manage = await (await instructor.get("/c/t509/manage")).text();
    expect(manage).toContain("by Zoë &amp; &lt;Sam&gt;");
  });

  it("takes pasted text too, and explains an empty or non-OPML submission", async () => {
    const instructor = await setUpCourse(hub.app);
    const ok = await instructor.submit("/c/t509/manage", "/c/t509/manage/roster", { opml: roster(), importFilter: "all" });
    expect(ok.status).toBe(200);
    expect((await stored()).every((s) => s.filter === "all")).toBe(true);

    const empty = await instructor.submit("/c/t509/manage", "/c/t509/manage/roster", { opml: "  " });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain("Choose an OPML file or paste its text.");
    const feed = await instructor.submit("/c/t509/manage", "/c/t509/manage/roster", { opml: fixture("wordpress-rss2.xml") });
    expect(feed.status).toBe(400);
    expect(await feed.text()).toContain("This is not an OPML file");
  });

  it("refuses an import without the CSRF token, or from someone who may not manage the course", async () => {
    const instructor = await setUpCourse(hub.app);
    const forged = await instructor.post("/c/t509/manage/roster", { opml: roster() });
    expect(forged.status).toBe(403);

    const visitor = Client.forApp(hub.app);
    // A visitor with a valid CSRF token (from the sign-in page) is still sent to sign in.
    const anonymous = await visitor.submit("/login", "/c/t509/manage/roster", { opml: roster() });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fc%2Ft509%2Fmanage%2Froster");

    // A learner of the course, signed in, may not import.
    const course = (await courseBySlug(hub.deps.db, "t509"))!;
    const [learner] = await hub.deps.db
      .insert(people)
      .values({ email: "lee@example.org", displayName: "Lee Learner", passwordHash: await hashPassword("correct horse battery") })
      .returning();
    await hub.deps.db.insert(memberships).values({ courseId: course.id, personId: learner!.id, role: "learner" });
    const signedIn = Client.forApp(hub.app);
    expect((await signedIn.submit("/login", "/login", { email: "lee@example.org", password: "correct horse battery" })).status).toBe(303);
    const refused = await signedIn.submit("/c/t509", "/c/t509/manage/roster", { opml: roster() });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Only this course&#39;s instructors and TAs can do that.");
    expect(await stored()).toEqual([]);
  });
});

describe("exporting a course's blogs", () => {
  it("serves OPML 2.0 publicly, escaped, that reads back as the same blogs", async () => {
    const instructor = await setUpCourse(hub.app);
    await instructor.submit("/c/t509/manage", "/c/t509/manage/sources", { url: server.url("/"), ownerName: 'Maya "<script>" & co' });
    const res = await Client.forApp(hub.app).get("/c/t509/blogs.opml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/x-opml; charset=utf-8");
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<opml version="2.0">/);
    expect(xml).toContain("<title>T509 Massive: blogs</title>");
    expect(xml).not.toContain("<script");
    expect(parseOpml(xml)).toEqual([
      {
        line: 9,
        ownerName: 'Maya "<script>" & co',
        title: "T509Massive – Maya learns in the open",
        xmlUrl: server.url("/tag/t509massive/feed/"),
        htmlUrl: server.url("/"),
        problem: null,
      },
    ]);
    expect((await Client.forApp(hub.app).get("/c/nope/blogs.opml")).status).toBe(404);
  });
});
