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

  // IPv6 transition forms that carry or reach an IPv4 address, and reserved prefixes (issue 13).
  it.each([
    ["http://[2002:7f00:1::]/", "loopback"], // 6to4 of 127.0.0.1
    ["http://[2002:a9fe:a9fe::1]/", "link-local (cloud metadata)"], // 6to4 of 169.254.169.254
    ["http://[2002:c0a8:101::]/", "private"], // 6to4 of 192.168.1.1
    ["http://[64:ff9b::7f00:1]/", "loopback"], // NAT64 well-known prefix
    ["http://[64:ff9b::10.0.0.1]/", "private"],
    ["http://[64:ff9b:1::a00:1]/", "NAT64 local-use"], // RFC 8215
    ["http://[::ffff:0:7f00:1]/", "loopback"], // SIIT, IPv4-translated
    ["http://[::ffff:0:a00:1]/", "private"],
    ["http://[2001::1]/", "Teredo tunnel"],
    ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo tunnel"],
    ["http://[100::1]/", "discard-only"],
    ["http://192.88.99.1/", "6to4 relay anycast (deprecated)"],
  ])("refuses %s (%s)", (url, reason) => {
    expect(() => assertFetchableUrl(url, off)).toThrow(`is a ${reason} address; the hub only reads public web addresses`);
  });

  it("still accepts public IPv6, a 6to4 address of a public IPv4, and NAT64 of a public IPv4", () => {
    expect(classifyIpv6("2001:4860:4860::8888")).toBeNull(); // a public 2001:: that is not Teredo (2001:0::/32)
    expect(classifyIpv6("2002:5db8:d70e::1")).toBeNull(); // 6to4 of 93.184.215.14
    expect(classifyIpv6("64:ff9b::5db8:d70e")).toBeNull();
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
