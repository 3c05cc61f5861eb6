// A class roster as CSV: each row a roster person of the course with their blog and accounts; a
// file with any problem imports nothing and says what is wrong on which row; 5,000 rows import in
// one go. Real SQLite file, feeds on 127.0.0.1.
import { count, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { identities, people, sources } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { type FeedServer, fixture, startFeedServer } from "../helpers/feed-server.js";
import { type Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let server: FeedServer;
let ida: Client;
let courseId: number;

const n = async (table: typeof people | typeof sources | typeof identities) => (await hub.deps.db.select({ n: count() }).from(table))[0]!.n;
const importCsv = (csv: string) => ida.submit("/c/t509/manage", "/c/t509/manage/roster/csv", { csv, csvFilter: "tagged" });

beforeEach(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  server.feed("/maya/feed/", fixture("wordpress-rss2.xml"));
  ida = await setUpCourse(hub.app);
  courseId = (await courseBySlug(hub.deps.db, "t509"))!.id;
});
afterEach(async () => {
  await server.close();
  await hub.close();
});

describe("a CSV roster", () => {
  it("puts each learner on the roster with their blog and accounts, in any column order", async () => {
    const res = await importCsv(
      [
        "Email,Full name,Blog,Mastodon,Bluesky",
        `maya@example.org,Maya Lopez,${server.url("/maya/feed/")},@maya@mastodon.example,`,
        `,"Okafor, Leo",,,leo.example.org`,
        `,Sam Rivera,,https://mastodon.example/@sam,did:plc:abcdefghijklmnopqrstuvwx`,
      ].join("\n"),
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Roster imported");
    expect(html).toContain("3 added");
    const roster = await hub.deps.db.select().from(people).where(eq(people.rosterOf, courseId));
    expect(roster.map((p) => p.displayName).sort()).toEqual(["Maya Lopez", "Okafor, Leo", "Sam Rivera"]);
    expect(roster.find((p) => p.displayName === "Maya Lopez")!.rosterEmail).toBe("maya@example.org");
    const [blog] = await hub.deps.db.select().from(sources);
    expect(blog).toMatchObject({ url: server.url("/maya/feed/"), ownerName: "Maya Lopez" });
    expect(blog!.ownerId).toBe(roster.find((p) => p.displayName === "Maya Lopez")!.id);
    const accounts = await hub.deps.db.select().from(identities);
    expect(accounts.map((a) => [a.kind, a.authorKey, a.verifiedBy]).sort()).toEqual([
      ["bluesky", "did:plc:abcdefghijklmnopqrstuvwx", "roster"],
      ["bluesky", "handle:leo.example.org", "roster"],
      ["mastodon", "maya@mastodon.example", "roster"],
      ["mastodon", "sam@mastodon.example", "roster"],
    ]);
    // Importing it again adds nobody twice.
    await importCsv(["name,blog", `Maya Lopez,${server.url("/maya/feed/")}`].join("\n"));
    expect(await n(sources)).toBe(1);
    expect((await hub.deps.db.select().from(people).where(eq(people.rosterOf, courseId))).length).toBe(3);
  });

  it("imports nothing from a file with a problem, and says what is wrong on which row", async () => {
    const peopleBefore = await n(people);
    const res = await importCsv(
      [
        "name,email,blog,mastodon",
        `Maya Lopez,maya@example.org,${server.url("/maya/feed/")},`,
        ",nobody@example.org,https://nobody.example.org/,",
        "Leo Okafor,not-an-email,,",
        "Sam Rivera,,ftp://sam.example.org/,",
        "Ana Ribeiro,,,@ana",
        `maya lopez,,https://other.example.org/,`,
        `Zoë Park,,${server.url("/maya/feed/")},`,
      ].join("\n"),
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Roster not imported: fix the rows marked below");
    expect(html).toContain("No name: every row needs the learner&#39;s name.");
    expect(html).toContain("&quot;not-an-email&quot; is not an email address.");
    expect(html).toMatch(/<td>5<\/td>[\s\S]*?Only http and https addresses can be read \(got ftp:\)/); // row 5: the ftp address
    expect(html).toContain("Enter the Mastodon address like @maya@mastodon.social.");
    expect(html).toContain("The same name as row 2");
    expect(html).toContain("The same blog as row 2.");
    expect(await n(people)).toBe(peopleBefore);
    expect(await n(sources)).toBe(0);
    expect(await n(identities)).toBe(0);
  });

  it("refuses a file it cannot use as a whole: no name column, no address column, more than 5,000 rows, not CSV", async () => {
    for (const [csv, message] of [
      ["email,blog\nmaya@example.org,https://maya.example.org/", "with a &quot;name&quot; column"],
      ["name,email\nMaya,maya@example.org", "Give at least one of the columns"],
      [
        `name,blog\n${Array.from({ length: 5001 }, (_, i) => `L${i},https://l${i}.example.org/feed/`).join("\n")}`,
        "import at most 5000 at a time",
      ],
      ['name,blog\n"Maya,https://maya.example.org/', "This is not a CSV file the hub can read"],
    ] as const) {
      const res = await importCsv(csv);
      expect(res.status, message).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(await n(sources)).toBe(0);
  });

  it("takes 5,000 rows in one import", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `Learner ${i},${server.url(`/l/${i}/feed/`)}`);
    const started = Date.now();
    const res = await importCsv(["name,blog", ...rows].join("\n"));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("5000 added");
    expect(await n(sources)).toBe(5000);
    expect((await hub.deps.db.select().from(people).where(eq(people.rosterOf, courseId))).length).toBe(5000);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
