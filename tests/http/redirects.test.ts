// Redirect targets taken from input stay on the hub. The check parses the target the way a browser
// does, so the spellings browsers turn into another origin (a tab or newline after the first slash,
// backslashes, dot segments that end in "//host", a full URL) all go to a safe default, and CR/LF
// can never reach a header.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

const HOSTILE = [
  "//evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\\evil.example",
  "/\\\\evil.example",
  "/.//evil.example",
  "https://evil.example/",
  "javascript:alert(1)",
  "/%0d%0aSet-Cookie:%20x=1",
  "/\r\nSet-Cookie: x=1",
];

let hub: TestHub;
let ida: Client;

beforeAll(async () => {
  hub = await createTestHub();
  ida = await setUpCourse(hub.app);
});
afterAll(() => hub.close());

/** Where a Location header would take a browser on the hub. */
const landsOn = (location: string | null) => new URL(location ?? "", "http://localhost:8787");

describe("redirect targets from input", () => {
  it("keeps GET /login?next= and GET /signup?next= (signed in) on the hub, for every hostile spelling", async () => {
    for (const next of HOSTILE) {
      for (const path of ["/login", "/signup"]) {
        const res = await ida.get(`${path}?next=${encodeURIComponent(next)}`);
        expect(res.status, `${path} ${JSON.stringify(next)}`).toBeLessThan(400);
        const to = landsOn(res.headers.get("location"));
        expect(to.origin, `${path} ${JSON.stringify(next)}`).toBe("http://localhost:8787");
        expect(res.headers.get("set-cookie") ?? "").not.toMatch(/(^|,\s*)x=1/);
      }
    }
  });

  it("keeps POST /login's next on the hub", async () => {
    for (const next of HOSTILE) {
      const visitor = Client.forApp(hub.app);
      const res = await visitor.submit("/login", "/login", { email: "ida@example.org", password: "correct horse battery", next });
      expect(res.status, JSON.stringify(next)).toBe(303);
      expect(landsOn(res.headers.get("location")).origin, JSON.stringify(next)).toBe("http://localhost:8787");
    }
  });

  it("still follows a good next, query and fragment included", async () => {
    const res = await ida.get(`/login?next=${encodeURIComponent("/c/t509/search?q=rhizome#results")}`);
    expect(res.headers.get("location")).toBe("/c/t509/search?q=rhizome#results");
  });
});
