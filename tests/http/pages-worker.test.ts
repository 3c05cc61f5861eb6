// The course pages and curation from the built Worker in workerd, on D1: the
// same code as on Node, and the SQL it leans on (FTS5 with bm25, a recursive
// CTE for the roster, window functions renumbering the Spotlight inside a
// batch, sub-selects passing ids between batched statements) runs on D1 too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, setUpCourse } from "../helpers/hub.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";
import { titlesIn } from "../hub/course-fixtures.js";

let worker: WorkerHarness;
let ida: Client;
let d1: D1Database;

const text = async (path: string) => {
  const res = await ida.get(path);
  expect(res.status, path).toBe(200);
  return res.text();
};

beforeAll(async () => {
  worker = await startWorker(buildWorker(), { PAGE_CACHE_SECONDS: "0" });
  ida = workerClient(worker);
  await setUpCourse(ida);
  d1 = await worker.d1();
  const now = Date.now();
  await d1.prepare("INSERT INTO people (email, display_name, password_hash) VALUES ('sam@example.org', 'Sam Stone', 'x')").run();
  await d1.prepare("INSERT INTO memberships (course_id, person_id, role) VALUES (1, 2, 'learner')").run();
  await d1
    .prepare(
      "INSERT INTO sources (course_id, kind, url, status, next_poll_at) VALUES (1, 'feed', 'https://sam.example.org/feed', 'active', 0)",
    )
    .run();
  const rows = [
    ["blog", "https://sam.example.org/a", "Rhizomes and <networks>", "An excerpt on rhizomes", 2, 0, 1],
    ["blog", "https://sam.example.org/b", "Open pedagogy", "", 2, 0, 1],
    ["mastodon", "https://m.example/@g/1", "A guest toot on rhizomes", "", null, 0, null],
    ["blog", "https://sam.example.org/c", "Hidden rhizomes", "", 2, 1, 1],
  ] as const;
  for (const [i, [kind, url, title, excerpt, person, hidden, source]] of rows.entries()) {
    await d1
      .prepare(
        `INSERT INTO items (course_id, kind, external_id, canonical_url, title, excerpt, tags, published_at, first_seen_at, last_seen_at, person_id, hidden, source_id, author_handle)
         VALUES (1, ?1, ?2, ?2, ?3, ?4, '["t509massive"]', ?5, ?5, ?5, ?6, ?7, ?8, ?9)`,
      )
      .bind(kind, url, title, excerpt, now - i * 60_000, person, hidden, source, person === null ? "@g@m.example" : null)
      .run();
  }
}, 120_000);
afterAll(async () => worker?.close());

