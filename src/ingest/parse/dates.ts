// Feed dates → UTC. Real feeds send RFC 822 dates with odd spacing, two-digit
// years and named zones, W3C-DTF/ISO 8601 with or without offsets, and the
// occasional asctime or JavaScript `Date#toString` form. `new Date(string)` is
// no help: it reads zone-less ISO strings as local time, accepts nonsense and
// rejects valid RFC 822 zones such as MEST. Everything here is explicit and
// returns null for anything that is not a real date (an hour of 25, a minute of
// 61, a 99th of June), so the store can fall back to first-seen.

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

const WEEKDAY = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?$/i;

// Offsets in minutes east of UTC.
const ZONES: Record<string, number> = {
  // RFC 822 §5.1 and RFC 1123 §5.2.14.
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  "etc/gmt": 0,
  "etc/utc": 0,
  "etc/ut": 0,
  "etc/zulu": 0,
  zulu: 0,
  wet: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
  // Other North-American names seen in feeds.
  ast: -240,
  adt: -180,
  akst: -540,
  akdt: -480,
  hst: -600,
  hast: -600,
  hadt: -540,
  nst: -210,
  ndt: -150,
  et: -300,
  ct: -360,
  mt: -420,
  pt: -480,
  // European names, including the German MEZ/MESZ and the MET/MEST of old Unix systems.
  bst: 60,
  ist: 330,
  west: 60,
  cet: 60,
  cest: 120,
  met: 60,
  mest: 120,
  mez: 60,
  mesz: 120,
  eet: 120,
  eest: 180,
  msk: 180,
  // A few more that appear in the wild.
  wat: 60,
  cat: 120,
  eat: 180,
  sast: 120,
  brt: -180,
  art: -180,
  hkt: 480,
  sgt: 480,
  awst: 480,
  jst: 540,
  kst: 540,
  acst: 570,
  acdt: 630,
  aest: 600,
  aedt: 660,
  nzst: 720,
  nzdt: 780,
};

/**
 * Military single-letter zones. RFC 822 printed their signs the wrong way round
 * (RFC 1123 §5.2.14 says so); we use the real convention, A = +1 … M = +12,
 * N = −1 … Y = −12, Z = UTC, which is what anyone using them today means.
 */
function militaryZone(letter: string): number | null {
  const c = letter.toLowerCase().charCodeAt(0);
  if (letter.length !== 1 || c < 97 || c > 122 || c === 106 /* j is local time: unknown */) return null;
  if (c === 122) return 0; // z
  if (c <= 105) return (c - 96) * 60; // a..i → +1..+9
  if (c <= 109) return (c - 97) * 60; // k..m → +10..+12
  return -(c - 109) * 60; // n..y → −1..−12
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Builds the UTC instant, or null when a field is out of range. */
function build(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0, offsetMinutes = 0): Date | null {
  if (!Number.isInteger(year) || year < 1 || year > 9999) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  if (second === 60) second = 59; // a leap second (RFC 3339 §5.7): keep it inside the minute
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  const t = d.getTime() - offsetMinutes * 60_000;
  return Number.isNaN(t) ? null : new Date(t);
}

// W3C-DTF (a profile of ISO 8601): YYYY, YYYY-MM, YYYY-MM-DD, then "T" (or a
// space) and hh:mm, optional :ss and a fraction, then Z, ±hh:mm, ±hhmm or ±hh.
// Without a zone the time is taken as UTC.
const W3C = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:(?:T|\s+)(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$/i;
// ISO 8601 basic format: 20031231T101455Z.
const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function numericOffset(z: string): number | null {
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(z);
  if (!m) return null;
  const h = Number(m[2]);
  const min = Number(m[3] ?? 0);
  if (h > 14 || min > 59) return null;
  return (m[1] === "-" ? -1 : 1) * (h * 60 + min);
}

function fraction(f: string | undefined): number {
  return f ? Math.floor(Number(`0.${f}`) * 1000) : 0;
}

function parseW3c(s: string): Date | null {
  const m = W3C.exec(s) ?? ISO_BASIC.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  let offset = 0;
  if (zone && zone.toUpperCase() !== "Z") {
    const o = numericOffset(zone);
    if (o === null) return null;
    offset = o;
  }
  return build(Number(y), Number(mo ?? 1), Number(d ?? 1), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), fraction(frac), offset);
}

/** A zone token: a name, a military letter, ±hhmm, ±hh:mm, or GMT/UTC followed by an offset. */
function zoneOffset(token: string): number | null {
  const t = token.toLowerCase();
  if (t in ZONES) return ZONES[t]!;
  const prefixed = /^(?:gmt|utc|ut)([+-].*)$/.exec(t);
  if (prefixed) return numericOffset(prefixed[1]!);
  const numeric = numericOffset(t);
  if (numeric !== null) return numeric;
  return militaryZone(t);
}

const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?$/;

interface Parts {
  month?: number;
  time?: RegExpExecArray;
  offset?: number;
  pm?: boolean;
  am?: boolean;
}

function monthOf(token: string): number | undefined {
  if (!/^[a-z]{3,9}\.?$/i.test(token)) return undefined;
  return MONTHS[token.slice(0, 3).toLowerCase()];
}

function fullYear(token: string): number | undefined {
  if (!/^\d{2}$|^\d{4}$/.test(token)) return undefined;
  const n = Number(token);
  // RFC 2822 §4.3: two-digit years 00–49 are 2000–2049, 50–99 are 1950–1999.
  return token.length === 2 ? (n < 50 ? 2000 + n : 1900 + n) : n;
}

// RFC 822/1123/2822 and its relatives, read token by token so the order of
// day, month, year, time and zone may vary: "Thu, 01 Jan 2004 19:48:21 GMT",
// "Fri,24 Nov 2023 …", "Mon, 13 Feb, 2012 …", asctime "Sun Jan  4 16:29:06 2004",
// "Sun Jul 15 01:16:00 +0000 2012", and "Thu Aug 30 2012 17:26:16 GMT+0200 (CEST)".
// The form almost every RSS feed uses (RFC 1123 §5.2.14), read without tokenising.
const RFC1123 = /^(?:[A-Za-z]{3}, )?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|UT|Z|[+-]\d{4})$/;

