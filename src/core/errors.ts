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
