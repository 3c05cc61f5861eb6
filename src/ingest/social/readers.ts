// The social readers the hub ships, by kind.
import { blueskyReader } from "../bluesky/reader.js";
import { mastodonReader } from "../mastodon/reader.js";
import type { SocialKind, SocialReader } from "./post.js";

const readers: Partial<Record<SocialKind, SocialReader>> = { mastodon: mastodonReader, bluesky: blueskyReader };

export function socialReaderFor(kind: SocialKind): SocialReader | undefined {
  return readers[kind];
}

/** Source kind → the kind of the items it yields. */
export const socialKindOf: Record<string, SocialKind | undefined> = { mastodon_tag: "mastodon", bluesky_tag: "bluesky" };
