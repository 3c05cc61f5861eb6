// A course's public pages: the Flow (with kind, learner and tag filters), Blog,
// Social, Spotlight, People and one learner's posts, a tag, and search. Every
// list reads through listItems / spotlightPage / searchItems, which apply the
// same visibility rules, and renders each post with the shared item partial.
import type { Context } from "hono";
import { Hono } from "hono";
import { type Course, type ItemKind, itemKinds } from "../../../db/schema.js";
import { failingSourceCount } from "../../../hub/course-life.js";
import { canManageCourse, tagsOf } from "../../../hub/courses.js";
import { type FlowItem, type ListFilter, listItems } from "../../../hub/flow.js";
import { alternatesFor } from "../../../hub/outbound/links.js";
import { FEED_TAG, flowQuery, KIND_LABEL } from "../../../hub/outbound/lists.js";
import { courseMember, filterablePeople, namesOf, rosterOf } from "../../../hub/roster.js";
import { SEARCH_MAX_PAGES, searchItems } from "../../../hub/search.js";
import { spotlightPage, spotlitItems } from "../../../hub/spotlight.js";
import { isMentionablePath } from "../../../ingest/push/webmention-receive.js";
import { normaliseTag } from "../../../ingest/tags.js";
import { portfolioLinksForItems } from "../../../pls/portfolio/item-links.js";
import type { TemplateName } from "../../../views/render.js";
import type { AppEnv } from "../../env.js";
import { errorPage, page } from "../../page.js";
import { withCourse } from "./course-access.js";
import { webmentionEndpoint } from "./webmention.js";

export const pageRoutes = new Hono<AppEnv>();

// The Webmention endpoint, in the HTTP Link header too (Webmention §3.1.2: senders look there first).
pageRoutes.use("*", async (c, next) => {
  await next();
  if (c.res.status === 200 && isMentionablePath(new URL(c.req.url).pathname))
    c.res.headers.append("link", `<${webmentionEndpoint(c.get("deps").config.publicUrl)}>; rel="webmention"`);
});

type Ctx = Context<AppEnv>;

export const coursePath = (course: Pick<Course, "slug">) => `/c/${encodeURIComponent(course.slug)}`;

