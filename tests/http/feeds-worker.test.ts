// The outbound feeds and network downloads from the built Worker in workerd,
// on D1: the same code as on Node, with Web Crypto for the ETags and D1 for the
// participants' UNION query.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFeed } from "../../src/ingest/parse/parse.js";
import { type Client, setUpCourse } from "../helpers/hub.js";
import { buildWorker, startWorker, type WorkerHarness, workerClient } from "../helpers/worker.js";

let worker: WorkerHarness;
let client: Client;

beforeAll(async () => {
  worker = await startWorker(buildWorker(), { PAGE_CACHE_SECONDS: "0", PUBLIC_URL: "https://hub.example.org" });
  client = workerClient(worker);
  await setUpCourse(client);
  const db = await worker.d1();
  const now = Date.now();
  await db
    .prepare(
      `INSERT INTO items (course_id, kind, external_id, canonical_url, title, excerpt, tags, published_at, first_seen_at, last_seen_at, hidden)
       VALUES (1, 'blog', 'a', 'https://maya.example.org/a', 'Fish & <chips> ]]>', 'An excerpt', '["t509massive"]', ?1, ?1, ?1, 0),
              (1, 'blog', 'b', 'https://maya.example.org/b', 'Hidden one', '', '[]', ?1, ?1, ?1, 1)`,
    )
    .bind(now)
    .run();
  // A learner (who never signs in here: the hash is a placeholder) with a membership and a verified account.
  await db.prepare("INSERT INTO people (email, display_name, password_hash) VALUES ('sam@example.org', 'Sam Stone', 'x')").run();
  await db.prepare("INSERT INTO memberships (course_id, person_id, role) VALUES (1, 2, 'learner')").run();
  await db
    .prepare(
      `INSERT INTO identities (person_id, kind, address, author_key, verify_code, verified_at)
       VALUES (1, 'mastodon', '@ida@hci.social', 'ida@hci.social', 'c', ?1), (2, 'mastodon', '@sam@mastodon.social', 'sam@mastodon.social', 'd', ?1)`,
    )
    .bind(now)
    .run();
}, 120_000);
afterAll(async () => worker?.close());

describe("feeds in workerd", () => {
  it("serves RSS, Atom and JSON Feed with ETags and 304s, without hidden posts", async () => {
    for (const format of ["rss", "atom", "json"]) {
      const res = await client.get(`/c/t509/blog/feed.${format}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).not.toContain("Hidden one");
      // RSS titles are plain text escaped once (RSS Profile); the hub's reader, like feedparser, reads them as HTML.
      if (format === "rss") expect(body).toContain("<title>Fish &#x26; &#x3C;chips&#x3E; ]]&#x3E;</title>");
      else expect((await parseFeed(body)).entries.map((e) => e.title)).toEqual(["Fish & <chips> ]]>"]);
      const etag = res.headers.get("etag")!;
      expect((await client.request(`/c/t509/blog/feed.${format}`, { headers: { "if-none-match": etag } })).status).toBe(304);
    }
  });

  it("gives a member the network downloads (the instructor's own account is left out of theirs)", async () => {
    const csv = await client.get("/c/t509/network/mastodon.csv");
    expect(csv.status).toBe(200);
    expect(await csv.text()).toBe("Account address,Show boosts,Notify on new posts,Languages\nsam@mastodon.social,true,false,\n");
    expect((await client.get("/c/t509/network/blogs.opml")).status).toBe(200);
  });
});
