// Slowing down password guessing and bulk sign-ups, on every runtime: the
// counts live in the database (`login_throttle`), not in a process's memory,
// because a Worker has no memory shared between requests.
//
// A key counts failures in a fixed window that starts with its first failure.
// Reaching the policy's maximum locks the key until `locked_until`; while it is
// locked the caller refuses without even checking the password, so a locked
// key teaches a guesser nothing. A success clears the key it concerns.
import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { loginThrottle } from "../db/schema.js";

export interface ThrottlePolicy {
  /** Failures (or, for sign-ups, attempts) in one window that lock the key. */
  max: number;
  windowMs: number;
  lockMs: number;
}

const MINUTE = 60_000;

/** One account: 5 wrong passwords in 15 minutes pause sign-ins to it for 15 minutes. */
export const LOGIN_EMAIL: ThrottlePolicy = { max: 5, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };
/**
 * One client address: looser than per account, because a classroom or a
 * campus often reaches the hub through one shared address (NAT), and a few
 * learners mistyping must not lock the whole class out.
 */
export const LOGIN_ADDRESS: ThrottlePolicy = { max: 30, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };
/** Sign-ups from one address (a whole class may sign up in the first session). */
export const SIGNUP_ADDRESS: ThrottlePolicy = { max: 40, windowMs: 60 * MINUTE, lockMs: 60 * MINUTE };
/** Wrong join codes, per person and per address: a code must not be guessable by trying. */
export const JOIN_CODE: ThrottlePolicy = { max: 10, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };

/** Rows untouched for this long are forgotten (longer than any window or lock above). */
const FORGET_AFTER_MS = 24 * 60 * MINUTE;

/** Keys are bounded so that a huge "email" cannot bloat the table. */
export function throttleKey(kind: string, value: string): string {
  return `${kind}:${value.trim().toLowerCase().slice(0, 254)}`;
}

/**
 * The key for a client address. IPv6 is cut to its /64: one home or one
 * cloud machine usually holds a whole /64, so counting single addresses
 * would let one client rotate through billions of them.
 */
export function addressKey(kind: string, address: string): string {
  return throttleKey(kind, ipv6Prefix64(address) ?? address);
}

function ipv6Prefix64(address: string): string | null {
  if (!address.includes(":")) return null;
  const a = address.toLowerCase().replace(/%.*$/, "");
  // An IPv4 address seen through an IPv6 socket (::ffff:192.0.2.1) is that IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  const [head = "", tail] = a.split("::");
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  if (groups.length < 4) return null;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The latest lock among `keys` that is still running at `now`, or null. */
export async function lockedUntil(db: Db, keys: string[], now: Date): Promise<Date | null> {
  if (keys.length === 0) return null;
  const rows = await db.select({ lockedUntil: loginThrottle.lockedUntil }).from(loginThrottle).where(inArray(loginThrottle.key, keys));
  let latest: Date | null = null;
  for (const { lockedUntil: until } of rows) {
    if (until && until > now && (!latest || until > latest)) latest = until;
  }
  return latest;
}

/**
 * Counts one failure against `key` and returns the lock it now carries, if
 * any. One statement, so two requests failing at the same moment both count.
 */
export async function recordFailure(db: Db, key: string, policy: ThrottlePolicy, now: Date): Promise<Date | null> {
  const t = now.getTime();
  const windowOpen = t - policy.windowMs;
  const lockEnd = t + policy.lockMs;
  // In ON CONFLICT DO UPDATE, bare column names are the row as it was before this statement.
  const rows = await db.all<{ locked_until: number | null }>(sql`
    INSERT INTO login_throttle (key, failures, window_start, locked_until)
    VALUES (${key}, 1, ${t}, ${policy.max <= 1 ? lockEnd : null})
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN window_start <= ${windowOpen} THEN 1 ELSE failures + 1 END,
      window_start = CASE WHEN window_start <= ${windowOpen} THEN ${t} ELSE window_start END,
      locked_until = CASE
        WHEN (CASE WHEN window_start <= ${windowOpen} THEN 1 ELSE failures + 1 END) >= ${policy.max} THEN ${lockEnd}
        WHEN window_start <= ${windowOpen} THEN NULL
        ELSE locked_until END
    RETURNING locked_until`);
  await db.run(
    sql`DELETE FROM login_throttle WHERE window_start < ${t - FORGET_AFTER_MS} AND (locked_until IS NULL OR locked_until < ${t})`,
  );
  const until = rows[0]?.locked_until;
  return until && until > t ? new Date(until) : null;
}

/** Forgets the failures of `key` (a successful sign-in to that account). */
export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
}

/** "15 minutes", "1 minute": how long until `until`, rounded up, for messages people read. */
export function waitInWords(until: Date, now: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / MINUTE));
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}