function parseRfc822(s: string): Date | null {
  const quick = RFC1123.exec(s);
  if (quick) {
    const month = MONTHS[quick[2]!.toLowerCase()];
    const offset = quick[7]!.length === 5 ? numericOffset(quick[7]!) : 0;
    if (month !== undefined && offset !== null) {
      return build(Number(quick[3]), month, Number(quick[1]), Number(quick[4]), Number(quick[5]), Number(quick[6]), 0, offset);
    }
  }
  const cleaned = s
    .replace(/\([^)]*\)/g, " ") // comments such as "(Central European Summer Time)"
    .replace(/,/g, " ")
    .replace(/^(\d{1,2})-([a-z]{3,9})-(\d{2,4})\b/i, "$1 $2 $3"); // 01-Jan-2004
  const tokens = cleaned.split(/\s+/).filter(Boolean);
  if (tokens.length < 3) return null;
  if (WEEKDAY.test(tokens[0]!)) tokens.shift();
  const p: Parts = {};
  const numbers: string[] = [];
  for (const tok of tokens) {
    const month = p.month === undefined ? monthOf(tok) : undefined;
    if (month !== undefined) {
      p.month = month;
      continue;
    }
    if (p.time === undefined) {
      const time = TIME.exec(tok);
      if (time) {
        p.time = time;
        continue;
      }
    }
    if (/^\d+$/.test(tok)) {
      numbers.push(tok);
      continue;
    }
    if (/^[ap]\.?m\.?$/i.test(tok) && p.time) {
      if (tok[0]!.toLowerCase() === "p") p.pm = true;
      else p.am = true;
      continue;
    }
    if (p.offset === undefined && (p.time || numbers.length >= 2)) {
      const z = zoneOffset(tok);
      if (z !== null) {
        p.offset = z;
        continue;
      }
      // An unknown zone abbreviation after the time ("CLT", "PHT"): a date a
      // few hours out is better than none, so read it as UTC.
      if (p.time && /^[a-z]{2,5}$/i.test(tok)) {
        p.offset = 0;
        continue;
      }
    }
    if (WEEKDAY.test(tok)) continue;
    return null; // an unknown word: not a date we understand
  }
  if (p.month === undefined || numbers.length !== 2) return null;
  // Day first unless the first number can only be a year (asctime and toString put the year last anyway).
  const [a, b] = numbers as [string, string];
  let day: string;
  let year: string;
  if (a.length <= 2 && b.length !== 1) [day, year] = [a, b];
  else if (b.length <= 2 && a.length === 4) [day, year] = [b, a];
  else return null;
  const y = fullYear(year);
  if (y === undefined) return null;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  if (p.time) {
    hour = Number(p.time[1]);
    minute = Number(p.time[2]);
    second = Number(p.time[3] ?? 0);
    ms = fraction(p.time[4]);
    if (p.pm || p.am) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (p.pm ? 12 : 0);
    }
  }
  return build(y, p.month, Number(day), hour, minute, second, ms, p.offset ?? 0);
}

/** Parses a feed date into a UTC instant; null when the string is not a valid date. */
export function parseDate(input: string | null | undefined): Date | null {
  if (input == null) return null;
  const s = input.trim().replace(/\s+/g, " ");
  if (!s || s.length > 200) return null;
  if (/^\d{4}/.test(s)) {
    const d = parseW3c(s);
    if (d) return d;
    // "2004 Jan 01"-style strings are not worth guessing at.
    return /^\d{4}(?:-|\d{4}|$)/.test(s) ? null : parseRfc822(s);
  }
  return parseRfc822(s);
}

/** The corpus' format: YYYY-MM-DDTHH:MM:SSZ (seconds precision, UTC). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
