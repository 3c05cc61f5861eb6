// Who may use which route: one table listing every route of the app, with the
// access each one grants, checked for every kind of visitor. The test fails
// when the app has a route the table does not list (read from Hono's
// `app.routes`), so a new route cannot ship without saying who may use it.
// The personal learning system's routes have their own table (pls-permissions.test.ts).
//
// Each (route, visitor) pair runs against its own copy of one prepared
// database, so a write by one pair (removing a member, changing a password)
// never changes what the next pair finds, and a refused request is checked
// to have written nothing at all.

import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { createSession } from "../../src/accounts/sessions.js";
import { createApp } from "../../src/app.js";
import { memoryLog } from "../../src/core/log.js";
import { openLibsql, tuneLocalFile } from "../../src/db/libsql.js";
import {
  blockedAuthors,
  courses,
  courseTemplates,
  identities,
  items,
  memberships,
  sources,
  spotlightEntries,
} from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { snapshot } from "../helpers/db-snapshot.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";
import { isPlsRoute } from "../helpers/pls-routes.js";

const ROLES = ["anonymous", "learner", "otherLearner", "ta", "instructor", "admin"] as const;
type Role = (typeof ROLES)[number];
const ROLE_LABEL: Record<Role, string> = {
  anonymous: "anonymous",
  learner: "learner of this course",
  otherLearner: "learner of another course",
  ta: "TA",
  instructor: "instructor",
  admin: "hub administrator",
};

/** What a visitor should meet: the page or action, a sign-in redirect, a 403, or a closed door for everyone. */
type Outcome = "allowed" | "login" | "forbidden" | "closed";

const ACCESS = {
  /** Anyone, signed in or not. */
  public: { anonymous: "allowed", learner: "allowed", otherLearner: "allowed", ta: "allowed", instructor: "allowed", admin: "allowed" },
  /** Anyone signed in. */
  signedIn: { anonymous: "login", learner: "allowed", otherLearner: "allowed", ta: "allowed", instructor: "allowed", admin: "allowed" },
  /** People taking part in the course (any role), and administrators. */
  member: { anonymous: "login", learner: "allowed", otherLearner: "forbidden", ta: "allowed", instructor: "allowed", admin: "allowed" },
  /** Those who run the course: instructors, TAs, administrators. */
  manager: { anonymous: "login", learner: "forbidden", otherLearner: "forbidden", ta: "allowed", instructor: "allowed", admin: "allowed" },
  /** Instructors and administrators, not TAs. */
  instructor: {
    anonymous: "login",
    learner: "forbidden",
    otherLearner: "forbidden",
    ta: "forbidden",
    instructor: "allowed",
    admin: "allowed",
  },
  /** The hub's administrators only. */
  admin: {
    anonymous: "login",
    learner: "forbidden",
    otherLearner: "forbidden",
    ta: "forbidden",
    instructor: "forbidden",
    admin: "allowed",
  },
  /** First-run setup: once the hub has an account, everyone is sent to sign in. */
  setupDone: { anonymous: "closed", learner: "closed", otherLearner: "closed", ta: "closed", instructor: "closed", admin: "closed" },
} satisfies Record<string, Record<Role, Outcome>>;
type Access = keyof typeof ACCESS;

/** What the prepared database holds, for paths and form bodies. */
interface Fixture {
  server: FeedServer;
  ids: Record<
    | "maya"
    | "leo"
    | "noor"
    | "zed"
    | "sourceActive"
    | "sourcePaused"
    | "sourcePending"
    | "item"
    | "guestItem"
    | "entry"
    | "identity"
    | "otherCourse"
    | "courseTemplate",
    number
  >;
}

interface Row {
  method: "GET" | "POST";
  /** The route as Hono lists it. */
  route: string;
  access: Access;
  /** The path requested (the route with real values), when it has parameters. */
  path?: (f: Fixture) => string;
  body?: (f: Fixture) => Record<string, string>;
  /**
   * Statuses that count as allowed, when not a success: routes that also
   * check ownership answer 404 to someone allowed in who does not own the thing
   * (their ownership is tested in the route's own test file).
   */
  alsoAllowed?: number[];
}

const PASSWORD = "correct horse battery";
const T = "/c/t509";

