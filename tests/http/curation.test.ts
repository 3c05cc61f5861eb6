// Curation through the real app and forms: only a course's instructors and TAs
// may hide posts, run the Spotlight, pause or block sources and edit settings;
// each does what it says, and a new cohort can start from an old Spotlight.
import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { courses, courseTags, items, memberships, sources, spotlightEntries, tombstones } from "../../src/db/schema.js";
import { createCourse } from "../../src/hub/courses.js";
import { claimDueSources } from "../../src/ingest/poll/poll.js";
import { Client } from "../helpers/hub.js";
import { type CourseFixture, courseFixture, titlesIn } from "../hub/course-fixtures.js";

let f: CourseFixture;

beforeEach(async () => {
  f = await courseFixture();
});
afterEach(async () => f.hub.close());

const db = () => f.hub.deps.db;
const text = async (client: Client, path: string) => (await client.get(path)).text();

async function positions() {
  return db()
    .select({ itemId: spotlightEntries.itemId, position: spotlightEntries.position, note: spotlightEntries.note })
    .from(spotlightEntries)
    .where(eq(spotlightEntries.courseId, 1))
    .orderBy(asc(spotlightEntries.position));
}

async function feedSource(over: Partial<typeof sources.$inferInsert> = {}) {
  const [row] = await db()
    .insert(sources)
    .values({
      courseId: 1,
      kind: "feed",
      url: `https://blog${Math.random()}.example.org/feed`,
      nextPollAt: new Date(f.hub.clock.now.getTime() - 1000),
      ...over,
    })
    .returning();
  return row!;
}

describe("who may curate", () => {
  it("sends visitors to sign in and refuses learners, for every curation route, changing nothing", async () => {
    const item = await f.item({ title: "A post" });
    const source = await feedSource();
    await db().insert(spotlightEntries).values({ courseId: 1, itemId: item.id, note: "kept", position: 0 });
    const [entry] = await db().select().from(spotlightEntries);
    const posts: Array<[string, Record<string, string>]> = [
      [`/c/t509/manage/items/${item.id}/hide`, {}],
      [`/c/t509/manage/items/${item.id}/unhide`, {}],
      ["/c/t509/manage/spotlight", { item: String(item.id), note: "x" }],
      [`/c/t509/manage/spotlight/${entry!.id}/note`, { note: "changed" }],
      [`/c/t509/manage/spotlight/${entry!.id}/up`, {}],
      [`/c/t509/manage/spotlight/${entry!.id}/down`, {}],
      [`/c/t509/manage/spotlight/${entry!.id}/remove`, {}],
      [`/c/t509/manage/sources/${source.id}/pause`, {}],
      [`/c/t509/manage/sources/${source.id}/block`, {}],
      [`/c/t509/manage/sources/${source.id}/resume`, {}],
      ["/c/t509/manage/settings", { title: "Taken over", tags: "x" }],
      ["/c/t509/manage/settings/copy-spotlight", { fromCourse: "1" }],
    ];
    const visitor = f.visitor();
    for (const [action, fields] of posts) {
      const anon = await visitor.submit("/login", action, fields);
      expect(anon.status, action).toBe(302);
      expect(anon.headers.get("location"), action).toMatch(/^\/login\?next=/);
      const learner = await f.maya.submit("/c/t509", action, fields);
      expect(learner.status, action).toBe(403);
      expect(await learner.text()).toContain("Only this course&#39;s instructors and TAs can do that.");
    }
    for (const path of ["/c/t509/manage/settings", "/c/t509/manage/hidden"]) {
      expect((await visitor.get(path)).status).toBe(302);
      expect((await f.maya.get(path)).status).toBe(403);
    }
    const [after] = await db().select().from(items).where(eq(items.id, item.id));
    expect(after!.hidden).toBe(false);
    expect(await positions()).toEqual([{ itemId: item.id, position: 0, note: "kept" }]);
    const [src] = await db().select().from(sources).where(eq(sources.id, source.id));
    expect(src!.status).toBe("active");
    const [course] = await db().select().from(courses).where(eq(courses.id, 1));
    expect(course!.title).toBe("T509 Massive");
  });

  it("refuses a curation form without its CSRF token", async () => {
    const item = await f.item();
    expect((await f.ida.post(`/c/t509/manage/items/${item.id}/hide`, {})).status).toBe(403);
    const [after] = await db().select().from(items).where(eq(items.id, item.id));
    expect(after!.hidden).toBe(false);
  });

  it("shows curation controls to the course team only, and lets a TA curate", async () => {
    const item = await f.item({ title: "Curate me" });
    expect(await text(f.ida, "/c/t509")).toContain(`action="/c/t509/manage/items/${item.id}/hide"`);
    for (const client of [f.visitor(), f.maya]) {
      const page = await text(client, "/c/t509");
      expect(page).toContain("Curate me");
      expect(page).not.toContain("/manage/");
      expect(page).not.toContain("Add to Spotlight");
    }
    const ta = (await createPerson(db(), { email: "ta@example.org", displayName: "Tam TA", password: "correct horse battery" }))!;
    await db().insert(memberships).values({ courseId: 1, personId: ta.id, role: "ta" });
    const tam = Client.forApp(f.hub.app);
    await tam.submit("/login", "/login", { email: "ta@example.org", password: "correct horse battery" });
    expect((await tam.submit("/c/t509", `/c/t509/manage/items/${item.id}/hide`, {})).status).toBe(303);
  });
});

