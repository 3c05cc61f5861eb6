// Curation by a course's instructors and TAs: hiding and showing posts, the
// Spotlight (add with a note, edit the note, remove, move up or down), pausing,
// resuming and blocking sources, the course's settings, and copying another
// cohort's Spotlight. Every route here checks canManageCourse (withManagedCourse)
// and every form carries the CSRF token (the csrf middleware checks it first).
import type { Context } from "hono";
import { Hono } from "hono";
import { FormError } from "../../../core/errors.js";
import type { Course, Source } from "../../../db/schema.js";
import { boundSourcePolls, reopenCourse } from "../../../hub/course-life.js";
import { readSettingsForm, settingsValues, updateCourseSettings } from "../../../hub/course-settings.js";
import { tagsOf } from "../../../hub/courses.js";
import { hiddenItems, type SourceAction, setItemHidden, setSourceStatus } from "../../../hub/curation.js";
import { namesOf } from "../../../hub/roster.js";
import { sourcesOf } from "../../../hub/sources/sources.js";
import { addToSpotlight, copySpotlight, coursesWithSpotlight, editNote, moveEntry, readNote, removeEntry } from "../../../hub/spotlight.js";
import { confirmFirst, sourceName } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, sameOriginPath } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { withManagedCourse } from "./course-access.js";
import { coursePath } from "./pages.js";

export const curationRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

/** Where a curation form sends the person back to: a page of this course, else its Flow. */
function backTo(course: Course, raw: string | undefined): string {
  const base = coursePath(course);
  return sameOriginPath(raw, base, (path) => path === base || path.startsWith(`${base}/`));
}

function idParam(c: Ctx, name: string): number | null {
  const raw = c.req.param(name) ?? "";
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

// Hiding and showing posts.
for (const action of ["hide", "unhide"] as const) {
  curationRoutes.post(`/manage/items/:id/${action}`, (c) =>
    withManagedCourse(c, async (course) => {
      const deps = c.get("deps");
      const form = await formBody(c);
      const id = idParam(c, "id");
      const done = id === null ? null : await setItemHidden(deps.db, course.id, id, action === "hide");
      if (!done) return errorPage(c, 404, "No such post", "That post is not part of this course, or it was withdrawn.");
      deps.log("info", action === "hide" ? "item.hidden" : "item.unhidden", { course: course.id, item: id });
      flash(
        c,
        action === "hide" ? `Hidden: “${done.title}” no longer shows on any page or feed of this course.` : `“${done.title}” shows again.`,
      );
      return c.redirect(backTo(course, form.back), 303);
    }),
  );
}

// The Spotlight.
curationRoutes.post("/manage/spotlight", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const itemId = /^\d{1,15}$/.test(form.item ?? "") ? Number(form.item) : 0;
      const result = await addToSpotlight(deps.db, course.id, { itemId, note: readNote(form), curatorId: c.get("viewer")!.id });
      deps.log("info", "spotlight.added", { course: course.id, item: itemId, added: result.added });
      flash(c, result.added ? `Added “${result.title}” to the top of the Spotlight.` : `“${result.title}” was already in the Spotlight.`);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      flash(c, err.message, "error");
    }
    return c.redirect(backTo(course, form.back), 303);
  }),
);

curationRoutes.post("/manage/spotlight/:entry/note", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    const back = backTo(course, form.back);
    const id = idParam(c, "entry");
    let note: string;
    try {
      note = readNote(form);
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      flash(c, err.message, "error");
      return c.redirect(back, 303);
    }
    if (id === null || !(await editNote(deps.db, course.id, id, note))) return noEntry(c);
    flash(c, note ? "Note saved." : "Note removed.");
    return c.redirect(back, 303);
  }),
);

curationRoutes.post("/manage/spotlight/:entry/remove", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    const id = idParam(c, "entry");
    if (id === null || !(await removeEntry(deps.db, course.id, id))) return noEntry(c);
    deps.log("info", "spotlight.removed", { course: course.id, entry: id });
    flash(c, "Removed from the Spotlight. The post itself stays in the course.");
    return c.redirect(backTo(course, form.back), 303);
  }),
);

for (const direction of ["up", "down"] as const) {
  curationRoutes.post(`/manage/spotlight/:entry/${direction}`, (c) =>
    withManagedCourse(c, async (course) => {
      const deps = c.get("deps");
      const form = await formBody(c);
      const id = idParam(c, "entry");
      const moved = id === null ? null : await moveEntry(deps.db, course.id, id, direction);
      if (moved === null) return noEntry(c);
      flash(c, moved ? `Moved ${direction}.` : `Already ${direction === "up" ? "first" : "last"}.`);
      return c.redirect(backTo(course, form.back), 303);
    }),
  );
}

function noEntry(c: Ctx) {
  return errorPage(c, 404, "Not in the Spotlight", "That entry is not in this course's Spotlight (someone may have just removed it).");
}

// Pausing, resuming and blocking sources.
function sourceDone(action: SourceAction, before: Source["status"], kind: Source["kind"]): string {
  if (action === "pause") return "Paused: the hub stops reading it until you resume it. Its posts stay.";
  if (action === "block")
    return "Blocked: the hub no longer reads it, and the posts it brought are hidden. Unblocking shows them all again.";
  if (before !== "blocked") return "Resumed: the hub reads it again from now on.";
  return kind === "bluesky_tag"
    ? "Unblocked: the hub reads it again. Its Bluesky posts stay hidden (moderation labels may hide some); show the ones you want again from Hidden posts."
    : "Unblocked: the hub reads it again, and its posts show again.";
}

