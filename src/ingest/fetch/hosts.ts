// Host politeness: a poll run fetches many feeds at once, but never more than
// `perHost` from one host, and never more than `concurrency` overall. A task
// waiting for a busy host does not hold up tasks for other hosts, so one slow
// or overloaded server (a campus blog farm, a shared WordPress host) slows only
// its own feeds. Among the tasks that may start, the one queued first starts
// first, so a run still works through its sources oldest-due first.

export interface HostLimits {
  /** Most tasks in flight overall. */
  concurrency: number;
  /** Most tasks in flight for one host. */
  perHost: number;
}

interface Waiting {
  seq: number;
  start: () => void;
}

interface HostState {
  active: number;
  queue: Waiting[];
}

export interface HostLimiter {
  /** Runs `task` once `host` and the run both have a free slot; settles as `task` does. */
  run<R>(host: string, task: () => Promise<R>): Promise<R>;
}

export function hostLimiter(limits: HostLimits): HostLimiter {
  const concurrency = Math.max(1, limits.concurrency);
  const perHost = Math.max(1, limits.perHost);
  const hosts = new Map<string, HostState>();
  let active = 0;
  let seq = 0;

  // Starts queued tasks while there is room. Scans hosts, not tasks: O(hosts)
  // per start, however many feeds one host has queued.
  const pump = () => {
    while (active < concurrency) {
      let best: HostState | null = null;
      for (const state of hosts.values()) {
        if (state.active < perHost && state.queue.length > 0 && (!best || state.queue[0]!.seq < best.queue[0]!.seq)) best = state;
      }
      if (!best) return;
      const next = best.queue.shift()!;
      best.active++;
      active++;
      next.start();
    }
  };

  return {
    run<R>(host: string, task: () => Promise<R>): Promise<R> {
      let state = hosts.get(host);
      if (!state) {
        state = { active: 0, queue: [] };
        hosts.set(host, state);
      }
      const own = state;
      return new Promise<R>((resolve, reject) => {
        own.queue.push({
          seq: seq++,
          start: () => {
            // Through a promise, so a task that throws synchronously still frees its slot.
            Promise.resolve()
              .then(task)
              .then(resolve, reject)
              .finally(() => {
                own.active--;
                active--;
                if (own.active === 0 && own.queue.length === 0) hosts.delete(host);
                pump();
              });
          },
        });
        pump();
      });
    },
  };
}

/** The politeness key of a URL: its host name, lower-case (ports do not make another server). */
export function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return ""; // the fetcher will reject it with a clear message; politeness has nothing to protect
  }
}

/**
 * Runs `fn` over `inputs` through `limiter`, keyed by `host(input)`; results
 * keep input order. Every task is waited for, even after one has failed, so
 * nothing is still writing when the caller learns of the failure (a queue
 * consumer must not be retried while its first delivery is still at work);
 * then the first failure is thrown.
 */
export async function mapPolitely<T, R>(
  inputs: readonly T[],
  limiter: HostLimiter,
  host: (input: T) => string,
  fn: (input: T) => Promise<R>,
): Promise<R[]> {
  const settled = await Promise.allSettled(inputs.map((input) => limiter.run(host(input), () => fn(input))));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}
