import { describe, expect, it } from "vitest";
import { excerpt, htmlToText } from "../../../src/ingest/parse/html-text.js";

describe("htmlToText", () => {
  it("uses a real parser: drops scripts, styles, comments; separates blocks; decodes entities", () => {
    expect(htmlToText("<p>One</p><p>Two&nbsp;&amp; three</p><script>if (a < b) alert(1)</script><style>p{}</style><!-- x -->")).toBe(
      "One Two & three",
    );
    expect(htmlToText("a <b>bold</b> move")).toBe("a bold move");
    expect(htmlToText("<p>unclosed <em>tags")).toBe("unclosed tags");
  });
});

describe("excerpt", () => {
  it("leaves short text alone and never splits a surrogate pair", () => {
    expect(excerpt("short text")).toBe("short text");
    const emoji = "😀".repeat(300);
    const cut = excerpt(emoji);
    expect(Array.from(cut).length).toBeLessThanOrEqual(280);
    expect(cut).not.toMatch(/\uFFFD/);
  });
  it("cuts at a word boundary", () => {
    const text = "word ".repeat(100).trim();
    const cut = excerpt(text, 50);
    expect(Array.from(cut).length).toBeLessThanOrEqual(50);
    expect(cut).toMatch(/^(word )+word…$/);
  });
});
