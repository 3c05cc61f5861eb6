// A person's own page (their accounts elsewhere, proven with rel="me" or a
// code, and their items, each of which they can withdraw at once) and their
// public profile, the page their accounts elsewhere link back to.

import { eq } from "drizzle-orm";
import { Hono } from "hono";
import {
  identitiesOf,
  linkIdentity,
  profileUrl,
  unlinkIdentity,
  verifiedIdentitiesOf,
  verifyIdentity,
} from "../../../accounts/identities.js";
import { type IdentityKind, identityKinds, people } from "../../../db/schema.js";
import { claimByVerifiedIdentity } from "../../../hub/roster-people.js";
import { failingSourcesOfPerson, healthOf } from "../../../hub/sources/learner-sources.js";
import { itemsOfPerson, withdrawItem } from "../../../hub/withdraw.js";
import { autoLinkByTags } from "../../../pls/portfolio/portfolio.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors, flash, formBody, idFrom } from "../../forms.js";
import { errorPage, page } from "../../page.js";
import { loginRedirect } from "../hub/course-access.js";

export const meRoutes = new Hono<AppEnv>();

async function mePage(c: Parameters<typeof page>[0], extra: Record<string, unknown> = {}, status = 200) {
  const viewer = c.get("viewer")!;
  const { db, config } = c.get("deps");
  const [ids, mine, failing] = await Promise.all([
    identitiesOf(db, viewer.id),
    itemsOfPerson(db, viewer.id),
    failingSourcesOfPerson(db, viewer.id),
  ]);
  return page(
    c,
    "account/me",
    {
      title: "Your accounts and posts",
      person: viewer,
      identities: ids,
      items: mine,
      failing: failing.map((f) => ({ ...f, health: healthOf(f.source) })),
      profileUrl: profileUrl(config.publicUrl, viewer.id),
      values: {},
      errors: {},
      ...extra,
    },
    status,
  );
}

meRoutes.get("/me", (c) => (c.get("viewer") ? mePage(c) : loginRedirect(c)));

meRoutes.post("/me/identities", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const form = await formBody(c);
  const kind = identityKinds.includes(form.kind as IdentityKind) ? (form.kind as IdentityKind) : "mastodon";
  try {
    const identity = await linkIdentity(c.get("deps").db, viewer.id, kind, form.address ?? "");
    flash(c, `Added ${identity.address}. Now prove it is yours (see below), then press "Check now".`);
    return c.redirect("/me", 303);
  } catch (err) {
    const errors = fieldErrors(err);
    if (errors) return mePage(c, { values: form, errors }, 400);
    throw err;
  }
});

meRoutes.post("/me/identities/:id/verify", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const deps = c.get("deps");
  const id = /^\d{1,12}$/.test(c.req.param("id") ?? "") ? idFrom(c.req.param("id")) : 0;
  const result = await verifyIdentity(deps, viewer.id, id);
  // Proving an account a roster person holds (the instructor added it with their name) is claiming it.
  const claimed = result.ok ? await claimByVerifiedIdentity(deps.db, viewer, id) : [];
  if (claimed.length) deps.log("info", "roster.claimed_by_proof", { person: viewer.id, names: claimed.length });
  // The posts just attributed may carry an active objective's tag: evidence for it at once.
  // A courtesy to the learner: its failure never undoes the verification.
  if (result.ok) {
    await autoLinkByTags(deps, viewer.id).catch((err: unknown) =>
      deps.log("error", "pls.autolink.failed", { person: viewer.id, error: String(err).slice(0, 300) }),
    );
  }
  flash(
    c,
    result.ok
      ? `Verified (${result.via === "rel_me" ? 'rel="me" link' : "code"}): your posts from this account are now yours in every course.${
          claimed.length ? ` You have taken your place on the roster as ${claimed.join(", ")}.` : ""
        }`
      : result.error,
    result.ok ? "ok" : "error",
  );
  return c.redirect("/me", 303);
});

meRoutes.post("/me/identities/:id/remove", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  await unlinkIdentity(c.get("deps").db, viewer.id, idFrom(c.req.param("id")));
  flash(c, "Removed. Posts from that account now appear as a guest's.");
  return c.redirect("/me", 303);
});

meRoutes.post("/me/items/:id/withdraw", async (c) => {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  const deps = c.get("deps");
  const ok = await withdrawItem(deps.db, viewer.id, idFrom(c.req.param("id")), deps.now());
  if (!ok) return errorPage(c, 404, "No such post", "That post is not one of yours, or it was already withdrawn.");
  deps.log("info", "item.withdrawn", { person: viewer.id });
  flash(c, "Withdrawn: the post is gone from the hub. It is still on your own blog or account.");
  return c.redirect("/me", 303);
});

meRoutes.get("/people/:id", async (c) => {
  const { db } = c.get("deps");
  const id = idFrom(c.req.param("id"));
  const [person] = Number.isInteger(id) ? await db.select().from(people).where(eq(people.id, id)) : [];
  if (!person) return errorPage(c, 404, "No such person", "There is no one at this address.");
  const verified = await verifiedIdentitiesOf(db, person.id);
  return page(c, "account/person", { title: person.displayName, person, identities: verified });
});
