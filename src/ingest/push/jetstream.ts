// Bluesky through Jetstream (github.com/bluesky-social/jetstream): a WebSocket that carries the
// network's commits as plain JSON, filtered server-side to `app.bsky.feed.post` from the DIDs the
// hub asks for (`wantedDids`): the verified Bluesky accounts of each course's learners and roster
// people, in courses that follow a tag on Bluesky. Held through @skyware/jetstream, whose socket
// (partysocket) reconnects by itself with growing, randomised delays and resumes from its cursor.
//
// Creates and updates become posts through the same store as the search poll (so only posts
// carrying a course tag are kept, in the courses whose tag they carry); deletions take the item out.
// The cursor (`time_us` of the last event the hub has stored, not merely received) is saved every
// few seconds and at the end, so a restart replays the gap, rewound a few seconds as Jetstream's
// docs advise for gapless playback (the upserts make a repeat harmless). A saved cursor in the
// future is refused: it would skip everything until then. Guests' posts still come through the
// authenticated search poll, which keeps running as the safety net.
import { Jetstream } from "@skyware/jetstream";
import { and, eq, inArray, isNotNull, like, or } from "drizzle-orm";
import { identities, memberships, people, type Source, sources, streamCursors } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { normalisePostView } from "../social/bluesky/normalise.js";
import { removeStreamed, storeStreamedPost } from "./stream-store.js";

const COLLECTION = "app.bsky.feed.post";
const CURSOR_NAME = "jetstream";
/** Rewind on resume (Jetstream's docs: "rewind your cursor a few seconds for gapless playback"). */
export const REWIND_US = 5_000_000;
/** A cursor more than this far ahead of the clock is refused. */
const FUTURE_SLACK_US = 60_000_000;
const SAVE_EVERY_MS = 5_000;
/** Events waiting to be stored; past this the session ends and resumes from its cursor, so none is lost. */
export const MAX_BACKLOG = 2_000;
/** Jetstream takes at most 10,000 DIDs in a filter. */
export const MAX_DIDS = 10_000;

export interface JetstreamTarget {
  endpoint: string;
  /** DID → the Bluesky tag sources of the courses that person is in, and their handle. */
  people: Map<string, { handle: string | null; sources: Source[] }>;
}

/** Who the stream should carry: verified Bluesky DIDs of the members and roster people of courses following a Bluesky tag. */
export async function wantedJetstream(deps: Pick<PollDeps, "db" | "config">): Promise<JetstreamTarget | null> {
  const endpoint = deps.config.jetstreamUrl;
  if (!endpoint) return null;
  const { db } = deps;
  const tagSources = await db
    .select()
    .from(sources)
    .where(and(eq(sources.kind, "bluesky_tag"), eq(sources.status, "active")));
  if (!tagSources.length) return null;
  const byCourse = new Map<number, Source[]>();
  for (const s of tagSources) byCourse.set(s.courseId, [...(byCourse.get(s.courseId) ?? []), s]);
  const courseIds = [...byCourse.keys()];
  const rows = await db
    .select({ did: identities.authorKey, handle: identities.address, member: memberships.courseId, roster: people.rosterOf })
    .from(identities)
    .innerJoin(people, eq(people.id, identities.personId))
    .leftJoin(memberships, and(eq(memberships.personId, people.id), inArray(memberships.courseId, courseIds)))
    .where(
      and(
        eq(identities.kind, "bluesky"),
        isNotNull(identities.verifiedAt),
        like(identities.authorKey, "did:%"),
        or(isNotNull(memberships.courseId), inArray(people.rosterOf, courseIds)),
      ),
    );
  const out = new Map<string, { handle: string | null; sources: Source[] }>();
  for (const r of rows) {
    const courseId = r.member ?? r.roster;
    const list = courseId === null ? undefined : byCourse.get(courseId);
    if (!list) continue;
    if (!out.has(r.did) && out.size >= MAX_DIDS) continue;
    const entry = out.get(r.did) ?? { handle: r.handle.replace(/^@/, "") || null, sources: [] };
    for (const s of list) if (!entry.sources.some((x) => x.id === s.id)) entry.sources.push(s);
    out.set(r.did, entry);
  }
  return out.size ? { endpoint, people: out } : null;
}

/** The saved cursor to resume from, rewound; null (live) when none, or when it is in the future. */
export async function resumeCursor(deps: Pick<PollDeps, "db" | "now" | "log">): Promise<number | null> {
  const [row] = await deps.db.select().from(streamCursors).where(eq(streamCursors.name, CURSOR_NAME));
  if (!row || !/^\d{1,17}$/.test(row.cursor)) return null;
  const cursor = Number(row.cursor);
  const nowUs = deps.now().getTime() * 1000;
  if (cursor > nowUs + FUTURE_SLACK_US) {
    deps.log("warn", "jetstream.cursor_in_future", {
      cursor,
      now: nowUs,
      note: "ignored: the stream starts live, the poll covers the gap",
    });
    return null;
  }
  return Math.max(0, cursor - REWIND_US);
}

async function saveCursor(deps: Pick<PollDeps, "db" | "now">, cursor: number): Promise<void> {
  const row = { name: CURSOR_NAME, cursor: String(cursor), updatedAt: deps.now() };
  await deps.db
    .insert(streamCursors)
    .values(row)
    .onConflictDoUpdate({ target: streamCursors.name, set: { cursor: row.cursor, updatedAt: row.updatedAt } });
}

interface CommitEvent {
  did: string;
  time_us: number;
  commit: { operation: "create" | "update" | "delete"; collection: string; rkey: string; cid?: string; record?: unknown };
}

