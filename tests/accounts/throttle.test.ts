// The login throttle against a real libSQL file, with the test hub's clock.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  addressKey,
  clearFailures,
  LOGIN_EMAIL,
  lockedUntil,
  recordFailure,
  throttleKey,
  waitInWords,
} from "../../src/accounts/throttle.js";
import { loginThrottle } from "../../src/db/schema.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
const MIN = 60_000;

beforeEach(async () => {
  hub = await createTestHub();
});
afterEach(async () => {
  await hub.close();
});

const fail = (key: string) => recordFailure(hub.deps.db, key, LOGIN_EMAIL, hub.clock.now);

describe("the login throttle", () => {
  it("locks a key at the fifth failure in 15 minutes, for 15 minutes, and then forgets", async () => {
    const key = throttleKey("login:email", "Maya@Example.org");
    for (let i = 0; i < 4; i++) {
      expect(await fail(key)).toBeNull();
      hub.clock.advance(MIN);
    }
    const until = await fail(key);
    expect(until).toEqual(new Date(hub.clock.now.getTime() + 15 * MIN));
    expect(await lockedUntil(hub.deps.db, [key, "other"], hub.clock.now)).toEqual(until);
    hub.clock.advance(15 * MIN - 1);
    expect(await lockedUntil(hub.deps.db, [key], hub.clock.now)).toEqual(until);
    hub.clock.advance(1);
    expect(await lockedUntil(hub.deps.db, [key], hub.clock.now)).toBeNull();
    // The window has passed too: the next failure starts a new count of one.
    expect(await fail(key)).toBeNull();
    const [row] = await hub.deps.db.select().from(loginThrottle);
    expect(row).toMatchObject({ key: "login:email:maya@example.org", failures: 1, lockedUntil: null });
  });

  it("does not lock failures spread wider than the window", async () => {
    const key = throttleKey("login:email", "a@example.org");
    for (let i = 0; i < 12; i++) {
      expect(await fail(key)).toBeNull();
      hub.clock.advance(4 * MIN); // four per 15 minutes at most
    }
  });

  it("clears a key on success, and keys are independent", async () => {
    const a = throttleKey("login:email", "a@example.org");
    const b = throttleKey("login:email", "b@example.org");
    for (let i = 0; i < 4; i++) await fail(a);
    await fail(b);
    await clearFailures(hub.deps.db, a);
    expect(await fail(a)).toBeNull();
    const rows = await hub.deps.db.select().from(loginThrottle);
    expect(rows.map((r) => [r.key, r.failures]).sort()).toEqual([
      [a, 1],
      [b, 1],
    ]);
  });

  it("counts failures that arrive at the same moment", async () => {
    const key = throttleKey("login:email", "race@example.org");
    const locks = await Promise.all(Array.from({ length: 5 }, () => fail(key)));
    expect(locks.filter(Boolean)).toHaveLength(1);
    expect(await lockedUntil(hub.deps.db, [key], hub.clock.now)).not.toBeNull();
  });

  it("forgets rows a day old, unless they are still locked", async () => {
    await fail(throttleKey("login:email", "old@example.org"));
    hub.clock.advance(25 * 60 * MIN);
    await fail(throttleKey("login:email", "new@example.org"));
    const rows = await hub.deps.db.select().from(loginThrottle);
    expect(rows.map((r) => r.key)).toEqual(["login:email:new@example.org"]);
  });
});

describe("throttle keys", () => {
  it("bounds their length and ignores case", () => {
    expect(throttleKey("login:email", " X@Y.org ")).toBe("login:email:x@y.org");
    expect(throttleKey("login:email", "a".repeat(5000))).toHaveLength("login:email:".length + 254);
  });

  it("counts an IPv6 client by its /64 and an IPv4-mapped one as IPv4", () => {
    expect(addressKey("a", "2001:db8:1:2:3:4:5:6")).toBe("a:2001:db8:1:2::/64");
    expect(addressKey("a", "2001:db8:1:2::99")).toBe("a:2001:db8:1:2::/64");
    expect(addressKey("a", "2001:0db8::1")).toBe("a:2001:db8:0:0::/64");
    expect(addressKey("a", "::ffff:192.0.2.7")).toBe("a:192.0.2.7");
    expect(addressKey("a", "192.0.2.7")).toBe("a:192.0.2.7");
    expect(addressKey("a", "::1")).toBe("a:0:0:0:0::/64");
  });

  it("says how long to wait in words", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(waitInWords(new Date(now.getTime() + 15 * MIN), now)).toBe("15 minutes");
    expect(waitInWords(new Date(now.getTime() + 10_000), now)).toBe("1 minute");
  });
});
