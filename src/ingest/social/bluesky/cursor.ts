// Where a Bluesky source's last run stopped, stored in `sources.cursor`.
//
// searchPosts (sort=latest) pages from the newest post down, and filters by
// `since`/`until` on the post's sortAt (the earlier of createdAt and
// indexedAt). So a run asks for everything from the newest sortAt it has seen
// (less an overlap, because a post can be indexed after a newer one was
// seen: a slow relay, a client whose clock is behind) and skips the posts it
// already delivered inside that overlap.
//
// When the page budget runs out before the run reaches what it had already
// seen, the rest is a backlog: the next run resumes it with the same `since`
// and the service's own page cursor, so nothing in between is skipped, and
// fresh posts are picked up once the backlog is done. (Posts that arrive in
// between push older ones down an offset-based cursor, which can only repeat
// a post, never skip one; repeats are harmless upserts.)
//
// Stored as JSON: {"v":1,"newest":ISO,"seen":[[at-uri,ISO],…],"backlog":{…}}.
// A bare ISO date-time is read as {newest} (what a person or an older version may have written).

/** How far below the newest post seen the next run looks again. */
export const OVERLAP_MS = 10 * 60_000;
/** At most this many delivered posts are remembered inside the overlap. */
export const SEEN_KEPT = 300;

export interface Backlog {
  /** The newest sortAt seen before the backlog began: the backlog ends at `floor - OVERLAP_MS`. */
  floor: number;
  /** The service's cursor for the next page. */
  page: string;
}

export interface ReadCursor {
  /** The newest sortAt seen (ms since the epoch). */
  newest: number;
  /** Posts delivered whose sortAt is inside the overlap window: at-uri → sortAt (ms). */
  seen: Map<string, number>;
  backlog: Backlog | null;
}

function ms(v: unknown): number | null {
  if (typeof v !== "string") return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** The cursor, or null for none; "unreadable" when something is stored that is not a cursor. */
export function parseCursor(raw: string | null | undefined): ReadCursor | null | "unreadable" {
  const text = raw?.trim();
  if (!text) return null;
  if (!text.startsWith("{")) {
    const newest = ms(text);
    return newest === null ? "unreadable" : { newest, seen: new Map(), backlog: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "unreadable";
  }
  if (typeof json !== "object" || json === null) return "unreadable";
  const o = json as Record<string, unknown>;
  const newest = ms(o.newest);
  if (o.v !== 1 || newest === null) return "unreadable";
  const seen = new Map<string, number>();
  if (Array.isArray(o.seen)) {
    for (const e of o.seen) {
      if (!Array.isArray(e) || typeof e[0] !== "string") continue;
      const t = ms(e[1]);
      if (t !== null) seen.set(e[0], t);
    }
  }
  let backlog: Backlog | null = null;
  if (typeof o.backlog === "object" && o.backlog !== null) {
    const b = o.backlog as Record<string, unknown>;
    const floor = ms(b.floor);
    if (floor !== null && typeof b.page === "string" && b.page) backlog = { floor, page: b.page };
  }
  return { newest, seen, backlog };
}

const iso = (t: number) => new Date(t).toISOString();

/** The cursor as stored, with `seen` cut to the overlap window (below the backlog's floor while there is one). */
export function formatCursor(cursor: ReadCursor): string {
  const from = Math.min(cursor.newest, cursor.backlog?.floor ?? Infinity) - OVERLAP_MS;
  const seen = [...cursor.seen]
    .filter(([, t]) => t >= from)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, SEEN_KEPT)
    .map(([uri, t]) => [uri, iso(t)]);
  return JSON.stringify({
    v: 1,
    newest: iso(cursor.newest),
    seen,
    ...(cursor.backlog ? { backlog: { floor: iso(cursor.backlog.floor), page: cursor.backlog.page } } : {}),
  });
}
