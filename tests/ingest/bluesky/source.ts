// A Source row for Bluesky reader tests. The reader reads only id, url, tag and
// cursor; the rest is filled so the object has the row's shape.
import type { Source } from "../../../src/db/schema.js";

export function blueskySource(url: string, over: Partial<Source> = {}): Source {
  const now = new Date("2026-11-01T12:00:00Z");
  return {
    id: 11,
    courseId: 1,
    ownerId: null,
    kind: "bluesky_tag",
    url,
    title: null,
    siteUrl: null,
    filter: "tagged",
    status: "active",
    etag: null,
    lastModified: null,
    lastPolledAt: null,
    lastSuccessAt: null,
    lastStatusCode: null,
    nextPollAt: now,
    leaseUntil: null,
    failureCount: 0,
    lastError: null,
    ownerName: null,
    homePageUrl: null,
    discoveryNote: null,
    tag: "t509massive",
    accessToken: null,
    cursor: null,
    createdAt: now,
    ...over,
  } as Source;
}
