// A toot or a skeet has no title: the hub shows its text once, with no title cut from that text
// above it, on the pages and in the feeds; and its author goes by the same name on the course
// pages, in Focus and in the outbound feeds (views/author-name.ts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { items, memberships, objectives } from "../../src/db/schema.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
const TEXT = "Reading Illich again for #t509massive: deschooling is about networks of people who want to learn together.";
let hub: TestHub;
let visitor: Client;
let mayaId: number;

beforeEach(async () => {
  hub = await createTestHub();
  await setUpCourse(hub.app);
  visitor = Client.forApp(hub.app);
  mayaId = (await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya Okafor", password: PASSWORD }))!.id;
  await hub.deps.db.insert(memberships).values({ courseId: 1, personId: mayaId, role: "learner" });
  const now = hub.clock.now;
  // As the social store writes a toot: its first words as the title, its text as the excerpt.
  await hub.deps.db.insert(items).values({
    courseId: 1,
    kind: "mastodon",
    externalId: "https://mastodon.social/@maya/1",
    canonicalUrl: "https://mastodon.social/@maya/1",
    title: "Reading Illich again for #t509massive: deschooling is about networks of people…",
    excerpt: TEXT,
    authorName: "maya 🌱",
    authorHandle: "@maya@mastodon.social",
    personId: mayaId,
    publishedAt: now,
    firstSeenAt: now,
    lastSeenAt: now,
    tags: ["t509massive", "illich"],
  });
});
afterEach(() => hub.close());

describe("a social post's card", () => {
  it("shows the text once and no title made of it, with a heading for screen readers", async () => {
    const html = await (await visitor.get("/c/t509/social")).text();
    const card = /<article class="item item-mastodon">[\s\S]*?<\/article>/.exec(html)![0];
    expect(card.split("Reading Illich again")).toHaveLength(2);
    expect(card).toContain(`<p class="excerpt post-text">${TEXT}</p>`);
    expect(card).toContain('<h3 class="visually-hidden">Post by Maya Okafor on Mastodon</h3>');
    expect(card).toContain('<a class="author" href="/c/t509/people/2">Maya Okafor</a>');
  });

  it("is its text in RSS and JSON Feed (no title), and in Atom with a label for its title", async () => {
    const rss = await (await visitor.get("/c/t509/social/feed.rss")).text();
    const entry = /<item>[\s\S]*?<\/item>/.exec(rss)![0];
    expect(entry).not.toContain("<title>");
    expect(entry).toContain("Reading Illich again");
    expect(entry).toContain("<dc:creator>Maya Okafor</dc:creator>");
    const json = (await (await visitor.get("/c/t509/social/feed.json")).json()) as {
      items: Array<{ title?: string; content_text: string; authors: Array<{ name: string }> }>;
    };
    expect(json.items[0]!.title).toBeUndefined();
    expect(json.items[0]!.content_text).toBe(TEXT);
    expect(json.items[0]!.authors[0]!.name).toBe("Maya Okafor");
    const atom = await (await visitor.get("/c/t509/social/feed.atom")).text();
    expect(atom).toContain(`<title type="text">Post by Maya Okafor on Mastodon</title>`);
    expect(atom).toContain("<name>Maya Okafor</name>");
  });

  it("goes by the learner's course name in Focus too", async () => {
    await hub.deps.db.insert(objectives).values({
      personId: mayaId,
      title: "Read Illich",
      status: "active",
      tags: ["illich"],
      createdAt: hub.clock.now,
      updatedAt: hub.clock.now,
    });
    const maya = Client.forApp(hub.app);
    await maya.submit("/login", "/login", { email: "maya@example.org", password: PASSWORD });
    const focus = await (await maya.get("/pls/focus")).text();
    expect(focus).toContain('<p class="meta">Maya Okafor · <time');
    expect(focus).toContain(">Post by Maya Okafor on Mastodon</a>");
    expect(focus).not.toContain("maya 🌱");
  });
});
