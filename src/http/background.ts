// Work a request starts and does not wait for (a push's poll, once the sender has its answer). On
// Workers the invocation is kept alive for it (waitUntil); Node has no execution context, and the
// promise runs on by itself. Either way the work has been recorded first, so losing it loses nothing.
import type { Context } from "hono";

export function inBackground(c: Context, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (Node, tests): nothing to keep alive.
  }
}
