// The app's last line of defence: a domain NotFoundError that no route turned into an answer is a
// 404 page, never a 500 (under /api the API's own handler answers in JSON: tests/http/api.test.ts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/core/errors.js";
import { createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
beforeEach(async () => {
  hub = await createTestHub();
  // Routes added after the app is built still answer through its error handler.
  hub.app.get("/c/nowhere/missing", () => {
    throw new NotFoundError("objective", "That objective does not exist (or is not yours).");
  });
  hub.app.get("/c/nowhere/broken", () => {
    throw new Error("boom");
  });
});
afterEach(() => hub.close());

describe("errors no route answered for", () => {
  it("answers a NotFoundError with the 404 page, not a 500", async () => {
    const res = await hub.app.request("/c/nowhere/missing");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("There is nothing of yours at this address.");
    expect(hub.log.lines.some((l) => l.msg === "http.error")).toBe(false);
  });

  it("still answers anything else with the 500 page, logged", async () => {
    const res = await hub.app.request("/c/nowhere/broken");
    expect(res.status).toBe(500);
    expect(hub.log.lines.some((l) => l.msg === "http.error")).toBe(true);
  });
});