const TABLE: Row[] = [
  // Static and health
  { method: "GET", route: "/static/style.css", access: "public" },
  { method: "GET", route: "/healthz", access: "public" },
  // The WebSub callback: hubs are anonymous; an unknown subscription is 404 (GET) and ignored (POST).
  { method: "GET", route: "/websub/:id", access: "public", path: () => "/websub/no-such-subscription-0000", alsoAllowed: [404] },
  { method: "POST", route: "/websub/:id", access: "public", path: () => "/websub/no-such-subscription-0000" },
  // The Webmention endpoint: senders are anonymous sites; a mention of a page not ours is 400.
  { method: "GET", route: "/webmention", access: "public" },
  {
    method: "POST",
    route: "/webmention",
    access: "public",
    body: () => ({ source: "https://elsewhere.example/post", target: "https://elsewhere.example/" }),
    alsoAllowed: [400],
  },
  // Weblogs pings: anonymous by design; GET is 405 (a ping is a POST).
  { method: "GET", route: "/xmlrpc", access: "public", alsoAllowed: [405] },
  { method: "POST", route: "/xmlrpc", access: "public" },
  { method: "GET", route: "/webmention/:status", access: "public", path: () => "/webmention/no-such-status-000000", alsoAllowed: [404] },
  // Setup, sign-in, sign-up, accounts
  { method: "GET", route: "/setup", access: "setupDone" },
  { method: "POST", route: "/setup", access: "setupDone", body: () => ({ displayName: "X", email: "x@example.org", password: PASSWORD }) },
  { method: "GET", route: "/login", access: "public" },
  { method: "POST", route: "/login", access: "public", body: () => ({ email: "zed@example.org", password: PASSWORD }) },
  { method: "POST", route: "/logout", access: "public" },
  { method: "GET", route: "/signup", access: "public" },
  {
    method: "POST",
    route: "/signup",
    access: "public",
    body: () => ({ displayName: "New", email: "new@example.org", password: PASSWORD }),
  },
  { method: "GET", route: "/account", access: "signedIn" },
  {
    method: "POST",
    route: "/account/password",
    access: "signedIn",
    body: () => ({ currentPassword: PASSWORD, newPassword: "a brand new password" }),
  },
  { method: "POST", route: "/account/sessions/others/end", access: "signedIn" },
  { method: "POST", route: "/account/sessions/:id/end", access: "signedIn", path: () => "/account/sessions/0123456789abcdef/end" },
  { method: "GET", route: "/me", access: "signedIn" },
  { method: "POST", route: "/me/identities", access: "signedIn", body: () => ({ kind: "mastodon", address: "@someone@mastodon.social" }) },
  { method: "POST", route: "/me/identities/:id/verify", access: "signedIn", path: (f) => `/me/identities/${f.ids.identity}/verify` },
  { method: "POST", route: "/me/identities/:id/remove", access: "signedIn", path: (f) => `/me/identities/${f.ids.identity}/remove` },
  {
    method: "POST",
    route: "/me/items/:id/withdraw",
    access: "signedIn",
    path: (f) => `/me/items/${f.ids.item}/withdraw`,
    alsoAllowed: [404],
  },
  { method: "GET", route: "/people/:id", access: "public", path: (f) => `/people/${f.ids.maya}` },
  // Courses
  { method: "GET", route: "/", access: "public" },
  { method: "GET", route: "/courses/new", access: "admin" },
  { method: "POST", route: "/courses", access: "admin", body: () => ({ title: "New course", slug: "new-course", tags: "newtag" }) },
  // Joining
  { method: "GET", route: "/join", access: "signedIn" },
  { method: "POST", route: "/join", access: "signedIn", body: () => ({ code: "ABCD-EFGH" }) },
  { method: "GET", route: "/c/:slug/join", access: "signedIn", path: () => `${T}/join` },
  { method: "POST", route: "/c/:slug/join", access: "signedIn", path: () => `${T}/join`, body: () => ({ code: "abcd efgh" }) },
  // A course's public pages and feeds
  ...["", "/blog", "/social", "/spotlight", "/people", "/search", "/blogs.opml"].map(
    (p): Row => ({ method: "GET", route: `/c/:slug${p}`, access: "public", path: () => `${T}${p}` }),
  ),
  { method: "GET", route: "/c/:slug/tags/:tag", access: "public", path: () => `${T}/tags/t509massive` },
  { method: "GET", route: "/c/:slug/people/:personId", access: "public", path: (f) => `${T}/people/${f.ids.maya}` },
  ...["", "/blog", "/social", "/spotlight", "/people/:personId", "/tags/:tag"].flatMap((list) =>
    ["rss", "atom", "json"].map(
      (format): Row => ({
        method: "GET",
        route: `/c/:slug${list}/feed.${format}`,
        access: "public",
        path: (f) => `${T}${list.replace(":personId", String(f.ids.maya)).replace(":tag", "t509massive")}/feed.${format}`,
      }),
    ),
  ),
  { method: "GET", route: "/feeds/json-feed-extension", access: "public" },
  // Taking one's network along: for the course's members
  { method: "GET", route: "/c/:slug/network", access: "member", path: () => `${T}/network` },
  ...["blogs.opml", "mastodon.csv", "bluesky.txt", "bluesky.json"].map(
    (file): Row => ({ method: "GET", route: `/c/:slug/network/${file}`, access: "member", path: () => `${T}/network/${file}` }),
  ),
  // A member's own blogs
  { method: "GET", route: "/c/:slug/my-sources", access: "member", path: () => `${T}/my-sources` },
  {
    method: "POST",
    route: "/c/:slug/my-sources",
    access: "member",
    path: () => `${T}/my-sources`,
    body: (f) => ({ url: f.server.url("/mine.xml") }),
  },
  {
    method: "POST",
    route: "/c/:slug/my-sources/:id/remove",
    access: "member",
    path: (f) => `${T}/my-sources/${f.ids.sourcePending}/remove`,
    alsoAllowed: [404], // Maya's blog: everyone else allowed in finds no blog of theirs
  },
  {
    method: "POST",
    route: "/c/:slug/my-sources/:id/check",
    access: "member",
    path: (f) => `${T}/my-sources/${f.ids.sourcePending}/check`,
    alsoAllowed: [404], // Maya's blog: everyone else allowed in finds no blog of theirs
  },
  // Running the course: instructors and TAs
  { method: "GET", route: "/c/:slug/manage", access: "manager", path: () => `${T}/manage` },
  {
    method: "POST",
    route: "/c/:slug/manage/sources",
    access: "manager",
    path: () => `${T}/manage/sources`,
    body: (f) => ({ url: f.server.url("/new.xml"), filter: "all" }),
  },
  { method: "POST", route: "/c/:slug/manage/sources/poll-all", access: "manager", path: () => `${T}/manage/sources/poll-all` },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/poll",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourceActive}/poll`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/remove",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourceActive}/remove`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/pause",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourceActive}/pause`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/resume",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourcePaused}/resume`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/block",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourceActive}/block`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/approve",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourcePending}/approve`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/sources/:id/refuse",
    access: "manager",
    path: (f) => `${T}/manage/sources/${f.ids.sourcePending}/refuse`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/roster",
    access: "manager",
    path: () => `${T}/manage/roster`,
    body: (f) => ({ opml: `<opml version="2.0"><body><outline text="Ravi" xmlUrl="${f.server.url("/roster.xml")}"/></body></opml>` }),
  },
  {
    method: "POST",
    route: "/c/:slug/manage/social",
    access: "manager",
    path: () => `${T}/manage/social`,
    // A closed port on 127.0.0.1: the route reads the new source at once, and nothing leaves the machine.
    body: () => ({ kind: "mastodon_tag", instance: "http://127.0.0.1:9", tag: "t509massive" }),
  },
  {
    method: "POST",
    route: "/c/:slug/blocks",
    access: "manager",
    path: () => `${T}/blocks`,
    body: (f) => ({ item: String(f.ids.guestItem) }),
  },
  {
    method: "POST",
    route: "/c/:slug/blocks/remove",
    access: "manager",
    path: () => `${T}/blocks/remove`,
    body: () => ({ kind: "mastodon", authorKey: "blocked@mastodon.social" }),
  },
  { method: "POST", route: "/c/:slug/manage/items/:id/hide", access: "manager", path: (f) => `${T}/manage/items/${f.ids.item}/hide` },
  { method: "POST", route: "/c/:slug/manage/items/:id/unhide", access: "manager", path: (f) => `${T}/manage/items/${f.ids.item}/unhide` },
  { method: "GET", route: "/c/:slug/manage/hidden", access: "manager", path: () => `${T}/manage/hidden` },
  {
    method: "POST",
    route: "/c/:slug/manage/spotlight",
    access: "manager",
    path: () => `${T}/manage/spotlight`,
    body: (f) => ({ item: String(f.ids.guestItem), note: "Look" }),
  },
  ...["note", "remove", "up", "down"].map(
    (action): Row => ({
      method: "POST",
      route: `/c/:slug/manage/spotlight/:entry/${action}`,
      access: "manager",
      path: (f) => `${T}/manage/spotlight/${f.ids.entry}/${action}`,
      body: () => ({ note: "A note" }),
    }),
  ),
  { method: "GET", route: "/c/:slug/manage/settings", access: "manager", path: () => `${T}/manage/settings` },
  {
    method: "POST",
    route: "/c/:slug/manage/settings",
    access: "manager",
    path: () => `${T}/manage/settings`,
    body: () => ({ title: "T509 Massive", tags: "#T509Massive", description: "", startsOn: "", endsOn: "", joinCode: "" }),
  },
  { method: "POST", route: "/c/:slug/manage/settings/reopen", access: "manager", path: () => `${T}/manage/settings/reopen` },
  {
    method: "POST",
    route: "/c/:slug/manage/settings/copy-spotlight",
    access: "manager",
    path: () => `${T}/manage/settings/copy-spotlight`,
    body: (f) => ({ fromCourse: String(f.ids.otherCourse) }),
  },
  { method: "GET", route: "/c/:slug/manage/people", access: "manager", path: () => `${T}/manage/people` },
  // The roster (people named with their blogs, without an account yet): run like the sources.
  // No roster person in this fixture: those allowed in find nobody (404); tests/http/roster.test.ts covers the rest.
  {
    method: "POST",
    route: "/c/:slug/manage/roster/:id/claim-link",
    access: "manager",
    path: () => `${T}/manage/roster/999999/claim-link`,
    alsoAllowed: [404],
  },
  {
    method: "POST",
    route: "/c/:slug/manage/roster/:id",
    access: "manager",
    path: () => `${T}/manage/roster/999999`,
    body: () => ({ displayName: "X" }),
    alsoAllowed: [404],
  },
  {
    method: "POST",
    route: "/c/:slug/manage/roster/:id/merge",
    access: "manager",
    path: () => `${T}/manage/roster/999999/merge`,
    alsoAllowed: [400],
  },
  {
    method: "POST",
    route: "/c/:slug/manage/roster/:id/remove",
    access: "manager",
    path: () => `${T}/manage/roster/999999/remove`,
    body: () => ({ confirm: "yes" }),
    alsoAllowed: [404],
  },
  {
    method: "POST",
    route: "/c/:slug/manage/roster/csv",
    access: "manager",
    path: () => `${T}/manage/roster/csv`,
    body: () => ({ csv: "name,blog\nNobody,not a url" }),
    alsoAllowed: [400],
  },
  // A claim link is the secret: anyone may open it (an unknown one is gone: 410); claiming needs an account.
  { method: "GET", route: "/claim/:token", access: "public", path: () => "/claim/trc_not-a-real-token", alsoAllowed: [410] },
  { method: "POST", route: "/claim/:token", access: "signedIn", path: () => "/claim/trc_not-a-real-token", alsoAllowed: [410] },
  // The course's objective templates, offered to its members' plans: run like its sources and Spotlight
  { method: "GET", route: "/c/:slug/manage/templates", access: "manager", path: () => `${T}/manage/templates` },
  {
    method: "POST",
    route: "/c/:slug/manage/templates",
    access: "manager",
    path: () => `${T}/manage/templates`,
    body: () => ({ title: "Build a data story", tags: "#datavis", steps: "Pick a data set\nPublish a post" }),
  },
  {
    method: "POST",
    route: "/c/:slug/manage/templates/:id",
    access: "manager",
    path: (f) => `${T}/manage/templates/${f.ids.courseTemplate}`,
    body: () => ({ title: "Tell a data story", steps: "Pick a data set" }),
  },
  {
    method: "POST",
    route: "/c/:slug/manage/templates/:id/delete",
    access: "manager",
    path: (f) => `${T}/manage/templates/${f.ids.courseTemplate}/delete`,
  },
  {
    method: "POST",
    route: "/c/:slug/manage/people/join-code",
    access: "manager",
    path: () => `${T}/manage/people/join-code`,
    body: () => ({ action: "new" }),
  },
  // Who runs the course: instructors only
  {
    method: "POST",
    route: "/c/:slug/manage/people/tas",
    access: "instructor",
    path: () => `${T}/manage/people/tas`,
    body: () => ({ email: "zed@example.org" }),
  },
  {
    method: "POST",
    route: "/c/:slug/manage/people/:personId/remove",
    access: "instructor",
    path: (f) => `${T}/manage/people/${f.ids.noor}/remove`,
  },
];

