// The Hono app, built from its dependencies. Both entry points call this; it
// knows nothing of the runtime it is on.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { NotFoundError } from "./core/errors.js";
import type { AppEnv } from "./http/env.js";
import { csrf } from "./http/middleware/csrf.js";
import { microcache } from "./http/middleware/microcache.js";
import { securityHeaders } from "./http/middleware/security-headers.js";
import { session } from "./http/middleware/session.js";
import { errorPage } from "./http/page.js";
import { accountRoutes } from "./http/routes/account/account.js";
import { authRoutes } from "./http/routes/account/auth.js";
import { claimRoutes } from "./http/routes/account/claim.js";
import { meRoutes } from "./http/routes/account/me.js";
import { courseRoutes } from "./http/routes/hub/courses.js";
import { curationRoutes } from "./http/routes/hub/curation.js";
import { feedRoutes } from "./http/routes/hub/feeds.js";
import { joinRoutes } from "./http/routes/hub/join.js";
import { learnerSourceRoutes } from "./http/routes/hub/learner-sources.js";
import { memberRoutes } from "./http/routes/hub/members.js";
import { networkRoutes } from "./http/routes/hub/network.js";
import { pageRoutes } from "./http/routes/hub/pages.js";
import { socialRoutes } from "./http/routes/hub/social.js";
import { sourceRoutes } from "./http/routes/hub/sources.js";
import { webmentionRoutes } from "./http/routes/hub/webmention.js";
import { websubRoutes } from "./http/routes/hub/websub.js";
import { xmlrpcRoutes } from "./http/routes/hub/xmlrpc.js";
import { apiDocumentRoutes, apiRoutes } from "./http/routes/pls/api.js";
import { courseTemplateRoutes } from "./http/routes/pls/course-templates.js";
import { plsRoutes } from "./http/routes/pls/dashboard.js";
import { learnerItemsRoutes, portabilityRoutes } from "./http/routes/pls/portability.js";
import { portfolioRoutes, publicPortfolioRoutes } from "./http/routes/pls/portfolio.js";
import { sharedLinkRoutes, sharingRoutes } from "./http/routes/pls/sharing.js";
import type { PollDeps } from "./ingest/deps.js";
import { stylesheet } from "./views/render.js";

