// A course's social side: following its tag on Mastodon instances and on
// Bluesky, and blocking (or unblocking) guest authors.
import { Hono } from "hono";
import { type ItemKind, itemKinds } from "../../../db/schema.js";
import { authorToBlock, blockAuthor, unblockAuthor } from "../../../hub/blocks.js";
import { tagsOf } from "../../../hub/courses.js";
import { addSocialSource, readSocialSourceForm } from "../../../hub/sources/social-sources.js";
import { pollSource } from "../../../ingest/poll/poll.js";
import { confirmFirst } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, idFrom } from "../../forms.js";
import { managePage, withManagedCourse } from "./course-access.js";

export const socialRoutes = new Hono<AppEnv>();

socialRoutes.post("/manage/social", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const input = readSocialSourceForm(form, await tagsOf(deps.db, course.id), deps.config);
      const source = await addSocialSource(deps.db, course.id, input, c.get("viewer")!.id, deps.now());
      deps.log("info", "source.added", { course: course.id, source: source.id, kind: source.kind });
      const outcome = await pollSource(deps, source);
      flash(
        c,
        outcome.ok
          ? `Now following ${source.title}: ${outcome.stored} post(s) found.`
          : `Added ${source.title}, but it could not be read: ${outcome.error}`,
      );
      return c.redirect(`/c/${course.slug}/manage`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      // The token is never echoed back into the form.
      if (errors) return managePage(c, course, { socialValues: { ...form, accessToken: "" }, socialErrors: errors }, 400);
      throw err;
    }
  }),
);

socialRoutes.post("/blocks", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const author = await authorToBlock(deps.db, course.id, idFrom(form.item));
      const asked = confirmFirst(c, form, {
        question: `Block ${author.label} in this course?`,
        consequences: [
          `Their ${author.posts === 1 ? "post is" : `${author.posts} posts are`} hidden from the course's pages and feeds, and no new ones are taken.`,
          "Nothing is deleted: unblocking them on the Manage page shows their posts again.",
        ],
        confirmLabel: `Block ${author.label}`,
        cancel: `/c/${course.slug}`,
        keep: { item: String(idFrom(form.item)) },
      });
      if (asked) return asked;
      const { label } = await blockAuthor(deps.db, course.id, idFrom(form.item), c.get("viewer")!.id);
      deps.log("info", "author.blocked", { course: course.id });
      flash(c, `Blocked ${label}: their posts are hidden from this course and no new ones are taken.`);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      flash(c, Object.values(errors)[0]!, "error");
    }
    return c.redirect(`/c/${course.slug}`, 303);
  }),
);

socialRoutes.post("/blocks/remove", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    const kind = itemKinds.includes(form.kind as ItemKind) ? (form.kind as ItemKind) : null;
    if (kind && form.authorKey) await unblockAuthor(deps.db, course.id, kind, form.authorKey);
    flash(c, "Unblocked: their posts show again.");
    return c.redirect(`/c/${course.slug}/manage`, 303);
  }),
);
