// Node's outbound fetch refuses private addresses at connect time, closing the
// DNS-rebinding gap left by checking a name before fetching it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/core/config.js";
import { guardedFetch, guardedLookup } from "../../src/node.js";

let port: number;
let hits = 0;
const server = createServer((_req, res) => {
  hits++;
  res.end("ok");
});
beforeAll(
  () =>
    new Promise<void>((ok) =>
      server.listen(0, "127.0.0.1", () => {
        port = (server.address() as AddressInfo).port;
        ok();
      }),
    ),
);
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe("guarded outbound fetch (Node)", () => {
  it("refuses a name that resolves to loopback when loopback is not allowed, without connecting", async () => {
    const fetch = guardedFetch(loadConfig({}));
    const err = await fetch(`http://localhost:${port}/`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as { cause?: { code?: string } }).cause?.code).toBe("EADDRNOTALLOWED");
    expect(hits).toBe(0);
  });

  it("connects when loopback is explicitly allowed", async () => {
    const fetch = guardedFetch(loadConfig({ ALLOW_LOOPBACK_FETCH: "true" }));
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe("ok");
    expect(hits).toBe(1);
  });

  it("answers lookups in both the single and the all-addresses form", async () => {
    const lookup = guardedLookup(true);
    const single = await new Promise((ok) => lookup("localhost", { family: 4 }, (err, address, family) => ok({ err, address, family })));
    expect(single).toEqual({ err: null, address: "127.0.0.1", family: 4 });
    const refused = await new Promise<Error | null>((ok) => guardedLookup(false)("localhost", { all: true }, (err) => ok(err)));
    expect(refused?.message).toMatch(/loopback address; the hub only reads public web addresses/);
  });
});
