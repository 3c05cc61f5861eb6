// Accounts. The first account on an empty hub is its administrator; the check
// and the insert are one statement, so two people racing through setup cannot
// both become administrators.
import { count, eq, sql } from "drizzle-orm";
import { FormError } from "../core/errors.js";
import { readFields, requireText } from "../core/form-text.js";
import type { Db } from "../db/database.js";
import { type Person, people } from "../db/schema.js";
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from "./passwords.js";

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

export async function hubHasAccounts(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(people);
  return (row?.n ?? 0) > 0;
}

export interface AccountInput {
  email: string;
  displayName: string;
  password: string;
}

export function readAccountForm(form: Record<string, unknown>): AccountInput {
  // In the form's order, so the summary reads top to bottom like the form.
  return readFields<AccountInput>({
    displayName: () => requireText(form, "displayName", "Your name", 100),
    email: () => {
      const email = requireText(form, "email", "Email", 254).toLowerCase();
      if (!EMAIL.test(email)) throw new FormError("email", "Enter an email address like name@example.org.");
      return email;
    },
    password: () => checkNewPassword(form.password, "password"),
  });
}

/** A password someone is choosing (sign-up, setup, a change), checked; FormError on `field`. */
export function checkNewPassword(value: unknown, field: string): string {
  const password = typeof value === "string" ? value : "";
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new FormError(field, `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > 1024) throw new FormError(field, "That password is too long.");
  return password;
}

/** Creates the administrator, or returns null when the hub already has an account. */
export async function createFirstAdmin(db: Db, input: AccountInput): Promise<Person | null> {
  const hash = await hashPassword(input.password);
  const rows = await db.all<{ id: number }>(sql`
    INSERT INTO people (email, display_name, password_hash, is_admin)
    SELECT ${input.email}, ${input.displayName}, ${hash}, 1
    WHERE NOT EXISTS (SELECT 1 FROM people)
    RETURNING id`);
  const id = rows[0]?.id;
  if (id === undefined) return null;
  const [person] = await db.select().from(people).where(eq(people.id, id));
  return person ?? null;
}

export async function authenticate(db: Db, email: string, password: string): Promise<Person | null> {
  const [person] = await db.select().from(people).where(eq(people.email, email.trim().toLowerCase())).limit(1);
  if (!person) {
    // Spend the same time as a real check, so response time does not reveal which emails exist.
    await verifyPassword(password, "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    return null;
  }
  return (await verifyPassword(password, person.passwordHash)) ? person : null;
}

/** Creates an ordinary account (a learner, a TA). Returns null when the email is taken. */
export async function createPerson(db: Db, input: AccountInput): Promise<Person | null> {
  const hash = await hashPassword(input.password);
  const [person] = await db
    .insert(people)
    .values({ email: input.email.trim().toLowerCase(), displayName: input.displayName, passwordHash: hash })
    .onConflictDoNothing()
    .returning();
  return person ?? null;
}

export async function personByEmail(db: Db, email: string): Promise<Person | null> {
  const [person] = await db.select().from(people).where(eq(people.email, email.trim().toLowerCase())).limit(1);
  return person ?? null;
}
