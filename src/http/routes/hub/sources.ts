// A course's sources: adding a blog by its home page or feed, polling one now,
// importing a class roster (OPML) and exporting the course's blogs as OPML.
import { Hono } from "hono";
import { FormError } from "../../../core/errors.js";
import { addSourceByAddress } from "../../../hub/sources/add-source.js";
import { importCsvRoster } from "../../../hub/sources/csv-roster.js";
import { exportOpml, MAX_OPML_CHARS } from "../../../hub/sources/opml.js";
import { importRoster } from "../../../hub/sources/opml-import.js";
import { markDue, postsOnlyFrom, readFeedSourceForm, readOwnerName, removeSource, sourcesOf } from "../../../hub/sources/sources.js";
import { decodeBody } from "../../../ingest/fetch/decode.js";
import { pollCourseNow } from "../../../ingest/poll/on-demand.js";
import { pollSource } from "../../../ingest/poll/poll.js";
import { confirmFirst, sourceName } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, idFrom } from "../../forms.js";
import { errorPage } from "../../page.js";
import { managePage, withCourse, withManagedCourse } from "./course-access.js";

export const sourceRoutes = new Hono<AppEnv>();

sourceRoutes.post("/manage/sources", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const input = readFeedSourceForm(form, deps.config.allowLoopbackFetch);
      const ownerName = readOwnerName(form);
      const { source, discovery } = await addSourceByAddress(deps, course.id, { address: input.url, filter: input.filter, ownerName });
      deps.log("info", "source.added", { course: course.id, source: source.id, platform: discovery?.platform ?? null });
      // Read it at once, so the instructor sees straight away whether it works.
      const outcome = await pollSource(deps, source);
      const posts = source.filter === "all" ? "post(s)" : "tagged post(s)";
      flash(
        c,
        outcome.ok ? `Feed added: ${outcome.stored} ${posts} found.` : `Feed added, but it could not be read: ${outcome.error}`,
        outcome.ok ? "ok" : "warn",
      );
      return c.redirect(`/c/${course.slug}/manage`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return managePage(c, course, { values: form, errors }, 400);
      throw err;
    }
  }),
);

sourceRoutes.post("/manage/sources/poll-all", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const run = await pollCourseNow(deps, course.id);
    const parts = [`Read ${run.polled} source(s) now: ${run.stored} post(s) stored`];
    if (run.failed) parts.push(`${run.failed} failed (see below)`);
    if (run.queued) parts.push(`the other ${run.queued} are read within the next few minutes`);
    flash(c, `${parts.join("; ")}.`, run.failed ? "warn" : "ok");
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);

sourceRoutes.post("/manage/sources/:id/poll", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = idFrom(c.req.param("id"));
    if (!Number.isInteger(id) || !(await markDue(deps.db, course.id, id, deps.now()))) {
      return errorPage(c, 404, "No such source", "That source is not part of this course.");
    }
    const source = (await sourcesOf(deps.db, course.id)).find((s) => s.id === id)!;
    const outcome = await pollSource(deps, source);
    const posts = source.filter === "all" ? "post(s)" : "tagged post(s)";
    flash(
      c,
      outcome.ok
        ? outcome.notModified
          ? "Polled: nothing new since last time."
          : `Polled: ${outcome.stored} ${posts}.`
        : `Poll failed: ${outcome.error}`,
      outcome.ok ? "ok" : "error",
    );
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);

