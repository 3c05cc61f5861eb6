// The backpack: what an export holds (and never holds), that it fits the published schema, that
// exporting twice gives the same document, that export → import into a fresh hub → export there
// gives it back, and that an import with anything wrong writes nothing and says where.
import { readFileSync } from "node:fs";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../../src/accounts/people.js";
import { grants, identities, objectives, type Person, portfolioEntries } from "../../../src/db/schema.js";
import { type Backpack, exportBackpack, serialiseBackpack } from "../../../src/pls/portability/backpack.js";
import { importBackpack, parseBackpackText } from "../../../src/pls/portability/backpack-import.js";
import { backpackSchema, validateSchema } from "../../../src/pls/portability/backpack-schema.js";
import { grantState, listGrants } from "../../../src/pls/sharing/grants.js";
import { snapshot as dbSnapshot } from "../../helpers/db-snapshot.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { formError } from "../seed.js";
import { fillPls, learnerWithPosts, POSTS } from "./backpack-fixture.js";

const schemaFile = JSON.parse(readFileSync(new URL("../../../docs/backpack.schema.json", import.meta.url), "utf8")) as Record<
  string,
  unknown
>;

let a: TestHub;
let maya: Person;

beforeEach(async () => {
  a = await createTestHub({ PUBLIC_URL: "https://hub-a.example.org" });
  maya = await learnerWithPosts(a, "Maya");
  await fillPls(a, maya);
});
afterEach(async () => {
  await a.close();
});

/** Every table's rows, to prove that a refused import wrote nothing. */
const snapshot = (hub: TestHub) => dbSnapshot(hub.database.client);

/**
 * What two hubs' exports of the same PLS may differ in, set aside: the hub's address (everywhere,
 * xAPI included), the person's name and account there, when it was exported, the database ids in
 * xAPI objective addresses and the statement ids (a UUID of the hub and the object, so a hub's
 * statements are its own), and whether an account elsewhere is verified (an imported one must be
 * proven again on the new hub, so it arrives unverified).
 */
function normalise(b: Backpack): unknown {
  const text = JSON.stringify(b).split(b.hub.url).join("HUB");
  const doc = JSON.parse(text) as Backpack;
  doc.exportedAt = "EXPORTED";
  doc.person = { displayName: "PERSON", hubAccount: "PERSON" };
  doc.links.identities = doc.links.identities.map((i) => ({ ...i, verified: false }));
  const statements = doc.xapi.map((s) => {
    const { id: _id, ...rest } = s;
    return JSON.parse(
      JSON.stringify({ ...rest, actor: { ...rest.actor, account: { ...rest.actor.account, name: "PERSON" } } }).replace(
        /\/pls\/objectives\/\d+/g,
        "/pls/objectives/N",
      ),
    ) as unknown;
  });
  return { ...doc, xapi: statements.map((s) => JSON.stringify(s)).sort() };
}

