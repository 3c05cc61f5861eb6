// A poll killed at an arbitrary moment (SIGKILL, no cleanup) and then run again
// neither duplicates nor loses items: each feed's items and its validators are
// written in one batch, and a crashed run's leases simply expire.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../../src/accounts/people.js";
import { items, sources } from "../../../src/db/schema.js";
import { createCourse } from "../../../src/hub/courses.js";
import { addFeedSource } from "../../../src/hub/sources/sources.js";
import { pollDueSources } from "../../../src/ingest/poll/poll.js";
import { type FeedServer, startFeedServer } from "../../helpers/feed-server.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";

const FEEDS = 12;
const PER_FEED = 400;
let hub: TestHub;
let server: FeedServer;

beforeAll(async () => {
  hub = await createTestHub();
  server = await startFeedServer();
  const admin = await createFirstAdmin(hub.deps.db, { email: "a@example.org", displayName: "A", password: "long enough password" });
  const course = await createCourse(
    hub.deps.db,
    { title: "T", slug: "t", tags: ["t509massive"], description: "", startsOn: null, endsOn: null },
    admin!,
  );
  for (let f = 0; f < FEEDS; f++) {
    const entries = Array.from(
      { length: PER_FEED },
      (_, i) =>
        `<item><title>Post ${i}</title><link>https://l${f}.example.org/${i}</link><guid>l${f}-${i}</guid><category>t509massive</category><description>${"Words of a post. ".repeat(20)}</description></item>`,
    ).join("");
    server.feed(
      `/f${f}`,
      `<?xml version="1.0"?><rss version="2.0"><channel><title>L${f}</title><link>https://l${f}.example.org/</link>${entries}</channel></rss>`,
    );
    await addFeedSource(hub.deps.db, course.id, { url: server.url(`/f${f}`), filter: "tagged" }, null, new Date(0));
  }
});
afterAll(async () => {
  await server.close();
  await hub.close();
});

async function itemCount() {
  return (await hub.deps.db.select({ n: count() }).from(items))[0]!.n;
}

describe("a poll killed mid-run", () => {
  it("is completed by the next run with every item exactly once", async () => {
    const child = spawn("node_modules/.bin/tsx", ["tests/helpers/poll-once.ts", join(hub.dir, "hub.db")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stored = 0;
    child.stdout.on("data", (c: Buffer) => (stored += (c.toString().match(/stored/g) ?? []).length));
    // Kill it once some feeds are stored and others are still in flight.
    await new Promise<void>((ok, fail) => {
      const t = setInterval(() => {
        if (stored >= 3) {
          clearInterval(t);
          child.kill("SIGKILL");
          ok();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(t);
        if (stored < 3) fail(new Error("the child finished before it could be killed"));
      });
    });
    await new Promise((ok) => child.on("exit", ok));
    const afterCrash = await itemCount();
    expect(afterCrash % PER_FEED).toBe(0); // whole feeds only: no half-written batch
    expect(afterCrash).toBeLessThan(FEEDS * PER_FEED);

    // The next run, after the crashed run's leases expired.
    hub.clock.now = new Date(Date.now() + 24 * 60 * 60_000);
    await pollDueSources(hub.deps);
    expect(await itemCount()).toBe(FEEDS * PER_FEED);
    const failed = await hub.deps.db.select({ e: sources.lastError }).from(sources);
    expect(failed.every((s) => s.e === null)).toBe(true);

    // And once more: nothing changes.
    hub.clock.now = new Date(hub.clock.now.getTime() + 24 * 60 * 60_000);
    await pollDueSources(hub.deps);
    expect(await itemCount()).toBe(FEEDS * PER_FEED);
  }, 60_000);
});
