// A course's People page: members and roles, the join code, adding TAs and
// removing members, and who may do which.
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { courses, memberships } from "../../src/db/schema.js";
import { courseBySlug } from "../../src/hub/courses.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let admin: Client;
let courseId: number;
const PASSWORD = "correct horse battery";
const ids: Record<string, number> = {};

async function person(name: string, role: "instructor" | "ta" | "learner" | null): Promise<Client> {
  const email = `${name.toLowerCase()}@example.org`;
  ids[name] = (await createPerson(hub.deps.db, { email, displayName: name, password: PASSWORD }))!.id;
  if (role) await hub.deps.db.insert(memberships).values({ courseId, personId: ids[name]!, role });
  const client = Client.forApp(hub.app);
  expect((await client.submit("/login", "/login", { email, password: PASSWORD })).status).toBe(303);
  return client;
}

async function roleOf(name: string) {
  const [row] = await hub.deps.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.courseId, courseId), eq(memberships.personId, ids[name]!)));
  return row?.role ?? null;
}

let ines: Client; // an instructor who is not an administrator
let tomas: Client; // a TA
let maya: Client; // a learner

beforeEach(async () => {
  hub = await createTestHub({ PUBLIC_URL: "https://hub.example.org" });
  admin = await setUpCourse(hub.app);
  courseId = (await courseBySlug(hub.deps.db, "t509"))!.id;
  ines = await person("Ines", "instructor");
  tomas = await person("Tomas", "ta");
  maya = await person("Maya", "learner");
  await person("Noor", null);
});
afterEach(async () => {
  await hub.close();
});

