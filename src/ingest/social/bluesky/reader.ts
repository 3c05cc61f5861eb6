// The Bluesky hashtag reader. Bluesky has no hashtag timeline, and the public
// AppView refuses unauthenticated searches, so the hub signs in (session.ts)
// and asks app.bsky.feed.searchPosts for the tag, newest first, from where
// the last run stopped (cursor.ts), a page budget at a time.
//
// The search is not trusted to have matched the tag: a full-text match (the
// reference dev-env's AppView matches `q` in the text) or a fuzzy one brings
// posts that merely contain the word. Each post is kept only if it carries the
// tag itself: a tag facet (app.bsky.richtext.facet#tag), the record's `tags`,
// or `#tag` written in its text.
//
// Re-checks ask app.bsky.feed.getPosts (at most 25 at-uris a call, per its
// lexicon): a post the AppView leaves out of its answer is gone (deleted,
// taken down, or its author blocked the hub's account).

import type { Deps } from "../../../db/deps.js";
import type { Source } from "../../../db/schema.js";
import { IngestError } from "../../errors.js";
import { normaliseTag } from "../../tags.js";
import type { RecheckAnswer, SocialPage, SocialPost, SocialReader } from "../post.js";
import { type Backlog, formatCursor, OVERLAP_MS, parseCursor, type ReadCursor } from "./cursor.js";
import { carriesTag, normalisePostView, parsePostUri, sortAtOf } from "./normalise.js";
import { type BlueskyClient, blueskyClient } from "./session.js";

/** searchPosts' largest page (lexicon: limit 1–100). */
export const PAGE_LIMIT = 100;
/** getPosts' largest request (lexicon: uris maxLength 25). */
export const GET_POSTS_LIMIT = 25;

export interface BlueskyReaderOptions {
  /** Posts per search page; tests make it small to see paging without a hundred posts. */
  pageLimit?: number;
}

function tagOf(source: Source): string {
  const tag = normaliseTag(source.tag ?? "");
  if (!tag) throw new IngestError("bad_url", "This Bluesky source has no hashtag to follow.");
  return tag;
}

const iso = (t: number) => new Date(t).toISOString();

async function read(deps: Deps, source: Source, pageLimit: number): Promise<SocialPage> {
  const tag = tagOf(source);
  const parsed = parseCursor(source.cursor);
  if (parsed === "unreadable") deps.log("warn", "bluesky.cursor_unreadable", { source: source.id });
  const cursor: ReadCursor | null = parsed === "unreadable" ? null : parsed;
  const client = await blueskyClient(deps, source.url);
  try {
    return await scan(deps, client, source, tag, cursor, pageLimit);
  } finally {
    await client.flush();
  }
}

interface ScanState {
  now: Date;
  /** The newest sortAt seen (ms), this run or before. */
  newest: number | null;
  seen: Map<string, number>;
  posts: SocialPost[];
  skipped: number;
  untagged: number;
}

async function scan(
  deps: Deps,
  client: BlueskyClient,
  source: Source,
  tag: string,
  cursor: ReadCursor | null,
  pageLimit: number,
): Promise<SocialPage> {
  const st: ScanState = {
    now: deps.now(),
    newest: cursor?.newest ?? null,
    seen: new Map(cursor?.seen ?? []),
    posts: [],
    skipped: 0,
    untagged: 0,
  };
  // A new source reads the newest page only: older posts predate the course's interest.
  let pagesLeft = cursor ? Math.max(1, deps.config.socialPageBudget) : 1;
  let backlog = cursor?.backlog ?? null;
  let topFloor = cursor?.newest ?? null;
  let next: Backlog | null = null;

  for (;;) {
    // One pass: from the backlog's next page (else the newest post) down to its floor.
    const floor = backlog ? backlog.floor : topFloor;
    let pass: Pass;
    try {
      pass = await readPass(client, tag, st, floor, backlog?.page, pageLimit, pagesLeft);
    } catch (err) {
      // A service may forget its page cursors: a backlog it no longer takes is read again from its floor, from the top.
      if (backlog && err instanceof IngestError && err.status === 400) {
        deps.log("warn", "bluesky.backlog_restarted", { source: source.id, status: 400 });
        topFloor = backlog.floor;
        backlog = null;
        continue;
      }
      throw err;
    }
    pagesLeft -= pass.pages;
    if (pass.left !== null) {
      // Out of pages before the floor: a known source leaves the rest for the next run.
      if (floor !== null) next = { floor, page: pass.left };
      break;
    }
    // A finished backlog leaves the budget's rest to read what came in since, from the top.
    if (!backlog || pagesLeft <= 0) break;
    backlog = null;
    topFloor = st.newest;
  }

  if (st.skipped || st.untagged)
    deps.log("info", "bluesky.posts_dropped", { source: source.id, tag, skipped: st.skipped, untagged: st.untagged });
  const { posts, newest } = st;
  if (newest === null) return { posts, cursor: source.cursor ?? null, more: false };
  // Nothing new and nothing left over: the stored cursor stays as it is.
  if (!posts.length && !next && cursor && !cursor.backlog && newest === cursor.newest) return { posts, cursor: source.cursor, more: false };
  return { posts, cursor: formatCursor({ newest, seen: st.seen, backlog: next }), more: next !== null };
}

