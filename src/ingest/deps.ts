// What ingest code is handed: the core deps plus what only polling needs (a DNS
// resolver for the SSRF guard, a jitter source, social readers tests may swap).
import type { Deps } from "../deps.js";
import type { SocialKind, SocialReader } from "./social/post.js";

export interface PollDeps extends Deps {
  resolveHost?: (host: string) => Promise<string[]>;
  /** Jitter source for schedules; injectable so tests can pin it. */
  random?: () => number;
  /** Readers for social sources; the real ones (social/readers.ts) unless a test passes its own. */
  socialReaders?: Partial<Record<SocialKind, SocialReader>>;
}
