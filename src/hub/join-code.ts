// A new course's join code: letters and digits that cannot be mistaken for one another (no 0/O,
// no 1/I), in two groups of four, ABCD-EFGH. Every course gets one when it is made (courses.ts);
// the instructor can make a new one or turn joining off (join.ts).
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Eight characters from a 32-letter alphabet (40 bits; guessing is throttled), shown as ABCD-EFGH. */
export function newJoinCode(): string {
  // 32 divides 256, so taking each byte modulo 32 favours no character.
  const c = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => ALPHABET[b % 32]).join("");
  return `${c.slice(0, 4)}-${c.slice(4)}`;
}
