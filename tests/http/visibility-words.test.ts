// One set of words for the PLS's four visibility levels: the objective forms, the portfolio forms,
// the Sharing page and the API's documentation all use views/visibility.ts, and every choice is a
// radio button with its own label beside it. No page uses the older words.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { VISIBILITY_CHOICES } from "../../src/views/visibility.js";
import { Client, createTestHub, type TestHub } from "../helpers/hub.js";

const PASSWORD = "correct horse battery";
let hub: TestHub;
let maya: Client;

beforeEach(async () => {
  hub = await createTestHub();
  await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: PASSWORD });
  maya = Client.forApp(hub.app);
  expect((await maya.submit("/login", "/login", { email: "maya@example.org", password: PASSWORD })).status).toBe(303);
});
afterEach(() => hub.close());

const OLD_WORDS = [
  "Only me",
  "My classmates",
  "People I share my plan with",
  "People in your courses",
  "Everyone",
  "seen by",
  "visible to:",
];

/** The radio buttons of each visibility choice: its value, and the text of the label tied to it. */
function radios(html: string, prefix: string): [string, string][] {
  return [
    ...html.matchAll(new RegExp(`<input type="radio" id="(${prefix}visibility-(\\w+))"[^>]*>\\s*<label for="\\1">([^<]+)</label>`, "g")),
  ].map((m) => [m[2]!, m[3]!]);
}

describe("the words for who may see something", () => {
  it("are the same radio labels on the objective and the portfolio forms", async () => {
    const expected = VISIBILITY_CHOICES.map((v) => [v.value, v.label]);
    const plan = await (await maya.get("/pls")).text();
    expect(radios(plan, "new-")).toEqual(expected);
    const created = await maya.submit("/pls", "/pls/objectives", { title: "Read widely", visibility: "course" });
    const objective = await (await maya.get(created.headers.get("location")!)).text();
    expect(radios(objective, "obj-")).toEqual(expected);
    expect(objective).toContain("who may see it: Your classmates");
    const portfolio = await (await maya.get("/pls/portfolio")).text();
    expect(radios(portfolio, "external-")).toEqual(expected);
    for (const html of [plan, objective, portfolio]) for (const old of OLD_WORDS) expect(html).not.toContain(old);
  });

  it("are the ones the Sharing page explains and the API documents", async () => {
    const sharing = await (await maya.get("/pls/sharing")).text();
    for (const v of VISIBILITY_CHOICES) expect(sharing).toContain(`<li><strong>${v.label}</strong>: ${v.explain}</li>`);
    const spec = JSON.stringify(await (await Client.forApp(hub.app).get("/api/openapi.json")).json());
    for (const v of VISIBILITY_CHOICES) expect(spec).toContain(`${v.value} (${v.label}: ${v.explain})`);
  });
});