for (const action of ["pause", "resume", "block"] as const) {
  curationRoutes.post(`/manage/sources/:id/${action}`, (c) =>
    withManagedCourse(c, async (course) => {
      const deps = c.get("deps");
      const id = idParam(c, "id");
      const before = id === null ? null : (await sourcesOf(deps.db, course.id)).find((s) => s.id === id);
      if (before && action === "block") {
        const asked = confirmFirst(c, await formBody(c), {
          question: `Block ${sourceName(before)}?`,
          consequences: [
            "The hub stops reading it, and every post it brought is hidden from the course's pages and feeds.",
            "Nothing is deleted: unblocking shows its posts again.",
          ],
          confirmLabel: "Block it",
          cancel: `${coursePath(course)}/manage`,
        });
        if (asked) return asked;
      }
      const source = before ? await setSourceStatus(deps.db, course.id, before.id, action, deps.now()) : null;
      if (!before || !source) return errorPage(c, 404, "No such source", "That source is not part of this course.");
      deps.log("info", `source.${action}`, { course: course.id, source: source.id });
      flash(c, sourceDone(action, before.status, before.kind));
      return c.redirect(`${coursePath(course)}/manage`, 303);
    }),
  );
}

// Hidden posts, where they can be shown again.
curationRoutes.get("/manage/hidden", (c) =>
  withManagedCourse(c, async (course) => {
    const { db } = c.get("deps");
    const raw = c.req.query("before");
    const before = raw && raw.length <= 40 ? raw : undefined;
    const list = await hiddenItems(db, course.id, { before });
    const path = `${coursePath(course)}/manage/hidden`;
    const url = new URL(c.req.url);
    const [tags, names] = await Promise.all([
      tagsOf(db, course.id),
      namesOf(
        db,
        list.items.map((i) => i.personId),
      ),
    ]);
    return page(c, "hub/hidden", {
      title: `Hidden posts · ${course.title}`,
      course,
      tags,
      names,
      items: list.items,
      before,
      back: url.pathname + url.search,
      pager: { newest: before ? path : null, older: list.next ? `${path}?before=${encodeURIComponent(list.next)}` : null },
    });
  }),
);

// Settings, and the commons carried forward from another cohort.
async function settingsPage(c: Ctx, course: Course, extra: Record<string, unknown> = {}, status = 200) {
  const { db } = c.get("deps");
  const [tags, otherCourses] = await Promise.all([tagsOf(db, course.id), coursesWithSpotlight(db, course.id)]);
  return page(
    c,
    "hub/course-settings",
    { title: `Settings · ${course.title}`, course, tags, otherCourses, values: settingsValues(course, tags), ...extra },
    status,
  );
}

curationRoutes.get("/manage/settings", (c) => withManagedCourse(c, (course) => settingsPage(c, course)));

curationRoutes.post("/manage/settings", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const settings = readSettingsForm(form, course);
      await updateCourseSettings(deps.db, course.id, settings);
      // New dates may start the course running again: its blogs are then read within the hour.
      await boundSourcePolls(deps.db, { ...course, endsOn: settings.endsOn }, deps.config, deps.now());
      deps.log("info", "course.settings", { course: course.id });
      flash(c, "Settings saved.");
      return c.redirect(`${coursePath(course)}/manage/settings`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return settingsPage(c, course, { values: form, errors }, 400);
      throw err;
    }
  }),
);

curationRoutes.post("/manage/settings/reopen", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    await reopenCourse(deps.db, course, deps.config, deps.now());
    deps.log("info", "course.reopened", { course: course.id });
    flash(c, "The course is open again, with no end date: its blogs are read within the hour. Set a new end date here when you know it.");
    return c.redirect(`${coursePath(course)}/manage/settings`, 303);
  }),
);

curationRoutes.post("/manage/settings/copy-spotlight", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    const fromCourseId = /^\d{1,9}$/.test(form.fromCourse ?? "") ? Number(form.fromCourse) : 0;
    try {
      const from = (await coursesWithSpotlight(deps.db, course.id)).find((o) => o.id === fromCourseId);
      if (!from)
        throw new FormError("fromCourse", "Choose a course from the list: that one has nothing in its Spotlight, or no longer exists.");
      const report = await copySpotlight(deps.db, { fromCourseId: from.id, toCourseId: course.id, now: deps.now() });
      deps.log("info", "spotlight.copied", { course: course.id, from: from.id, ...report });
      const parts = [`Copied ${report.copied} post(s) from the Spotlight of ${from.title}`];
      if (report.already) parts.push(`${report.already} already here`);
      if (report.refused) parts.push(`${report.refused} not brought back (withdrawn from this course)`);
      flash(c, `${parts.join("; ")}.`);
      return c.redirect(`${coursePath(course)}/spotlight`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return settingsPage(c, course, { copyErrors: errors, copyFrom: form.fromCourse }, 400);
      throw err;
    }
  }),
);
