// Check-order steps 4–7 of ICD §4.2 after the schema: agency and credentials →
// permissions → names → availability. Each failure carries its NAK code.
import { NakCode } from '../../protocol/constants.ts';
import type { ParameterInfo } from '../acquisition/source.ts';
import { type AuthGate, checkToken } from '../admission/auth-gate.ts';
import { type AgencyAccess, globToRegExp } from '../config/access.ts';
import { hashToken, type TokenVerifier } from '../config/token.ts';
import type { PeerCertificate } from './peer-certificate.ts';
import type { ValidRequest } from './request.ts';

export interface Grant {
  agency: AgencyAccess;
  /** Parameter indices the session receives (parameters stream), ascending; undefined for other streams. */
  parameters: readonly number[] | undefined;
  /**
   * Events stream: the parameter indices the agency may see, ascending; an event that names
   * another parameter (a limit violation, a limits change) is not delivered. Undefined when the
   * agency may see every parameter, and for other streams.
   */
  eventParameters: readonly number[] | undefined;
}

export type Authorization = { ok: true; grant: Grant } | { ok: false; code: NakCode; reason: string };

/** Checked against when the agency is unknown, so that costs what a wrong token costs. */
const DUMMY_HASH = hashToken('no agency has this token');

const fail = (code: NakCode, reason: string): Authorization => ({ ok: false, code, reason });

export interface AuthorizeContext {
  agencies: ReadonlyMap<string, AgencyAccess>;
  dictionary: readonly ParameterInfo[];
  dictionaryIndex: ReadonlyMap<string, number>;
  tokens: TokenVerifier;
  gate: AuthGate;
  archiveEnabled: boolean;
}

const isGlob = (name: string) => name.includes('*');

/** Compiled parameter globs, shared by the sessions of the actor (clients repeat theirs). */
const globs = new Map<string, RegExp>();
function compiledGlob(glob: string): RegExp {
  let re = globs.get(glob);
  if (re === undefined) {
    if (globs.size >= 1024) globs.clear();
    re = globToRegExp(glob);
    globs.set(glob, re);
  }
  return re;
}

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
  for (const name of requested) {
    if (!isGlob(name)) {
      const i = ctx.dictionaryIndex.get(name);
      if (i === undefined) unknown.push(name);
      else picked.add(i);
      continue;
    }
    const re = compiledGlob(name);
    let granted = 0;
    for (let i = 0; i < ctx.dictionary.length; i++) {
      if (allowed(i) && re.test(ctx.dictionary[i]!.name)) {
        granted++;
        picked.add(i);
      }
    }
    // Only names the agency may see are matched: a glob over hidden names (THERM.* for an
    // agency allowed EPS.*) answers as one over no names (NOPE.*), so neither tells them apart.
    if (granted === 0) unknown.push(name);
  }
  if (unknown.length > 0)
    return {
      ok: false,
      code: NakCode.UNKNOWN_PARAMETER,
      reason: `unknown parameters: ${unknown.join(', ')}`,
    };
  return { ok: true as const, indices: [...picked].sort((a, b) => a - b) };
}

const BAD_CREDENTIALS = 'unknown agency or bad token';

/**
 * Agency and credentials. Whether an agency exists shows neither in the reason nor in the
 * time taken (an unknown agency's token is checked against a dummy hash); the address
 * allow-list is only reported to a client that proved the token.
 */
async function authenticate(
  ctx: AuthorizeContext,
  req: ValidRequest,
  remoteAddress: string,
  nowMs: number,
  peer: PeerCertificate | undefined,
): Promise<{ ok: true; agency: AgencyAccess } | { ok: false; code: NakCode; reason: string }> {
  if (peer !== undefined) {
    // A certificate that does not verify (expired, revoked, another CA) is refused, token or not.
    if (!peer.verified)
      return { ok: false, code: NakCode.AUTH_FAILED, reason: `client certificate refused: ${peer.error}` };
    const named = ctx.agencies.get(req.agency);
    if (named?.certificateMatches(peer.cn, peer.sans)) {
      if (!named.allowsAddress(remoteAddress))
        return {
          ok: false,
          code: NakCode.AUTH_FAILED,
          reason: `address ${remoteAddress} not allowed for agency ${named.id}`,
        };
      // Identified by the CA's signature: no token, no scrypt, nothing to throttle.
      return { ok: true, agency: named };
    }
  }
  if (req.token === undefined) return { ok: false, code: NakCode.AUTH_FAILED, reason: 'token: required' };
  const agency = ctx.agencies.get(req.agency);
  const hash = agency?.tokenHash ?? DUMMY_HASH;
  const checked = await checkToken(ctx.gate, ctx.tokens, remoteAddress, req.token, hash, () => nowMs);
  if (checked === 'throttled') {
    return {
      ok: false,
      code: NakCode.AUTH_FAILED,
      reason: 'too many failed attempts from this address: retry later',
    };
  }
  if (checked === 'busy')
    return { ok: false, code: NakCode.SERVER_FULL, reason: 'too many token checks in progress: retry later' };
  if (agency === undefined || checked !== 'ok') {
    return { ok: false, code: NakCode.AUTH_FAILED, reason: BAD_CREDENTIALS };
  }
  if (!agency.allowsAddress(remoteAddress)) {
    return {
      ok: false,
      code: NakCode.AUTH_FAILED,
      reason: `address ${remoteAddress} not allowed for agency ${agency.id}`,
    };
  }
  return { ok: true, agency };
}

export const archiveForbidden = (agency: AgencyAccess) =>
  `archive queries not allowed for agency ${agency.id}`;

/** The parameters an events session's agency may see, when that is not every one. */
function eventParameters(
  ctx: AuthorizeContext,
  agency: AgencyAccess,
  req: ValidRequest,
): readonly number[] | undefined {
  if (req.stream !== 'events' || agency.allParameters) return undefined;
  const allowed: number[] = [];
  for (let i = 0; i < ctx.dictionary.length; i++)
    if (agency.parameterAllowed(ctx.dictionary[i]!.name)) allowed.push(i);
  return allowed;
}

export async function authorize(
  ctx: AuthorizeContext,
  req: ValidRequest,
  remoteAddress: string,
  nowMs: number,
  /** The request reads the archive: archive mode, or a `since` the ring no longer holds. */
  readsArchive = req.mode === 'archive',
  /** The session's TLS client certificate, if it sent one. */
  peer?: PeerCertificate,
): Promise<Authorization> {
  const auth = await authenticate(ctx, req, remoteAddress, nowMs, peer);
  if (!auth.ok) return fail(auth.code, auth.reason);
  const agency = auth.agency;

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
  if (readsArchive && agency.maxArchiveQueries === 0)
    return fail(NakCode.FORBIDDEN, archiveForbidden(agency));
  if (req.mode === 'archive' && !ctx.archiveEnabled)
    return fail(NakCode.ARCHIVE_UNAVAILABLE, 'the archive is not enabled on this server');
  if (req.since !== undefined && !ctx.archiveEnabled)
    return fail(NakCode.ARCHIVE_UNAVAILABLE, 'since: resume needs the archive, which is not enabled');
  return { ok: true, grant: { agency, parameters, eventParameters: eventParameters(ctx, agency, req) } };
}
