import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "../../src/accounts/passwords.js";
import { FormError } from "../../src/core/errors.js";
import { parseTagList, readCourseForm } from "../../src/hub/courses.js";
import { readFeedSourceForm } from "../../src/hub/sources/sources.js";

describe("course form", () => {
  it("reads tags as hashtags, normalised and de-duplicated", () => {
    expect(parseTagList("#T509Massive, t509massive  #t509")).toEqual(["t509massive", "t509"]);
    expect(() => parseTagList("two words!")).toThrow(FormError);
    expect(() => parseTagList(" , ")).toThrow(/at least one tag/);
  });

  it("checks the short name and the dates", () => {
    const ok = readCourseForm({ title: " Massive ", slug: "T509-2026", tags: "t509", startsOn: "2026-09-01", endsOn: "2026-12-15" });
    expect(ok).toMatchObject({ title: "Massive", slug: "t509-2026", tags: ["t509"], startsOn: "2026-09-01" });
    expect(() => readCourseForm({ title: "x", slug: "no spaces", tags: "t" })).toThrow(/short name/);
    expect(() => readCourseForm({ title: "x", slug: "ok", tags: "t", startsOn: "2026-09-01", endsOn: "2026-08-01" })).toThrow(
      /cannot end before/,
    );
    expect(() => readCourseForm({ title: "x", slug: "ok", tags: "t", startsOn: "next week" })).toThrow(
      /Starts on: pick a day from the calendar/,
    );
    expect(() => readCourseForm({ slug: "ok", tags: "t" })).toThrow(/Title is required/);
  });
});

describe("feed source form", () => {
  it("assumes https for a bare address and drops the fragment", () => {
    expect(readFeedSourceForm({ url: "maya.example.org/feed/#top" }, false).url).toBe("https://maya.example.org/feed/");
    expect(readFeedSourceForm({ url: "maya.example.org:8443/feed" }, false).url).toBe("https://maya.example.org:8443/feed");
    expect(readFeedSourceForm({ url: "http://maya.example.org/feed", filter: "all" }, false)).toEqual({
      url: "http://maya.example.org/feed",
      filter: "all",
    });
  });

  it("refuses other schemes and private addresses with the field named", () => {
    for (const url of ["ftp://example.org/feed", "javascript:alert(1)", "http://10.0.0.1/feed", "http://localhost/feed"]) {
      const err = (() => {
        try {
          readFeedSourceForm({ url }, false);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(FormError);
      expect((err as FormError).field).toBe("url");
    }
  });
});

describe("passwords", () => {
  it("hashes with a salt and verifies only the right password", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });
});
