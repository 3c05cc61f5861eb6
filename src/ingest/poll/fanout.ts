// Fan-out of a poll run over a message queue (Cloudflare Queues on Workers),
// runtime-neutral: the producer claims due sources (the lease in poll.ts) and
// sends them in small messages; a consumer polls the sources of each message.
// One cron invocation then fetches nothing itself, and each consumer invocation
// handles few enough feeds to stay inside Workers' per-invocation limits.
//
// Delivery is at least once, so a message may arrive twice, or again after a
// consumer crashed half way. The claim's lease value travels in the message as
// a fencing token: a source is polled only while it still carries that exact
// lease. Polling a source clears its lease, so a re-delivered message finds its
// polled sources no longer leased and skips them (no second fetch), retries
// exactly the ones a crash left unpolled, and a stale message whose sources
// were re-claimed by a later run (after the lease expired) leaves them to the
// newer message. Should two copies still race, the idempotent upsert keyed on
// (course, canonical URL) keeps items from doubling.
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { type Source, sources } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { type HostLimiter, hostOf } from "../fetch/hosts.js";
import { type PollSummary, summarise } from "./outcome.js";
import { claimDueSources, claimSources, pollClaimed, runLimiter } from "./poll.js";
import { isRecheckMessage, type RecheckMessage, recheckMessage } from "./recheck-fanout.js";
import { newPollRun } from "./run.js";

/** D1 binds at most 100 parameters per statement; a message's ids fit in one lookup. */
const IDS_PER_STATEMENT = 90;

/** What the poll queue carries: sources to poll, or a number of due items to re-check. */
export type QueueMessage = PollMessage | RecheckMessage;

/** One queue message: sources claimed together, and the lease their claim set. */
export interface PollMessage {
  v: 1;
  /** The claim's `leaseUntil` in epoch milliseconds: the fencing token. */
  lease: number;
  sources: number[];
}

export function isPollMessage(body: unknown): body is PollMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Record<string, unknown>;
  return (
    m.v === 1 &&
    Number.isSafeInteger(m.lease) &&
    Array.isArray(m.sources) &&
    m.sources.length > 0 &&
    m.sources.length <= IDS_PER_STATEMENT &&
    m.sources.every((id) => Number.isSafeInteger(id))
  );
}

/**
 * Splits claimed sources into messages of at most `perMessage`. Sources of one
 * host go together, so one consumer's host limit covers as many of that host's
 * feeds as possible instead of several consumers calling it at once.
 */
export function planMessages(claimed: readonly Source[], perMessage: number): PollMessage[] {
  const byHost = new Map<string, Source[]>();
  for (const s of claimed) {
    const host = hostOf(s.url);
    const list = byHost.get(host);
    if (list) list.push(s);
    else byHost.set(host, [s]);
  }
  // Hosts in order of their most overdue source; within a host, claim order (oldest-due first).
  const ordered = [...byHost.values()].flat();
  const messages: PollMessage[] = [];
  for (let i = 0; i < ordered.length; i += perMessage) {
    const chunk = ordered.slice(i, i + perMessage);
    // Sources of one claim share one lease; a mixed list (several claims) is split by lease.
    const byLease = new Map<number, number[]>();
    for (const s of chunk) {
      const lease = s.leaseUntil?.getTime();
      if (lease === undefined) continue; // not claimed: never sent
      byLease.set(lease, [...(byLease.get(lease) ?? []), s.id]);
    }
    for (const [lease, ids] of byLease) messages.push({ v: 1, lease, sources: ids });
  }
  return messages;
}

/** Gives claimed sources back (their message could not be sent), so the next run claims them again at once. */
export async function releaseLeases(db: Db, messages: readonly PollMessage[]): Promise<void> {
  for (const m of messages) {
    for (let i = 0; i < m.sources.length; i += IDS_PER_STATEMENT) {
      await db
        .update(sources)
        .set({ leaseUntil: null })
        .where(and(inArray(sources.id, m.sources.slice(i, i + IDS_PER_STATEMENT)), eq(sources.leaseUntil, new Date(m.lease))));
    }
  }
}