describe("hiding posts", () => {
  it("hides a post from every page and shows it again from the hidden list", async () => {
    const item = await f.item({ title: "Off-topic post", tags: ["week1"] });
    const hide = await f.ida.submit("/c/t509", `/c/t509/manage/items/${item.id}/hide`, { back: "/c/t509/tags/week1" });
    expect(hide.status).toBe(303);
    expect(hide.headers.get("location")).toBe("/c/t509/tags/week1");
    for (const path of ["/c/t509", "/c/t509/blog", "/c/t509/tags/week1", "/c/t509/search?q=topic"]) {
      expect(await text(f.visitor(), path), path).not.toContain("Off-topic post");
    }
    const hidden = await text(f.ida, "/c/t509/manage/hidden");
    expect(titlesIn(hidden)).toEqual(["Off-topic post"]);
    expect(hidden).toContain(`action="/c/t509/manage/items/${item.id}/unhide"`);
    const show = await f.ida.submit("/c/t509/manage/hidden", `/c/t509/manage/items/${item.id}/unhide`, { back: "/c/t509/manage/hidden" });
    expect(show.headers.get("location")).toBe("/c/t509/manage/hidden");
    expect(await text(f.visitor(), "/c/t509")).toContain("Off-topic post");
    expect(await text(f.ida, "/c/t509/manage/hidden")).toContain("No hidden posts.");
  });

  it("never sends anyone off the course with `back`, and answers 404 for another course's post", async () => {
    const item = await f.item();
    for (const back of ["https://evil.example/", "//evil.example/", "/c/t5099", "/c/t509/\\evil", "/c/other"]) {
      const res = await f.ida.submit("/c/t509", `/c/t509/manage/items/${item.id}/hide`, { back });
      expect(res.headers.get("location"), back).toBe("/c/t509");
    }
    const other = await createCourse(
      db(),
      { title: "Other", slug: "other", tags: ["other"], description: "", startsOn: null, endsOn: null },
      { id: 1 } as never,
    );
    const theirs = await f.item({ courseId: other.id });
    expect((await f.ida.submit("/c/t509", `/c/t509/manage/items/${theirs.id}/hide`, {})).status).toBe(404);
    expect((await f.ida.submit("/c/t509", "/c/t509/manage/items/abc/hide", {})).status).toBe(404);
  });
});

