// The vocabulary every feed format is read into: one normalised feed of normalised entries.
// Parsers (parse/) produce it; the poller, the store and the feed doctor consume it.

export interface NormalisedEntry {
  /** GUID / Atom id, else the link. */
  id: string;
  /** Absolute URL of the post, or null when the entry has none (then it cannot be a pointer). */
  url: string | null;
  title: string;
  published: Date | null;
  updated: Date | null;
  author: string | null;
  /** Categories as the feed gives them (for display and for the feed doctor). */
  categories: string[];
  /** Normalised tags: categories and #hashtags, lower-case, without '#'. */
  tags: string[];
  /** Full plain text, used to find hashtags. Never stored. */
  text: string;
  /** At most 280 characters of plain text, cut at a word. */
  excerpt: string;
  /** Where the post says it was also published (rel="syndication", u-syndication): toots, skeets. */
  syndication?: string[];
}

export interface NormalisedFeed {
  title: string;
  link: string | null;
  entries: NormalisedEntry[];
}
