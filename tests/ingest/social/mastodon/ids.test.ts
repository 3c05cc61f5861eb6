import { describe, expect, it } from "vitest";
import { compareStatusIds, newerId } from "../../../../src/ingest/social/mastodon/ids.js";

describe("status ids", () => {
  it("orders by length first, then character by character", () => {
    expect(compareStatusIds("99", "100")).toBeLessThan(0);
    expect(compareStatusIds("100", "99")).toBeGreaterThan(0);
    expect(compareStatusIds("103270115826048975", "103270115826048975")).toBe(0);
    expect(compareStatusIds("103270115826048975", "103270115826048976")).toBeLessThan(0);
  });

  it("tells apart neighbours that are equal as JS numbers", () => {
    const a = "115431036513337345";
    const b = "115431036513337346";
    expect(Number(a)).toBe(Number(b)); // the trap: beyond 2^53 both round to the same double
    expect(compareStatusIds(a, b)).toBeLessThan(0);
    expect(newerId(a, b)).toBe(b);
    expect(newerId(b, a)).toBe(b);
    expect(newerId(null, a)).toBe(a);
    expect(newerId(a, null)).toBe(a);
  });
});