let hub: TestHub;
let server: FeedServer;
let f: Fixture;
const tokens: Partial<Record<Role, string>> = {};
const CSRF = "permission-table-csrf-token-0123456789";
let copies = 0;

beforeAll(async () => {
  server = await startFeedServer();
  for (const path of ["/a.xml", "/new.xml", "/mine.xml", "/roster.xml", "/paused.xml", "/pending.xml"])
    server.feed(path, fixture("wordpress-rss2.xml"));
  // No anonymous page cache: every request must reach its route.
  hub = await createTestHub({ PAGE_CACHE_SECONDS: "0" });
  const { db } = hub.deps;
  const now = hub.clock.now;
  await setUpCourse(hub.app); // Ida, the administrator, creates t509
  await db.insert(courses).values({ slug: "other", title: "Other course" });
  const t509 = (await courseBySlug(db, "t509"))!.id;
  const other = (await courseBySlug(db, "other"))!.id;
  await db.update(courses).set({ joinCode: "ABCD-EFGH" }).where(eq(courses.id, t509));

  const person = async (name: string, memberOf: Array<[number, "instructor" | "ta" | "learner"]>) => {
    const p = (await createPerson(db, { email: `${name}@example.org`, displayName: name, password: PASSWORD }))!;
    for (const [courseId, role] of memberOf) await db.insert(memberships).values({ courseId, personId: p.id, role });
    return p.id;
  };
  const ines = await person("ines", [[t509, "instructor"]]);
  const tomas = await person("tomas", [[t509, "ta"]]);
  const maya = await person("maya", [[t509, "learner"]]);
  const leo = await person("leo", [[other, "learner"]]);
  const noor = await person("noor", [[t509, "learner"]]);
  const zed = await person("zed", []);
  const sessionOf = async (id: number) => (await createSession(db, id, now)).token;
  tokens.admin = await sessionOf(1);
  tokens.instructor = await sessionOf(ines);
  tokens.ta = await sessionOf(tomas);
  tokens.learner = await sessionOf(maya);
  tokens.otherLearner = await sessionOf(leo);

  const source = async (path: string, status: "active" | "paused" | "pending", ownerId: number | null) =>
    (
      await db
        .insert(sources)
        .values({ courseId: t509, kind: "feed", url: server.url(path), status, ownerId, nextPollAt: now, createdAt: now })
        .returning()
    )[0]!.id;
  const sourceActive = await source("/a.xml", "active", null);
  const sourcePaused = await source("/paused.xml", "paused", null);
  const sourcePending = await source("/pending.xml", "pending", maya);
  const item = async (courseId: number, over: Partial<typeof items.$inferInsert>) =>
    (
      await db
        .insert(items)
        .values({
          courseId,
          kind: "blog",
          externalId: `e${Math.random()}`,
          canonicalUrl: `https://blog.example.org/${Math.random()}`,
          title: "Week 1",
          tags: ["t509massive"],
          publishedAt: now,
          firstSeenAt: now,
          lastSeenAt: now,
          ...over,
        })
        .returning()
    )[0]!.id;
  const mayaItem = await item(t509, { personId: maya, sourceId: sourceActive });
  const guestItem = await item(t509, {
    kind: "mastodon",
    authorKey: "g@mastodon.social",
    authorHandle: "@g@mastodon.social",
    canonicalUrl: "https://mastodon.social/@g/1",
  });
  const entry = (await db.insert(spotlightEntries).values({ courseId: t509, itemId: mayaItem, note: "" }).returning())[0]!.id;
  const otherItem = await item(other, {});
  await db.insert(spotlightEntries).values({ courseId: other, itemId: otherItem, note: "From last year" });
  await db
    .insert(blockedAuthors)
    .values({ courseId: t509, kind: "mastodon", authorKey: "blocked@mastodon.social", label: "@blocked@mastodon.social" });
  // A blog on 127.0.0.1, so that checking it ("verify") never leaves the machine.
  const blog = server.url("/maya/");
  const identity = (
    await db.insert(identities).values({ personId: maya, kind: "blog", address: blog, authorKey: blog, verifyCode: "code" }).returning()
  )[0]!.id;

  const courseTemplate = (
    await db
      .insert(courseTemplates)
      .values({ courseId: t509, title: "Build a data story", steps: ["Pick a data set"], createdAt: now })
      .returning()
  )[0]!.id;

  f = {
    server,
    ids: {
      maya,
      leo,
      noor,
      zed,
      sourceActive,
      sourcePaused,
      sourcePending,
      item: mayaItem,
      guestItem,
      entry,
      identity,
      otherCourse: other,
      courseTemplate,
    },
  };
  // Everything is in the main file, so a copy of it alone is the whole database.
  await hub.database.client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
  prepared = await snapshot(hub.database.client);
});

