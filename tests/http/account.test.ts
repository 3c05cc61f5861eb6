// Sign-up, sign-in throttling, the account page (sessions, "sign out
// everywhere else", password change) through the real app and its forms.

import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPerson } from "../../src/accounts/people.js";
import { LOGIN_ADDRESS, SIGNUP_ADDRESS } from "../../src/accounts/throttle.js";
import { loginThrottle, people } from "../../src/db/schema.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
const MIN = 60_000;
const PASSWORD = "correct horse battery";

/** A browser on Node, as @hono/node-server hands the socket to the app. */
function from(address: string): Client {
  return new Client((req) => hub.app.fetch(req, { incoming: { socket: { remoteAddress: address } } }));
}

async function signIn(client: Client, email: string, password = PASSWORD): Promise<Response> {
  return client.submit("/login", "/login", { email, password });
}

beforeEach(async () => {
  hub = await createTestHub();
  await setUpCourse(hub.app);
  await createPerson(hub.deps.db, { email: "maya@example.org", displayName: "Maya", password: PASSWORD });
});
afterEach(async () => {
  await hub.close();
});

describe("sign-up", () => {
  it("creates a learner account, signs them in and sends them to join a course", async () => {
    const browser = from("198.51.100.7");
    expect(await (await browser.get("/signup")).text()).toContain("Create an account");
    const res = await browser.submit("/signup", "/signup", { displayName: "Noor <N>", email: " Noor@Example.org ", password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/join");
    const [noor] = await hub.deps.db.select().from(people).where(eq(people.email, "noor@example.org"));
    expect(noor).toMatchObject({ displayName: "Noor <N>", isAdmin: false });
    const join = await (await browser.get("/join")).text();
    expect(join).toContain("Welcome! Join your course");
    expect(join).toContain("Noor &lt;N&gt;");
    // Signed in: the sign-up page sends them on.
    expect((await browser.get("/signup")).status).toBe(302);
  });

  it("keeps where the person was going", async () => {
    const browser = from("198.51.100.7");
    const login = await (await browser.get("/login?next=%2Fc%2Ft509%2Fjoin%3Fcode%3DABCD-EFGH")).text();
    expect(login).toContain('href="/signup?next=%2Fc%2Ft509%2Fjoin%3Fcode%3DABCD-EFGH"');
    const res = await browser.submit("/signup?next=%2Fc%2Ft509%2Fjoin", "/signup", {
      displayName: "Noor",
      email: "noor@example.org",
      password: PASSWORD,
      next: "/c/t509/join?code=ABCD-EFGH",
    });
    expect(res.headers.get("location")).toBe("/c/t509/join?code=ABCD-EFGH");
    const evil = await from("198.51.100.8").submit("/signup", "/signup", {
      displayName: "Eve",
      email: "eve@example.org",
      password: PASSWORD,
      next: "//evil.example/",
    });
    expect(evil.headers.get("location")).toBe("/join");
  });

  it("shows each bad field with a plain message and creates nothing", async () => {
    const browser = from("198.51.100.7");
    const cases: Array<[Record<string, string>, string]> = [
      [{ displayName: "", email: "noor@example.org", password: PASSWORD }, "Your name is required."],
      [{ displayName: "Noor", email: "noor", password: PASSWORD }, "Enter an email address like name@example.org."],
      [{ displayName: "Noor", email: "noor@example.org", password: "short" }, "Choose a password of at least 10 characters."],
      [{ displayName: "x".repeat(101), email: "noor@example.org", password: PASSWORD }, "Your name must be at most 100 characters."],
      [{ displayName: "Maya again", email: "MAYA@example.org", password: PASSWORD }, "An account with this email exists already."],
    ];
    for (const [fields, message] of cases) {
      const res = await browser.submit("/signup", "/signup", fields);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).not.toContain(PASSWORD);
    }
    expect(await hub.deps.db.select().from(people)).toHaveLength(2);
    expect(browser.cookie("tributary_session")).toBeUndefined();
  });

  it("sends an empty hub's first visitor to setup", async () => {
    const empty = await createTestHub();
    try {
      const browser = Client.forApp(empty.app);
      expect((await browser.get("/signup")).headers.get("location")).toBe("/setup");
    } finally {
      await empty.close();
    }
  });

  it("is refused without the form's CSRF token", async () => {
    const browser = from("198.51.100.7");
    await browser.get("/signup");
    expect((await browser.post("/signup", { displayName: "Noor", email: "noor@example.org", password: PASSWORD })).status).toBe(403);
    expect(await hub.deps.db.select().from(people)).toHaveLength(2);
  });

  it("is paused for an address that made many accounts in the last hour", async () => {
    const browser = from("198.51.100.7");
    for (let i = 0; i < SIGNUP_ADDRESS.max; i++) {
      const res = await browser.submit("/signup", "/signup", { displayName: `L${i}`, email: `l${i}@example.org`, password: PASSWORD });
      expect(res.status).toBe(303);
      await browser.post("/logout", { _csrf: browser.cookie("tributary_csrf")! });
    }
    const paused = await browser.submit("/signup", "/signup", { displayName: "One more", email: "more@example.org", password: PASSWORD });
    expect(paused.status).toBe(429);
    expect(paused.headers.get("retry-after")).toBe("3600");
    expect(await paused.text()).toContain("sign-up is paused here for a while. Try again in 60 minutes.");
    // Another network is not affected, and the pause ends.
    expect(
      (await from("203.0.113.9").submit("/signup", "/signup", { displayName: "Elsewhere", email: "else@example.org", password: PASSWORD }))
        .status,
    ).toBe(303);
    hub.clock.advance(60 * MIN);
    expect(
      (await browser.submit("/signup", "/signup", { displayName: "Later", email: "later@example.org", password: PASSWORD })).status,
    ).toBe(303);
  });
});

describe("sign-in throttling", () => {
  it("pauses an account after 5 wrong passwords in 15 minutes, says so plainly with 429, then lets it in", async () => {
    const browser = from("198.51.100.7");
    for (let i = 0; i < 4; i++) {
      const res = await signIn(browser, "maya@example.org", "wrong password");
      expect(res.status).toBe(401);
      expect(await res.text()).toContain("That email and password do not match an account.");
      hub.clock.advance(MIN);
    }
    const fifth = await signIn(browser, "maya@example.org", "wrong password");
    expect(fifth.status).toBe(429);
    expect(fifth.headers.get("retry-after")).toBe("900");
    expect(await fifth.text()).toContain(
      "Too many failed sign-ins. For your security, signing in to this account or from your network is paused. Try again in 15 minutes.",
    );
    // Even the right password is refused while paused, from any address, and no session is made.
    const right = await signIn(from("203.0.113.9"), "MAYA@example.org", PASSWORD);
    expect(right.status).toBe(429);
    expect(right.headers.get("set-cookie") ?? "").not.toContain("tributary_session");
    hub.clock.advance(10 * MIN);
    const later = await signIn(browser, "maya@example.org", PASSWORD);
    expect(later.status).toBe(429);
    expect(await later.text()).toContain("Try again in 5 minutes.");
    hub.clock.advance(5 * MIN);
    expect((await signIn(browser, "maya@example.org", PASSWORD)).status).toBe(303);
    expect(browser.cookie("tributary_session")).toBeDefined();
  });

  it("answers an unknown email exactly as a known one, lock included", async () => {
    const browser = from("198.51.100.7");
    for (let i = 0; i < 4; i++) expect((await signIn(browser, "nobody@example.org", "wrong password")).status).toBe(401);
    expect((await signIn(browser, "nobody@example.org", "wrong password")).status).toBe(429);
  });

  it("resets an account's count on a successful sign-in", async () => {
    const browser = from("198.51.100.7");
    for (let i = 0; i < 4; i++) await signIn(browser, "maya@example.org", "wrong password");
    expect((await signIn(browser, "maya@example.org", PASSWORD)).status).toBe(303);
    await browser.post("/logout", { _csrf: browser.cookie("tributary_csrf")! });
    for (let i = 0; i < 4; i++) expect((await signIn(browser, "maya@example.org", "wrong password")).status).toBe(401);
    expect((await signIn(browser, "maya@example.org", PASSWORD)).status).toBe(303);
  });

  it("pauses an address that fails on many accounts, and only that address", async () => {
    const browser = from("2001:db8:1:2::7");
    for (let i = 0; i < LOGIN_ADDRESS.max - 1; i++)
      expect((await signIn(browser, `guess${i}@example.org`, "wrong password")).status).toBe(401);
    // Another address in the same /64 is the same client.
    expect((await signIn(from("2001:db8:1:2::8"), "last@example.org", "wrong password")).status).toBe(429);
    expect((await signIn(browser, "maya@example.org", PASSWORD)).status).toBe(429);
    expect((await signIn(from("203.0.113.9"), "maya@example.org", PASSWORD)).status).toBe(303);
  });

  it("reads the address from cf-connecting-ip where there is no socket (Workers)", async () => {
    const worker = (ip: string) =>
      new Client((req) => {
        const headers = new Headers(req.headers);
        headers.set("cf-connecting-ip", ip);
        return hub.app.fetch(new Request(req, { headers }));
      });
    const browser = worker("198.51.100.7");
    await signIn(browser, "a@example.org", "wrong password");
    const keys = (await hub.deps.db.select().from(loginThrottle)).map((r) => r.key).sort();
    expect(keys).toEqual(["login:addr:198.51.100.7", "login:email:a@example.org"]);
  });

  it("on a real Node server, counts the socket's address and ignores a forged cf-connecting-ip", async () => {
    const server: ServerType = await new Promise((ok) => {
      const s = serve({ fetch: hub.app.fetch, port: 0, hostname: "127.0.0.1" }, () => ok(s));
    });
    try {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const browser = new Client((req) => {
        const headers = new Headers(req.headers);
        headers.set("cf-connecting-ip", `203.0.113.${Math.floor(Math.random() * 250)}`);
        return fetch(new Request(req, { headers }));
      }, origin);
      await browser.submit("/login", "/login", { email: "a@example.org", password: "wrong password" });
      const keys = (await hub.deps.db.select().from(loginThrottle)).map((r) => r.key).sort();
      expect(keys).toEqual(["login:addr:127.0.0.1", "login:email:a@example.org"]);
    } finally {
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});

describe("the account page", () => {
  it("sends a visitor to sign in", async () => {
    expect((await Client.forApp(hub.app).get("/account")).headers.get("location")).toBe("/login?next=%2Faccount");
  });

  it("lists the person's sessions and signs out everywhere else, effective on the other browser's next request", async () => {
    const laptop = from("198.51.100.7");
    const phone = from("198.51.100.8");
    await signIn(laptop, "maya@example.org");
    hub.clock.advance(MIN);
    await signIn(phone, "maya@example.org");
    const page = await (await laptop.get("/account")).text();
    expect(page.match(/<tr>\s*<td>/g)).toHaveLength(2);
    expect(page).toContain("this browser");
    expect(page).toContain('href="/me"');
    expect((await phone.get("/account")).status).toBe(200);

    const res = await laptop.submit("/account", "/account/sessions/others/end", {});
    expect(res.status).toBe(303);
    expect(await (await laptop.get("/account")).text()).toContain("Signed out everywhere else (1 other session).");
    expect((await phone.get("/account")).headers.get("location")).toBe("/login?next=%2Faccount");
    expect((await laptop.get("/account")).status).toBe(200);
  });

  it("signs one other session out by its id", async () => {
    const laptop = from("198.51.100.7");
    const phone = from("198.51.100.8");
    await signIn(laptop, "maya@example.org");
    hub.clock.advance(MIN);
    await signIn(phone, "maya@example.org");
    const page = await (await laptop.get("/account")).text();
    const id = /action="\/account\/sessions\/([0-9a-f]{16})\/end"/.exec(page)![1]!;
    expect((await laptop.submit("/account", `/account/sessions/${id}/end`, {})).status).toBe(303);
    expect((await phone.get("/account")).status).toBe(302);
    // Another person cannot end Maya's sessions.
    const noor = from("198.51.100.9");
    await noor.submit("/signup", "/signup", { displayName: "Noor", email: "noor@example.org", password: PASSWORD });
    await noor.submit("/account", `/account/sessions/${id}/end`, {});
    expect((await laptop.get("/account")).status).toBe(200);
  });

  it("treats an expired session as signed out", async () => {
    const laptop = from("198.51.100.7");
    await signIn(laptop, "maya@example.org");
    hub.clock.advance(30 * 86_400_000 + 1);
    expect((await laptop.get("/account")).status).toBe(302);
  });

  it("changes the password with the current one, signing out every other browser", async () => {
    const laptop = from("198.51.100.7");
    const phone = from("198.51.100.8");
    await signIn(laptop, "maya@example.org");
    await signIn(phone, "maya@example.org");
    const wrong = await laptop.submit("/account", "/account/password", {
      currentPassword: "not my password",
      newPassword: "a new long password",
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That is not your current password.");
    const short = await laptop.submit("/account", "/account/password", { currentPassword: PASSWORD, newPassword: "short" });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("Choose a password of at least 10 characters.");
    expect((await phone.get("/account")).status).toBe(200);

    const ok = await laptop.submit("/account", "/account/password", { currentPassword: PASSWORD, newPassword: "a new long password" });
    expect(ok.status).toBe(303);
    expect(await (await laptop.get("/account")).text()).toContain("Password changed.");
    expect((await phone.get("/account")).status).toBe(302);
    expect((await signIn(from("198.51.100.9"), "maya@example.org", PASSWORD)).status).toBe(401);
    expect((await signIn(from("198.51.100.9"), "maya@example.org", "a new long password")).status).toBe(303);
  });

  it("counts wrong current passwords as failed sign-ins, so a borrowed session cannot guess it", async () => {
    const laptop = from("198.51.100.7");
    await signIn(laptop, "maya@example.org");
    for (let i = 0; i < 5; i++)
      await laptop.submit("/account", "/account/password", { currentPassword: `guess ${i}`, newPassword: "a new long password" });
    const locked = await laptop.submit("/account", "/account/password", { currentPassword: PASSWORD, newPassword: "a new long password" });
    expect(locked.status).toBe(429);
    expect(await locked.text()).toContain("Too many wrong passwords");
    expect((await signIn(from("203.0.113.9"), "maya@example.org", PASSWORD)).status).toBe(429);
  });

  it("refuses its forms without the CSRF token or from another origin", async () => {
    const laptop = from("198.51.100.7");
    const phone = from("198.51.100.8");
    await signIn(laptop, "maya@example.org");
    await signIn(phone, "maya@example.org");
    expect((await laptop.post("/account/sessions/others/end", {})).status).toBe(403);
    const token = laptop.cookie("tributary_csrf")!;
    expect((await laptop.post("/account/sessions/others/end", { _csrf: token }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await laptop.post("/account/password", { currentPassword: PASSWORD, newPassword: "a new long password" })).status).toBe(403);
    expect((await phone.get("/account")).status).toBe(200);
    expect((await signIn(from("198.51.100.9"), "maya@example.org", PASSWORD)).status).toBe(303);
  });
});
