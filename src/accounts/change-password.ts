// A person's own account: changing the password. The current password is
// asked for (a session left open on a shared computer must not be enough to
// take the account over), and every session is ended with the change: a
// password changed because it leaked leaves nobody signed in with it.
import { eq } from "drizzle-orm";
import { FormError } from "../core/errors.js";
import type { Db } from "../db/database.js";
import { type Person, people, sessions } from "../db/schema.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { checkNewPassword } from "./people.js";
import { newSessionRow } from "./sessions.js";

/** The current password was wrong: it counts as a failed sign-in to the account. */
export class WrongPasswordError extends FormError {
  override name = "WrongPasswordError";
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

export function readPasswordChangeForm(form: Record<string, unknown>): PasswordChange {
  const currentPassword = typeof form.currentPassword === "string" ? form.currentPassword : "";
  if (!currentPassword) throw new FormError("currentPassword", "Enter your current password.");
  if (currentPassword.length > 1024) throw new WrongPasswordError("currentPassword", "That is not your current password.");
  const newPassword = checkNewPassword(form.newPassword, "newPassword");
  if (newPassword === currentPassword) throw new FormError("newPassword", "Choose a password different from your current one.");
  return { currentPassword, newPassword };
}

/**
 * Sets the new password, ends every session of the person and opens one new
 * session for the browser that made the change, all in one batch. Returns the
 * new session's token for the cookie. Throws WrongPasswordError.
 */
export async function changePassword(
  db: Db,
  person: Person,
  input: PasswordChange,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  // Read afresh: the person loaded with the session may predate another change.
  const [row] = await db.select({ passwordHash: people.passwordHash }).from(people).where(eq(people.id, person.id));
  if (!row || !(await verifyPassword(input.currentPassword, row.passwordHash))) {
    throw new WrongPasswordError("currentPassword", "That is not your current password.");
  }
  const hash = await hashPassword(input.newPassword);
  const fresh = await newSessionRow(person.id, now);
  await db.batch([
    db.update(people).set({ passwordHash: hash }).where(eq(people.id, person.id)),
    db.delete(sessions).where(eq(sessions.personId, person.id)),
    db.insert(sessions).values(fresh.row),
  ]);
  return { token: fresh.token, expiresAt: fresh.expiresAt };
}
