// "Take your network with you": a course member downloads classmates' blogs
// (OPML), Mastodon accounts (the CSV Mastodon's "Following list" import reads)
// and Bluesky handles (a list and JSON), from verified identities only.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { blogKey } from "../../src/accounts/identities.js";
import { createPerson } from "../../src/accounts/people.js";
import { blockedAuthors, identities, items, memberships, sources } from "../../src/db/schema.js";
import { MASTODON_FOLLOWING_HEADER } from "../../src/hub/outbound/network.js";
import { parseOpml } from "../../src/hub/sources/opml.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let ida: Client;
const ids: Record<string, number> = {};

async function person(key: string, displayName: string): Promise<number> {
  const id = (await createPerson(hub.deps.db, { email: `${key}@example.org`, displayName, password: "correct horse battery" }))!.id;
  ids[key] = id;
  return id;
}

async function signIn(key: string): Promise<Client> {
  const client = Client.forApp(hub.app);
  const res = await client.submit("/login", "/login", { email: `${key}@example.org`, password: "correct horse battery" });
  expect(res.status).toBe(303);
  return client;
}

async function identity(personId: number, kind: "mastodon" | "bluesky" | "blog", address: string, authorKey: string, verified = true) {
  await hub.deps.db
    .insert(identities)
    .values({ personId, kind, address, authorKey, verifyCode: `c${Math.random()}`, verifiedAt: verified ? hub.clock.now : null });
}

beforeEach(async () => {
  hub = await createTestHub({ PUBLIC_URL: "https://hub.example.org" });
  ida = await setUpCourse(hub.app);
  ids.ida = 1;
  const maya = await person("maya", "Maya Okafor");
  const sam = await person("sam", "Sam Stone");
  const lee = await person("lee", "Lee Park");
  const zed = await person("zed", "Zed Outsider");
  await person("out", "Olive Outsider");
  const { db } = hub.deps;
  await db.insert(memberships).values([
    { courseId: 1, personId: maya, role: "learner" },
    { courseId: 1, personId: sam, role: "learner" },
  ]);
  // Lee has no membership, but the course shows Lee's posts: Lee takes part.
  const at = hub.clock.now;
  await db.insert(items).values({
    courseId: 1,
    kind: "mastodon",
    externalId: "l1",
    canonicalUrl: "https://scholar.social/@lee/1",
    title: "Lee's toot",
    personId: lee,
    authorKey: "lee@scholar.social",
    publishedAt: at,
    firstSeenAt: at,
    lastSeenAt: at,
  });

  await identity(1, "mastodon", "@ida@hci.social", "ida@hci.social");
  await identity(maya, "mastodon", "@maya@mastodon.social", "maya@mastodon.social");
  await identity(sam, "mastodon", "@sam@mastodon.social", "sam@mastodon.social");
  await identity(sam, "mastodon", "@notsam@evil.example", "notsam@evil.example", false);
  await identity(sam, "bluesky", "sam.bsky.social", "did:plc:abcdefghijklmnopqrstuvwx");
  await identity(sam, "blog", "https://sam.example.org/", blogKey("https://sam.example.org/"));
  await identity(lee, "mastodon", "@lee@scholar.social", "lee@scholar.social");
  await identity(lee, "mastodon", "@lee@spam.example", "lee@spam.example");
  await identity(lee, "bluesky", "did:plc:zyxwvutsrqponmlkjihgfedc", "did:plc:zyxwvutsrqponmlkjihgfedc");
  await identity(lee, "blog", "https://lee.example.net/", blogKey("https://lee.example.net/"));
  await identity(lee, "bluesky", "unproven.bsky.social", "handle:unproven.bsky.social", false);
  await identity(zed, "mastodon", "@zed@mastodon.social", "zed@mastodon.social");
  await db.insert(blockedAuthors).values({ courseId: 1, kind: "mastodon", authorKey: "lee@spam.example", label: "@lee@spam.example" });
  await db.insert(sources).values({
    courseId: 1,
    kind: "feed",
    url: "https://sam.example.org/tag/t509massive/feed/",
    title: "Sam & the Web",
    homePageUrl: "https://sam.example.org/",
    ownerId: sam,
    nextPollAt: at,
  });
});
afterEach(async () => hub.close());

/** Reads a CSV the way Mastodon's importer does: a header row, then rows keyed by header (Ruby CSV, headers: true). */
function readCsv(text: string): Array<Record<string, string>> {
  const [head, ...rows] = text.split("\n").filter((l) => l !== "");
  const names = head!.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, n) => [names[n]!, v])));
}

