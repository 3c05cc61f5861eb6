// Reading a required or optional text field from a form: trimmed, length-checked, and a
// FormError with a message written for the person when it is wrong.
import { FormError } from "./errors.js";

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
