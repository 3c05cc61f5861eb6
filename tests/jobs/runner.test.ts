import { describe, expect, it } from "vitest";
import { nextPollAfterFailure, retryAfterDate } from "../../src/ingest/poll/schedule.js";
import { serialRunner } from "../../src/jobs/runner.js";

describe("serialRunner", () => {
  it("skips a tick while a run is in flight and waits for it on shutdown", async () => {
    let release!: () => void;
    let runs = 0;
    const runner = serialRunner(
      () => {
        runs++;
        return new Promise<void>((ok) => (release = ok));
      },
      () => {},
    );
    const first = runner.run();
    expect(runner.busy()).toBe(true);
    expect(await runner.run()).toBe("skipped");
    let idle = false;
    const waiting = runner.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    release();
    expect(await first).toBe("ran");
    await waiting;
    expect(idle).toBe(true);
    expect(runs).toBe(1);
  });

  it("reports a crashed run and runs again next time", async () => {
    const errors: unknown[] = [];
    const runner = serialRunner(
      () => Promise.reject(new Error("boom")),
      (e) => errors.push(e),
    );
    expect(await runner.run()).toBe("ran");
    expect(await runner.run()).toBe("ran");
    expect(errors).toHaveLength(2);
  });
});

describe("backoff", () => {
  const now = new Date("2026-11-01T00:00:00Z");
  it("doubles per failure with bounded jitter, capped at a day", () => {
    const mid = () => 0.5; // no jitter
    const mins = (d: Date) => (d.getTime() - now.getTime()) / 60_000;
    expect(mins(nextPollAfterFailure(now, 1, 30, mid))).toBe(30);
    expect(mins(nextPollAfterFailure(now, 3, 30, mid))).toBe(120);
    expect(mins(nextPollAfterFailure(now, 30, 30, mid))).toBe(24 * 60);
    expect(mins(nextPollAfterFailure(now, 2, 30, () => 1))).toBeCloseTo(72);
    expect(mins(nextPollAfterFailure(now, 2, 30, () => 0))).toBeCloseTo(48);
  });
  it("reads Retry-After as seconds or a date", () => {
    expect(retryAfterDate("120", now)?.toISOString()).toBe("2026-11-01T00:02:00.000Z");
    expect(retryAfterDate("Sun, 01 Nov 2026 01:00:00 GMT", now)?.toISOString()).toBe("2026-11-01T01:00:00.000Z");
    expect(retryAfterDate("soon", now)).toBeNull();
  });
});
