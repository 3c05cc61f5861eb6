// SSRF guard: outbound requests may only go to public http(s) addresses.
// The WHATWG URL parser already canonicalises the odd IPv4 spellings
// (decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, short `127.1`)
// to dotted quads, so we classify the parsed host, never the raw string.
// Names that *resolve* to private addresses are checked by the Node entry's
// resolver (see `checkResolved`); Workers' fetch cannot reach private
// networks in the first place.
import { IngestError } from "../errors.js";

export interface GuardOptions {
  /** Allow 127.0.0.0/8 and ::1 (tests and the demo only; off by default). */
  allowLoopback: boolean;
}

function ipv4ToInt(host: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

const v4Blocks: Array<[string, number, string]> = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "IETF protocol assignments"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "6to4 relay anycast (deprecated)"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "benchmarking"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

/** Why an IPv4 address may not be fetched, or null when it is public. */
export function classifyIpv4(host: string): string | null {
  const n = ipv4ToInt(host);
  if (n === null) return null;
  for (const [base, bits, label] of v4Blocks) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === (ipv4ToInt(base)! & mask) >>> 0) return label;
  }
  return null;
}

/** Expands an IPv6 literal (no brackets) into eight 16-bit groups. */
function ipv6Groups(host: string): number[] | null {
  let h = host.toLowerCase();
  const zone = h.indexOf("%");
  if (zone >= 0) h = h.slice(0, zone);
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (dotted) {
    const n = ipv4ToInt(dotted[1]!);
    if (n === null) return null;
    h = `${h.slice(0, dotted.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return null;
  const groups = [...head, ...Array(fill).fill("0"), ...tail].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return null;
  return groups;
}

/** Why an IPv6 address may not be fetched, or null when it is public. */
export function classifyIpv6(host: string): string | null {
  const g = ipv6Groups(host.replace(/^\[|\]$/g, ""));
  if (!g) return null;
  if (g.every((x) => x === 0)) return "unspecified";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the IPv4 inside.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) {
    const v4 = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
    return classifyIpv4(v4) ?? (g[5] === 0 ? "IPv4-compatible" : null);
  }
  const v4At = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  // SIIT's IPv4-translated addresses (::ffff:0:a.b.c.d, RFC 6052/7915) embed an IPv4 address.
  if (g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0) return classifyIpv4(v4At(g[6]!, g[7]!)) ?? "IPv4-translated";
  // NAT64: the well-known prefix 64:ff9b::/96 (RFC 6052) embeds an IPv4 address in its last 32 bits;
  // the local-use prefix 64:ff9b:1::/48 (RFC 8215) translates to whatever the operator chose, so it is refused.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyIpv4(v4At(g[6]!, g[7]!));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "NAT64 local-use";
  // 6to4 (2002::/16, RFC 3056): the next 32 bits are the IPv4 address the packets go to.
  if (g[0] === 0x2002) return classifyIpv4(v4At(g[1]!, g[2]!)) ?? null;
  // Teredo (2001::/32, RFC 4380): a tunnel to an address given (obfuscated) in the last 32 bits.
  if (g[0] === 0x2001 && g[1] === 0) return "Teredo tunnel";
  // The discard-only prefix 100::/64 (RFC 6666).
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return "discard-only";
  if ((g[0]! & 0xfe00) === 0xfc00) return "unique local";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xffc0) === 0xfec0) return "site-local";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0xdb8) return "documentation";
  return null;
}

function isLoopbackLabel(label: string): boolean {
  return label === "loopback";
}

/** Why an address (v4 or v6 literal) is refused under these options, or null. */
export function refusedAddressReason(address: string, opts: GuardOptions): string | null {
  const reason = address.includes(":") ? classifyIpv6(address) : classifyIpv4(address);
  if (reason === null) return null;
  if (opts.allowLoopback && isLoopbackLabel(reason)) return null;
  return reason;
}

/**
 * Checks a URL before any connection is made: scheme, credentials, and a host
 * that is a literal address or an obviously local name. Throws IngestError.
 */
export function assertFetchableUrl(raw: string | URL, opts: GuardOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IngestError("bad_url", `"${String(raw).slice(0, 200)}" is not a valid web address.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new IngestError("bad_url", `Only http and https addresses can be read (got ${url.protocol}).`);
  }
  if (url.username || url.password) {
    throw new IngestError("bad_url", "Addresses with a user name or password are not accepted.");
  }
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) {
    if (!opts.allowLoopback) {
      throw new IngestError("blocked_address", `${url.hostname} is a local address; the hub only reads public web addresses.`);
    }
    return url;
  }
  const reason = refusedAddressReason(host, opts);
  if (reason) {
    throw new IngestError("blocked_address", `${url.hostname} is a ${reason} address; the hub only reads public web addresses.`);
  }
  return url;
}