describe("the Spotlight", () => {
  it("adds posts at the top with notes, edits a note, moves entries, removes one, and keeps positions dense", async () => {
    const [a, b, c] = [await f.item({ title: "Alpha" }), await f.item({ title: "Beta" }), await f.item({ title: "Gamma" })];
    for (const [item, note] of [
      [a, "Read this first"],
      [b, ""],
      [c, "Gamma's note <b>"],
    ] as const) {
      const res = await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(item.id), note, back: "/c/t509" });
      expect(res.status).toBe(303);
    }
    expect(await positions()).toEqual([
      { itemId: c.id, position: 0, note: "Gamma's note <b>" },
      { itemId: b.id, position: 1, note: "" },
      { itemId: a.id, position: 2, note: "Read this first" },
    ]);
    let page = await text(f.visitor(), "/c/t509/spotlight");
    expect(titlesIn(page)).toEqual(["Gamma", "Beta", "Alpha"]);
    expect(page).toContain("Gamma&#39;s note &lt;b&gt;");
    expect(page).toContain("Chosen by Ida Instructor");
    // The Flow marks spotlit posts for managers, instead of offering to add them again.
    expect(await text(f.ida, "/c/t509")).toContain("in the Spotlight");

    const entryOf = async (itemId: number) =>
      (
        await db()
          .select()
          .from(spotlightEntries)
          .where(and(eq(spotlightEntries.courseId, 1), eq(spotlightEntries.itemId, itemId)))
      )[0]!.id;
    const managed = await text(f.ida, "/c/t509/spotlight");
    expect(managed).toContain(`action="/c/t509/manage/spotlight/${await entryOf(c.id)}/up"`);
    expect(managed).toMatch(/Move up<span class="visually-hidden">: Gamma<\/span>/);
    expect(managed).toMatch(/<button type="submit" class="small secondary" disabled>Move up<span class="visually-hidden">: Gamma/);

    await f.ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entryOf(a.id)}/up`, { back: "/c/t509/spotlight" });
    expect((await positions()).map((p) => p.itemId)).toEqual([c.id, a.id, b.id]);
    await f.ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entryOf(c.id)}/down`, {});
    expect((await positions()).map((p) => p.itemId)).toEqual([a.id, c.id, b.id]);
    const stuck = await f.ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entryOf(a.id)}/up`, {});
    expect(stuck.status).toBe(303);
    expect((await positions()).map((p) => p.itemId)).toEqual([a.id, c.id, b.id]);

    await f.ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entryOf(c.id)}/note`, { note: "Better note" });
    expect((await positions())[1]!.note).toBe("Better note");
    const tooLong = await f.ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entryOf(c.id)}/note`, {
      note: "x".repeat(1001),
      back: "/c/t509/spotlight",
    });
    expect(tooLong.status).toBe(303);
    expect(await text(f.ida, "/c/t509/spotlight")).toContain("Keep the note to 1000 characters or fewer.");
    expect((await positions())[1]!.note).toBe("Better note");

    await f.ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entryOf(a.id)}/remove`, {});
    expect(await positions()).toEqual([
      { itemId: c.id, position: 0, note: "Better note" },
      { itemId: b.id, position: 1, note: "" },
    ]);
    page = await text(f.visitor(), "/c/t509/spotlight");
    expect(titlesIn(page)).toEqual(["Gamma", "Beta"]);
    // Alpha is still in the course.
    expect(await text(f.visitor(), "/c/t509")).toContain("Alpha");
  });

  it("adds a post once, refuses a hidden one, and answers 404 for an entry of another course", async () => {
    const item = await f.item({ title: "Once" });
    await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(item.id), note: "first" });
    await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(item.id), note: "" });
    expect(await positions()).toEqual([{ itemId: item.id, position: 0, note: "first" }]);
    const hidden = await f.item({ title: "Hidden one", hidden: true });
    const res = await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(hidden.id), note: "" });
    expect(res.status).toBe(303);
    expect(await text(f.ida, "/c/t509")).toContain("That post is not shown in this course");
    expect(await positions()).toHaveLength(1);
    for (const action of ["note", "up", "down", "remove"]) {
      expect((await f.ida.submit("/c/t509", `/c/t509/manage/spotlight/9999/${action}`, { note: "" })).status).toBe(404);
    }
  });
});