afterAll(async () => {
  await server?.close();
  await hub?.close();
});

let prepared = "";

/** One request by `role` against a fresh copy of the prepared database; `wrote`: whether the database changed. */
async function requestAs(role: Role, row: Row): Promise<{ res: Response; wrote: boolean }> {
  const file = join(hub.dir, `copy-${copies++}.db`);
  copyFileSync(join(hub.dir, "hub.db"), file);
  const database = openLibsql(`file:${file}`);
  try {
    await tuneLocalFile(database.client);
    const app = createApp({ ...hub.deps, db: database.db, log: memoryLog() });
    const cookies = [
      `tributary_csrf=${CSRF}`,
      ...(tokens[role as Exclude<Role, "anonymous">] ? [`tributary_session=${tokens[role as Exclude<Role, "anonymous">]}`] : []),
    ];
    const path = row.path ? row.path(f) : row.route;
    const init: RequestInit =
      row.method === "GET"
        ? { headers: { cookie: cookies.join("; ") } }
        : {
            method: "POST",
            headers: { cookie: cookies.join("; "), "content-type": "application/x-www-form-urlencoded", origin: "http://localhost:8787" },
            body: new URLSearchParams({ _csrf: CSRF, ...(row.body?.(f) ?? {}) }).toString(),
          };
    const res = await app.fetch(new Request(`http://localhost:8787${path}`, { ...init, redirect: "manual" }));
    await res.arrayBuffer();
    return { res, wrote: (await snapshot(database.client)) !== prepared };
  } finally {
    database.client.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  }
}

