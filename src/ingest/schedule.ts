// When a source is polled next. Failures back off exponentially with jitter up
// to a cap, so a dead blog is not hammered yet is never given up on silently.

const MINUTE = 60_000;
const MAX_BACKOFF = 24 * 60 * MINUTE;

export function nextPollAfterSuccess(now: Date, intervalMinutes: number): Date {
  return new Date(now.getTime() + intervalMinutes * MINUTE);
}

/** 2^(failures-1) × interval, ±20% jitter, capped at a day. `random` is injectable for tests. */
export function nextPollAfterFailure(
  now: Date,
  failures: number,
  intervalMinutes: number,
  random: () => number = Math.random,
): Date {
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
