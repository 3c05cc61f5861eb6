// Feed dates: the corpus' 36 cases from feedparser's date tests (all must pass),
// then the forms we have met in real feeds.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isoSeconds, parseDate } from "../../../src/ingest/parse/dates.js";

interface DateCase {
  id: string;
  input: string;
  expected: string | null;
}

// The corpus is part of the repository (tests/fixtures/corpus), so a fresh clone has it.
const corpusFile = fileURLToPath(new URL("../../fixtures/corpus/dates.jsonl", import.meta.url));
const corpus = existsSync(corpusFile) ? corpusFile : undefined;

const iso = (s: string) => {
  const d = parseDate(s);
  return d ? isoSeconds(d) : null;
};

describe("parseDate: corpus", () => {
  it("finds the corpus", () => {
    expect(corpus, "tests/fixtures/corpus/dates.jsonl").toBeTruthy();
  });
  const cases: DateCase[] = corpus
    ? readFileSync(corpus, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as DateCase)
    : [];
  it("has all 36 cases", () => expect(cases).toHaveLength(36));
  for (const c of cases) {
    it(`${c.id}: ${JSON.stringify(c.input)} → ${c.expected}`, () => {
      expect(iso(c.input)).toBe(c.expected);
    });
  }
});

describe("parseDate: our own cases", () => {
  it.each([
    // RFC 822 / 1123 / 2822 and their wild relatives
    ["Tue, 10 Jun 2003 04:00:00 GMT", "2003-06-10T04:00:00Z"],
    ["Tue, 10 Jun 2003 04:00:00 +0200", "2003-06-10T02:00:00Z"],
    ["10 Jun 2003 04:00:00 -0530", "2003-06-10T09:30:00Z"], // no weekday
    ["Tuesday, 10 June 2003 04:00 EDT", "2003-06-10T08:00:00Z"], // full names, no seconds
    ["Tue, 10 Jun 03 04:00:00 PST", "2003-06-10T12:00:00Z"], // two-digit year
    ["Tue, 10 Jun 99 04:00:00 GMT", "1999-06-10T04:00:00Z"], // 50–99 → 19xx (RFC 2822 §4.3)
    ["Thu, 05 Nov 2026 14:00:00 MEZ", "2026-11-05T13:00:00Z"],
    ["Thu, 05 Jul 2026 14:00:00 MESZ", "2026-07-05T12:00:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 CET", "2026-11-05T13:00:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 CST", "2026-11-05T20:00:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 MDT", "2026-11-05T20:00:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 AKST", "2026-11-05T23:00:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 NST", "2026-11-05T17:30:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 Z", "2026-11-05T14:00:00Z"], // military: Z is UTC
    ["Thu, 05 Nov 2026 14:00:00 A", "2026-11-05T13:00:00Z"], // military: Alpha is UTC+1 (RFC 1123 §5.2.14)
    ["Thu, 05 Nov 2026 14:00:00 M", "2026-11-05T02:00:00Z"], // Mike: UTC+12
    ["Thu, 05 Nov 2026 14:00:00 N", "2026-11-05T15:00:00Z"], // November: UTC−1
    ["Thu, 05 Nov 2026 14:00:00 Y", "2026-11-06T02:00:00Z"], // Yankee: UTC−12
    ["Thu, 05 Nov 2026 14:00:00 UT", "2026-11-05T14:00:00Z"],
    ["Thu, 05 Nov 2026 14:00:00 CLT", "2026-11-05T14:00:00Z"], // unknown zone name after the time: read as UTC
    ["Thu, 05 Nov 2026 2:00 PM EST", "2026-11-05T19:00:00Z"],
    ["Thu, 05 Nov 2026 12:30 am +0000", "2026-11-05T00:30:00Z"],
    ["05-Nov-2026 14:00:00 +0100", "2026-11-05T13:00:00Z"],
    ["Thu Nov 05 2026 14:00:00 GMT+0100 (Central European Standard Time)", "2026-11-05T13:00:00Z"],
    ["  Thu,\n 05 Nov 2026   14:00:00\tGMT ", "2026-11-05T14:00:00Z"],
    // W3C-DTF / ISO 8601
    ["2026-11-05T14:00:00.123456789+01:00", "2026-11-05T13:00:00Z"],
    ["2026-11-05T14:00:00+0100", "2026-11-05T13:00:00Z"], // no colon in the offset
    ["2026-11-05T14:00:00+01", "2026-11-05T13:00:00Z"],
    ["2026-11-05t14:00z", "2026-11-05T14:00:00Z"], // lower case, no seconds
    ["2026-11-05 14:00", "2026-11-05T14:00:00Z"],
    ["20261105T140000Z", "2026-11-05T14:00:00Z"], // ISO 8601 basic format
    ["2024-02-29", "2024-02-29T00:00:00Z"],
    ["2026-06-30T23:59:60Z", "2026-06-30T23:59:59Z"], // a leap second stays inside its minute
    // asctime
    ["Thu Nov  5 14:00:00 2026", "2026-11-05T14:00:00Z"],
  ])("%j → %s", (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it.each([
    "",
    "   ",
    "yesterday",
    "last Tuesday",
    "2026-13-01",
    "2026-02-29", // not a leap year
    "2026-04-31",
    "2026-11-05T24:00:00Z",
    "2026-11-05T14:60:00Z",
    "2026-11-05T14:00:00+25:00",
    "Thu, 05 Nov 2026 25:00:00 GMT",
    "Thu, 05 Nov 2026 14:61:00 GMT",
    "Thu, 32 Nov 2026 14:00:00 GMT",
    "Thu, 05 Foo 2026 14:00:00 GMT",
    "Thu, 05 Nov 2026 13:00 PM GMT",
    "1 2 3",
    "2026-11-05T14:00:00Z and then some",
    "x".repeat(10_000),
  ])("rejects %j", (input) => {
    expect(parseDate(input)).toBeNull();
  });

  it("keeps milliseconds and returns UTC instants", () => {
    expect(parseDate("2026-11-05T14:00:00.5-02:00")?.toISOString()).toBe("2026-11-05T16:00:00.500Z");
    expect(parseDate(null)).toBeNull();
    expect(parseDate(undefined)).toBeNull();
  });
});
