// A course's people: who is in it and in which role, its join code, adding
// TAs (by the email of an existing account) and removing members. Instructors
// and TAs see the page and make or turn off the join code (they can set one in
// the course settings too); only instructors (and administrators) add TAs and
// remove members.
import { type Context, Hono } from "hono";
import type { Course } from "../../../db/schema.js";
import { tagsOf } from "../../../hub/courses.js";
import { clearJoinCode, makeJoinCode } from "../../../hub/join.js";
import { addTa, canRunPeople, membersOf, readTaEmail, removeMember } from "../../../hub/members.js";
import {
  guestAuthorsOf,
  issueClaimLink,
  mergeGuestInto,
  removeRosterPerson,
  renameRosterPerson,
  rosterPeopleOf,
} from "../../../hub/roster-people.js";
import { confirmFirst } from "../../confirm.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, idFrom } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { withManagedCourse } from "./course-access.js";

export const memberRoutes = new Hono<AppEnv>();

async function peoplePage(c: Context<AppEnv>, course: Course, extra: Record<string, unknown> = {}, status = 200) {
  const { db } = c.get("deps");
  const [members, canRun, tags, roster, guests] = await Promise.all([
    membersOf(db, course.id),
    canRunPeople(db, c.get("viewer"), course.id),
    tagsOf(db, course.id),
    rosterPeopleOf(db, course.id),
    guestAuthorsOf(db, course.id),
  ]);
  const joinCode = course.joinCode;
  return page(
    c,
    "hub/members",
    {
      title: `People in ${course.title}`,
      course,
      tags,
      members,
      roster,
      guests,
      canRun,
      viewerId: c.get("viewer")!.id,
      joinCode,
      ...extra,
    },
    status,
  );
}

/** The course, for its instructors and administrators only (not TAs). */
function withInstructorCourse(c: Context<AppEnv>, then: (course: Course) => Promise<Response>) {
  return withManagedCourse(c, async (course) => {
    if (!(await canRunPeople(c.get("deps").db, c.get("viewer"), course.id))) {
      return errorPage(c, 403, "Not allowed", "Only this course's instructors can change who is in it.");
    }
    return then(course);
  });
}

memberRoutes.get("/manage/people", (c) => withManagedCourse(c, (course) => peoplePage(c, course)));