export interface JetstreamSession {
  /** Sends a new DID filter on the open socket (Jetstream's options_update), and uses it on reconnects. */
  update(target: JetstreamTarget): void;
  /** Resolves when the session ends (stopped, or a backlog too long to hold). */
  done: Promise<void>;
  close(): Promise<void>;
}

/** Opens the stream. `onLive(true|false)` follows the socket; events are stored in order. */
export async function openJetstream(deps: PollDeps, initial: JetstreamTarget, onLive: (live: boolean) => void): Promise<JetstreamSession> {
  if (!deps.webSocket) throw new Error("This runtime has no WebSocket client for streams.");
  let target = initial;
  const cursor = await resumeCursor(deps);
  const nowUs = () => deps.now().getTime() * 1000;
  const jetstream = new Jetstream({
    ws: deps.webSocket,
    endpoint: target.endpoint,
    wantedCollections: [COLLECTION],
    wantedDids: [...target.people.keys()],
    maxMessageSizeBytes: 512 * 1024,
    ...(cursor !== null ? { cursor } : {}),
  });
  let stored = cursor ?? 0;
  let saved = stored;
  // An event that could not be stored holds the saved cursor just before it, so a restart replays it.
  let holdAt: number | null = null;
  const savable = () => (holdAt === null ? stored : Math.min(stored, holdAt));
  let backlog = 0;
  let chain: Promise<void> = Promise.resolve();
  let ended = false;
  let finish: () => void = () => {};
  const done = new Promise<void>((ok) => (finish = ok));

  const end = async (why: string) => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    jetstream.close();
    onLive(false);
    await chain.catch(() => {});
    if (savable() > saved) await saveCursor(deps, savable()).catch(() => {});
    deps.log("info", "jetstream.ended", { why, cursor: stored });
    finish();
  };

  const handle = async (event: CommitEvent) => {
    const person = target.people.get(event.did);
    // A time_us ahead of the clock is never saved as the cursor: it would skip what comes before it.
    const at = Number.isSafeInteger(event.time_us) && event.time_us <= nowUs() + FUTURE_SLACK_US ? event.time_us : null;
    if (person) {
      const uri = `at://${event.did}/${COLLECTION}/${event.commit.rkey}`;
      if (event.commit.operation === "delete") {
        const removed = await removeStreamed(deps, person.sources, { remoteId: uri }, "deleted_at_source");
        if (removed) deps.log("info", "stream.deleted", { stream: "jetstream", removed });
      } else {
        const post = normalisePostView(
          {
            uri,
            cid: event.commit.cid,
            author: { did: event.did, handle: person.handle },
            record: event.commit.record,
            indexedAt: new Date(Math.min((at ?? nowUs()) / 1000, deps.now().getTime())).toISOString(),
            labels: [],
          },
          deps.now(),
        );
        if (!post) deps.log("warn", "stream.bad_event", { stream: "jetstream", did: event.did, note: "not a post the hub can read" });
        else {
          // Bluesky posts are not edited in the app, but a record can be rewritten: treat it as an edit.
          const kept = await storeStreamedPost(deps, person.sources, {
            ...post,
            editedAt: event.commit.operation === "update" ? deps.now() : null,
          });
          deps.log("info", "stream.post", { stream: "jetstream", operation: event.commit.operation, kept });
        }
      }
    }
    if (at !== null && at > stored) stored = at;
  };

  jetstream.on("commit", (event: CommitEvent) => {
    if (ended || event.commit?.collection !== COLLECTION || typeof event.commit.rkey !== "string") return;
    if (++backlog > MAX_BACKLOG) {
      deps.log("warn", "jetstream.backlog", { waiting: backlog, note: "reconnecting from the stored cursor" });
      void end("backlog");
      return;
    }
    chain = chain
      .then(() => handle(event))
      .catch((err: unknown) => {
        if (Number.isSafeInteger(event.time_us)) holdAt = Math.min(holdAt ?? Number.MAX_SAFE_INTEGER, event.time_us - 1);
        deps.log("error", "jetstream.store_failed", { did: event.did, error: String(err).slice(0, 300) });
      })
      .finally(() => backlog--);
  });
  jetstream.on("open", () => {
    deps.log("info", "stream.open", { stream: "jetstream", dids: target.people.size });
    onLive(true);
  });
  jetstream.on("close", () => {
    if (!ended) deps.log("warn", "stream.closed", { stream: "jetstream", note: "reconnecting with backoff" });
    onLive(false);
  });
  jetstream.on("error", (err: unknown) => deps.log("warn", "stream.failed", { stream: "jetstream", error: String(err).slice(0, 300) }));
  // Garbage on the socket reaches the client's error event; it changes nothing.
  const timer = setInterval(() => {
    if (savable() > saved) {
      const at = savable();
      saveCursor(deps, at).then(
        () => (saved = Math.max(saved, at)),
        () => {},
      );
    }
  }, SAVE_EVERY_MS);
  timer.unref?.();
  jetstream.start();

  return {
    update(next) {
      const before = [...target.people.keys()].sort().join(" ");
      target = next;
      const after = [...next.people.keys()].sort().join(" ");
      if (before === after) return;
      try {
        // An options update replaces the whole filter: the collection goes with the DIDs.
        jetstream.updateOptions({ wantedCollections: [COLLECTION], wantedDids: [...next.people.keys()] });
        deps.log("info", "jetstream.dids_updated", { dids: next.people.size });
      } catch {
        // Not connected: the next connection's address carries the new filter.
        jetstream.url.searchParams.delete("wantedDids");
        for (const did of next.people.keys()) jetstream.url.searchParams.append("wantedDids", did);
      }
    },
    done,
    async close() {
      await end("stopped");
    },
  };
}
