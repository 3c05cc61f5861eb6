// Days typed into forms (core/day.ts): what a date widget sends, and what people type without one.
import { describe, expect, it } from "vitest";
import { parseDay } from "../../src/core/day.js";

describe("a day typed into a form", () => {
  it("reads what a date widget sends and the ways people write a day with its month's name", () => {
    for (const [typed, day] of [
      ["2027-03-31", "2027-03-31"],
      [" 2027/3/31 ", "2027-03-31"],
      ["2027.03.31", "2027-03-31"],
      ["31 March 2027", "2027-03-31"],
      ["31st Mar. 2027", "2027-03-31"],
      ["March 31, 2027", "2027-03-31"],
      ["mar 31 2027", "2027-03-31"],
      ["29 February 2028", "2028-02-29"],
    ]) {
      expect(parseDay(typed!), typed).toBe(day);
    }
  });

  it("refuses days that do not exist, numeric days in a country's own order, and anything else", () => {
    for (const typed of [
      "2027-02-30",
      "29 February 2027",
      "03/04/2027",
      "31.03.2027",
      "2027-13-01",
      "tomorrow",
      "31 Marchish 2027",
      "",
      "0999-01-01",
    ]) {
      expect(parseDay(typed), typed).toBeNull();
    }
  });
});