memberRoutes.post("/manage/people/tas", (c) =>
  withInstructorCourse(c, async (course) => {
    const { db, log } = c.get("deps");
    const form = await formBody(c);
    try {
      const { person, promoted } = await addTa(db, course.id, readTaEmail(form));
      log("info", "course.ta_added", { course: course.id, person: person.id });
      flash(
        c,
        promoted ? `${person.displayName} was a learner here and is now a TA.` : `${person.displayName} is now a TA of ${course.title}.`,
      );
      return c.redirect(`/c/${course.slug}/manage/people`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (errors) return peoplePage(c, course, { values: form, errors }, 400);
      throw err;
    }
  }),
);

memberRoutes.post("/manage/people/:personId/remove", (c) =>
  withInstructorCourse(c, async (course) => {
    const { db, log } = c.get("deps");
    const personId = idFrom(c.req.param("personId"));
    const member = (await membersOf(db, course.id)).find((m) => m.personId === personId);
    if (member && member.role !== "instructor") {
      const asked = confirmFirst(c, await formBody(c), {
        question: `Remove ${member.displayName} from ${course.title}?`,
        consequences: [
          "They can no longer see the course's members' pages or register a blog here, until they join again.",
          "Their blog stays in the course until you remove it on the Manage page; their posts stay on their own site.",
        ],
        confirmLabel: `Remove ${member.displayName}`,
        cancel: `/c/${course.slug}/manage/people`,
      });
      if (asked) return asked;
    }
    const outcome = Number.isInteger(personId) ? await removeMember(db, course.id, personId) : "not_member";
    if (outcome === "not_member") return errorPage(c, 404, "No such member", "That person is not in this course.");
    if (outcome === "instructor") return errorPage(c, 409, "Instructors stay", "An instructor cannot be removed from the course here.");
    log("info", "course.member_removed", { course: course.id, person: personId });
    flash(c, "Removed from the course. Their blog stays until you remove it on the Manage page.");
    return c.redirect(`/c/${course.slug}/manage/people`, 303);
  }),
);

// Instructors and TAs, as in the course settings where a code can also be typed.
memberRoutes.post("/manage/people/join-code", (c) =>
  withManagedCourse(c, async (course) => {
    const { db, log } = c.get("deps");
    const form = await formBody(c);
    const off = form.action === "off";
    if (off) await clearJoinCode(db, course.id);
    else await makeJoinCode(db, course.id);
    log("info", off ? "course.join_off" : "course.join_code_made", { course: course.id });
    flash(
      c,
      off ? "Joining with a code is off. Nobody can join until you make a new code." : "New join code made. The old one no longer works.",
    );
    return c.redirect(`/c/${course.slug}/manage/people`, 303);
  }),
);

// The roster: people named with their blogs who have no account yet. Run like the sources
// (instructors and TAs): a claim link to hand over, a name to correct, someone to take off.
const rosterId = (c: Context<AppEnv>) => (/^\d{1,12}$/.test(c.req.param("id") ?? "") ? Number(c.req.param("id")) : 0);

memberRoutes.post("/manage/roster/:id/claim-link", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const id = rosterId(c);
    const person = (await rosterPeopleOf(deps.db, course.id)).find((p) => p.id === id);
    if (!person) return errorPage(c, 404, "Not on the roster", "That person is not on this course's roster.");
    const token = await issueClaimLink(deps.db, course.id, id);
    deps.log("info", "roster.claim_link", { course: course.id, person: id });
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    return peoplePage(c, course, { issued: { name: person.displayName, link: `${deps.config.publicUrl}/claim/${token}` } });
  }),
);

memberRoutes.post("/manage/roster/:id", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    try {
      const name = await renameRosterPerson(deps.db, course.id, rosterId(c), form);
      flash(c, `Saved: ${name}.`);
      return c.redirect(`/c/${course.slug}/manage/people#roster-h`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return peoplePage(c, course, { rosterEdit: { id: rosterId(c), values: form, errors } }, 400);
    }
  }),
);

memberRoutes.post("/manage/roster/:id/remove", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    if (form.confirm !== "yes") {
      return peoplePage(
        c,
        course,
        {
          rosterEdit: { id: rosterId(c), values: {}, errors: { confirm: "Tick the box to confirm: their posts then show as a guest's." } },
        },
        400,
      );
    }
    await removeRosterPerson(deps.db, course.id, rosterId(c));
    flash(c, "Taken off the roster: their posts show as a guest's until someone claims their blog.");
    return c.redirect(`/c/${course.slug}/manage/people#roster-h`, 303);
  }),
);

memberRoutes.post("/manage/roster/:id/merge", (c) =>
  withManagedCourse(c, async (course) => {
    const deps = c.get("deps");
    const form = await formBody(c);
    const id = rosterId(c);
    const guest = (await guestAuthorsOf(deps.db, course.id, 1000)).find((g) => `${g.kind} ${g.authorKey}` === form.guest);
    const problem = !guest
      ? "Choose one of the course's guest authors."
      : form.confirm !== "yes"
        ? "Tick the box to confirm you have checked this account is theirs."
        : null;
    if (problem || !guest) return peoplePage(c, course, { rosterEdit: { id, values: {}, errors: { guest: problem } } }, 400);
    try {
      const moved = await mergeGuestInto(deps.db, course.id, id, guest);
      deps.log("info", "roster.guest_merged", { course: course.id, person: id, posts: moved });
      flash(c, `${guest.handle}'s ${moved} post(s) are now under their name, and so will their next ones be.`);
      return c.redirect(`/c/${course.slug}/manage/people#roster-h`, 303);
    } catch (err) {
      const errors = fieldErrors(err);
      if (!errors) throw err;
      return peoplePage(c, course, { rosterEdit: { id, values: {}, errors } }, 400);
    }
  }),
);