describe("take your network with you", () => {
  it("gives a member classmates' Mastodon accounts as Mastodon's following-list CSV", async () => {
    const maya = await signIn("maya");
    const res = await maya.get("/c/t509/network/mastodon.csv");
    expect(res.status, JSON.stringify(hub.log.lines.filter((l) => l.level === "error"))).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="following_accounts-t509.csv"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const text = await res.text();
    // Exactly the header row of Mastodon's own export, which its importer expects.
    expect(text.split("\n")[0]).toBe("Account address,Show boosts,Notify on new posts,Languages");
    expect(MASTODON_FOLLOWING_HEADER.join(",")).toBe("Account address,Show boosts,Notify on new posts,Languages");
    expect(readCsv(text)).toEqual([
      { "Account address": "ida@hci.social", "Show boosts": "true", "Notify on new posts": "false", Languages: "" },
      { "Account address": "lee@scholar.social", "Show boosts": "true", "Notify on new posts": "false", Languages: "" },
      { "Account address": "sam@mastodon.social", "Show boosts": "true", "Notify on new posts": "false", Languages: "" },
    ]);
    // Not Maya's own, not an unverified claim, not someone outside the course, not a blocked account.
    for (const absent of ["maya@", "notsam", "zed@", "spam.example"]) expect(text).not.toContain(absent);
  });

  it("gives Bluesky handles as a list and as JSON, verified only", async () => {
    const maya = await signIn("maya");
    const list = await maya.get("/c/t509/network/bluesky.txt");
    expect(list.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    // Lee proved a DID without a handle: the DID stands in for it.
    expect(await list.text()).toBe("did:plc:zyxwvutsrqponmlkjihgfedc\nsam.bsky.social\n");
    const json = (await (await maya.get("/c/t509/network/bluesky.json")).json()) as { course: unknown; accounts: unknown };
    expect(json.course).toEqual({ title: "T509 Massive", url: "https://hub.example.org/c/t509" });
    expect(json.accounts).toEqual([
      {
        name: "Lee Park",
        handle: null,
        did: "did:plc:zyxwvutsrqponmlkjihgfedc",
        profile: "https://bsky.app/profile/did%3Aplc%3Azyxwvutsrqponmlkjihgfedc",
      },
      {
        name: "Sam Stone",
        handle: "sam.bsky.social",
        did: "did:plc:abcdefghijklmnopqrstuvwx",
        profile: "https://bsky.app/profile/did%3Aplc%3Aabcdefghijklmnopqrstuvwx",
      },
    ]);
  });

  it("gives classmates' blogs as OPML that imports as a roster, with the feed the hub reads, and no feedless outline", async () => {
    const maya = await signIn("maya");
    const res = await maya.get("/c/t509/network/blogs.opml");
    expect(res.headers.get("content-type")).toBe("text/x-opml; charset=utf-8");
    const opml = await res.text();
    expect(opml).toContain('title="Sam &#38; the Web"');
    const lines = parseOpml(opml);
    // Lee's blog has no feed the hub reads: a feed reader would subscribe to its home page and fail.
    expect(opml).not.toContain('type="link"');
    expect(opml).not.toContain("lee.example.net");
    expect(lines.map(({ ownerName, title, xmlUrl, htmlUrl, problem }) => ({ ownerName, title, xmlUrl, htmlUrl, problem }))).toEqual([
      {
        ownerName: "Sam Stone",
        title: "Sam & the Web",
        xmlUrl: "https://sam.example.org/tag/t509massive/feed/",
        htmlUrl: "https://sam.example.org/",
        problem: null,
      },
    ]);
  });

  it("has a download page that counts each file and names the blogs the OPML leaves out", async () => {
    const maya = await signIn("maya");
    const res = await maya.get("/c/t509/network");
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const f of ["blogs.opml", "mastodon.csv", "bluesky.txt", "bluesky.json"]) expect(html).toContain(`href="/c/t509/network/${f}"`);
    expect(html).toContain("Classmates' blogs (OPML)</a>: 1 blog,");
    expect(html).toContain("Mastodon follows (CSV)</a>: 3 accounts,");
    expect(html).toContain("Not in the OPML file");
    expect(html).toContain('Lee Park: <a href="https://lee.example.net/" rel="nofollow ugc">https://lee.example.net/</a>');
    // Every course page links to it for members.
    expect(await (await maya.get("/c/t509")).text()).toContain('href="/c/t509/network">Take your network with you</a>');
    expect((await Client.forApp(hub.app).get("/c/t509/network")).status).toBe(302);
    expect((await (await signIn("out")).get("/c/t509/network")).status).toBe(403);
  });

  it("is for the course's people only: visitors sign in, outsiders are refused", async () => {
    const visitor = Client.forApp(hub.app);
    const res = await visitor.get("/c/t509/network/mastodon.csv");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?next=%2Fc%2Ft509%2Fnetwork%2Fmastodon.csv");
    const outsider = await signIn("out");
    for (const f of ["blogs.opml", "mastodon.csv", "bluesky.txt", "bluesky.json"])
      expect((await outsider.get(`/c/t509/network/${f}`)).status, f).toBe(403);
    expect((await outsider.get("/c/nope/network/mastodon.csv")).status).toBe(404);
    // Lee takes part through posts; the instructor runs the course.
    const lee = await signIn("lee");
    const leeCsv = await (await lee.get("/c/t509/network/mastodon.csv")).text();
    expect(leeCsv).toContain("maya@mastodon.social");
    expect(leeCsv).not.toContain("lee@scholar.social");
    expect((await ida.get("/c/t509/network/mastodon.csv")).status).toBe(200);
  });
});
