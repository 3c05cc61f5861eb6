// Adding a blog by whatever address a person has: its home page, a post, or
// its feed. Discovery picks the feed (a tag feed where the platform has one)
// and says why; the source keeps the home page and that note for people to see.

import { FormError } from "../../core/errors.js";
import type { Source } from "../../db/schema.js";
import type { PollDeps } from "../../ingest/deps.js";
import { AddressUnreachable, type Discovery, discoverFeed } from "../../ingest/discover/discover.js";
import { IngestError } from "../../ingest/errors.js";
import { userAgent } from "../../ingest/fetch/user-agent.js";
import { tagsOf } from "../courses.js";
import { addFeedSource, DuplicateSourceError, findSourceAt, type SourceFilter } from "./sources.js";

export interface AddByAddress {
  /** Already checked and normalised by `sourceAddress`. */
  address: string;
  filter: SourceFilter;
  ownerName: string | null;
  /** What an imported roster already says of the blog; the roster wins over what discovery finds. */
  known?: { title: string | null; homePageUrl: string | null; note: string };
}

export interface Added {
  source: Source;
  /** Null when the address could not be reached and was kept as given, to be retried. */
  discovery: Discovery | null;
}

/**
 * A blog that is down or slow right now is still the learner's blog: it is kept
 * as given and the poller retries it (the health column says why it fails).
 * A wrong address (404, a page without a feed) is the person's to fix now.
 */
function worthRetrying(err: AddressUnreachable): boolean {
  if (err.code === "network" || err.code === "timeout") return true;
  return err.code === "http_error" && (err.status === 408 || err.status === 429 || (err.status ?? 0) >= 500);
}

export async function addSourceByAddress(
  deps: PollDeps,
  courseId: number,
  input: AddByAddress,
  ownerId: number | null = null,
): Promise<Added> {
  const { db } = deps;
  if (await findSourceAt(db, courseId, [input.address])) throw new DuplicateSourceError("url", "This blog is already part of the course.");
  // One tag archive holds one tag; "all posts" wants the main feed.
  const tags = input.filter === "tagged" ? await tagsOf(db, courseId) : [];
  let discovery: Discovery | null = null;
  try {
    discovery = await discoverFeed(input.address, tags, { ...deps, userAgent: userAgent(deps.config.publicUrl) });
  } catch (err) {
    if (err instanceof AddressUnreachable && worthRetrying(err)) discovery = null;
    else if (err instanceof IngestError) throw new FormError("url", err.message);
    else throw err;
  }
  if (!discovery) {
    const known = input.known;
    const source = await addFeedSource(
      db,
      courseId,
      {
        url: input.address,
        filter: input.filter,
        ownerName: input.ownerName,
        title: known?.title ?? null,
        homePageUrl: known?.homePageUrl ?? null,
        discoveryNote: known?.note ?? null,
      },
      ownerId,
      deps.now(),
    );
    return { source, discovery };
  }
  if (discovery.feedUrl !== input.address && (await findSourceAt(db, courseId, [discovery.feedUrl]))) {
    throw new DuplicateSourceError("url", `This blog's feed (${discovery.feedUrl}) is already part of the course.`);
  }
  const source = await addFeedSource(
    db,
    courseId,
    {
      url: discovery.feedUrl,
      // A tag feed whose entries do not show the tag was filtered by the platform already.
      filter: discovery.keepAll ? "all" : input.filter,
      ownerName: input.ownerName,
      title: input.known?.title ?? discovery.title,
      siteUrl: discovery.siteUrl,
      homePageUrl: discovery.homePageUrl ?? input.known?.homePageUrl ?? null,
      discoveryNote: discovery.platform === "feed" && input.known ? input.known.note : discovery.note,
    },
    ownerId,
    deps.now(),
  );
  return { source, discovery };
}