describe("sources", () => {
  it("pauses, resumes and blocks a source: only active sources are polled, and a blocked one's posts are hidden", async () => {
    const source = await feedSource({ title: "Spam blog" });
    const post = await f.item({ title: "From the spam blog", sourceId: source.id });
    const claimable = async () => (await claimDueSources({ ...f.hub.deps }, 10)).map((s) => s.id);
    const release = () => db().update(sources).set({ leaseUntil: null }).where(eq(sources.id, source.id));

    const pause = await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/pause`, {});
    expect(pause.headers.get("location")).toBe("/c/t509/manage");
    let manage = await text(f.ida, "/c/t509/manage");
    expect(manage).toContain("Paused: the hub stops reading it until you resume it.");
    expect(manage).toContain('<span class="badge">paused</span>');
    expect(manage).toContain(`action="/c/t509/manage/sources/${source.id}/resume"`);
    expect(manage).not.toContain(`action="/c/t509/manage/sources/${source.id}/poll"`);
    expect(await claimable()).toEqual([]);
    expect(await text(f.visitor(), "/c/t509")).toContain("From the spam blog");

    await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/resume`, {});
    expect(await claimable()).toEqual([source.id]);
    await release();

    const ask = await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/block`, {});
    expect(await ask.text()).toContain("Nothing is deleted: unblocking shows its posts again.");
    expect(await text(f.ida, "/c/t509/manage")).not.toContain('<span class="badge bad">blocked</span>');
    await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/block`, { confirm: "yes" });
    manage = await text(f.ida, "/c/t509/manage");
    expect(manage).toContain('<span class="badge bad">blocked</span>');
    expect(await claimable()).toEqual([]);
    expect(await text(f.visitor(), "/c/t509")).not.toContain("From the spam blog");
    expect(titlesIn(await text(f.ida, "/c/t509/manage/hidden"))).toEqual(["From the spam blog"]);

    await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/resume`, {});
    expect(await text(f.visitor(), "/c/t509")).toContain("From the spam blog");
    expect(await claimable()).toEqual([source.id]);
    expect(post.id).toBeGreaterThan(0);
    expect((await f.ida.submit("/c/t509/manage", "/c/t509/manage/sources/999/pause", {})).status).toBe(404);
  });

  it("keeps a Bluesky tag source's posts hidden after unblocking it: moderation labels may have hidden them", async () => {
    const source = await feedSource({ kind: "bluesky_tag", url: "https://bsky.social", tag: "t509massive" });
    await f.item({ kind: "bluesky", title: "A skeet", sourceId: source.id, canonicalUrl: "https://bsky.app/profile/a/post/1" });
    await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/block`, { confirm: "yes" });
    expect(await text(f.visitor(), "/c/t509")).not.toContain("A skeet");
    await f.ida.submit("/c/t509/manage", `/c/t509/manage/sources/${source.id}/resume`, {});
    expect(await text(f.ida, "/c/t509/manage")).toContain("Its Bluesky posts stay hidden");
    expect(await text(f.visitor(), "/c/t509")).not.toContain("A skeet");
    expect(titlesIn(await text(f.ida, "/c/t509/manage/hidden"))).toEqual(["A skeet"]);
  });
});

