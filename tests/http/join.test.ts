// Joining a course with its join code, through the real app and forms.
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { JOIN_CODE } from "../../src/accounts/throttle.js";
import { courses, memberships } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { normaliseJoinCode } from "../../src/hub/join.js";
import { newJoinCode } from "../../src/hub/join-code.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let ida: Client;
let maya: Client;
let mayaId: number;
let code: string;
const PASSWORD = "correct horse battery";

function from(address: string): Client {
  return new Client((req) => hub.app.fetch(req, { incoming: { socket: { remoteAddress: address } } }));
}

async function roleOf(personId: number, slug = "t509") {
  const course = (await courseBySlug(hub.deps.db, slug))!;
  const [row] = await hub.deps.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.courseId, course.id), eq(memberships.personId, personId)));
  return row?.role ?? null;
}

beforeEach(async () => {
  hub = await createTestHub();
  ida = await setUpCourse(hub.app);
  await ida.submit("/courses/new", "/courses", { title: "Other course", slug: "other", tags: "other" });
  code = "ABCD-EFGH";
  await hub.deps.db.update(courses).set({ joinCode: code }).where(eq(courses.slug, "t509"));
  mayaId = (await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: PASSWORD }))!.id;
  maya = from("198.51.100.7");
  expect((await maya.submit("/login", "/login", { email: "maya@example.org", password: PASSWORD })).status).toBe(303);
});
afterEach(async () => {
  await hub.close();
});

describe("join codes", () => {
  it("are made of characters people cannot misread, and matched however they are typed", () => {
    for (let i = 0; i < 200; i++) expect(newJoinCode()).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(normaliseJoinCode(" abcd-efgh ")).toBe("abcdefgh");
    expect(normaliseJoinCode("ABCD EFGH")).toBe("abcdefgh");
    expect(normaliseJoinCode("T509-Fall_2026")).toBe("t509fall_2026");
    expect(normaliseJoinCode("abc")).toBeNull();
    expect(normaliseJoinCode("ABCD-EFG!")).toBeNull();
  });
});

