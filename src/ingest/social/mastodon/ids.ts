// Mastodon status ids are snowflake-like strings ("103270115826048975"):
// bigger means newer, but they exceed Number.MAX_SAFE_INTEGER, so they are
// never compared as JS numbers. The API docs type them as "String (cast from an
// integer but not guaranteed to be a number)": compare by length, then
// lexicographically, which orders decimal ids without leading zeros correctly.

/** Negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareStatusIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The newer of two ids (either may be null). */
export function newerId(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareStatusIds(a, b) >= 0 ? a : b;
}
