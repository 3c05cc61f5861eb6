// The contract between the social readers (mastodon/, bluesky/) and the rest
// of ingest. A reader turns one source (an instance or service + a tag) into
// normalised posts; it never writes to the database. The generic social poll
// (poll/social.ts) stores the posts, the cursor and the source's health in one
// batch, so a crash mid-run repeats a page instead of skipping one.

import type { Deps } from "../../db/deps.js";
import type { Source } from "../../db/schema.js";

export type SocialKind = "mastodon" | "bluesky";

export interface SocialAuthor {
  /** Stable key: Mastodon `user@instance` lower-case (acct with the domain added); Bluesky DID. */
  key: string;
  /** What people recognise: `@user@instance` or `handle.bsky.social`. */
  handle: string;
  name: string | null;
  /** The author's profile page. */
  url: string | null;
  /**
   * Sites the author's profile proves they own (siteKey form): Mastodon profile links the instance
   * has verified (rel="me" back), a Bluesky domain handle. A guest's announcement of a post on one
   * of them is shown as "also on" under it.
   */
  sites?: string[];
}

export interface SocialPost {
  kind: SocialKind;
  /** The post's identity across federated copies: Mastodon status `uri`; Bluesky at-uri. */
  externalId: string;
  /** Where a person reads it: Mastodon status `url` (else `uri`); Bluesky `https://bsky.app/profile/{handle}/post/{rkey}`. */
  url: string;
  /** How the source's server names it for re-checks: Mastodon status id on that instance; Bluesky at-uri. */
  remoteId: string;
  author: SocialAuthor;
  /** Plain text of the post (HTML turned to text by html-text.ts), not cut: the store cuts the excerpt. */
  text: string;
  /** Mastodon `spoiler_text` (non-empty): shown instead of the text. */
  contentWarning: string | null;
  /** Media marked sensitive. Media is never copied or shown; kept so the UI can say so. */
  sensitive: boolean;
  /** Moderation labels that mean "hide" (Bluesky `!hide`, `porn`, …; Mastodon never sets it). */
  hide: boolean;
  /** Hashtags as normalised by tags.ts `normaliseTag` (lower-case, no '#'). */
  tags: string[];
  /** Absolute http(s) links in the post (link cards included), to spot a learner announcing their own blog post. */
  links: string[];
  publishedAt: Date;
  /** Mastodon `edited_at`; Bluesky has no edits. */
  editedAt: Date | null;
}

export interface SocialPage {
  /** New posts since the source's cursor, in any order. */
  posts: SocialPost[];
  /** The cursor to store once these posts are stored (unchanged when nothing new). */
  cursor: string | null;
  /** True when the page budget ran out before catching up: the source is due again soon. */
  more: boolean;
}

export type RecheckVerdict = "present" | "missing" | "inconclusive";
/** A verdict, or the post as its server serves it now (which means present). */
export type RecheckAnswer = RecheckVerdict | SocialPost;

export interface SocialReader {
  kind: SocialKind;
  /**
   * Reads new posts for `source` (url = instance/service, tag, accessToken,
   * cursor). Throws IngestError with a plain-language message, HTTP status and
   * Retry-After (or the rate-limit reset, as a Retry-After value) on failure.
   */
  read(deps: Deps, source: Source): Promise<SocialPage>;
  /**
   * Asks the source's server whether these posts (by remoteId) still exist.
   * A reader that gets the post back may answer with it, normalised, instead
   * of "present": an edit made since the post was read then reaches the hub
   * (a timeline read from a cursor never sees older posts again).
   */
  recheck(deps: Deps, source: Source, remoteIds: string[]): Promise<Map<string, RecheckAnswer>>;
}
