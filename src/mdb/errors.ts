export const MdbErrorCode = {
  /** The mission database file cannot be read. */
  ERR_MDB_NOT_FOUND: 'ERR_MDB_NOT_FOUND',
  /** The file is not valid JSON (or, for .xml, not well-formed XML). */
  ERR_MDB_PARSE: 'ERR_MDB_PARSE',
  /** The document breaks the schema or a rule between its parts; `issues` lists every problem. */
  ERR_MDB_INVALID: 'ERR_MDB_INVALID',
  /** A derived parameter's expression cannot be parsed or typed; `position` is its 0-based offset. */
  ERR_MDB_EXPRESSION: 'ERR_MDB_EXPRESSION',
  /** A run-time call names a parameter the database does not define. */
  ERR_MDB_UNKNOWN_PARAMETER: 'ERR_MDB_UNKNOWN_PARAMETER',
  /** A run-time call names a limit list the database does not define. */
  ERR_MDB_UNKNOWN_LIST: 'ERR_MDB_UNKNOWN_LIST',
  /**
   * An XTCE file of which nothing usable remains, or (strict import) that uses any construct
   * outside the supported subset; `issues` names each element.
   */
  ERR_MDB_XTCE_UNSUPPORTED: 'ERR_MDB_XTCE_UNSUPPORTED',
  /**
   * A reload or override would change the parameter list (names, order, units, types, states),
   * which the main thread, the actors and the value table hold: it takes a restart.
   */
  ERR_MDB_RESTART_REQUIRED: 'ERR_MDB_RESTART_REQUIRED',
  /** A control request that breaks its schema; `issues` lists every problem. */
  ERR_MDB_CONTROL_INVALID: 'ERR_MDB_CONTROL_INVALID',
} as const;
export type MdbErrorCode = (typeof MdbErrorCode)[keyof typeof MdbErrorCode];

/** One problem in a mission database. `path` is a JSON pointer ('' is the whole document). */
export interface MdbIssue {
  readonly path: string;
  /** The parameter (or derived parameter) concerned, when there is one. */
  readonly parameter?: string;
  readonly rule: string;
  readonly message: string;
  /** The line in the source file (XTCE import), when known. */
  readonly line?: number;
}

/**
 * A mission database that cannot be used. The message has one line per issue,
 * `<file>: <path> [<parameter>] <message> (<rule>)`, so every problem is fixed in one pass.
 */
export class MdbError extends Error {
  readonly code: MdbErrorCode;
  readonly file: string;
  readonly issues: readonly MdbIssue[];

  constructor(code: MdbErrorCode, file: string, issues: readonly MdbIssue[], options?: ErrorOptions) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'), options);
    this.name = 'MdbError';
    this.code = code;
    this.file = file;
    this.issues = issues;
  }
}

/** A run-time API misuse (unknown parameter or list name). */
export class MdbUsageError extends Error {
  readonly code: MdbErrorCode;

  constructor(code: MdbErrorCode, message: string) {
    super(message);
    this.name = 'MdbUsageError';
    this.code = code;
  }
}

/** An expression that cannot be compiled; `position` is the 0-based offset of the offending character. */
export class ExpressionError extends Error {
  readonly code = MdbErrorCode.ERR_MDB_EXPRESSION;
  readonly position: number;
  readonly reason: string;

  constructor(position: number, reason: string) {
    super(`column ${position + 1}: ${reason}`);
    this.name = 'ExpressionError';
    this.position = position;
    this.reason = reason;
  }
}

function formatIssue(file: string, issue: MdbIssue): string {
  const where = issue.path === '' ? '' : `${issue.path} `;
  const param = issue.parameter === undefined ? '' : `[${issue.parameter}] `;
  const at = issue.line === undefined || issue.line === 0 ? '' : `:${issue.line}`;
  return `${file}${at}: ${where}${param}${issue.message} (${issue.rule})`;
}
