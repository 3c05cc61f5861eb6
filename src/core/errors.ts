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
