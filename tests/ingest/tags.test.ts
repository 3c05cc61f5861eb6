import { describe, expect, it } from "vitest";
import { canonicalTags, hashtagsIn, matchCourseTags, normaliseTag } from "../../src/ingest/tags.js";

const entry = (over: Partial<{ categories: string[]; title: string; text: string }>) => ({ categories: [], title: "", text: "", ...over });

describe("course tag matching", () => {
  it("normalises tags", () => {
    expect(normaliseTag("  #T509Massive ")).toBe("t509massive");
  });

  it("finds hashtags but not URL fragments, entities or longer tags", () => {
    expect(hashtagsIn("Hello #T509Massive, and #data_vis! see https://x.org/#t509massive &#35;t509massive")).toEqual([
      "t509massive",
      "data_vis",
    ]);
    expect(hashtagsIn("#t509massivefan")).toEqual(["t509massivefan"]);
    expect(hashtagsIn("issue #42")).toEqual([]);
  });

  it("matches a category case-insensitively, also written with spaces or hyphens", () => {
    expect(matchCourseTags(entry({ categories: ["T509 Massive"] }), ["t509massive"])).toMatchObject({
      matched: true,
      reason: 'category "T509 Massive"',
    });
    expect(matchCourseTags(entry({ categories: ["t509-massive"] }), ["t509massive"]).matched).toBe(true);
  });

  it("matches a hashtag in the title or the text, and explains a miss", () => {
    expect(matchCourseTags(entry({ title: "Week 1 #T509MASSIVE" }), ["t509massive"]).reason).toBe("#t509massive in the title");
    expect(matchCourseTags(entry({ text: "done #t509massive" }), ["t509massive"]).reason).toBe("#t509massive in the text");
    const miss = matchCourseTags(entry({ categories: ["cooking"], title: "#t509massivefan" }), ["t509massive"]);
    expect(miss.matched).toBe(false);
    expect(miss.reason).toContain("cooking");
  });
});

describe("canonicalTags", () => {
  it("stores every spelling of a course tag as the course tag", () => {
    expect(canonicalTags(["t509 massive", "t509-massive", "t509massive", "open pedagogy"], ["T509Massive"])).toEqual([
      "t509massive",
      "open pedagogy",
    ]);
  });
});
