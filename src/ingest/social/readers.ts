// The social readers the hub ships, by kind.
import { blueskyReader } from "./bluesky/reader.js";
import { mastodonReader } from "./mastodon/reader.js";
import type { SocialKind, SocialReader } from "./post.js";

const readers: Record<SocialKind, SocialReader> = { mastodon: mastodonReader, bluesky: blueskyReader };

/** Source kind → the kind of the items it yields. */
const socialKindOf: Record<string, SocialKind | undefined> = { mastodon_tag: "mastodon", bluesky_tag: "bluesky" };

/**
 * The reader for a source of this kind (undefined for feeds): the one a test
 * passed in `deps.socialReaders`, else the real one.
 */
export function readerForSource(
  deps: { socialReaders?: Partial<Record<SocialKind, SocialReader>> },
  sourceKind: string,
): SocialReader | undefined {
  const kind = socialKindOf[sourceKind];
  return kind ? (deps.socialReaders?.[kind] ?? readers[kind]) : undefined;
}
