// The base of every area's error class: a machine-readable `code` (ERR_*) that callers
// and tests branch on, and the subclass's name in stack traces.

export class CodedError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
