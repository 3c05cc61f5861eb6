// Portability: the backpack (export, xAPI, import), deleting an account, the per-course JSON Feed
// of a learner's posts, where the learner's PLS lives, and following their posts on other hubs.
// Every /pls page here is the signed-in learner's own; the items feed is public like the course
// pages it mirrors.
import { and, count, eq, isNull } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { deleteCookie } from "hono/cookie";
import { FormError, NotFoundError } from "../../../core/errors.js";
import { items, type Person, portfolioEntries, sources } from "../../../db/schema.js";
import { learnerItemsFeed, learnerItemsPath } from "../../../hub/outbound/learner-items.js";
import { myCourses } from "../../../pls/plan/my-courses.js";
import { BACKPACK_MAX_BYTES, exportBackpack, IMPORT_FIELD, serialiseBackpack } from "../../../pls/portability/backpack.js";
import { importBackpack, parseBackpackText } from "../../../pls/portability/backpack-import.js";
import { deleteAccount, deletionBlocker } from "../../../pls/portability/delete-account.js";
import {
  addFollow,
  addRemoteItemToPortfolio,
  deleteFollow,
  listFollows,
  pollFollow,
  remoteItemsOf,
} from "../../../pls/portability/follows.js";
import { plsHomeOf, setPlsHome } from "../../../pls/portability/pls-home.js";
import { xapiStatements } from "../../../pls/portability/xapi.js";
import { cookieName, cookieOptions } from "../../cookies.js";
import type { AppEnv } from "../../env.js";
import { sendFeed } from "../../feed-response.js";
import { fieldErrors, flash, formBody } from "../../forms.js";
import { SESSION_COOKIE } from "../../middleware/session.js";
import { errorPage, page } from "../../page.js";
import { loginRedirect, withCourse } from "../hub/course-access.js";
import { idParam, notFound } from "./actions.js";

/** Mounted at /pls: the backpack, deleting an account, the PLS's home elsewhere, follows. */
export const portabilityRoutes = new Hono<AppEnv>();
/** Mounted at /: a learner's items in one course as a JSON Feed, for their PLS on another hub. */
export const learnerItemsRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

/** A positive integer id from the path, or null. */
/** Runs `run` for the signed-in learner, or sends them to sign in. */
function signedIn(run: (c: Ctx, viewer: Person) => Promise<Response>) {
  return (c: Ctx) => {
    const viewer = c.get("viewer");
    return viewer ? run(c, viewer) : loginRedirect(c);
  };
}

