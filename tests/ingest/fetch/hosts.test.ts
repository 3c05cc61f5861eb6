// Host politeness: at most POLL_PER_HOST requests at once to one host, at most
// POLL_CONCURRENCY overall, and a slow host never holds up the others. The
// hosts are real: one server listens on 127.0.0.1 (reached as "127.0.0.1" and
// as "localhost", two host names) and one on 127.0.0.2 (Linux routes all of
// 127/8 to loopback); it counts the requests in flight per Host header.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { hostLimiter, hostOf, mapPolitely } from "../../../src/ingest/fetch/hosts.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("hostLimiter", () => {
  it("bounds tasks per host and overall, and lets other hosts pass a busy one", async () => {
    const limiter = hostLimiter({ concurrency: 3, perHost: 2 });
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    let overall = 0;
    let peakOverall = 0;
    const order: string[] = [];
    const task = (host: string, ms: number) => async () => {
      overall++;
      inFlight.set(host, (inFlight.get(host) ?? 0) + 1);
      peakOverall = Math.max(peakOverall, overall);
      peak.set(host, Math.max(peak.get(host) ?? 0, inFlight.get(host)!));
      await sleep(ms);
      inFlight.set(host, inFlight.get(host)! - 1);
      overall--;
      order.push(host);
      return host;
    };
    // Five slow tasks for one host queued first, then two quick ones for another.
    const jobs = [...Array.from({ length: 5 }, () => ["slow", 60] as const), ["quick", 5] as const, ["quick", 5] as const];
    const results = await Promise.all(jobs.map(([h, ms]) => limiter.run(h, task(h, ms))));
    expect(results).toEqual(jobs.map(([h]) => h));
    expect(peak.get("slow")).toBe(2);
    expect(peakOverall).toBe(3);
    expect(order.slice(0, 2)).toEqual(["quick", "quick"]); // not stuck behind the slow host's queue
  });

  it("keeps input order in results, frees the slot of a task that throws", async () => {
    const limiter = hostLimiter({ concurrency: 1, perHost: 1 });
    const failing = limiter.run("a", () => {
      throw new Error("boom");
    });
    await expect(failing).rejects.toThrow("boom");
    expect(
      await mapPolitely(
        [3, 1, 2],
        limiter,
        () => "a",
        async (n) => n * 10,
      ),
    ).toEqual([30, 10, 20]);
  });

  it("keys by host name, lower-case, port aside", () => {
    expect(hostOf("https://Maya.Example.org:8443/feed")).toBe("maya.example.org");
    expect(hostOf("not a url")).toBe("");
  });
});

// ── A poll run against real loopback hosts ────────────────────────────────────

interface Counter {
  inFlight: Map<string, number>;
  peak: Map<string, number>;
  overall: number;
  peakOverall: number;
  finished: Array<{ host: string; at: number }>;
}

let hub: TestHub;
let servers: Server[] = [];
let counter: Counter;
let ports: Record<string, number>;

function feed(host: string, n: number): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${host} ${n}</title><link>https://${host}.example.org/${n}/</link>
<item><title>Post from ${host} ${n}</title><link>https://blogs.example.org/${host}/${n}/</link><category>t509massive</category></item></channel></rss>`;
}

/** Listens on `address`; each request waits the delay its host is given, then answers a small feed. */
async function listen(address: string, delays: Record<string, number>): Promise<number> {
  const server = createServer((req, res) => {
    const host = new URL(`http://${req.headers.host}`).hostname;
    counter.overall++;
    counter.inFlight.set(host, (counter.inFlight.get(host) ?? 0) + 1);
    counter.peakOverall = Math.max(counter.peakOverall, counter.overall);
    counter.peak.set(host, Math.max(counter.peak.get(host) ?? 0, counter.inFlight.get(host)!));
    setTimeout(() => {
      counter.overall--;
      counter.inFlight.set(host, counter.inFlight.get(host)! - 1);
      counter.finished.push({ host, at: Date.now() });
      res.writeHead(200, { "content-type": "application/rss+xml" }).end(feed(host, Number(/\d+/.exec(req.url ?? "")?.[0])));
    }, delays[host] ?? 0);
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, address, ok));
  return (server.address() as AddressInfo).port;
}

beforeEach(async () => {
  counter = { inFlight: new Map(), peak: new Map(), overall: 0, peakOverall: 0, finished: [] };
  hub = await createTestHub({ POLL_CONCURRENCY: "4", POLL_PER_HOST: "2" });
  const delays = { "127.0.0.1": 500, localhost: 30, "127.0.0.2": 30 };
  const one = await listen("127.0.0.1", delays);
  const two = await listen("127.0.0.2", delays);
  ports = { "127.0.0.1": one, localhost: one, "127.0.0.2": two };
});
afterEach(async () => {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((ok) => {
          s.closeAllConnections();
          s.close(() => ok());
        }),
    ),
  );
  servers = [];
  await hub.close();
});

describe("a poll run across hosts", () => {
  it("sends at most 2 requests at once to a host and 4 overall, and a slow host does not hold up the rest", async () => {
    const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
    const course = await createCourse(
      hub.deps.db,
      { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
      admin!,
    );
    // The slow host's feeds are the most overdue, so they are queued first.
    let n = 0;
    const add = async (host: string, count: number, dueAgoMs: number) => {
      for (let i = 0; i < count; i++, n++) {
        const s = await addFeedSource(
          hub.deps.db,
          course.id,
          { url: `http://${host}:${ports[host]}/feed/${n}.xml`, filter: "tagged" },
          null,
          new Date(hub.clock.now.getTime() - dueAgoMs),
        );
        expect(s.id).toBeGreaterThan(0);
      }
    };
    await add("127.0.0.1", 6, 60_000);
    await add("localhost", 6, 30_000);
    await add("127.0.0.2", 6, 30_000);

    const started = Date.now();
    const summary = await pollDueSources(hub.deps);
    expect(summary).toMatchObject({ polled: 18, ok: 18, stored: 18 });

    expect(Object.fromEntries(counter.peak)).toEqual({ "127.0.0.1": 2, localhost: 2, "127.0.0.2": 2 });
    expect(counter.peakOverall).toBe(4);
    // The slow host's six feeds take three rounds of 500 ms; the twelve quick
    // ones were all done before its first round ended.
    const slowFirst = Math.min(...counter.finished.filter((f) => f.host === "127.0.0.1").map((f) => f.at));
    const quickLast = Math.max(...counter.finished.filter((f) => f.host !== "127.0.0.1").map((f) => f.at));
    expect(quickLast).toBeLessThan(slowFirst);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  });
});