/** `path?query` with empty values left out. */
function href(path: string, params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Keyset links: back to the newest page, and on to older posts. */
function pager(path: string, params: Record<string, string | number | undefined>, before: string | undefined, next: string | null) {
  return {
    newest: before ? href(path, params) : null,
    older: next ? href(path, { ...params, before: next }) : null,
  };
}

/** A cursor as it came in the query, or nothing: a malformed one just starts at the newest. */
function beforeParam(c: Ctx): string | undefined {
  const raw = c.req.query("before");
  return raw && raw.length <= 40 ? raw : undefined;
}

/**
 * What every course page needs beside its own list: the course nav's data, names, each post's
 * link into its learner's portfolio (as far as this viewer may see it), and for managers the curation state.
 */
async function courseView(c: Ctx, course: Course, shown: FlowItem[]) {
  const { db } = c.get("deps");
  const viewer = c.get("viewer");
  const canManage = await canManageCourse(db, viewer, course.id);
  const [tags, names, spotlit, links] = await Promise.all([
    tagsOf(db, course.id),
    namesOf(
      db,
      shown.map((i) => i.personId),
    ),
    canManage
      ? spotlitItems(
          db,
          course.id,
          shown.map((i) => i.id),
        )
      : Promise.resolve({}),
    portfolioLinksForItems(db, shown, viewer?.id ?? null),
  ]);
  if (canManage) c.set("failingSources", await failingSourceCount(db, course.id));
  const url = new URL(c.req.url);
  return {
    course,
    tags,
    canManage,
    names,
    spotlit,
    portfolioLinks: Object.fromEntries(links),
    back: url.pathname + url.search,
    // Course and tag pages take Webmentions: a post linking here can say so (<link rel="webmention">).
    webmention: isMentionablePath(url.pathname) ? webmentionEndpoint(c.get("deps").config.publicUrl) : null,
  };
}

/**
 * The outbound feeds of a list, for <link rel="alternate"> (feed autodiscovery).
 * `listPath` is the list's path under the course, as src/http/routes/hub/feeds.ts serves it.
 */
function feedsOf(course: Course, listPath: string | null, name: string, query = "") {
  return listPath === null ? [] : alternatesFor(course.slug, listPath, `${course.title}: ${name}`, query);
}

async function listPage(
  c: Ctx,
  course: Course,
  template: TemplateName,
  title: string,
  filter: ListFilter,
  path: string,
  extra: Record<string, unknown> = {},
) {
  const before = beforeParam(c);
  const list = await listItems(c.get("deps").db, course.id, filter, { before });
  const listPath = path.slice(coursePath(course).length);
  return page(c, template, {
    title: `${title} · ${course.title}`,
    ...(await courseView(c, course, list.items)),
    items: list.items,
    before,
    pager: pager(path, {}, before, list.next),
    alternates: feedsOf(course, filter.tag && !FEED_TAG.test(filter.tag) ? null : listPath, title),
    ...extra,
  });
}

/** The Flow: everything the course shows, newest first, narrowed by `?kind=blog&person=3&tag=x`. */
pageRoutes.get("/", (c) =>
  withCourse(c, async (course) => {
    const { db } = c.get("deps");
    const kindRaw = c.req.query("kind");
    const kind = itemKinds.includes(kindRaw as ItemKind) ? (kindRaw as ItemKind) : undefined;
    const personRaw = c.req.query("person") ?? "";
    const personId = /^\d{1,9}$/.test(personRaw) ? Number(personRaw) : undefined;
    const tagRaw = normaliseTag(c.req.query("tag") ?? "").slice(0, 100);
    const tag = tagRaw || undefined;
    const before = beforeParam(c);
    const [list, people] = await Promise.all([
      listItems(db, course.id, { kinds: kind ? [kind] : undefined, personId, tag }, { before }),
      filterablePeople(db, course.id),
    ]);
    const view = await courseView(c, course, list.items);
    let filterSummary: string | null = null;
    if (kind || personId !== undefined || tag) {
      const who =
        personId !== undefined
          ? ` by ${people.find((p) => p.id === personId)?.displayName ?? (await namesOf(db, [personId]))[personId] ?? "someone not in this course"}`
          : "";
      filterSummary = `${kind ? KIND_LABEL[kind] : "posts"}${who}${tag ? ` tagged #${tag}` : ""}`;
    }
    const params = { kind, person: personId, tag };
    return page(c, "hub/flow", {
      title: course.title,
      ...view,
      items: list.items,
      people,
      filter: { kind, personId, tag },
      filterSummary,
      before,
      pager: pager(coursePath(course), params, before, list.next),
      // A narrowed Flow advertises its own narrowed feed.
      alternates: feedsOf(
        course,
        tag && !FEED_TAG.test(tag) ? null : "",
        filterSummary ? `Flow, ${filterSummary}` : "Flow",
        flowQuery({ kind, personId, tag }),
      ),
    });
  }),
);

pageRoutes.get("/blog", (c) =>
  withCourse(c, (course) => listPage(c, course, "hub/blog", "Blog", { kinds: ["blog"] }, `${coursePath(course)}/blog`)),
);

pageRoutes.get("/social", (c) =>
  withCourse(c, (course) =>
    listPage(c, course, "hub/social", "Social", { kinds: ["mastodon", "bluesky"] }, `${coursePath(course)}/social`),
  ),
);

pageRoutes.get("/tags/:tag", (c) =>
  withCourse(c, (course) => {
    const tag = normaliseTag(c.req.param("tag") ?? "").slice(0, 100);
    if (!tag) return errorPage(c, 404, "No such tag", "Give a tag after /tags/, e.g. /tags/week1.");
    return listPage(c, course, "hub/tag", `#${tag}`, { tag }, `${coursePath(course)}/tags/${encodeURIComponent(tag)}`, { tag });
  }),
);

pageRoutes.get("/spotlight", (c) =>
  withCourse(c, async (course) => {
    const before = c.req.query("before");
    const spot = await spotlightPage(c.get("deps").db, course.id, { before: before && before.length <= 40 ? before : undefined });
    const path = `${coursePath(course)}/spotlight`;
    return page(c, "hub/spotlight", {
      title: `Spotlight · ${course.title}`,
      ...(await courseView(c, course, spot.entries)),
      entries: spot.entries,
      before,
      pager: pager(path, {}, before, spot.next),
      alternates: feedsOf(course, "/spotlight", "Spotlight"),
    });
  }),
);

pageRoutes.get("/people", (c) =>
  withCourse(c, async (course) => {
    const roster = await rosterOf(c.get("deps").db, course.id);
    return page(c, "hub/people", { title: `People · ${course.title}`, ...(await courseView(c, course, [])), roster });
  }),
);

pageRoutes.get("/people/:personId", (c) =>
  withCourse(c, async (course) => {
    const raw = c.req.param("personId") ?? "";
    const person = /^\d{1,9}$/.test(raw) ? await courseMember(c.get("deps").db, course.id, Number(raw)) : null;
    if (!person) return errorPage(c, 404, "No such learner", "No one with posts in this course is at this address.");
    return listPage(c, course, "hub/learner", person.displayName, { personId: person.id }, `${coursePath(course)}/people/${person.id}`, {
      person,
    });
  }),
);

pageRoutes.get("/search", (c) =>
  withCourse(c, async (course) => {
    const q = (c.req.query("q") ?? "").slice(0, 200).trim();
    const pageRaw = c.req.query("page") ?? "1";
    const pageNo = /^\d{1,3}$/.test(pageRaw) ? Math.min(Math.max(1, Number(pageRaw)), SEARCH_MAX_PAGES) : 1;
    const found = q ? await searchItems(c.get("deps").db, course.id, q, { page: pageNo }) : { items: [], next: null, words: [] };
    const path = `${coursePath(course)}/search`;
    return page(c, "hub/search", {
      title: q ? `Search: ${q} · ${course.title}` : `Search · ${course.title}`,
      ...(await courseView(c, course, found.items)),
      q,
      words: found.words,
      items: found.items,
      page: pageNo,
      pager: { newest: pageNo > 1 ? href(path, { q }) : null, older: found.next ? href(path, { q, page: found.next }) : null },
    });
  }),
);
