// One resolution pass's shared state (definition, names resolved so far, issues) and its issue helpers.
import type { MdbIssue } from './errors.ts';
import type { EngType } from './model.ts';
import type { MdbDef } from './schema.ts';

/** A JSON pointer (RFC 6901) into the definition, for an issue's `path`. */
export const pointer = (...parts: (string | number)[]): string =>
  parts.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/** A resolution pass: every issue is collected, so an operator fixes them in one pass. */
export interface Context {
  readonly def: MdbDef;
  readonly issues: MdbIssue[];
  readonly byName: Map<string, number>;
  readonly engTypes: Map<string, EngType>;
}

export function issue(
  ctx: Context,
  path: string,
  parameter: string | undefined,
  rule: string,
  message: string,
): void {
  ctx.issues.push({ path, rule, message, ...(parameter === undefined ? {} : { parameter }) });
}
