// Re-checks over the message queue (Cloudflare Queues on Workers). One cron invocation may make 50
// subrequests, which is room for about eight re-checks beside its poll fan-out: about 1,150 a day,
// enough for some 30,000 shown items. So the tick only counts the due items and sends that many
// re-check messages (RECHECK_MESSAGE_SIZE items each, at most RECHECK_MAX_MESSAGES a tick); each
// consumer invocation claims and checks that many due items with its own 50 subrequests (one
// claim, then a HEAD and a write per blog post). Claims carry a lease (recheck.ts), so messages
// never check one item twice, and a message delivered twice just checks whatever is due next.
import { and, count, isNull, lte } from "drizzle-orm";
import { items } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { recheckDueItems } from "./recheck.js";

/** Items one re-check message asks a consumer to check: 1 claim + 2 calls each stays under 50. */
export const RECHECK_MESSAGE_SIZE = 15;
/** Re-check messages one tick sends at most: 450 checks a tick, ~65,000 a day at one tick per 10 minutes. */
export const RECHECK_MAX_MESSAGES = 30;

export interface RecheckMessage {
  v: 1;
  /** How many due items the consumer claims and checks. */
  recheck: number;
}

export function isRecheckMessage(body: unknown): body is RecheckMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Record<string, unknown>;
  return m.v === 1 && Number.isSafeInteger(m.recheck) && (m.recheck as number) > 0 && (m.recheck as number) <= RECHECK_MESSAGE_SIZE;
}

/** Sends one message per RECHECK_MESSAGE_SIZE items due now (at most RECHECK_MAX_MESSAGES). Checks nothing itself. */
export async function fanOutRechecks(deps: PollDeps, send: (messages: RecheckMessage[]) => Promise<void>): Promise<number> {
  const [row] = await deps.db
    .select({ n: count() })
    .from(items)
    .where(and(lte(items.recheckAt, deps.now()), isNull(items.deletedAt)));
  const due = row?.n ?? 0;
  const messages = Math.min(RECHECK_MAX_MESSAGES, Math.ceil(due / RECHECK_MESSAGE_SIZE));
  if (messages > 0) await send(Array.from({ length: messages }, () => ({ v: 1 as const, recheck: RECHECK_MESSAGE_SIZE })));
  deps.log("info", "recheck.fanout", { due, messages });
  return messages;
}

/** A consumer's re-check message: checks that many due items. Throws only when the database does. */
export function recheckMessage(deps: PollDeps, message: RecheckMessage) {
  return recheckDueItems(deps, { limit: message.recheck });
}