export interface FanOutSummary {
  claimed: number;
  messages: number;
  ms: number;
}

/** Queues accept at most 100 messages per sendBatch call. */
const MESSAGES_PER_SEND = 100;

/**
 * Claims up to `limit` due sources and sends them as messages of at most
 * `perMessage`. Fetches nothing itself. If a send fails, the sources of the
 * unsent messages are released and the error is thrown.
 */
export async function fanOutDueSources(
  deps: PollDeps,
  send: (messages: PollMessage[]) => Promise<void>,
  opts: { limit?: number; perMessage?: number } = {},
): Promise<FanOutSummary> {
  const started = Date.now();
  const claimed = await claimDueSources(deps, opts.limit ?? deps.config.pollBatchSize);
  const messages = planMessages(claimed, opts.perMessage ?? deps.config.pollMessageSize);
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND) {
    const chunk = messages.slice(i, i + MESSAGES_PER_SEND);
    try {
      await send(chunk);
    } catch (err) {
      await releaseLeases(deps.db, messages.slice(i));
      throw err;
    }
  }
  const summary = { claimed: claimed.length, messages: messages.length, ms: Date.now() - started };
  deps.log("info", "poll.fanout", { ...summary });
  return summary;
}

/**
 * Claims these sources and sends them as poll messages: a push said they changed, and their poll
 * gets its own consumer invocation. A failed send releases the claim (the sources stay due).
 */
export async function queueSources(deps: PollDeps, ids: number[], send: (messages: PollMessage[]) => Promise<void>): Promise<void> {
  const messages = planMessages(await claimSources(deps, ids), deps.config.pollMessageSize);
  if (!messages.length) return;
  try {
    await send(messages);
  } catch (err) {
    await releaseLeases(deps.db, messages);
    throw err;
  }
}

/** The message's sources that still carry its lease: the ones no one has polled since it was sent. */
async function stillLeased(db: Db, message: PollMessage): Promise<Source[]> {
  return db
    .select()
    .from(sources)
    .where(and(inArray(sources.id, message.sources), eq(sources.leaseUntil, new Date(message.lease)), eq(sources.status, "active")));
}

/** Polls one message's sources. Throws only when the database does (a crash: the message should be retried). */
export async function pollMessage(deps: PollDeps, message: PollMessage, limiter: HostLimiter = runLimiter(deps)): Promise<PollSummary> {
  const started = Date.now();
  const due = await stillLeased(deps.db, message);
  // Keep the message's order (oldest-due first within each host).
  const order = new Map(message.sources.map((id, i) => [id, i]));
  due.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const outcomes = await pollClaimed(deps, due, limiter, newPollRun(deps.db));
  const summary = summarise(outcomes, started);
  deps.log("info", "poll.message", { ...summary, sources: message.sources.length, skipped: message.sources.length - due.length });
  return summary;
}

/** The part of a queue message a consumer needs (Cloudflare's `Message` has this shape). */
export interface DeliveredMessage {
  readonly id?: string;
  readonly body: unknown;
  ack(): void;
  retry(): void;
}

/**
 * A consumer's batch: each message is acknowledged on its own once its sources
 * are polled (or its items re-checked, recheck-fanout.ts), or retried if that
 * crashed. A malformed message is logged and acknowledged: delivering it again
 * cannot help. The messages share one host limiter, so a batch of several stays
 * polite too.
 */
export async function consumePollMessages(deps: PollDeps, messages: readonly DeliveredMessage[]): Promise<void> {
  const limiter = runLimiter(deps);
  await Promise.all(
    messages.map(async (m) => {
      const body = m.body;
      if (!isPollMessage(body) && !isRecheckMessage(body)) {
        deps.log("error", "poll.message_malformed", { message: m.id ?? null });
        m.ack();
        return;
      }
      try {
        if (isPollMessage(body)) await pollMessage(deps, body, limiter);
        else await recheckMessage(deps, body);
        m.ack();
      } catch (err) {
        deps.log("error", "poll.message_crashed", { message: m.id ?? null, error: String(err).slice(0, 300) });
        m.retry();
      }
    }),
  );
}