describe("export", () => {
  it("holds the whole PLS by stable references, with no secrets and no email", async () => {
    const b = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    expect(b).toMatchObject({ format: "tributary-backpack", version: 1, hub: { url: "https://hub-a.example.org" } });
    expect(b.person).toEqual({ displayName: "Maya", hubAccount: `https://hub-a.example.org/people/${maya.id}` });
    expect(b.plan.objectives.map((o) => [o.ref, o.title, o.status])).toEqual([
      ["objective-1", "Learn data visualisation", "active"],
      ["objective-2", "Write every week", "achieved"],
      ["objective-3", "An old plan", "dropped"],
    ]);
    const datavis = b.plan.objectives[0]!;
    expect(datavis).toMatchObject({ tags: ["datavis", "charts"], targetDate: "2027-03-31", visibility: "grant", achievedAt: null });
    // Steps in the learner's order, not the order they were made.
    expect(datavis.steps.map((s) => [s.title, s.status])).toEqual([
      ["Post about them", "doing"],
      ["Read Tufte", "done"],
      ["Make three charts", "todo"],
    ]);
    expect(datavis.resources.map((r) => r.title)).toEqual(["Data viz catalogue"]);
    expect(b.plan.looseResources.map((r) => [r.title, r.suggestedBy])).toEqual([
      ["A loose link", null],
      ["Flowing data", "Ms Rivera, my coach"],
    ]);
    expect(b.plan.objectives[1]!.achievedAt).not.toBeNull();
    expect(b.plan.history.length).toBeGreaterThan(5);
    expect(b.plan.history[0]).toMatchObject({ objective: "objective-1", what: 'Added objective "Learn data visualisation"' });

    expect(b.portfolio.entries.map((e) => [e.ref, e.kind, e.url, e.objectives])).toEqual([
      [
        "entry-1",
        "item",
        POSTS[0]!.url,
        [
          { ref: "objective-1", auto: true, removed: false },
          { ref: "objective-2", auto: true, removed: true },
        ],
      ],
      ["entry-2", "external", "https://github.com/maya/charts", [{ ref: "objective-1", auto: false, removed: false }]],
      ["entry-3", "item", POSTS[1]!.url, [{ ref: "objective-2", auto: true, removed: false }]],
    ]);
    expect(b.grants).toEqual([
      {
        ref: "grant-1",
        audience: "Ms Rivera, my coach",
        audienceKind: "coach",
        scopes: ["plan:read", "suggest"],
        expiresAt: "2027-06-30T23:59:59.999Z",
        revokedAt: null,
        createdAt: expect.any(String),
      },
      {
        ref: "grant-2",
        audience: "Old employer",
        audienceKind: "employer",
        scopes: ["portfolio:read"],
        expiresAt: null,
        revokedAt: expect.any(String),
        createdAt: expect.any(String),
      },
    ]);
    expect(b.suggestions.map((s) => [s.kind, s.status, s.grant, s.objective])).toEqual([
      ["resource", "accepted", "grant-1", null],
      ["objective", "declined", "grant-1", null],
      ["step", "pending", "grant-1", "objective-1"],
    ]);
    expect(b.links).toEqual({
      identities: [
        { kind: "mastodon", address: "@maya@mastodon.social", verified: true },
        { kind: "blog", address: "https://maya.example.org/", verified: false },
      ],
      courses: [{ slug: "t509", title: "T509 Massive", role: "learner" }],
      plsHome: "https://pls.example.edu/people/7/portfolio",
      follows: [{ feedUrl: "https://other-hub.example.net/c/x101/people/3/items.json", title: "" }],
    });
    // Two posts and one achieved objective.
    expect(b.xapi.map((s) => s.verb.display["en-US"]).sort()).toEqual(["authored", "authored", "completed"]);

    const text = serialiseBackpack(b);
    const hashes = (await a.deps.db.select().from(grants)).flatMap((g) => [g.linkHash!, g.tokenHash!]);
    expect(hashes).toHaveLength(4);
    for (const h of hashes) expect(text).not.toContain(h);
    expect(text).not.toMatch(/Hash"|"trl_|"trt_|verifyCode|password/);
    expect(text).not.toContain("maya@example.org");
    expect(text).not.toMatch(/"(id|personId|objectiveId|itemId|grantId)":\s*\d/);
  });

  it("fits the published JSON Schema, which is the one the import checks against", async () => {
    expect(schemaFile).toEqual(JSON.parse(JSON.stringify(backpackSchema)));
    const b = JSON.parse(serialiseBackpack(await exportBackpack(a.deps, maya, a.deps.config.publicUrl))) as unknown;
    expect(validateSchema(schemaFile, b)).toBeNull();
    // The validator can fail: a missing key and a wrong type are caught with their place.
    const broken = JSON.parse(JSON.stringify(b)) as Backpack;
    delete (broken.portfolio.entries[1] as Partial<Backpack["portfolio"]["entries"][number]>).title;
    expect(validateSchema(schemaFile, broken)).toEqual({
      path: "portfolio.entries[1].title",
      message: "portfolio.entries[1].title is missing.",
    });
    (broken.plan.objectives[0] as unknown as Record<string, unknown>).tags = "datavis";
    expect(validateSchema(schemaFile, broken)?.message).toBe("plan.objectives[0].tags must be a list.");
  });

  it("is the same document when exported again (only exportedAt follows the clock)", async () => {
    const first = serialiseBackpack(await exportBackpack(a.deps, maya, a.deps.config.publicUrl));
    expect(serialiseBackpack(await exportBackpack(a.deps, maya, a.deps.config.publicUrl))).toBe(first);
    a.clock.advance(86_400_000);
    const later = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    expect(later.exportedAt).not.toBe((JSON.parse(first) as Backpack).exportedAt);
    expect(serialiseBackpack({ ...later, exportedAt: (JSON.parse(first) as Backpack).exportedAt })).toBe(first);
  });
});

describe("export → import into a fresh hub → export there", () => {
  let b: TestHub;
  afterEach(async () => {
    await b?.close();
  });

  it("gives the same backpack, but for what names the hub and the person", async () => {
    const exported = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    b = await createTestHub({ PUBLIC_URL: "https://hub-b.example.net" });
    // Their blog is in a course here too: its posts are theirs on this hub.
    const mayaB = await learnerWithPosts(b, "Maya Lopez");
    const summary = await importBackpack(b.deps, mayaB.id, JSON.parse(serialiseBackpack(exported)));
    expect(summary).toMatchObject({
      objectives: 3,
      steps: 3,
      resources: 3,
      entries: 3,
      reattached: 2,
      grants: 2,
      suggestions: 3,
      identities: 2,
      follows: 1,
    });

    const again = await exportBackpack(b.deps, mayaB, b.deps.config.publicUrl);
    expect(again.hub.url).toBe("https://hub-b.example.net");
    expect(normalise(again)).toEqual(normalise(exported));
    // Byte for byte, once the hub-bound parts are set aside the same way.
    expect(JSON.stringify(normalise(again))).toBe(JSON.stringify(normalise(exported)));

    // Grants arrived without secrets: they wait for the learner to reissue them.
    const imported = await listGrants(b.deps, mayaB.id);
    expect(imported.map((g) => [g.audience, g.linkHash, g.tokenHash, grantState(g, b.deps.now())])).toEqual([
      ["Old employer", null, null, "revoked"],
      ["Ms Rivera, my coach", null, null, "needs-secret"],
    ]);
    // Accounts elsewhere must be proven again here.
    expect((await b.deps.db.select().from(identities).where(eq(identities.personId, mayaB.id))).every((i) => i.verifiedAt === null)).toBe(
      true,
    );
  });

  it("keeps an item entry as an external link when the learner has no such post on the new hub", async () => {
    const exported = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    b = await createTestHub({ PUBLIC_URL: "https://hub-b.example.net" });
    const noor = (await createPerson(b.deps.db, { email: "noor@example.org", displayName: "Noor", password: "correct horse battery" }))!;
    const summary = await importBackpack(b.deps, noor.id, exported);
    expect(summary.reattached).toBe(0);
    const rows = await b.deps.db.select().from(portfolioEntries).where(eq(portfolioEntries.personId, noor.id));
    expect(rows.map((e) => [e.kind, e.itemId, e.url])).toEqual([
      ["external", null, POSTS[0]!.url],
      ["external", null, "https://github.com/maya/charts"],
      ["external", null, POSTS[1]!.url],
    ]);
  });

  it("drops a follow of the new hub's own feed: the posts it lists are here already", async () => {
    const exported = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    exported.links.follows.push({ feedUrl: "https://hub-b.example.net/c/t509/people/2/items.json", title: "Mine on B" });
    b = await createTestHub({ PUBLIC_URL: "https://hub-b.example.net" });
    const noor = (await createPerson(b.deps.db, { email: "noor@example.org", displayName: "Noor", password: "correct horse battery" }))!;
    expect((await importBackpack(b.deps, noor.id, exported)).follows).toBe(1);
    expect((await exportBackpack(b.deps, noor, b.deps.config.publicUrl)).links.follows).toEqual([
      { feedUrl: "https://other-hub.example.net/c/x101/people/3/items.json", title: "" },
    ]);
  });

  it("adds to a PLS that is not empty, linking each row to its own objective", async () => {
    const exported = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    await importBackpack(a.deps, maya.id, exported);
    const twice = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    expect(twice.plan.objectives.map((o) => o.ref)).toEqual([
      "objective-1",
      "objective-2",
      "objective-3",
      "objective-4",
      "objective-5",
      "objective-6",
    ]);
    // The copies' steps, entries' links and suggestions name the copies, not the originals.
    expect(twice.plan.objectives[3]!.steps).toEqual(exported.plan.objectives[0]!.steps);
    expect(twice.portfolio.entries[3]!.objectives).toEqual([
      { ref: "objective-4", auto: true, removed: false },
      { ref: "objective-5", auto: true, removed: true },
    ]);
    expect(twice.suggestions[5]).toMatchObject({ grant: "grant-3", objective: "objective-4" });
  });
});

describe("import of a bad backpack", () => {
  let b: TestHub;
  let noor: Person;
  let good: Backpack;
  beforeEach(async () => {
    good = await exportBackpack(a.deps, maya, a.deps.config.publicUrl);
    b = await createTestHub({ PUBLIC_URL: "https://hub-b.example.net" });
    noor = (await createPerson(b.deps.db, { email: "noor@example.org", displayName: "Noor", password: "correct horse battery" }))!;
  });
  afterEach(async () => {
    await b.close();
  });

  const copy = () => JSON.parse(JSON.stringify(good)) as Backpack & Record<string, unknown>;

  const cases: Array<[string, (d: ReturnType<typeof copy>) => void, string]> = [
    [
      "an objective without a title",
      (d) => delete (d.plan.objectives[2] as Partial<Backpack["plan"]["objectives"][number]>).title,
      "plan.objectives[2].title is missing.",
    ],
    ["a blank title", (d) => (d.plan.objectives[0]!.title = "   "), "plan.objectives[0].title is empty."],
    [
      "another format",
      (d) => (d.format = "something-else" as "tributary-backpack"),
      'This is not a Tributary backpack: its "format" is not "tributary-backpack".',
    ],
    [
      "a newer version",
      (d) => (d.version = 2 as 1),
      "This backpack is version 2; this hub reads version 1. Update this hub, or export again from a hub of the same version.",
    ],
    [
      "a wrong status",
      (d) => (d.plan.objectives[1]!.status = "finished" as "achieved"),
      "plan.objectives[1].status must be one of: planned, active, achieved, dropped.",
    ],
    [
      "a link to a missing objective",
      (d) => (d.portfolio.entries[1]!.objectives[0]!.ref = "objective-9"),
      "portfolio.entries[1].objectives[0].ref names objective-9, which is not in plan.objectives.",
    ],
    ["a bad reference", (d) => (d.plan.history[0]!.objective = "goal-1"), 'plan.history[0].objective must look like "objective-1".'],
    [
      "a suggestion from an unknown grant",
      (d) => (d.suggestions[0]!.grant = "grant-7"),
      "suggestions[0].grant names grant-7, which is not in grants.",
    ],
    [
      "a javascript: link",
      (d) => (d.plan.looseResources[0]!.url = "javascript:alert(1)"),
      "plan.looseResources[0].url must be a web address starting with http:// or https://.",
    ],
    [
      "a bad date",
      (d) => (d.portfolio.entries[0]!.createdAt = "yesterday"),
      'portfolio.entries[0].createdAt must be a date and time like "2026-11-01T12:00:00.000Z".',
    ],
    [
      "a bad day",
      (d) => (d.plan.objectives[0]!.targetDate = "2027-02-30"),
      'plan.objectives[0].targetDate must be a day like "2027-03-31".',
    ],
    [
      "an unknown key",
      (d) => ((d.plan.objectives[0] as unknown as Record<string, unknown>).secret = "x"),
      "plan.objectives[0].secret is not part of a version 1 backpack.",
    ],
    [
      "a bad tag",
      (d) => (d.plan.objectives[0]!.tags = ["data-vis!"]),
      'plan.objectives[0].tags: "data-vis!" is not a tag: use letters, digits and underscores.',
    ],
    ["a twice-used reference", (d) => (d.plan.objectives[1]!.ref = "objective-1"), "plan.objectives[1].ref: objective-1 is used twice."],
    [
      "a bad account elsewhere",
      (d) => (d.links.identities[0]!.address = "not an address"),
      "links.identities[0].address: Enter your Mastodon address like @maya@mastodon.social.",
    ],
    ["a follow of a private address", (d) => (d.links.follows[0]!.feedUrl = "http://10.0.0.8/feed.json"), "links.follows[0].feedUrl:"],
  ];

  for (const [what, spoil, message] of cases) {
    it(`refuses ${what}, says where, and writes nothing`, async () => {
      const before = await snapshot(b);
      const doc = copy();
      spoil(doc);
      const err = await formError(importBackpack(b.deps, noor.id, JSON.parse(JSON.stringify(doc))));
      expect(err.field).toBe("backpack");
      expect(err.message.startsWith(message)).toBe(true);
      expect(await snapshot(b)).toBe(before);
    });
  }

  it("refuses text that is not JSON, and a file over 2 MB, before reading it", () => {
    expect(() => parseBackpackText("{ not json")).toThrow(/not valid JSON/);
    expect(() => parseBackpackText("")).toThrow(/Choose your backpack file/);
    expect(() => parseBackpackText(`"${"x".repeat(2 * 1024 * 1024)}"`)).toThrow(/larger than 2 MB/);
    expect(parseBackpackText('\uFEFF{"a":1}')).toEqual({ a: 1 });
  });

  it("writes nothing when the database refuses a row half-way (one batch)", async () => {
    // A trigger makes the suggestions' insert fail after objectives, entries and grants were sent.
    await b.database.client.execute(
      "CREATE TRIGGER refuse_suggestions BEFORE INSERT ON suggestions BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    const before = await snapshot(b);
    await expect(importBackpack(b.deps, noor.id, copy())).rejects.toThrow(/refused/);
    expect(await snapshot(b)).toBe(before);
    expect(await b.deps.db.select().from(objectives)).toEqual([]);
  });
});