describe("course settings", () => {
  it("shows the settings, saves them and replaces the tags", async () => {
    const form = await text(f.ida, "/c/t509/manage/settings");
    expect(form).toContain('value="T509 Massive"');
    expect(form).toContain('value="#t509massive"');
    expect(form).toContain('<label for="f-joinCode">');
    const res = await f.ida.submit("/c/t509/manage/settings", "/c/t509/manage/settings", {
      title: "T509 Massive <2027>",
      tags: "#T509Massive, #t509_2027",
      startsOn: "2027-01-10",
      endsOn: "2027-05-01",
      description: "Spring cohort",
      joinCode: "spring-2027",
    });
    expect(res.status).toBe(303);
    const [course] = await db().select().from(courses).where(eq(courses.id, 1));
    expect(course).toMatchObject({
      slug: "t509",
      title: "T509 Massive <2027>",
      startsOn: "2027-01-10",
      endsOn: "2027-05-01",
      description: "Spring cohort",
      joinCode: "spring-2027",
    });
    const tags = (await db().select().from(courseTags).where(eq(courseTags.courseId, 1))).map((t) => t.tag).sort();
    expect(tags).toEqual(["t509_2027", "t509massive"]);
    const flow = await text(f.visitor(), "/c/t509");
    expect(flow).toContain("<h1>T509 Massive &lt;2027&gt;</h1>");
    expect(flow).toContain("Spring cohort");
    // An empty join code closes joining by code.
    await f.ida.submit("/c/t509/manage/settings", "/c/t509/manage/settings", { title: "T509", tags: "t509massive", joinCode: "" });
    expect((await db().select().from(courses).where(eq(courses.id, 1)))[0]!.joinCode).toBeNull();
  });

  it("explains each mistake on the form and saves nothing", async () => {
    const codeBefore = (await db().select().from(courses).where(eq(courses.id, 1)))[0]!.joinCode;
    const other = await createCourse(
      db(),
      { title: "Other", slug: "other", tags: ["other"], description: "", startsOn: null, endsOn: null },
      { id: 1 } as never,
    );
    await db().update(courses).set({ joinCode: "TAKEN-code" }).where(eq(courses.id, other.id));
    const cases: Array<[Record<string, string>, string]> = [
      [{ title: "", tags: "t509massive" }, "Title is required."],
      [{ title: "T", tags: "not a-tag!" }, "is not a hashtag"],
      [{ title: "T", tags: "t509massive", startsOn: "2027-05-01", endsOn: "2027-01-01" }, "The course cannot end before it starts."],
      [
        { title: "T", tags: "t509massive", startsOn: "next week" },
        "Starts on: pick a day from the calendar, or type it like 31 March 2027.",
      ],
      [
        { title: "T", tags: "t509massive", joinCode: "has spaces" },
        "Use 4 to 64 letters, digits, hyphens or underscores for the join code",
      ],
      [{ title: "T", tags: "t509massive", joinCode: "taken-CODE" }, "Another course already uses this join code"],
      // At /join, case and hyphens do not count: TAKENCODE would open both courses.
      [{ title: "T", tags: "t509massive", joinCode: "takencode" }, "Another course already uses this join code"],
      [{ title: "T", tags: "t509massive", joinCode: "-----" }, "Use 4 to 64 letters, digits, hyphens or underscores for the join code"],
    ];
    for (const [fields, message] of cases) {
      const res = await f.ida.submit("/c/t509/manage/settings", "/c/t509/manage/settings", fields);
      expect(res.status, message).toBe(400);
      const body = await res.text();
      expect(body).toContain(message);
      expect(body).toContain('aria-invalid="true"');
    }
    const [course] = await db().select().from(courses).where(eq(courses.id, 1));
    expect(course!.title).toBe("T509 Massive");
    expect(course!.joinCode).toBe(codeBefore);
  });
});

