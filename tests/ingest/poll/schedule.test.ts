// The adaptive schedule as pure functions, with a fixed clock and pinned jitter.
import { describe, expect, it } from "vitest";
import {
  medianPostGap,
  nextPollAfterFetch,
  nextPollAfterUnchanged,
  postingIntervalMs,
  type ScheduleSettings,
} from "../../../src/ingest/poll/schedule.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const now = new Date("2026-11-01T12:00:00Z");
const settings: ScheduleSettings = { minMinutes: 10, maxMinutes: 1440, defaultMinutes: 30 };
const noJitter = () => 0.5;
const ago = (...ms: number[]) => ms.map((m) => new Date(now.getTime() - m));
const minutesUntil = (d: Date) => (d.getTime() - now.getTime()) / MINUTE;

describe("the rhythm of a feed", () => {
  it("is the median gap between recent posts, robust to one burst or one long pause", () => {
    expect(medianPostGap(ago(0, 1 * HOUR, 2 * HOUR, 3 * HOUR), now)).toBe(HOUR);
    // a burst of three posts in a minute and one three-week holiday do not move the median much
    expect(medianPostGap(ago(0, 30_000, 60_000, 1 * DAY, 2 * DAY, 3 * DAY, 24 * DAY), now)! / HOUR).toBeCloseTo(24, 1);
    // order in the feed does not matter
    expect(medianPostGap(ago(2 * HOUR, 0, 1 * HOUR), now)).toBe(HOUR);
  });

  it("reads only the ten newest posts: a blog that sped up is judged by its recent pace", () => {
    const recent = Array.from({ length: 10 }, (_, i) => i * HOUR);
    const old = Array.from({ length: 30 }, (_, i) => 30 * DAY + i * 7 * DAY);
    expect(medianPostGap(ago(...recent, ...old), now)).toBe(HOUR);
  });

  it("needs two dates; future-dated entries (scheduled posts, broken clocks) do not count", () => {
    expect(medianPostGap(ago(HOUR), now)).toBeNull();
    expect(medianPostGap([], now)).toBeNull();
    expect(medianPostGap([new Date(now.getTime() + 3 * DAY), ...ago(HOUR)], now)).toBeNull();
    expect(medianPostGap([new Date(Number.NaN), ...ago(0, HOUR)], now)).toBe(HOUR);
  });
});

describe("the next poll after a fetch", () => {
  it("is a quarter of the posting gap: an hourly blog every 15 minutes, a daily one every 6 hours", () => {
    expect(minutesUntil(nextPollAfterFetch(now, ago(0, HOUR, 2 * HOUR, 3 * HOUR), settings, noJitter))).toBe(15);
    expect(minutesUntil(nextPollAfterFetch(now, ago(0, DAY, 2 * DAY), settings, noJitter))).toBe(6 * 60);
  });

  it("stays within the bounds, 10 minutes to a day by default, and within configured ones", () => {
    const busy = ago(0, MINUTE, 2 * MINUTE, 3 * MINUTE);
    const weekly = ago(0, 7 * DAY, 14 * DAY);
    expect(minutesUntil(nextPollAfterFetch(now, busy, settings, noJitter))).toBe(10);
    expect(minutesUntil(nextPollAfterFetch(now, weekly, settings, noJitter))).toBe(1440);
    const custom = { minMinutes: 30, maxMinutes: 120, defaultMinutes: 60 };
    expect(minutesUntil(nextPollAfterFetch(now, busy, custom, noJitter))).toBe(30);
    expect(minutesUntil(nextPollAfterFetch(now, weekly, custom, noJitter))).toBe(120);
  });

  it("slows down for a blog that has gone quiet for longer than its usual gap", () => {
    // posted hourly, but the newest post is two days old: as if it posted every two days
    const quiet = ago(2 * DAY, 2 * DAY + HOUR, 2 * DAY + 2 * HOUR);
    expect(minutesUntil(nextPollAfterFetch(now, quiet, settings, noJitter))).toBe(12 * 60);
  });

  it("falls back to POLL_INTERVAL_MINUTES without enough dates", () => {
    expect(minutesUntil(nextPollAfterFetch(now, [], settings, noJitter))).toBe(30);
    expect(postingIntervalMs(ago(HOUR), now, settings)).toBe(30 * MINUTE);
  });

  it("carries ±10% jitter, never past the bounds", () => {
    const hourly = ago(0, HOUR, 2 * HOUR);
    expect(minutesUntil(nextPollAfterFetch(now, hourly, settings, () => 0))).toBeCloseTo(13.5);
    expect(minutesUntil(nextPollAfterFetch(now, hourly, settings, () => 1))).toBeCloseTo(16.5);
    const weekly = ago(0, 7 * DAY, 14 * DAY);
    expect(minutesUntil(nextPollAfterFetch(now, weekly, settings, () => 1))).toBe(1440);
    expect(minutesUntil(nextPollAfterFetch(now, weekly, settings, () => 0))).toBeCloseTo(1296);
  });
});

describe("the next poll after 304 Not Modified", () => {
  it("drifts slower by half each time, up to the slowest bound", () => {
    let interval: number | null = 20 * MINUTE;
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const next = nextPollAfterUnchanged(now, interval, settings, noJitter);
      interval = next.getTime() - now.getTime();
      seen.push(interval / MINUTE);
    }
    expect(seen.slice(0, 3)).toEqual([30, 45, 67.5]);
    expect(seen.at(-1)).toBe(1440);
    expect(seen.every((m, i) => i === 0 || m >= seen[i - 1]!)).toBe(true);
  });

  it("starts from POLL_INTERVAL_MINUTES when the previous interval is unknown", () => {
    expect(minutesUntil(nextPollAfterUnchanged(now, null, settings, noJitter))).toBe(45);
  });
});
