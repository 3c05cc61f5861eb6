// The Manage page says which channel is live for a blog: "push" while its WebSub subscription is
// verified, nothing more when it is only requested.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sources, websubSubscriptions } from "../../src/db/schema.js";
import { addFeedSource } from "../../src/hub/sources/sources.js";
import { type Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let ida: Client;
beforeEach(async () => {
  hub = await createTestHub();
  ida = await setUpCourse(hub.app);
});
afterEach(() => hub.close());

describe("a blog's health line", () => {
  it("shows push while the WebSub subscription is live, and not while it is only asked for", async () => {
    const now = hub.clock.now;
    const s = await addFeedSource(hub.deps.db, 1, { url: "https://maya.example.org/feed/", filter: "tagged" }, null, now);
    await hub.deps.db
      .update(sources)
      .set({ lastSuccessAt: now, websubHub: "https://pubsubhubbub.appspot.com/" })
      .where(eq(sources.id, s.id));
    const base = {
      sourceId: s.id,
      hub: "https://pubsubhubbub.appspot.com/",
      topic: "https://maya.example.org/feed/",
      secret: "s".repeat(40),
      requestedAt: now,
    };
    await hub.deps.db.insert(websubSubscriptions).values({ ...base, callbackId: "a".repeat(32), state: "requested" });
    expect(await (await ida.get("/c/t509/manage")).text()).not.toContain('<span class="badge ok">push</span>');
    await hub.deps.db
      .update(websubSubscriptions)
      .set({ state: "active", verifiedAt: now, leaseExpiresAt: new Date(now.getTime() + 86_400_000) })
      .where(eq(websubSubscriptions.sourceId, s.id));
    const page = await (await ida.get("/c/t509/manage")).text();
    expect(page).toContain('<span class="badge ok">push</span> <small>new posts arrive in seconds (WebSub via pubsubhubbub.appspot.com)');
  });
});