describe("a new cohort starts from the previous cohort's Spotlight", () => {
  it("copies the chosen posts as this course's own pointers, with their notes, after what it has", async () => {
    // Last year's course (id 1) and its Spotlight.
    const a = await f.item({ title: "Old favourite", personId: f.mayaId, tags: ["t509massive"], excerpt: "Worth rereading" });
    const b = await f.item({
      kind: "mastodon",
      title: "A great thread",
      canonicalUrl: "https://mastodon.social/@x/9",
      authorKey: "x@mastodon.social",
      authorHandle: "@x@mastodon.social",
      remoteId: "9",
    });
    const hidden = await f.item({ title: "Hidden since", hidden: false });
    await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(b.id), note: "Thread note" });
    await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(a.id), note: "Start here" });
    await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(hidden.id), note: "" });
    await db().update(items).set({ hidden: true }).where(eq(items.id, hidden.id));

    // This year's course, made by Ida, with one pick of its own and one post already read.
    await f.ida.submit("/courses/new", "/courses", { title: "T509 2027", slug: "t509-2027", tags: "#t509massive" });
    const [next] = await db().select().from(courses).where(eq(courses.slug, "t509-2027"));
    const [own] = await db()
      .insert(items)
      .values({
        courseId: next!.id,
        kind: "blog",
        externalId: "n1",
        canonicalUrl: "https://new.example.org/1",
        title: "New cohort post",
        publishedAt: f.hub.clock.now,
        firstSeenAt: f.hub.clock.now,
        lastSeenAt: f.hub.clock.now,
      })
      .returning();
    await f.ida.submit("/c/t509-2027", "/c/t509-2027/manage/spotlight", { item: String(own!.id), note: "Ours" });

    const settings = await text(f.ida, "/c/t509-2027/manage/settings");
    expect(settings).toContain('<option value="1">T509 Massive (/c/t509, 2 posts)</option>');
    const res = await f.ida.submit("/c/t509-2027/manage/settings", "/c/t509-2027/manage/settings/copy-spotlight", { fromCourse: "1" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/c/t509-2027/spotlight");
    const spot = await text(f.visitor(), "/c/t509-2027/spotlight");
    expect(titlesIn(spot)).toEqual(["New cohort post", "Old favourite", "A great thread"]);
    expect(spot).toContain("Start here");
    expect(spot).toContain("Thread note");
    expect(await text(f.ida, "/c/t509-2027/spotlight")).toContain("Copied 2 post(s) from the Spotlight of T509 Massive.");

    // The copies are this course's rows, pointing at the same canonical URLs, attributed the same way.
    const copies = await db().select().from(items).where(eq(items.courseId, next!.id));
    const copyA = copies.find((i) => i.canonicalUrl === a.canonicalUrl)!;
    expect(copyA).toMatchObject({ title: "Old favourite", excerpt: "Worth rereading", personId: f.mayaId, sourceId: null, hidden: false });
    expect(copyA.id).not.toBe(a.id);
    // Both are re-checked for as long as they are shown, the social one (whose source stays behind) too.
    expect(copies.find((i) => i.canonicalUrl === b.canonicalUrl)!.recheckAt).not.toBeNull();
    expect(copyA.recheckAt).not.toBeNull();
    // They are part of the new course: its Flow and its search find them.
    expect(await text(f.visitor(), "/c/t509-2027")).toContain("Old favourite");
    expect(titlesIn(await text(f.visitor(), "/c/t509-2027/search?q=rereading"))).toEqual(["Old favourite"]);
    // The old course is untouched.
    expect(titlesIn(await text(f.visitor(), "/c/t509/spotlight"))).toEqual(["Old favourite", "A great thread"]);

    // Copying again adds nothing twice.
    await f.ida.submit("/c/t509-2027/manage/settings", "/c/t509-2027/manage/settings/copy-spotlight", { fromCourse: "1" });
    expect(await text(f.ida, "/c/t509-2027/spotlight")).toContain("Copied 0 post(s) from the Spotlight of T509 Massive; 2 already here.");
    const entries = await db()
      .select()
      .from(spotlightEntries)
      .where(eq(spotlightEntries.courseId, next!.id))
      .orderBy(asc(spotlightEntries.position));
    expect(entries.map((e) => e.position)).toEqual([0, 1, 2]);
  });

  it("does not bring back a post withdrawn from the new course, and explains a bad choice", async () => {
    const a = await f.item({ title: "Withdrawn there" });
    await f.ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(a.id), note: "" });
    await f.ida.submit("/courses/new", "/courses", { title: "Next", slug: "next", tags: "#t509massive" });
    const [next] = await db().select().from(courses).where(eq(courses.slug, "next"));
    await db().insert(tombstones).values({ courseId: next!.id, canonicalUrl: a.canonicalUrl, reason: "withdrawn" });
    await f.ida.submit("/c/next/manage/settings", "/c/next/manage/settings/copy-spotlight", { fromCourse: "1" });
    expect(await text(f.ida, "/c/next/spotlight")).toContain(
      "Copied 0 post(s) from the Spotlight of T509 Massive; 1 not brought back (withdrawn from this course).",
    );
    expect(await db().select().from(items).where(eq(items.courseId, next!.id))).toEqual([]);

    for (const fromCourse of [String(next!.id), "999", "abc"]) {
      const res = await f.ida.submit("/c/next/manage/settings", "/c/next/manage/settings/copy-spotlight", { fromCourse });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Choose a course from the list");
    }
  });
});
