// When a source is polled next.
//
// A healthy feed is polled as often as it posts: a learner who writes every
// hour is looked at every quarter hour, one who writes weekly once a day, and a
// blog gone quiet drifts towards the slowest bound. The rhythm comes from the
// entries' own published dates (the median gap between the recent ones, robust
// to one burst or one long holiday), so no extra state is stored. A feed that
// answers 304 Not Modified shows no dates; it drifts slower from its previous
// interval instead. Every interval carries jitter, so feeds added together
// (an OPML roster, a new course) spread out instead of polling in lockstep.
//
// Failures back off exponentially with jitter up to a cap, so a dead blog is
// not hammered yet is never given up on silently; a server's Retry-After wins
// when it asks for longer.

import type { Deps } from "../../db/deps.js";
import type { Source } from "../../db/schema.js";
import { type CourseLife, pollBoundMinutes } from "../course-life.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MAX_BACKOFF = 24 * 60 * MINUTE;

/** How many of the newest dated entries describe the feed's current rhythm. */
const RECENT_ENTRIES = 10;
/** Poll about this many times per typical gap between posts: a new post waits an eighth of a gap on average. */
const POLLS_PER_GAP = 4;
/** Each 304 stretches the interval by this factor, up to the slowest bound. */
const UNCHANGED_DRIFT = 1.5;
/** ±10% on every healthy interval. */
const JITTER = 0.1;
/** Dates further ahead than this are scheduled posts or broken clocks, not the feed's rhythm. */
const FUTURE_SKEW = HOUR;

export interface ScheduleSettings {
  /** Fastest a healthy feed is polled. */
  minMinutes: number;
  /** Slowest a healthy feed is polled. */
  maxMinutes: number;
  /** For a feed whose entries carry too few dates to show a rhythm; also the base of failure backoff. */
  defaultMinutes: number;
}

type Random = () => number;

function clampMs(ms: number, s: ScheduleSettings): number {
  return Math.min(s.maxMinutes * MINUTE, Math.max(s.minMinutes * MINUTE, ms));
}

/**
 * ±JITTER around `ms` held within the bounds. Bounded first, so that the many
 * quiet feeds held at the slowest bound still spread out below it.
 */
function jittered(ms: number, s: ScheduleSettings, random: Random): number {
  return clampMs(clampMs(ms, s) * (1 + JITTER * (random() * 2 - 1)), s);
}

/** The newest usable post times, newest first. */
function recentTimes(dates: readonly Date[], now: Date): number[] {
  const latest = now.getTime() + FUTURE_SKEW;
  return dates
    .map((d) => d.getTime())
    .filter((t) => Number.isFinite(t) && t <= latest)
    .sort((a, b) => b - a)
    .slice(0, RECENT_ENTRIES);
}

/** Median time between consecutive recent posts, or null with fewer than two usable dates. */
export function medianPostGap(dates: readonly Date[], now: Date): number | null {
  const times = recentTimes(dates, now);
  if (times.length < 2) return null;
  const gaps = times
    .slice(1)
    .map((t, i) => times[i]! - t)
    .sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  return gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}

/**
 * The interval a feed's posting rhythm calls for, before jitter and bounds.
 * Silence longer than the usual gap counts as the gap: a blog that posted
 * daily but has been quiet for two weeks is polled as a fortnightly one.
 */
export function postingIntervalMs(dates: readonly Date[], now: Date, s: ScheduleSettings): number {
  const gap = medianPostGap(dates, now);
  if (gap === null) return s.defaultMinutes * MINUTE;
  const quiet = Math.max(0, now.getTime() - recentTimes(dates, now)[0]!);
  return Math.max(gap, quiet) / POLLS_PER_GAP;
}

/** After a 200 with a feed: from the entries' published (else updated) dates. */
export function nextPollAfterFetch(now: Date, dates: readonly Date[], s: ScheduleSettings, random: Random = Math.random): Date {
  return new Date(now.getTime() + jittered(postingIntervalMs(dates, now, s), s, random));
}

/**
 * After a 304: the previous interval, stretched. `previousMs` is what the last
 * poll scheduled (null when unknown, e.g. after a failure's backoff).
 */
export function nextPollAfterUnchanged(now: Date, previousMs: number | null, s: ScheduleSettings, random: Random = Math.random): Date {
  const previous = clampMs(previousMs ?? s.defaultMinutes * MINUTE, s);
  return new Date(now.getTime() + jittered(previous * UNCHANGED_DRIFT, s, random));
}

/** 2^(failures-1) × interval, ±20% jitter, capped at a day. `random` is injectable for tests. */
export function nextPollAfterFailure(now: Date, failures: number, intervalMinutes: number, random: Random = Math.random): Date {
  const base = Math.min(MAX_BACKOFF, intervalMinutes * MINUTE * 2 ** Math.max(0, Math.min(failures - 1, 16)));
  const jitter = base * 0.2 * (random() * 2 - 1);
  return new Date(now.getTime() + Math.min(MAX_BACKOFF, Math.max(MINUTE, base + jitter)));
}

export function retryAfterDate(header: string | null, now: Date): Date | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return new Date(now.getTime() + Math.min(seconds, 86_400) * 1000);
  const at = new Date(header);
  return Number.isNaN(at.getTime()) ? null : at;
}

/**
 * The bounds for a source of a course in this life: the configured ones, with the slowest held to
 * the course's bound (POLL_ACTIVE_MAX_INTERVAL_MINUTES while it runs, POLL_ARCHIVED_… after), so
 * the adaptive interval may only make polling faster than the course's bound, never slower.
 */
export function scheduleSettings(deps: Pick<Deps, "config">, life: CourseLife): ScheduleSettings {
  const { pollMinIntervalMinutes, pollMaxIntervalMinutes, pollIntervalMinutes } = deps.config;
  const maxMinutes = Math.min(pollMaxIntervalMinutes, pollBoundMinutes(life, deps.config));
  return { minMinutes: Math.min(pollMinIntervalMinutes, maxMinutes), maxMinutes, defaultMinutes: pollIntervalMinutes };
}

/** The interval the previous healthy poll chose (null after a failure, whose backoff says nothing about the feed). */
export function previousIntervalMs(source: Source): number | null {
  if (source.failureCount > 0 || !source.lastPolledAt) return null;
  const ms = source.nextPollAt.getTime() - source.lastPolledAt.getTime();
  return ms > 0 ? ms : null;
}

export function postDates(entries: ReadonlyArray<{ published: Date | null; updated?: Date | null }>): Date[] {
  const dates: Date[] = [];
  for (const e of entries) {
    const d = e.published ?? e.updated ?? null;
    if (d) dates.push(d);
  }
  return dates;
}

/** While a push channel is live (a WebSub subscription, a stream), the poll is only the safety net: this often at most. */
export const PUSH_SAFETY_NET_MS = 6 * 3600_000;
/** A stream says it is alive every minute; a mark older than this is a stream that died unseen. */
export const STREAM_FRESH_MS = 5 * 60_000;

/** The next poll of a social source, pushed back to the safety net's pace while its stream is open. */
export function withStream(source: { streamLiveAt: Date | null }, now: Date, nextPollAt: Date): Date {
  const live = source.streamLiveAt && now.getTime() - source.streamLiveAt.getTime() < STREAM_FRESH_MS;
  const net = new Date(now.getTime() + PUSH_SAFETY_NET_MS);
  return live && net > nextPollAt ? net : nextPollAt;
}