export function createApp(deps: PollDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/static/style.css", (c) => {
    c.header("content-type", "text/css; charset=utf-8");
    c.header("cache-control", "public, max-age=3600");
    return c.body(stylesheet);
  });
  app.get("/healthz", (c) => c.json({ ok: true }));

  app.use("*", async (c, next) => {
    c.set("deps", deps);
    c.set("viewer", null);
    c.set("flash", null);
    c.set("csrf", "");
    c.set("failingSources", 0);
    await next();
  });
  app.use("*", securityHeaders());
  // Forms are small; the largest is a pasted or uploaded OPML roster (capped at 512 KB itself).
  // A backpack import (up to 2 MB of JSON, as a file upload) is the one larger body.
  // Checked before anything reads the body (the CSRF check does).
  const formLimit = bodyLimit({
    maxSize: 1024 * 1024,
    onError: (c) =>
      new URL(c.req.url).pathname.startsWith("/api/")
        ? c.json({ error: "too_large", message: "The request body is larger than 1 MB." }, 413)
        : errorPage(c as Context<AppEnv>, 413, "Too much data", "This form sent more than 1 MB. A roster file must be smaller."),
  });
  const backpackLimit = bodyLimit({
    maxSize: 2 * 1024 * 1024 + 64 * 1024, // the file plus the form's own fields
    onError: (c) => errorPage(c as Context<AppEnv>, 413, "Too much data", "A backpack file must be at most 2 MB."),
  });
  app.use("*", (c, next) => (new URL(c.req.url).pathname === "/pls/backpack/import" ? backpackLimit(c, next) : formLimit(c, next)));
  app.use("*", session());
  // After the session (it serves only anonymous visitors), before the CSRF token is minted.
  app.use("*", microcache());
  app.use("*", csrf());

  // The URL map. Each module holds one family of URLs and is mounted at its prefix; routes are
  // matched in the order mounted here, so where two patterns could match one path the first wins.
  // Accounts: /setup, /login, /logout.
  app.route("/", authRoutes);
  // A course's public side: /c/:slug (the Flow), /c/:slug/{blog,social,spotlight,people,people/:personId,
  // tags/:tag,search}; their feeds (…/feed.rss|atom|json, /feeds/json-feed-extension); the network downloads.
  app.route("/c/:slug", pageRoutes);
  app.route("/", feedRoutes);
  app.route("/c/:slug", networkRoutes); // /c/:slug/network/{blogs.opml,mastodon.csv,bluesky.txt,bluesky.json}
  // Running a course: / (the hub's courses), /courses, /courses/new, /c/:slug/manage; its sources
  // (/c/:slug/manage/sources…, /c/:slug/manage/roster, /c/:slug/blogs.opml); curation
  // (/c/:slug/manage/{items,hidden,spotlight,settings}…); the social side (/c/:slug/manage/social,
  // /c/:slug/blocks).
  app.route("/", courseRoutes);
  app.route("/c/:slug", sourceRoutes);
  app.route("/c/:slug", curationRoutes);
  app.route("/c/:slug", socialRoutes);
  // A person's own pages: /me (accounts elsewhere, withdrawals), /people/:id, /signup, /account.
  app.route("/", meRoutes);
  app.route("/", accountRoutes);
  app.route("/claim", claimRoutes); // /claim/:token, a roster place's claim link
  // Joining and membership: /join, /c/:slug/join, /c/:slug/manage/people…, /c/:slug/my-sources….
  app.route("/", joinRoutes);
  app.route("/c/:slug", memberRoutes);
  app.route("/c/:slug", learnerSourceRoutes);
  // The personal learning system, the learner's own (/pls), and what others may see of it.
  app.route("/pls", plsRoutes); // the dashboard: objectives, steps, resources, templates, focus, history
  app.route("/c/:slug", courseTemplateRoutes); // /c/:slug/manage/templates: a course's objectives offered to its members
  app.route("/pls", portfolioRoutes); // /pls/portfolio…
  app.route("/", publicPortfolioRoutes); // /people/:id/portfolio
  app.route("/pls", sharingRoutes); // /pls/sharing…, /pls/suggestions…
  app.route("/share", sharedLinkRoutes); // /share/:link, a grant's secret link
  app.route("/pls", portabilityRoutes); // /pls/backpack…, /pls/delete, /pls/home, /pls/follows…
  app.route("/", learnerItemsRoutes); // /c/:slug/people/:id/items.json, for a PLS on another hub
  // The personal API (JSON, session or grant token) and its OpenAPI document.
  app.route("/api/v1", apiRoutes);
  app.route("/api", apiDocumentRoutes); // /api/openapi.json, and JSON 404s for the rest of /api
  // Push: /websub/:id, the WebSub callback (a hub verifies intent with GET, delivers with POST).
  app.route("/", websubRoutes); // /websub/:id, a WebSub hub's callback
  app.route("/", webmentionRoutes); // /webmention and its status pages
  app.route("/", xmlrpcRoutes); // /xmlrpc, weblogUpdates pings (WordPress's Update Services)

  app.notFound((c) => errorPage(c, 404, "Page not found", "There is nothing at this address."));
  app.onError((err, c) => {
    const path = new URL(c.req.url).pathname;
    // A thing someone named that is not there (or not theirs), where no route answered for it: 404,
    // never 500. (Under /api the API's own error handler answers it in JSON.)
    if (err instanceof NotFoundError) return errorPage(c, 404, "Not found", "There is nothing of yours at this address.");
    deps.log("error", "http.error", { path, error: String(err).slice(0, 500) });
    if (path.startsWith("/api/")) return c.json({ error: "server_error", message: "The hub could not complete this request." }, 500);
    return errorPage(c, 500, "Something went wrong", "The hub could not complete this request. Please try again in a moment.");
  });
  return app;
}