/** A private download: never cached anywhere, saved under `filename`. */
function download(c: Ctx, body: string, filename: string) {
  return c.body(body, 200, {
    "content-type": "application/json; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}"`,
    "cache-control": "private, no-store",
  });
}

const day = (c: Ctx) => c.get("deps").now().toISOString().slice(0, 10);

// ---- Backpack ----

function backpackPage(c: Ctx, extra: Record<string, unknown> = {}, status = 200) {
  return page(c, "pls/backpack", { title: "Your backpack", values: {}, errors: {}, ...extra }, status);
}

portabilityRoutes.get(
  "/backpack",
  signedIn(async (c) => backpackPage(c)),
);

portabilityRoutes.get(
  "/backpack/export.json",
  signedIn(async (c, viewer) => {
    const deps = c.get("deps");
    const doc = await exportBackpack(deps, viewer, deps.config.publicUrl);
    deps.log("info", "backpack.exported", { person: viewer.id });
    return download(c, serialiseBackpack(doc), `tributary-backpack-${day(c)}.json`);
  }),
);

portabilityRoutes.get(
  "/backpack/xapi.json",
  signedIn(async (c, viewer) => {
    const deps = c.get("deps");
    const statements = await xapiStatements(deps, viewer.id, deps.config.publicUrl);
    return download(c, `${JSON.stringify(statements, null, 2)}\n`, `tributary-xapi-${day(c)}.json`);
  }),
);

portabilityRoutes.post(
  "/backpack/import",
  signedIn(async (c, viewer) => {
    const deps = c.get("deps");
    const body = await c.req.parseBody();
    const pasted = typeof body.json === "string" ? body.json : "";
    // Shown again after an error, unless it is too long to be worth sending back.
    const values = { json: pasted.length <= 100_000 ? pasted : "" };
    try {
      let text = pasted;
      const file = body.file;
      if (file instanceof File && file.size > 0) {
        if (file.size > BACKPACK_MAX_BYTES)
          throw new FormError(
            IMPORT_FIELD,
            `This file is larger than ${BACKPACK_MAX_BYTES / 1024 / 1024} MB; a backpack is much smaller. Is it the right file?`,
          );
        text = await file.text();
      }
      const summary = await importBackpack(deps, viewer.id, parseBackpackText(text));
      deps.log("info", "backpack.imported", { person: viewer.id, ...summary });
      const needSecrets = summary.grants
        ? ` ${summary.grants} sharing grant${summary.grants === 1 ? "" : "s"} need${summary.grants === 1 ? "s" : ""} a new secret before use.`
        : "";
      flash(
        c,
        `Imported ${summary.objectives} objective${summary.objectives === 1 ? "" : "s"} and ${summary.entries} portfolio entr${summary.entries === 1 ? "y" : "ies"} (${summary.reattached} matched to your posts here).${needSecrets}`,
      );
      return c.redirect("/pls", 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return backpackPage(c, { values, errors: { [IMPORT_FIELD]: Object.values(errors).join(" ") } }, 400);
    }
  }),
);

// ---- Deleting the account ----

async function deletePage(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const { db } = c.get("deps");
  const [[postRow], [sourceRow], blocker] = await Promise.all([
    db
      .select({ n: count() })
      .from(items)
      .where(and(eq(items.personId, viewer.id), isNull(items.deletedAt))),
    db.select({ n: count() }).from(sources).where(eq(sources.ownerId, viewer.id)),
    deletionBlocker(c.get("deps"), viewer),
  ]);
  return page(
    c,
    "pls/delete-account",
    { title: "Delete your account", itemCount: postRow?.n ?? 0, sourceCount: sourceRow?.n ?? 0, blocker, errors: {}, ...extra },
    status,
  );
}

portabilityRoutes.get(
  "/delete",
  signedIn((c, viewer) => deletePage(c, viewer)),
);

portabilityRoutes.post(
  "/delete",
  signedIn(async (c, viewer) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const gone = await deleteAccount(deps, viewer, form.password ?? "");
      // No name, email or id: the account is gone, and so should be any trace of who it was.
      deps.log("info", "account.deleted", { items: gone.items, sources: gone.sources });
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return deletePage(c, viewer, { errors }, 400);
    }
    deleteCookie(c, cookieName(SESSION_COOKIE, deps.config.secureCookies), cookieOptions(deps.config.secureCookies));
    flash(c, "Your account is deleted. Your posts stay on your own blog and accounts.");
    return c.redirect("/", 303);
  }),
);

// ---- Where the PLS lives ----

async function homePage(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [home, mine] = await Promise.all([plsHomeOf(deps, viewer.id), myCourses(deps, viewer.id)]);
  const courses = mine.map((m) => ({
    title: m.course.title,
    itemCount: m.itemCount,
    feedUrl: new URL(learnerItemsPath(m.course.slug, viewer.id), deps.config.publicUrl).toString(),
  }));
  return page(c, "pls/home", { title: "Where your PLS lives", home, courses, values: {}, errors: {}, ...extra }, status);
}

portabilityRoutes.get(
  "/home",
  signedIn((c, viewer) => homePage(c, viewer)),
);

portabilityRoutes.post(
  "/home",
  signedIn(async (c, viewer) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const url = await setPlsHome(deps, viewer.id, form.url ?? "", deps.config.publicUrl);
      flash(c, url ? `Saved: links to your portfolio now lead to ${url}.` : "Saved: your PLS lives on this hub.");
      return c.redirect("/pls/home", 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return homePage(c, viewer, { values: form, errors }, 400);
    }
  }),
);

// ---- Following the learner's posts on other hubs ----

async function followsPage(c: Ctx, viewer: Person, extra: Record<string, unknown> = {}, status = 200) {
  const deps = c.get("deps");
  const [follows, remote, entries] = await Promise.all([
    listFollows(deps, viewer.id),
    remoteItemsOf(deps, viewer.id),
    deps.db.select({ url: portfolioEntries.url }).from(portfolioEntries).where(eq(portfolioEntries.personId, viewer.id)),
  ]);
  const inPortfolio = new Set(entries.map((e) => e.url));
  return page(
    c,
    "pls/follows",
    { title: "Your posts on other hubs", follows, remote, inPortfolio, values: {}, errors: {}, ...extra },
    status,
  );
}

portabilityRoutes.get(
  "/follows",
  signedIn((c, viewer) => followsPage(c, viewer)),
);

portabilityRoutes.post(
  "/follows",
  signedIn(async (c, viewer) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const follow = await addFollow(deps, viewer.id, form);
      // Read it at once, so the learner sees their posts (or what is wrong) on the next page.
      const outcome = await pollFollow(deps, follow);
      flash(
        c,
        outcome.ok
          ? `Following. ${outcome.items ?? 0} post${outcome.items === 1 ? "" : "s"} found.`
          : `Following, but reading it failed: ${outcome.error}`,
      );
      return c.redirect("/pls/follows", 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return followsPage(c, viewer, { values: form, errors }, 400);
    }
  }),
);

portabilityRoutes.post(
  "/follows/:id/delete",
  signedIn(async (c, viewer) => {
    const id = idParam(c);
    if (id === null || !(await deleteFollow(c.get("deps"), viewer.id, id))) return notFound(c);
    flash(c, "No longer following that feed; its posts are gone from this page (not from your portfolio).");
    return c.redirect("/pls/follows", 303);
  }),
);

portabilityRoutes.post(
  "/follows/items/:id/add",
  signedIn(async (c, viewer) => {
    const id = idParam(c);
    if (id === null) return notFound(c);
    try {
      const entry = await addRemoteItemToPortfolio(c.get("deps"), viewer.id, id);
      flash(c, `"${entry.title}" is in your portfolio.`);
      return c.redirect("/pls/follows", 303);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c);
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return errorPage(c, 400, "Could not add it", Object.values(errors).join(" "));
    }
  }),
);

// ---- A learner's posts in a course, as JSON Feed, for their PLS elsewhere ----

learnerItemsRoutes.get("/c/:slug/people/:id/items.json", (c) =>
  withCourse(c, async (course) => {
    const { db, config } = c.get("deps");
    const id = idParam(c);
    const feed = id === null ? null : await learnerItemsFeed(db, course, id, config.publicUrl);
    if (!feed) return errorPage(c, 404, "No such feed", "This person has no posts in this course.");
    return sendFeed(c, { key: feed.url, body: feed.body, newest: feed.updated, hasEntries: feed.hasEntries }, "application/feed+json");
  }),
);
