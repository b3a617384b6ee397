// Check-order steps 4–7 of ICD §4.2 after the schema: agency and credentials →
// permissions → names → availability. Each failure carries its NAK code.
import { NakCode } from '../../protocol/constants.ts';
import type { ParameterInfo } from '../acquisition/source.ts';
import { type AgencyAccess, globToRegExp } from '../config/access.ts';
import type { TokenVerifier } from '../config/token.ts';
import type { ValidRequest } from './request.ts';

export interface Grant {
  agency: AgencyAccess;
  /** Parameter indices the session receives (parameters stream), ascending; undefined for other streams. */
  parameters: readonly number[] | undefined;
}

export type Authorization = { ok: true; grant: Grant } | { ok: false; code: NakCode; reason: string };

const fail = (code: NakCode, reason: string): Authorization => ({ ok: false, code, reason });

export interface AuthorizeContext {
  agencies: ReadonlyMap<string, AgencyAccess>;
  dictionary: readonly ParameterInfo[];
  dictionaryIndex: ReadonlyMap<string, number>;
  tokens: TokenVerifier;
}

const isGlob = (name: string) => name.includes('*');

type Resolved = { ok: true; indices: number[] } | { ok: false; code: NakCode; reason: string };

function resolveParameters(
  ctx: AuthorizeContext,
  agency: AgencyAccess,
  requested: readonly string[] | undefined,
): Resolved {
  const allowed = (i: number) => agency.parameterAllowed(ctx.dictionary[i]!.name);
  if (requested === undefined) {
    const all: number[] = [];
    for (let i = 0; i < ctx.dictionary.length; i++) if (allowed(i)) all.push(i);
    return { ok: true as const, indices: all };
  }
  // Permissions come before names (ICD §4.2): an explicit name the agency may not
  // see is FORBIDDEN even when it does not exist.
  const forbidden = requested.filter((n) => !isGlob(n) && !agency.parameterAllowed(n));
  if (forbidden.length > 0)
    return { ok: false, code: NakCode.FORBIDDEN, reason: `parameters not allowed: ${forbidden.join(', ')}` };
  const picked = new Set<number>();
  const unknown: string[] = [];
  const deniedGlobs: string[] = [];
  for (const name of requested) {
    if (!isGlob(name)) {
      const i = ctx.dictionaryIndex.get(name);
      if (i === undefined) unknown.push(name);
      else picked.add(i);
      continue;
    }
    const re = globToRegExp(name);
    let matched = 0;
    let granted = 0;
    for (let i = 0; i < ctx.dictionary.length; i++) {
      if (!re.test(ctx.dictionary[i]!.name)) continue;
      matched++;
      if (allowed(i)) {
        granted++;
        picked.add(i);
      }
    }
    if (matched === 0) unknown.push(name);
    else if (granted === 0) deniedGlobs.push(name);
  }
  if (deniedGlobs.length > 0)
    return {
      ok: false,
      code: NakCode.FORBIDDEN,
      reason: `parameters not allowed: ${deniedGlobs.join(', ')}`,
    };
  if (unknown.length > 0)
    return {
      ok: false,
      code: NakCode.UNKNOWN_PARAMETER,
      reason: `unknown parameters: ${unknown.join(', ')}`,
    };
  return { ok: true as const, indices: [...picked].sort((a, b) => a - b) };
}

export async function authorize(
  ctx: AuthorizeContext,
  req: ValidRequest,
  remoteAddress: string,
): Promise<Authorization> {
  const agency = ctx.agencies.get(req.agency);
  // One reason for unknown agency and bad token: a prober learns nothing about which agencies exist.
  if (agency === undefined) return fail(NakCode.AUTH_FAILED, 'unknown agency or bad token');
  if (!agency.allowsAddress(remoteAddress)) {
    return fail(NakCode.AUTH_FAILED, `address ${remoteAddress} not allowed for agency ${agency.id}`);
  }
  if (req.token === undefined)
    return fail(NakCode.AUTH_FAILED, 'token: required (no TLS client certificate)');
  if (!(await ctx.tokens.verify(req.token, agency.tokenHash)))
    return fail(NakCode.AUTH_FAILED, 'unknown agency or bad token');

  if (!agency.streams.has(req.stream)) {
    return fail(NakCode.FORBIDDEN, `stream ${req.stream} not allowed for agency ${agency.id}`);
  }
  let parameters: number[] | undefined;
  if (req.stream === 'parameters') {
    const r = resolveParameters(ctx, agency, req.parameters);
    if (!r.ok) return fail(r.code, r.reason);
    if (r.indices.length === 0)
      return fail(NakCode.FORBIDDEN, `no parameter allowed for agency ${agency.id}`);
    parameters = r.indices;
  }
  if (req.mode === 'archive')
    return fail(NakCode.ARCHIVE_UNAVAILABLE, 'the archive is not enabled on this server');
  if (req.since !== undefined)
    return fail(NakCode.ARCHIVE_UNAVAILABLE, 'since: resume needs the archive, which is not enabled');
  return { ok: true, grant: { agency, parameters } };
}
