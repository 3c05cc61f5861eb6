// Reading a required or optional text field from a form: trimmed, length-checked, and a
// FormError with a message written for the person when it is wrong.
import { FormError, FormErrors, messagesOf } from "./errors.js";

/**
 * Reads each field of a form with its own check and reports every wrong field at once (FormErrors),
 * not only the first: a person fixes the whole form in one go. Checks run in the order given.
 */
export function readFields<T extends object>(checks: { [K in keyof T]: () => T[K] }): T {
  const out: Partial<T> = {};
  const errors: Record<string, string> = {};
  for (const key of Object.keys(checks) as (keyof T)[]) {
    try {
      out[key] = checks[key]();
    } catch (err) {
      const messages = messagesOf(err);
      if (!messages) throw err;
      for (const [field, message] of Object.entries(messages)) errors[field] ??= message;
    }
  }
  if (Object.keys(errors).length > 0) throw new FormErrors(errors);
  return out as T;
}

export function requireText(form: Record<string, unknown>, field: string, label: string, max = 200): string {
  const v = form[field];
  const s = typeof v === "string" ? v.trim() : "";
  if (!s) throw new FormError(field, `${label} is required.`);
  if (s.length > max) throw new FormError(field, `${label} must be at most ${max} characters.`);
  return s;
}

export function optionalText(form: Record<string, unknown>, field: string, max = 2000): string {
  const v = form[field];
  const s = typeof v === "string" ? v.trim() : "";
  if (s.length > max) throw new FormError(field, `This field must be at most ${max} characters.`);
  return s;
}
