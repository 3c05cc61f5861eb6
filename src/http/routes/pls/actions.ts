// What the PLS pages share: "not yours" answered 404, ids read from the path, and running an
// action for the signed-in learner with domain errors turned into a 404 or a form error.
import type { Context } from "hono";
import { NotFoundError } from "../../../core/errors.js";
import type { Person } from "../../../db/schema.js";
import type { AppEnv } from "../../env.js";
import { fieldErrors } from "../../forms.js";
import { errorPage } from "../../page.js";
import { loginRedirect } from "../hub/course-access.js";

type Ctx = Context<AppEnv>;

/** Someone else's thing is as good as missing: the same answer, so nothing is revealed. */
export function notFound(c: Ctx) {
  return errorPage(c, 404, "Not found", "There is nothing of yours at this address.");
}

/** A positive integer from the path or a form, or null. */
export function idOf(raw: string | undefined): number | null {
  return raw && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

export function idParam(c: Ctx, name = "id"): number | null {
  return idOf(c.req.param(name));
}

/**
 * An action runner for the signed-in learner. The domain's "no such thing of yours" (NotFoundError)
 * answers 404; a FormError is a field the learner got wrong, shown again by `invalid` (a page with
 * status 400).
 */
export async function act(
  c: Ctx,
  run: (viewer: Person) => Promise<Response>,
  invalid?: (viewer: Person, errors: Record<string, string>) => Promise<Response>,
): Promise<Response> {
  const viewer = c.get("viewer");
  if (!viewer) return loginRedirect(c);
  try {
    return await run(viewer);
  } catch (err) {
    if (err instanceof NotFoundError) return notFound(c);
    const errors = fieldErrors(err);
    if (!errors) throw err;
    return invalid ? invalid(viewer, errors) : errorPage(c, 400, "Check the form", Object.values(errors).join(" "));
  }
}
