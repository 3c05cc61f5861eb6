// Node's outbound fetch: part of the Node entry point, in its own module so the
// feed doctor CLI (bin/tributary.js, another Node entry) can use it without
// loading the server. Workers need none of this: their fetch cannot reach
// private networks.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { Agent, fetch as undiciFetch } from "undici";
import type { Config } from "./core/config.js";
import { refusedAddressReason } from "./ingest/fetch/address-guard.js";

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for outbound connections that refuses private addresses at the
 * moment of connecting. The fetcher checks names before fetching too (for a
 * clear message), but only this closes the DNS-rebinding gap: the address
 * checked is the address connected to.
 */
export function guardedLookup(allowLoopback: boolean) {
  return (hostname: string, options: LookupAllOptions | object, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const { address } of addresses) {
        const reason = refusedAddressReason(address, { allowLoopback });
        if (reason) {
          const refused = Object.assign(new Error(`${hostname} points to a ${reason} address; the hub only reads public web addresses.`), {
            code: "EADDRNOTALLOWED",
          });
          return callback(refused, []);
        }
      }
      if ((options as LookupAllOptions).all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Outbound fetch for Node: undici with the guarded lookup and a connect timeout. */
export function guardedFetch(config: Config): typeof fetch {
  const dispatcher = new Agent({
    connect: { lookup: guardedLookup(config.allowLoopbackFetch), timeout: Math.min(config.fetchTimeoutMs, 10_000) },
    connections: 64,
  });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}