describe("joining with /join", () => {
  it("makes the person a learner of the course the code opens and sends them to register their blog", async () => {
    const res = await maya.submit("/join", "/join", { code: "abcd-efgh" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/c/t509/my-sources");
    expect(await roleOf(mayaId)).toBe("learner");
    expect(await roleOf(mayaId, "other")).toBeNull();
    const page = await (await maya.get("/c/t509/my-sources")).text();
    expect(page).toContain("Welcome to T509 Massive!");
    // Twice is harmless.
    const again = await maya.submit("/join", "/join", { code: "ABCDEFGH" });
    expect(again.status).toBe(303);
    expect(await (await maya.get("/c/t509/my-sources")).text()).toContain("You are already in T509 Massive.");
  });

  it("explains a missing, malformed or unknown code and adds nobody", async () => {
    const cases: Array<[string, string]> = [
      ["", "Enter the join code your instructor gave you."],
      ["abc", "That is not a join code: codes are letters and digits, like ABCD-EFGH."],
      ["<b>hello</b>", "That is not a join code"],
      ["ZZZZ-ZZZZ", "No course has this code."],
    ];
    for (const [value, message] of cases) {
      const res = await maya.submit("/join", "/join", { code: value });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(await roleOf(mayaId)).toBeNull();
  });

  it("sends a visitor to sign in, keeping a shared link's code", async () => {
    const visitor = Client.forApp(hub.app);
    expect((await visitor.get("/join")).headers.get("location")).toBe("/login?next=%2Fjoin");
    expect((await visitor.get("/c/t509/join?code=ABCD-EFGH")).headers.get("location")).toBe(
      "/login?next=%2Fc%2Ft509%2Fjoin%3Fcode%3DABCD-EFGH",
    );
    await visitor.get("/login");
    expect((await visitor.post("/join", { _csrf: visitor.cookie("tributary_csrf")!, code })).headers.get("location")).toBe(
      "/login?next=%2Fjoin",
    );
  });

  it("is refused without the form's CSRF token", async () => {
    expect((await maya.post("/join", { code })).status).toBe(403);
    expect(await roleOf(mayaId)).toBeNull();
  });

  it("pauses someone who tries 10 wrong codes, even with the right one next, and lets them in later", async () => {
    for (let i = 0; i < JOIN_CODE.max; i++) {
      expect((await maya.submit("/join", "/join", { code: `ZZZZZZZ${"ABCDEFGHJKLMN"[i]}` })).status).toBe(400);
    }
    const paused = await maya.submit("/join", "/join", { code });
    expect(paused.status).toBe(429);
    expect(await paused.text()).toContain("Too many wrong codes. Try again in 15 minutes");
    expect(await roleOf(mayaId)).toBeNull();
    hub.clock.advance(15 * 60_000);
    expect((await maya.submit("/join", "/join", { code })).status).toBe(303);
  });
});

describe("joining at /c/:slug/join", () => {
  it("fills the form from a shared link and joins that course", async () => {
    const form = await (await maya.get("/c/t509/join?code=ABCD-EFGH")).text();
    expect(form).toContain('value="ABCD-EFGH"');
    expect(form).toContain('action="/c/t509/join"');
    expect((await maya.submit("/c/t509/join", "/c/t509/join", { code: "ABCD-EFGH" })).status).toBe(303);
    expect(await roleOf(mayaId)).toBe("learner");
    expect(await (await maya.get("/c/t509/join")).text()).toContain("You are in this course already");
  });

  it("refuses another course's code, an archived course, and a course without a code", async () => {
    const wrong = await maya.submit("/c/other/join", "/c/other/join", { code });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That code does not open this course.");
    expect(await roleOf(mayaId, "other")).toBeNull();

    await hub.deps.db.update(courses).set({ archived: true }).where(eq(courses.slug, "t509"));
    const archived = await maya.submit("/c/t509/join", "/c/t509/join", { code });
    expect(archived.status).toBe(400);
    expect(await archived.text()).toContain("This course is archived and takes no new learners.");
    expect(await roleOf(mayaId)).toBeNull();

    expect((await maya.get("/c/nowhere/join")).status).toBe(404);
  });

  it("accepts a code typed in the course settings, ignoring case, spaces and hyphens", async () => {
    await hub.deps.db.update(courses).set({ joinCode: "T509-Fall_2026" }).where(eq(courses.slug, "t509"));
    expect((await maya.submit("/join", "/join", { code: "t509 fall_2026" })).status).toBe(303);
    expect(await roleOf(mayaId)).toBe("learner");
    expect(await (await maya.get("/join?code=%3Cscript%3E")).text()).not.toContain("<script>");
  });

  it("refuses at /join a code two courses share, which each course's own page still takes", async () => {
    await hub.deps.db.update(courses).set({ joinCode: "ABCDEFGH" }).where(eq(courses.slug, "other"));
    const res = await maya.submit("/join", "/join", { code });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("No course has this code.");
    expect((await maya.submit("/c/other/join", "/c/other/join", { code })).status).toBe(303);
    expect(await roleOf(mayaId, "other")).toBe("learner");
  });

  it("keeps an instructor an instructor when they use the code", async () => {
    const res = await ida.submit("/c/t509/join", "/c/t509/join", { code });
    expect(res.status).toBe(303);
    expect(await (await ida.get("/c/t509/my-sources")).text()).toContain("(as an instructor)");
    expect(await roleOf(1)).toBe("instructor");
  });
});

describe("the course page says how to join", () => {
  const howTo = (html: string) => /<div class="how-to-join">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? null;

  it("gives every new course a code, which its instructor sees as a link to hand out", async () => {
    const other = (await courseBySlug(hub.deps.db, "other"))!;
    expect(other.joinCode).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    const flow = await (await ida.get("/c/other")).text();
    const link = `http://localhost:8787/c/other/join?code=${other.joinCode}`;
    expect(flow).toContain(`Give your class this link to join: <a href="${link}">${link}</a>`);
    expect(howTo(flow)).toBeNull();
    // The link signs in first, then fills the code in.
    const visitor = Client.forApp(hub.app);
    expect((await visitor.get(`/c/other/join?code=${other.joinCode}`)).status).toBe(302);
    expect(await (await maya.get(`/c/other/join?code=${other.joinCode}`)).text()).toContain(`value="${other.joinCode}"`);
  });

  it("tells visitors and non-members how to take part, and members nothing of it", async () => {
    const visitor = await (await Client.forApp(hub.app).get("/c/t509")).text();
    expect(howTo(visitor)).toContain("anyone who posts with #t509massive on their blog, Mastodon or Bluesky appears here, as a guest");
    expect(howTo(visitor)).toContain(`<a href="/login?next=${encodeURIComponent("/c/t509/join")}">Sign in</a>`);
    expect(howTo(await (await maya.get("/c/t509")).text())).toContain('<a href="/c/t509/join">Join it with the code</a>');

    expect((await maya.submit("/c/t509/join", "/c/t509/join", { code })).status).toBe(303);
    const member = await (await maya.get("/c/t509")).text();
    expect(howTo(member)).toBeNull();
    expect(member).not.toContain("Join with a code");
    expect(member).toContain('<a href="/c/t509/my-sources">Your blog in this course</a>');
  });

  it("says joining is closed when the instructor turned it off", async () => {
    await ida.submit("/c/t509/manage/people", "/c/t509/manage/people/join-code", { action: "off" });
    expect(howTo(await (await Client.forApp(hub.app).get("/c/t509")).text())).toContain(
      "Joining this course with a code is closed just now",
    );
    expect(await (await ida.get("/c/t509")).text()).toContain("Joining is off.");
  });
});