function describeResponse(res: Response): string {
  return `${res.status}${res.headers.get("location") ? ` → ${res.headers.get("location")}` : ""}`;
}

describe("the permission table", () => {
  it("lists every route of the app, and only those", () => {
    const listed = new Set(TABLE.map((r) => `${r.method} ${r.route}`));
    expect(listed.size).toBe(TABLE.length); // no route listed twice
    const inApp = new Set(hub.app.routes.filter((r) => r.method !== "ALL" && !isPlsRoute(r.path)).map((r) => `${r.method} ${r.path}`));
    const missing = [...inApp].filter((r) => !listed.has(r));
    const stale = [...listed].filter((r) => !inApp.has(r));
    expect(missing, "routes in the app that the permission table does not list: say who may use them").toEqual([]);
    expect(stale, "routes in the table that the app no longer has").toEqual([]);
  });

  it.each(TABLE.map((row) => [`${row.method} ${row.route}`, row] as const))("%s", async (_name, row) => {
    const problems: string[] = [];
    for (const role of ROLES) {
      const expected: Outcome = ACCESS[row.access][role];
      const { res, wrote } = await requestAs(role, row);
      const location = res.headers.get("location") ?? "";
      const path = row.path ? row.path(f) : row.route;
      const toLogin = (res.status === 302 || res.status === 303) && location === `/login?next=${encodeURIComponent(path)}`;
      const ok =
        expected === "login"
          ? toLogin
          : expected === "forbidden"
            ? res.status === 403
            : expected === "closed"
              ? res.status === 302 && location === "/login"
              : res.status !== 403 && !location.startsWith("/login") && (res.status < 400 || (row.alsoAllowed ?? []).includes(res.status));
      if (!ok) problems.push(`${ROLE_LABEL[role]}: expected ${expected}, got ${describeResponse(res)}`);
      // A refused request changes nothing.
      if (ok && expected !== "allowed" && wrote) problems.push(`${ROLE_LABEL[role]}: refused, but the database changed`);
    }
    expect(problems).toEqual([]);
  });
});
