// For the health lines: which push channel, if any, is live for each source right now: a verified
// WebSub subscription (by its hub), or an open stream (Mastodon streaming, Bluesky Jetstream).
import type { Source } from "../../db/schema.js";
import type { PollDeps } from "../deps.js";
import { STREAM_FRESH_MS } from "../poll/schedule.js";
import { liveWebSub } from "./websub.js";

export interface LivePush {
  /** How posts arrive: "WebSub via hub.example", "streaming from mastodon.social". */
  channel: string;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export async function livePush(
  deps: Pick<PollDeps, "db" | "now">,
  list: Array<Pick<Source, "id" | "kind" | "url" | "streamLiveAt">>,
): Promise<Map<number, LivePush>> {
  const out = new Map<number, LivePush>();
  const now = deps.now().getTime();
  for (const s of list) {
    if (s.streamLiveAt && now - s.streamLiveAt.getTime() < STREAM_FRESH_MS)
      out.set(s.id, { channel: s.kind === "bluesky_tag" ? "streaming from Jetstream" : `streaming from ${hostOf(s.url)}` });
  }
  const feeds = list.filter((s) => s.kind === "feed").map((s) => s.id);
  for (const [id, sub] of await liveWebSub(deps, feeds)) out.set(id, { channel: `WebSub via ${hostOf(sub.hub)}` });
  return out;
}
