// The `tributary` command line (bin/tributary.js runs it). One command today:
// `check-feed`, the feed doctor for "why isn't my post in the Flow?".
//
// Exit codes: 0 the feed was read (whatever it contains), 1 it could not be
// read (the message says why, on one line of stderr), 2 the command was wrong.
import { lookup } from "node:dns/promises";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../core/config.js";
import { describeError, IngestError } from "../ingest/errors.js";
import { checkAddress, checkFile, isAddress } from "./check-feed.js";
import { toJson, toText } from "./report.js";

export const USAGE = `Usage: tributary check-feed <address-or-file> [--tag TAG]... [--json] [--allow-loopback]

Reads a blog's feed the way the hub does and shows each entry as the hub sees
it, and with --tag whether it carries the course tag, and why or why not.

  <address-or-file>  a feed address, a blog's home page (its feed is found),
                     or a feed saved as a file
  --tag TAG          the course tag, e.g. --tag t509massive (may be repeated)
  --json             print one JSON object instead of text
  --allow-loopback   allow 127.0.0.1 and ::1 (for testing; off by default)
`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The outbound fetch, given whether loopback addresses may be reached (the Node entry's guarded fetch). */
  fetchFor(allowLoopback: boolean): typeof fetch;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

function readArgs(argv: string[]) {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          tag: { type: "string", multiple: true },
          json: { type: "boolean" },
          "allow-loopback": { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (err) {
      throw new UsageError((err as Error).message.split("\n")[0]!);
    }
  })();
  const { values, positionals } = parsed;
  if (values.help) return { help: true as const };
  const [command, target, ...extra] = positionals;
  if (!command) throw new UsageError("Give a command: check-feed.");
  if (command !== "check-feed") throw new UsageError(`Unknown command "${command}".`);
  if (!target) throw new UsageError("check-feed needs a feed address, a blog's address or a file.");
  if (extra.length) throw new UsageError(`Unexpected argument "${extra[0]}".`);
  const tags = (values.tag ?? []).map((t) => t.trim()).filter(Boolean);
  if ((values.tag ?? []).length !== tags.length) throw new UsageError("--tag needs a tag, e.g. --tag t509massive.");
  return { help: false as const, target, tags, json: !!values.json, allowLoopback: !!values["allow-loopback"] };
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof readArgs>;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = readArgs(argv);
    // Only the fetch limits come from the environment; the SSRF guard's
    // loopback exception is the flag's alone, never an inherited variable.
    config = { ...loadConfig({ FETCH_TIMEOUT_MS: io.env.FETCH_TIMEOUT_MS, FETCH_MAX_BYTES: io.env.FETCH_MAX_BYTES }) };
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`tributary: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const checked = isAddress(args.target)
      ? await checkAddress(args.target, args.tags, {
          fetch: io.fetchFor(args.allowLoopback),
          config: { ...config, allowLoopbackFetch: args.allowLoopback },
          resolveHost: async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address),
          userAgent: "Tributary-check-feed/0.1 (feed doctor)",
        })
      : await checkFile(args.target, config.fetchMaxBytes);
    if (args.json) {
      // stdout stays one JSON object; which feed was chosen is news for the person.
      if (checked.note) io.err(`Read ${checked.readFrom}: ${checked.note}\n`);
      io.out(`${toJson(checked, args.tags)}\n`);
    } else {
      io.out(toText(checked, args.tags));
    }
    return 0;
  } catch (err) {
    const message = err instanceof IngestError ? describeError(err) : `unexpected error: ${String(err).split("\n")[0]}`;
    io.err(`tributary check-feed: ${message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}