sourceRoutes.post("/manage/sources/:id/remove", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = idFrom(c.req.param("id"));
    const source = (await sourcesOf(deps.db, course.id)).find((s) => s.id === id);
    if (!source) return errorPage(c, 404, "No such source", "That source is not part of this course.");
    const posts = await postsOnlyFrom(deps.db, course.id, id);
    const asked = confirmFirst(c, await formBody(c), {
      question: `Remove ${sourceName(source)} from the course?`,
      consequences: [
        `The ${posts === 1 ? "post" : `${posts} posts`} read from it leave the hub, with any Spotlight notes on them. They stay on the blog itself.`,
        "The hub stops reading it. To hide its posts for now and keep them, pause or block it instead.",
      ],
      confirmLabel: "Remove the source and its posts",
      cancel: `/c/${course.slug}/manage`,
    });
    if (asked) return asked;
    if (!(await removeSource(deps.db, course.id, id))) {
      return errorPage(c, 404, "No such source", "That source is not part of this course.");
    }
    deps.log("info", "source.removed", { course: course.id, source: id });
    flash(c, "Source removed, with the posts read from it.");
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);

/** The roster's text, from the uploaded file or else the pasted text. */
async function rosterText(body: Record<string, unknown>): Promise<string> {
  const file = body.opmlFile;
  if (file instanceof File && file.size > 0) {
    // UTF-8 takes at least one byte per character, so this byte cap is the stricter one.
    if (file.size > MAX_OPML_CHARS) {
      throw new FormError("opml", `This file is larger than ${MAX_OPML_CHARS / 1024} KB; split the roster into smaller files.`);
    }
    // Rosters come in whatever encoding their tool wrote: BOM, then the XML declaration.
    return decodeBody(new Uint8Array(await file.arrayBuffer()), null);
  }
  const pasted = typeof body.opml === "string" ? body.opml : "";
  if (!pasted.trim()) throw new FormError("opml", "Choose an OPML file or paste its text.");
  return pasted;
}

sourceRoutes.post("/manage/roster", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    // parseBody, not formBody: the roster may arrive as an uploaded file.
    const body = await c.req.parseBody();
    const filter = body.importFilter === "all" ? "all" : "tagged";
    try {
      const report = await importRoster(deps, course.id, await rosterText(body), filter);
      return managePage(c, course, { importReport: report });
    } catch (err) {
      const errors = fieldErrors(err);
      const values = { opml: typeof body.opml === "string" ? body.opml.slice(0, MAX_OPML_CHARS) : "", importFilter: filter };
      if (errors) return managePage(c, course, { values, errors }, 400);
      throw err;
    }
  }),
);

/** The CSV roster's text, from the uploaded file or else the pasted text. */
async function csvText(body: Record<string, unknown>): Promise<string> {
  const file = body.csvFile;
  if (file instanceof File && file.size > 0) {
    if (file.size > MAX_OPML_CHARS)
      throw new FormError("csv", `This file is larger than ${MAX_OPML_CHARS / 1024} KB; split the roster into smaller files.`);
    return decodeBody(new Uint8Array(await file.arrayBuffer()), "text/csv; charset=utf-8");
  }
  const pasted = typeof body.csv === "string" ? body.csv : "";
  if (!pasted.trim()) throw new FormError("csv", "Choose a CSV file or paste its text.");
  return pasted;
}

sourceRoutes.post("/manage/roster/csv", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const body = await c.req.parseBody();
    const filter = body.csvFilter === "all" ? "all" : "tagged";
    try {
      const report = await importCsvRoster(deps, course.id, await csvText(body), filter);
      return managePage(c, course, { importReport: report }, report.counts.failed && !report.counts.added ? 400 : 200);
    } catch (err) {
      const errors = fieldErrors(err);
      const values = { csv: typeof body.csv === "string" ? body.csv.slice(0, MAX_OPML_CHARS) : "", csvFilter: filter };
      if (errors) return managePage(c, course, { values, errors }, 400);
      throw err;
    }
  }),
);

// Public like the Flow: these are public blogs, and a roster is how other
// hubs and feed readers follow a whole class.
sourceRoutes.get("/blogs.opml", (c) =>
  withCourse(c, async (course) => {
    const deps = c.get("deps");
    const xml = exportOpml(course, await sourcesOf(deps.db, course.id), deps.now());
    return c.body(xml, 200, {
      "content-type": "text/x-opml; charset=utf-8",
      "content-disposition": `inline; filename="${course.slug}-blogs.opml"`,
    });
  }),
);
