// The anonymous micro-cache: reused for PAGE_CACHE_SECONDS, never for signed-in
// viewers, never for pages with a form token, never replaying a cookie, and
// emptied by any write.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { items } from "../../src/db/schema.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
let ida: Client;

async function addItem(title: string) {
  await hub.deps.db.insert(items).values({
    courseId: 1,
    kind: "blog",
    externalId: title,
    canonicalUrl: `https://b.example/${encodeURIComponent(title)}`,
    title,
    publishedAt: hub.clock.now,
    firstSeenAt: hub.clock.now,
    lastSeenAt: hub.clock.now,
  });
}

beforeEach(async () => {
  hub = await createTestHub({ PAGE_CACHE_SECONDS: "2" });
  ida = await setUpCourse(hub.app);
});
afterEach(async () => hub.close());

describe("the anonymous micro-cache", () => {
  it("serves a visitor's page again for two seconds, then fresh", async () => {
    const visitor = () => Client.forApp(hub.app);
    await addItem("First post");
    expect(await (await visitor().get("/c/t509")).text()).toContain("First post");
    await addItem("Second post"); // written by a poll, not through this app
    const cached = await visitor().get("/c/t509");
    expect(await cached.text()).not.toContain("Second post");
    expect(cached.headers.get("set-cookie")).toBeNull();
    hub.clock.advance(2_500);
    expect(await (await visitor().get("/c/t509")).text()).toContain("Second post");
  });

  it("always gives signed-in viewers a fresh page, and any write empties it", async () => {
    await (await Client.forApp(hub.app).get("/c/t509")).text();
    await addItem("Fresh for Ida");
    expect(await (await ida.get("/c/t509")).text()).toContain("Fresh for Ida");
    expect(await (await Client.forApp(hub.app).get("/c/t509")).text()).not.toContain("Fresh for Ida");
    await ida.submit("/c/t509", "/logout", {}); // any POST handled by this process
    expect(await (await Client.forApp(hub.app).get("/c/t509")).text()).toContain("Fresh for Ida");
  });

  it("never caches a page carrying a form token", async () => {
    const a = await Client.forApp(hub.app).get("/login");
    const b = await Client.forApp(hub.app).get("/login");
    const token = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(token(await a.text())).not.toBe(token(await b.text()));
    expect(b.headers.get("set-cookie")).toContain("tributary_csrf");
  });
});
