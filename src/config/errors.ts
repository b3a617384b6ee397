export const ConfigErrorCode = {
  INVALID: 'ERR_CONFIG_INVALID',
  PARSE: 'ERR_CONFIG_PARSE',
  NOT_FOUND: 'ERR_CONFIG_NOT_FOUND',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One problem found in a configuration source. `path` is a JSON pointer ('' is the whole document). */
export interface ConfigIssue {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

/**
 * A configuration that cannot be used. The message has one line per issue,
 * `<file>: <path> <message> (<rule>)`, so an operator can fix every problem in one pass.
 */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(code: ConfigErrorCode, file: string, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'), options);
    this.name = 'ConfigError';
    this.code = code;
    this.file = file;
    this.issues = issues;
  }
}

function formatIssue(file: string, issue: ConfigIssue): string {
  // An issue about the whole document (unreadable, bad JSON, not an object) has no path to show.
  const where = issue.path === '' ? '' : `${issue.path} `;
  return `${file}: ${where}${issue.message} (${issue.rule})`;
}
