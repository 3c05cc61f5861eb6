/** A form field a person got wrong, with a message written for them. */
export class FormError extends Error {
  override name = "FormError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
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
