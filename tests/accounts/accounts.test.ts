// Password changes and the session list, against a real libSQL file.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changePassword, readPasswordChangeForm, WrongPasswordError } from "../../src/accounts/change-password.js";
import { authenticate, createPerson, personByEmail } from "../../src/accounts/people.js";
import { createSession, endOtherSessions, endSessionById, personForSession, sessionsOf } from "../../src/accounts/sessions.js";
import { FormError } from "../../src/core/errors.js";
import { type Person, sessions } from "../../src/db/schema.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let maya: Person;

beforeEach(async () => {
  hub = await createTestHub();
  maya = (await createPerson(hub.deps.db, { email: "Maya@Example.org", displayName: "Maya", password: "correct horse battery" }))!;
});
afterEach(async () => {
  await hub.close();
});

describe("reading the password change form", () => {
  it("asks for the current password and a long enough new one, different from it", () => {
    expect(() => readPasswordChangeForm({ newPassword: "a new long password" })).toThrow("Enter your current password.");
    expect(() => readPasswordChangeForm({ currentPassword: "x", newPassword: "short" })).toThrow("at least 10 characters");
    expect(() => readPasswordChangeForm({ currentPassword: "same password!", newPassword: "same password!" })).toThrow("different");
    expect(() => readPasswordChangeForm({ currentPassword: "x", newPassword: "y".repeat(2000) })).toThrow("too long");
    expect(readPasswordChangeForm({ currentPassword: "old one", newPassword: "a new long password" })).toEqual({
      currentPassword: "old one",
      newPassword: "a new long password",
    });
  });
});

describe("changing a password", () => {
  it("refuses a wrong current password and changes nothing", async () => {
    const s = await createSession(hub.deps.db, maya.id, hub.clock.now);
    const err = await changePassword(
      hub.deps.db,
      maya,
      { currentPassword: "wrong password", newPassword: "a new long password" },
      hub.clock.now,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(WrongPasswordError);
    expect(err).toBeInstanceOf(FormError);
    expect(await authenticate(hub.deps.db, "maya@example.org", "correct horse battery")).not.toBeNull();
    expect(await personForSession(hub.deps.db, s.token, hub.clock.now)).not.toBeNull();
  });

  it("sets the new password and ends every old session, opening one new session", async () => {
    const a = await createSession(hub.deps.db, maya.id, hub.clock.now);
    const b = await createSession(hub.deps.db, maya.id, hub.clock.now);
    const fresh = await changePassword(
      hub.deps.db,
      maya,
      { currentPassword: "correct horse battery", newPassword: "a new long password" },
      hub.clock.now,
    );
    expect(await personForSession(hub.deps.db, a.token, hub.clock.now)).toBeNull();
    expect(await personForSession(hub.deps.db, b.token, hub.clock.now)).toBeNull();
    expect((await personForSession(hub.deps.db, fresh.token, hub.clock.now))?.id).toBe(maya.id);
    expect(await authenticate(hub.deps.db, "maya@example.org", "correct horse battery")).toBeNull();
    expect((await authenticate(hub.deps.db, "maya@example.org", "a new long password"))?.id).toBe(maya.id);
    expect(await hub.deps.db.select().from(sessions)).toHaveLength(1);
  });
});

describe("a person's sessions", () => {
  it("lists live ones newest first, marks the current one, and ends others or one by id", async () => {
    const old = await createSession(hub.deps.db, maya.id, hub.clock.now);
    hub.clock.advance(60_000);
    const current = await createSession(hub.deps.db, maya.id, hub.clock.now);
    hub.clock.advance(60_000);
    const newer = await createSession(hub.deps.db, maya.id, hub.clock.now);
    const ida = (await createPerson(hub.deps.db, { email: "ida@example.org", displayName: "Ida", password: "correct horse battery" }))!;
    const idas = await createSession(hub.deps.db, ida.id, hub.clock.now);

    const list = await sessionsOf(hub.deps.db, maya.id, current.token, hub.clock.now);
    expect(list).toHaveLength(3);
    expect(list.map((s) => s.current)).toEqual([false, true, false]);
    expect(list[0]!.createdAt.getTime()).toBeGreaterThan(list[2]!.createdAt.getTime());
    expect(list.every((s) => /^[0-9a-f]{16}$/.test(s.id))).toBe(true);

    // One by id, only the person's own, and nothing for a malformed id.
    expect(await endSessionById(hub.deps.db, ida.id, list[0]!.id)).toBe(false);
    expect(await endSessionById(hub.deps.db, maya.id, "not-an-id")).toBe(false);
    expect(await endSessionById(hub.deps.db, maya.id, list[0]!.id)).toBe(true);
    expect(await personForSession(hub.deps.db, newer.token, hub.clock.now)).toBeNull();

    expect(await endOtherSessions(hub.deps.db, maya.id, current.token)).toBe(1);
    expect(await personForSession(hub.deps.db, old.token, hub.clock.now)).toBeNull();
    expect((await personForSession(hub.deps.db, current.token, hub.clock.now))?.id).toBe(maya.id);
    expect((await personForSession(hub.deps.db, idas.token, hub.clock.now))?.id).toBe(ida.id);
  });

  it("leaves expired sessions out of the list", async () => {
    await createSession(hub.deps.db, maya.id, hub.clock.now);
    hub.clock.advance(31 * 86_400_000);
    expect(await sessionsOf(hub.deps.db, maya.id, undefined, hub.clock.now)).toEqual([]);
  });
});

describe("finding a person by email", () => {
  it("ignores case and surrounding spaces", async () => {
    expect((await personByEmail(hub.deps.db, "  MAYA@example.org "))?.id).toBe(maya.id);
    expect(await personByEmail(hub.deps.db, "nobody@example.org")).toBeNull();
  });
});