describe("the People page", () => {
  it("lists members by role for instructors and TAs, with the join code, and links from the Manage page", async () => {
    expect(await (await ines.get("/c/t509/manage")).text()).toContain('href="/c/t509/manage/people"');
    const html = await (await ines.get("/c/t509/manage/people")).text();
    const order = [
      [1, "Ida Instructor"],
      [ids.Ines, "Ines"],
      [ids.Tomas, "Tomas"],
      [ids.Maya, "Maya"],
    ].map(([id, n]) => html.indexOf(`href="/people/${id}">${n}</a>`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // A new course is open to join from the start, with a code and a link to hand out.
    const code = (await hub.deps.db.select({ joinCode: courses.joinCode }).from(courses).where(eq(courses.id, courseId)))[0]!.joinCode!;
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(html).toContain(`Learners join with the code <strong><code>${code}</code></strong>`);
    expect(html).not.toContain(">Noor</a>");
    expect(html).toContain('href="/me"');

    const ta = await (await tomas.get("/c/t509/manage/people")).text();
    expect(ta).toContain(">Maya</a>");
    expect(ta).not.toContain("Add a TA");
    expect(ta).toContain("/join-code");
  });

  it("is refused to learners and sends visitors to sign in", async () => {
    expect((await maya.get("/c/t509/manage/people")).status).toBe(403);
    expect((await Client.forApp(hub.app).get("/c/t509/manage/people")).headers.get("location")).toBe(
      "/login?next=%2Fc%2Ft509%2Fmanage%2Fpeople",
    );
  });
});

describe("the join code", () => {
  it("is made, replaced and turned off by an instructor, and shown with a link to share", async () => {
    expect((await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/join-code", { action: "new" })).status).toBe(303);
    const [{ joinCode: first }] = (await hub.deps.db
      .select({ joinCode: courses.joinCode })
      .from(courses)
      .where(eq(courses.id, courseId))) as [{ joinCode: string }];
    expect(first).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const shown = first;
    const html = await (await ines.get("/c/t509/manage/people")).text();
    expect(html).toContain(`<code>${shown}</code>`);
    expect(html).toContain(`https://hub.example.org/c/t509/join?code=${shown}`);

    await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/join-code", { action: "new" });
    const [{ joinCode: second }] = (await hub.deps.db
      .select({ joinCode: courses.joinCode })
      .from(courses)
      .where(eq(courses.id, courseId))) as [{ joinCode: string }];
    expect(second).not.toBe(first);
    // The old code no longer opens the course.
    const noor = Client.forApp(hub.app);
    await noor.submit("/login", "/login", { email: "noor@example.org", password: PASSWORD });
    expect((await noor.submit("/join", "/join", { code: first })).status).toBe(400);
    expect((await noor.submit("/join", "/join", { code: second })).status).toBe(303);

    await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/join-code", { action: "off" });
    expect(
      (await hub.deps.db.select({ joinCode: courses.joinCode }).from(courses).where(eq(courses.id, courseId)))[0]!.joinCode,
    ).toBeNull();
  });

  it("is made by a TA too, as in the course settings, but not by a learner", async () => {
    const codeNow = async () =>
      (await hub.deps.db.select({ joinCode: courses.joinCode }).from(courses).where(eq(courses.id, courseId)))[0]!.joinCode;
    const before = await codeNow();
    expect((await maya.submit("/c/t509/my-sources", "/c/t509/manage/people/join-code", { action: "new" })).status).toBe(403);
    expect(await codeNow()).toBe(before);
    expect((await tomas.submit("/c/t509/manage/people", "/c/t509/manage/people/join-code", { action: "new" })).status).toBe(303);
    expect(await codeNow()).not.toBe(before);
    expect(await codeNow()).not.toBeNull();
  });
});

describe("adding a TA", () => {
  it("adds an account by its email, or promotes a learner of the course", async () => {
    const added = await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/tas", { email: " NOOR@example.org " });
    expect(added.status).toBe(303);
    expect(await roleOf("Noor")).toBe("ta");
    expect(await (await ines.get("/c/t509/manage/people")).text()).toContain("Noor is now a TA of T509 Massive.");
    await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/tas", { email: "maya@example.org" });
    expect(await roleOf("Maya")).toBe("ta");
    // A TA runs the course now: the Manage page opens for them.
    expect((await maya.get("/c/t509/manage")).status).toBe(200);
  });

  it("explains an unknown email, an existing TA or instructor, and an empty field", async () => {
    const cases: Array<[string, string]> = [
      ["", "Email is required."],
      ["nobody@example.org", "No account uses this email."],
      ["tomas@example.org", "Tomas is already a TA of this course."],
      ["ines@example.org", "Ines is an instructor of this course already."],
    ];
    for (const [email, message] of cases) {
      const res = await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/tas", { email });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(await roleOf("Ines")).toBe("instructor");
  });

  it("is for instructors only: a TA and a learner are refused", async () => {
    expect((await tomas.submit("/c/t509/manage/people", "/c/t509/manage/people/tas", { email: "noor@example.org" })).status).toBe(403);
    expect((await maya.submit("/c/t509/my-sources", "/c/t509/manage/people/tas", { email: "maya@example.org" })).status).toBe(403);
    expect(await roleOf("Noor")).toBeNull();
    expect(await roleOf("Maya")).toBe("learner");
  });

  it("is refused without the CSRF token", async () => {
    expect((await ines.post("/c/t509/manage/people/tas", { email: "noor@example.org" })).status).toBe(403);
    expect(await roleOf("Noor")).toBeNull();
  });
});

describe("removing a member", () => {
  it("takes out a learner or a TA, whose next request finds the course closed", async () => {
    expect((await maya.get("/c/t509/my-sources")).status).toBe(200);
    expect((await ines.submit("/c/t509/manage/people", `/c/t509/manage/people/${ids.Maya}/remove`, { confirm: "yes" })).status).toBe(303);
    expect(await roleOf("Maya")).toBeNull();
    expect((await maya.get("/c/t509/my-sources")).status).toBe(403);
    expect((await admin.submit("/c/t509/manage/people", `/c/t509/manage/people/${ids.Tomas}/remove`, { confirm: "yes" })).status).toBe(303);
    expect((await tomas.get("/c/t509/manage")).status).toBe(403);
  });

  it("keeps instructors, and says when the person is not a member", async () => {
    expect((await ines.submit("/c/t509/manage/people", `/c/t509/manage/people/${ids.Ines}/remove`, { confirm: "yes" })).status).toBe(409);
    expect(await roleOf("Ines")).toBe("instructor");
    expect((await ines.submit("/c/t509/manage/people", `/c/t509/manage/people/${ids.Noor}/remove`, { confirm: "yes" })).status).toBe(404);
    expect((await ines.submit("/c/t509/manage/people", "/c/t509/manage/people/abc/remove", { confirm: "yes" })).status).toBe(404);
  });

  it("is for instructors only", async () => {
    expect((await tomas.submit("/c/t509/manage/people", `/c/t509/manage/people/${ids.Maya}/remove`, { confirm: "yes" })).status).toBe(403);
    expect(await roleOf("Maya")).toBe("learner");
  });
});
