// Errors a person reads, each with a plain-language message: a form field they got wrong, or a
// thing they named that is not there (or not theirs).

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

/**
 * Every field a person got wrong on one form, so the page can mark them all at once: `field` and
 * the message are the first, `all` holds each field's message.
 */
export class FormErrors extends FormError {
  override name = "FormErrors";
  constructor(readonly all: Record<string, string>) {
    const [field, message] = Object.entries(all)[0] ?? ["form", "Check the form."];
    super(field, message);
  }
}

/** The field messages an error carries (one for a FormError, each for FormErrors), or null. */
export function messagesOf(err: unknown): Record<string, string> | null {
  if (err instanceof FormErrors) return { ...err.all };
  return err instanceof FormError ? { [err.field]: err.message } : null;
}

/**
 * Something a person named by its id (in the address, or chosen in a form) that does not exist or
 * is not theirs: the same answer for both, so nothing is revealed. `thing` says what it was
 * ("objective", "entry" …). Pages and the API answer 404 unless the id came from a form field,
 * where the route shows it on that field instead.
 */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(
    readonly thing: string,
    message: string,
  ) {
    super(message);
  }
}
