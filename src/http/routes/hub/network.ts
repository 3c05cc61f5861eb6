// "Take your network with you": a signed-in member of a course downloads their
// classmates' blogs (OPML), Mastodon accounts (CSV for Mastodon's import) and
// Bluesky handles (a list, and JSON). Personal downloads: never cached by
// anyone else.
import type { Context } from "hono";
import { Hono } from "hono";
import type { Course, Person } from "../../../db/schema.js";
import { coursePath } from "../../../hub/outbound/lists.js";
import {
  blogsWithoutFeed,
  blueskyAccounts,
  blueskyJson,
  blueskyList,
  classmatesAccounts,
  classmatesBlogs,
  mastodonFollowingCsv,
  networkOpml,
} from "../../../hub/outbound/network.js";
import { isMember } from "../../../hub/outbound/participants.js";
import type { AppEnv } from "../../env.js";
import { errorPage, page } from "../../page.js";
import { loginRedirect, withCourse } from "./course-access.js";

export const networkRoutes = new Hono<AppEnv>();

/** Loads the course and checks that the viewer takes part in it. */
function withMember(c: Context<AppEnv>, then: (course: Course, viewer: Person) => Promise<Response>) {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  return withCourse(c, async (course) => {
    if (!(await isMember(c.get("deps").db, viewer, course.id))) {
      return errorPage(c, 403, "Not allowed", "Only the people taking part in this course can download their classmates' accounts.");
    }
    return then(course, viewer);
  });
}

function download(c: Context<AppEnv>, body: string, type: string, filename: string) {
  return c.body(body, 200, {
    "content-type": type,
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "private, no-store",
  });
}

// The download page: what each file holds, and which classmates' blogs the OPML leaves out and why.
networkRoutes.get("/network", (c) =>
  withMember(c, async (course, viewer) => {
    const { db } = c.get("deps");
    const accounts = await classmatesAccounts(db, course.id, viewer.id);
    const blogs = await classmatesBlogs(db, course.id, accounts);
    const leftOut = blogsWithoutFeed(blogs);
    return page(c, "hub/network", {
      title: `Take your network with you: ${course.title}`,
      course,
      blogsWithFeed: blogs.length - leftOut.length,
      leftOut,
      mastodon: accounts.filter((a) => a.kind === "mastodon").length,
      bluesky: blueskyAccounts(accounts).length,
    });
  }),
);

networkRoutes.get("/network/blogs.opml", (c) =>
  withMember(c, async (course, viewer) => {
    const { db, now } = c.get("deps");
    const blogs = await classmatesBlogs(db, course.id, await classmatesAccounts(db, course.id, viewer.id));
    return download(c, networkOpml(course.title, blogs, now()), "text/x-opml; charset=utf-8", `${course.slug}-classmates-blogs.opml`);
  }),
);

networkRoutes.get("/network/mastodon.csv", (c) =>
  withMember(c, async (course, viewer) => {
    const accounts = await classmatesAccounts(c.get("deps").db, course.id, viewer.id);
    // Mastodon also guesses the import type from a name starting "following_accounts", as its own export is called.
    return download(c, mastodonFollowingCsv(accounts), "text/csv; charset=utf-8; header=present", `following_accounts-${course.slug}.csv`);
  }),
);

networkRoutes.get("/network/bluesky.txt", (c) =>
  withMember(c, async (course, viewer) => {
    const accounts = blueskyAccounts(await classmatesAccounts(c.get("deps").db, course.id, viewer.id));
    return download(c, blueskyList(accounts), "text/plain; charset=utf-8", `${course.slug}-classmates-bluesky.txt`);
  }),
);

networkRoutes.get("/network/bluesky.json", (c) =>
  withMember(c, async (course, viewer) => {
    const { db, config } = c.get("deps");
    const accounts = blueskyAccounts(await classmatesAccounts(db, course.id, viewer.id));
    const courseUrl = new URL(coursePath(course.slug), config.publicUrl).toString();
    return download(
      c,
      blueskyJson(course.title, courseUrl, accounts),
      "application/json; charset=utf-8",
      `${course.slug}-classmates-bluesky.json`,
    );
  }),
);
