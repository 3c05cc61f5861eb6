// The weblogs.com ping (XML-RPC `weblogUpdates.ping` and `weblogUpdates.extendedPing`): what
// WordPress sends to every address in Settings → Writing → Update Services each time a post is
// published, and what FeedWordPress and Planet-style aggregators took. A ping names a site (and, in
// the extended form, its feed); when that is a blog the hub reads, it is read now, else nothing
// happens. A ping carries no content and proves nothing, so it can only make a known feed be read
// sooner, and no more than once a minute: a flood of pings costs the blog one fetch a minute.
import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import { Parser } from "htmlparser2";
import { sources } from "../../db/schema.js";
import { canonicalUrl, postKey } from "../canonical-url.js";
import type { PollDeps } from "../deps.js";
import { makeDue, pollNow } from "./poll-now.js";

/** A known feed is read at most this often because of pings. */
const PING_INTERVAL_MS = 60_000;

export interface Ping {
  method: string;
  params: string[];
}

/** Reads an XML-RPC methodCall whose params are strings (the only kind a weblogs ping has); null if it is not one. */
export function readMethodCall(xml: string): Ping | null {
  let method = "";
  const params: string[] = [];
  const path: string[] = [];
  let text = "";
  let inValue = false;
  let ok = true;
  const parser = new Parser(
    {
      onopentag(name) {
        path.push(name);
        text = "";
        if (name === "value") inValue = true;
      },
      ontext(t) {
        text += t;
      },
      onclosetag(name) {
        const parent = path[path.length - 2];
        if (name === "methodname") method = text.trim();
        // <value>text</value> and <value><string>text</string></value> are both strings.
        if (name === "value" && inValue && parent === "param") params.push(text.trim());
        if (name === "value") inValue = false;
        path.pop();
      },
      onerror() {
        ok = false;
      },
    },
    { xmlMode: true, decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(xml);
  parser.end();
  if (!ok || !method || path.length) return null;
  return { method, params };
}

const httpUrl = (s: string | undefined) => (s && /^https?:\/\/[^\s]+$/i.test(s) && s.length <= 2048 ? s : null);

/** The active feed sources a ping names: by feed address (extendedPing's fourth value), else by site. */
async function namedSources(deps: PollDeps, site: string, feed: string | null): Promise<number[]> {
  const siteKey = postKey(canonicalUrl(site)).replace(/\/+$/, "");
  const feedKey = feed ? postKey(canonicalUrl(feed)) : null;
  const rows = await deps.db
    .select({ id: sources.id, url: sources.url, site: sources.siteUrl, home: sources.homePageUrl })
    .from(sources)
    .where(and(eq(sources.kind, "feed"), eq(sources.status, "active")));
  return rows
    .filter((r) => {
      if (feedKey && postKey(canonicalUrl(r.url)) === feedKey) return true;
      return [r.site, r.home].some((h) => h && postKey(canonicalUrl(h)).replace(/\/+$/, "") === siteKey);
    })
    .map((r) => r.id);
}

export type PingAnswer = { ok: true; message: string } | { ok: false; fault: number; message: string };

/** Acts on a ping; the promise it may start (a poll) is handed to `later`, for the caller to keep alive. */
export async function receivePing(deps: PollDeps, xml: string, later: (work: Promise<void>) => void): Promise<PingAnswer> {
  const call = readMethodCall(xml);
  if (!call) return { ok: false, fault: -32700, message: "The request is not an XML-RPC methodCall." };
  if (call.method !== "weblogUpdates.ping" && call.method !== "weblogUpdates.extendedPing")
    return {
      ok: false,
      fault: -32601,
      message: `This hub takes weblogUpdates.ping and weblogUpdates.extendedPing, not ${call.method.slice(0, 100)}.`,
    };
  const site = httpUrl(call.params[1]);
  if (!site) return { ok: false, fault: -32602, message: "The second value must be the site's http(s) address." };
  const feed = call.method === "weblogUpdates.extendedPing" ? httpUrl(call.params[3]) : null;
  const ids = await namedSources(deps, site, feed);
  if (!ids.length) {
    deps.log("info", "ping.unknown", { site: site.slice(0, 200) });
    return { ok: true, message: "Thanks for the ping. This hub does not read that site, so nothing was done." };
  }
  // Only sources not read in the last minute (and not being read now) are made due.
  const since = new Date(deps.now().getTime() - PING_INTERVAL_MS);
  const fresh = await deps.db
    .select({ id: sources.id })
    .from(sources)
    .where(
      and(
        inArray(sources.id, ids.slice(0, 90)),
        or(isNull(sources.lastPolledAt), lte(sources.lastPolledAt, since)),
        or(isNull(sources.leaseUntil), lte(sources.leaseUntil, deps.now())),
      ),
    );
  const due = await makeDue(
    deps,
    fresh.map((r) => r.id),
  );
  deps.log("info", "ping.received", { site: site.slice(0, 200), sources: ids.length, polled: due.length });
  if (due.length) later(pollNow(deps, due, "ping"));
  return {
    ok: true,
    message: due.length ? "Thanks for the ping. The blog is being read now." : "Thanks for the ping. The blog was read moments ago.",
  };
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The XML-RPC methodResponse for an answer: the weblogs.com struct, or a fault. */
export function pingResponse(answer: PingAnswer): string {
  const body = answer.ok
    ? `<params><param><value><struct><member><name>flerror</name><value><boolean>0</boolean></value></member><member><name>message</name><value><string>${escapeXml(answer.message)}</string></value></member></struct></value></param></params>`
    : `<fault><value><struct><member><name>faultCode</name><value><int>${answer.fault}</int></value></member><member><name>faultString</name><value><string>${escapeXml(answer.message)}</string></value></member></struct></value></fault>`;
  return `<?xml version="1.0"?>\n<methodResponse>${body}</methodResponse>\n`;
}