interface Pass {
  pages: number;
  /** The service's cursor for the page after the last one read, when the budget ran out first. */
  left: string | null;
}

async function readPass(
  client: BlueskyClient,
  tag: string,
  st: ScanState,
  floor: number | null,
  startPage: string | undefined,
  pageLimit: number,
  pagesAllowed: number,
): Promise<Pass> {
  const since = floor === null ? null : floor - OVERLAP_MS;
  let page = startPage;
  let pages = 0;
  for (;;) {
    const params = {
      // `q` is required; the tag as text matches in any search backend, and `tag` narrows it where supported.
      q: `#${tag}`,
      tag: [tag],
      sort: "latest",
      ...(since !== null ? { since: iso(since) } : {}),
      limit: pageLimit,
      ...(page ? { cursor: page } : {}),
    };
    const res = await client.call(`search Bluesky for #${tag}`, (agent) => agent.app.bsky.feed.searchPosts(params));
    pages++;
    let reachedFloor = false;
    for (const view of res.data.posts) {
      const sortAt = sortAtOf(view)?.getTime() ?? null;
      if (sortAt === null) {
        st.skipped++;
        continue;
      }
      // Checked here too: a service may ignore `since` (the reference dev-env's does).
      if (since !== null && sortAt < since) {
        reachedFloor = true;
        continue;
      }
      st.newest = st.newest === null ? sortAt : Math.max(st.newest, sortAt);
      if (st.seen.has(view.uri)) continue;
      const post = normalisePostView(view, st.now);
      if (!post) {
        st.skipped++;
        continue;
      }
      if (!carriesTag(post, tag)) {
        st.untagged++;
        continue;
      }
      st.seen.set(view.uri, sortAt);
      st.posts.push(post);
    }
    const more = res.data.cursor;
    if (reachedFloor || !more || res.data.posts.length === 0) return { pages, left: null };
    if (pages >= pagesAllowed) return { pages, left: more };
    page = more;
  }
}

async function recheck(deps: Deps, source: Source, remoteIds: string[]): Promise<Map<string, RecheckAnswer>> {
  const answers = new Map<string, RecheckAnswer>();
  const uris: string[] = [];
  for (const id of new Set(remoteIds)) {
    answers.set(id, "inconclusive");
    // Only at-uris of posts, named by DID: anything else would make the service refuse the whole call.
    if (parsePostUri(id)) uris.push(id);
  }
  if (!uris.length) return answers;
  let client: BlueskyClient;
  try {
    client = await blueskyClient(deps, source.url);
  } catch (err) {
    deps.log("warn", "bluesky.recheck_failed", { source: source.id, error: err instanceof IngestError ? err.message : "unexpected" });
    return answers;
  }
  try {
    const now = deps.now();
    for (let i = 0; i < uris.length; i += GET_POSTS_LIMIT) {
      const chunk = uris.slice(i, i + GET_POSTS_LIMIT);
      try {
        const res = await client.call("re-check posts", (agent) => agent.app.bsky.feed.getPosts({ uris: chunk }));
        const byUri = new Map(res.data.posts.map((v) => [v.uri, v]));
        for (const uri of chunk) {
          const view = byUri.get(uri);
          // The post as served now: a label added since it was read (hide) reaches the hub this way.
          answers.set(uri, view ? (normalisePostView(view, now) ?? "present") : "missing");
        }
      } catch (err) {
        // Anything but an answer proves nothing: these stay inconclusive. Once told to slow down, stop asking.
        const status = err instanceof IngestError ? err.status : undefined;
        deps.log("warn", "bluesky.recheck_failed", {
          source: source.id,
          status: status ?? null,
          error: err instanceof IngestError ? err.message : "unexpected",
        });
        if (status === 429) break;
      }
    }
  } finally {
    await client.flush();
  }
  return answers;
}

/** A Bluesky reader; `blueskyReader` is the one the hub uses. */
export function createBlueskyReader(opts: BlueskyReaderOptions = {}): SocialReader {
  const pageLimit = Math.min(PAGE_LIMIT, Math.max(1, Math.floor(opts.pageLimit ?? PAGE_LIMIT)));
  return {
    kind: "bluesky",
    read: (deps, source) => read(deps, source, pageLimit),
    recheck,
  };
}

export const blueskyReader: SocialReader = createBlueskyReader();