describe("course pages in workerd", () => {
  it("serves every list, the roster and ranked search, without hidden posts", async () => {
    expect(titlesIn(await text("/c/t509"))).toEqual(["Rhizomes and &lt;networks&gt;", "Open pedagogy", "A guest toot on rhizomes"]);
    expect(titlesIn(await text("/c/t509/blog"))).toEqual(["Rhizomes and &lt;networks&gt;", "Open pedagogy"]);
    expect(titlesIn(await text("/c/t509/social"))).toEqual(["A guest toot on rhizomes"]);
    expect(titlesIn(await text("/c/t509/tags/t509massive"))).toHaveLength(3);
    expect(titlesIn(await text("/c/t509?kind=blog&person=2"))).toEqual(["Rhizomes and &lt;networks&gt;", "Open pedagogy"]);
    expect(titlesIn(await text("/c/t509/people/2"))).toEqual(["Rhizomes and &lt;networks&gt;", "Open pedagogy"]);
    expect(await text("/c/t509/people")).toContain('<a href="/c/t509/people/2">Sam Stone</a>');
    expect(titlesIn(await text("/c/t509/search?q=rhizomes"))).toEqual(["Rhizomes and &lt;networks&gt;", "A guest toot on rhizomes"]);
    for (const q of ['"a" OR title:*', "NEAR(", "*"])
      expect((await ida.get(`/c/t509/search?q=${encodeURIComponent(q)}`)).status, q).toBe(200);
  });

  it("curates on D1: Spotlight with dense positions, hiding, blocking a source, settings, and the commons copy", async () => {
    for (const id of [1, 2, 3])
      expect((await ida.submit("/c/t509", "/c/t509/manage/spotlight", { item: String(id), note: `note ${id}` })).status).toBe(303);
    const positions = async (course = 1) =>
      (
        await d1
          .prepare("SELECT item_id AS item, position FROM spotlight_entries WHERE course_id = ? ORDER BY position")
          .bind(course)
          .all<{ item: number; position: number }>()
      ).results;
    expect(await positions()).toEqual([
      { item: 3, position: 0 },
      { item: 2, position: 1 },
      { item: 1, position: 2 },
    ]);
    const entry = async (item: number) =>
      (await d1.prepare("SELECT id FROM spotlight_entries WHERE course_id = 1 AND item_id = ?").bind(item).first<{ id: number }>())!.id;
    await ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entry(1)}/up`, {});
    await ida.submit("/c/t509/spotlight", `/c/t509/manage/spotlight/${await entry(3)}/remove`, {});
    expect(await positions()).toEqual([
      { item: 1, position: 0 },
      { item: 2, position: 1 },
    ]);
    expect(titlesIn(await text("/c/t509/spotlight"))).toEqual(["Rhizomes and &lt;networks&gt;", "Open pedagogy"]);

    await ida.submit("/c/t509", "/c/t509/manage/items/2/hide", {});
    expect(titlesIn(await text("/c/t509/spotlight"))).toEqual(["Rhizomes and &lt;networks&gt;"]);
    await ida.submit("/c/t509/manage/hidden", "/c/t509/manage/items/2/unhide", {});

    await ida.submit("/c/t509/manage", "/c/t509/manage/sources/1/block", { confirm: "yes" });
    expect(titlesIn(await text("/c/t509"))).toEqual(["A guest toot on rhizomes"]);
    await ida.submit("/c/t509/manage", "/c/t509/manage/sources/1/resume", {});
    // Unblocking shows all the blog's posts again, the one hidden before the block too (as the form says).
    expect(titlesIn(await text("/c/t509"))).toHaveLength(4);
    await ida.submit("/c/t509", "/c/t509/manage/items/4/hide", {});

    const saved = await ida.submit("/c/t509/manage/settings", "/c/t509/manage/settings", {
      title: "T509 on D1",
      tags: "#t509massive #t509d1",
      joinCode: "D1-CODE",
    });
    expect(saved.status).toBe(303);
    expect(
      (await d1
        .prepare("SELECT group_concat(tag) AS tags FROM (SELECT tag FROM course_tags WHERE course_id = 1 ORDER BY tag)")
        .first<{ tags: string }>())!.tags,
    ).toBe("t509d1,t509massive");

    await ida.submit("/courses/new", "/courses", { title: "Next cohort", slug: "next", tags: "#t509massive" });
    const copied = await ida.submit("/c/next/manage/settings", "/c/next/manage/settings/copy-spotlight", { fromCourse: "1" });
    expect(copied.status).toBe(303);
    expect(titlesIn(await text("/c/next/spotlight"))).toEqual(["Rhizomes and &lt;networks&gt;", "Open pedagogy"]);
    expect(await text("/c/next/spotlight")).toContain("note 1");
    expect((await positions(2)).map((p) => p.position)).toEqual([0, 1]);
  });

  it("imports a CSV roster on D1 (csv-parse in the bundle, one batch) and claims a place by link", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `Learner ${i},https://l${i}.example.org/feed/,@l${i}@mastodon.example`);
    const res = await ida.submit("/c/t509/manage", "/c/t509/manage/roster/csv", {
      csv: ["name,blog,mastodon", ...rows].join("\n"),
      csvFilter: "tagged",
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("40 added");
    const count = async (sql: string) => (await d1.prepare(sql).first<{ n: number }>())!.n;
    expect(await count("SELECT count(*) AS n FROM people WHERE roster_of IS NOT NULL")).toBe(40);
    expect(await count("SELECT count(*) AS n FROM sources WHERE owner_id IN (SELECT id FROM people WHERE roster_of IS NOT NULL)")).toBe(40);
    expect(await count("SELECT count(*) AS n FROM identities WHERE verified_by = 'roster'")).toBe(40);
    const person = await d1.prepare("SELECT id FROM people WHERE display_name = 'Learner 7'").first<{ id: number }>();
    const page = await (await ida.submit("/c/t509/manage/people", `/c/t509/manage/roster/${person!.id}/claim-link`, {})).text();
    const link = new URL(/<code class="secret">([^<]+)<\/code>/.exec(page)![1]!).pathname;
    const learner = workerClient(worker);
    expect(
      (await learner.submit("/signup", "/signup", { displayName: "Lee", email: "lee@example.org", password: "correct horse battery" }))
        .status,
    ).toBe(303);
    expect((await learner.submit(link, link, {})).status).toBe(303);
    expect(await count(`SELECT count(*) AS n FROM people WHERE id = ${person!.id}`)).toBe(0);
    expect(
      await count(
        "SELECT count(*) AS n FROM sources WHERE url = 'https://l7.example.org/feed/' AND owner_id = (SELECT id FROM people WHERE email = 'lee@example.org')",
      ),
    ).toBe(1);
  });

  it("re-keys items written before post keys on D1 at the cron tick, merging duplicates with their curation", async () => {
    const now = Date.now();
    const add = (url: string, hidden: number) =>
      d1
        .prepare(
          "INSERT INTO items (course_id, kind, external_id, canonical_url, title, excerpt, tags, published_at, first_seen_at, last_seen_at, hidden) VALUES (1, 'blog', ?, ?, 'Dup', '', '[]', ?, ?, ?, ?) RETURNING id",
        )
        .bind(url, url, now, now, now, hidden)
        .first<{ id: number }>();
    const older = await add("http://www.dup.example.org/week-9/", 0);
    const newer = await add("https://dup.example.org/week-9", 1);
    await d1
      .prepare("INSERT INTO spotlight_entries (course_id, item_id, note, position, created_at) VALUES (1, ?, 'kept note', 99, ?)")
      .bind(newer!.id, now)
      .run();
    // Nothing due to poll or re-check: this tick must reach no address but the database.
    await d1
      .prepare("UPDATE sources SET next_poll_at = ?")
      .bind(now + 86_400_000)
      .run();
    await d1.prepare("UPDATE items SET recheck_at = NULL").run();
    await worker.scheduled();
    const rows = (
      await d1.prepare("SELECT id, post_key, hidden FROM items WHERE title = 'Dup'").all<{ id: number; post_key: string; hidden: number }>()
    ).results;
    expect(rows).toEqual([{ id: older!.id, post_key: "https://dup.example.org/week-9", hidden: 1 }]);
    const note = await d1.prepare("SELECT item_id FROM spotlight_entries WHERE note = 'kept note'").first<{ item_id: number }>();
    expect(note!.item_id).toBe(older!.id);
    expect((await d1.prepare("SELECT count(*) AS n FROM items WHERE post_key IS NULL").first<{ n: number }>())!.n).toBe(0);
  });
});
