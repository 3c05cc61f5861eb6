// The feed doctor's loading step: a feed from a web address (fetched through
// the hub's own guarded fetcher, discovery included, so it sees what the hub
// would see) or from a file on disk.
import { readFile, stat } from "node:fs/promises";
import { type DiscoverDeps, discoverFeed } from "../ingest/discover/discover.js";
import type { NormalisedFeed } from "../ingest/entry.js";
import { IngestError } from "../ingest/errors.js";
import { decodeBody } from "../ingest/fetch/decode.js";
import { parseFeed } from "../ingest/parse/parse.js";

export interface Checked {
  feed: NormalisedFeed;
  /** Where the feed was read from: the feed's address, or the file's path. */
  readFrom: string;
  /** Set when the address given was a page and discovery chose the feed. */
  note: string | null;
}

/** Anything with a scheme ("https://", "ftp://") is an address; the fetcher judges the scheme. */
export function isAddress(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
}

const HTML_START = /^\s*(?:<!--[\s\S]*?-->\s*)*(?:<!doctype html|<html[\s>])/i;

export async function checkAddress(address: string, tags: string[], deps: DiscoverDeps): Promise<Checked> {
  const found = await discoverFeed(address, tags, deps);
  return { feed: found.feed, readFrom: found.feedUrl, note: found.platform === "feed" ? null : found.note };
}

export async function checkFile(path: string, maxBytes: number): Promise<Checked> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new IngestError("bad_url", `${path} is a folder, not a feed file.`);
    size = info.size;
  } catch (err) {
    if (err instanceof IngestError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new IngestError(
      "bad_url",
      code === "ENOENT" ? `No such file: ${path} (a web address must start with https://).` : `Cannot read ${path}.`,
    );
  }
  if (size > maxBytes) throw new IngestError("too_large", `${path} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`);
  const text = decodeBody(new Uint8Array(await readFile(path)), null);
  if (HTML_START.test(text.slice(0, 4096))) {
    throw new IngestError(
      "not_a_feed",
      `${path} is a web page, not a feed. Give check-feed the blog's web address instead, and its feed will be found.`,
    );
  }
  return { feed: await parseFeed(text, null), readFrom: path, note: null };
}
