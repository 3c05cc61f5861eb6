import { describe, expect, it, vi } from "vitest";
import { assertFetchableUrl, classifyIpv6 } from "../../../src/ingest/fetch/address-guard.js";
import { safeFetch } from "../../../src/ingest/fetch/fetch.js";

const off = { allowLoopback: false };

describe("SSRF guard", () => {
  it.each([
    "http://127.0.0.1/feed",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://127.1/",
    "http://localhost:8080/",
    "http://app.localhost/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://10.1.2.3/",
    "http://172.20.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[::]/",
    "http://[64:ff9b::a9fe:a9fe]/",
  ])("refuses %s", (url) => {
    expect(() => assertFetchableUrl(url, off)).toThrow(/address; the hub only reads public web addresses/);
  });

  it("refuses other schemes and credentials", () => {
    expect(() => assertFetchableUrl("file:///etc/passwd", off)).toThrow(/Only http and https/);
    expect(() => assertFetchableUrl("ftp://example.org/", off)).toThrow(/Only http and https/);
    expect(() => assertFetchableUrl("http://user:pw@example.org/", off)).toThrow(/user name or password/);
    expect(() => assertFetchableUrl("not a url", off)).toThrow(/not a valid web address/);
  });

  it("accepts public addresses, and loopback only when explicitly allowed", () => {
    expect(assertFetchableUrl("https://example.org/feed", off).hostname).toBe("example.org");
    expect(assertFetchableUrl("http://93.184.215.14/", off).hostname).toBe("93.184.215.14");
    expect(classifyIpv6("2606:4700::1111")).toBeNull();
    expect(assertFetchableUrl("http://127.0.0.1:9/", { allowLoopback: true }).port).toBe("9");
    expect(() => assertFetchableUrl("http://10.0.0.1/", { allowLoopback: true })).toThrow();
  });

  it("refuses before any connection is made, including names that resolve to private addresses", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    const opts = { ...off, fetch, timeoutMs: 1000, maxBytes: 1000, userAgent: "t" };
    await expect(safeFetch("http://169.254.169.254/", opts)).rejects.toMatchObject({ code: "blocked_address" });
    await expect(
      safeFetch("http://internal.example.org/feed", { ...opts, resolveHost: async () => ["93.184.215.14", "10.0.0.7"] }),
    ).rejects.toMatchObject({ code: "blocked_address", message: expect.stringContaining("10.0.0.7") });
    expect(fetch).not.toHaveBeenCalled();
  });
});
