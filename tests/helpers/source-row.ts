// A full Source row for reader tests: readers read only id, url, tag,
// accessToken and cursor; the rest is filled so the object has the row's shape.
import type { Source } from "../../src/db/schema.js";

export function sourceRow(kind: Source["kind"], url: string, over: Partial<Source> = {}): Source {
  const now = new Date("2026-11-01T12:00:00Z");
  return {
    id: 7,
    courseId: 1,
    ownerId: null,
    kind,
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
    lastErrorCode: null,
    ownerName: null,
    homePageUrl: null,
    discoveryNote: null,
    websubHub: null,
    websubTopic: null,
    streamLiveAt: null,
    tag: "t509massive",
    accessToken: null,
    cursor: null,
    createdAt: now,
    ...over,
  };
}
