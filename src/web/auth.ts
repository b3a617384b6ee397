// Who a display request is: an agency, by a login session (cookie) or by its token on each
// request (`Authorization: Bearer <agency>:<token>`), with the TCP side's rules: the same
// scrypt tokens, allowFrom, and the `parameters` stream. Or, when configured, nobody logs in
// and every visitor has one agency's rights.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthGate, type AuthGateBuffers, checkToken } from '../admission/auth-gate.ts';
import type { AgencyAccess } from '../config/access.ts';
import { TokenVerifier } from '../config/token.ts';

const SESSION_COOKIE = 'scs_display';
/** Login sessions kept at most; the oldest is forgotten first (its browser logs in again). */
const MAX_SESSIONS = 10_000;

export type AuthResult =
  | { ok: true; agency: AgencyAccess }
  | { ok: false; code: 'AUTH_FAILED' | 'FORBIDDEN' | 'SERVER_FULL'; reason: string };

export interface WebAuthOptions {
  agencies: ReadonlyMap<string, AgencyAccess>;
  /** No login: every request is this agency's. */
  anonymousAgency?: string;
  ttlMs: number;
  secureCookie: boolean;
  nowMs?: () => number;
  /** The process's token-check gate, shared with the TCP port and /mdb/* (a private one when absent). */
  authGate?: AuthGateBuffers;
}

function remoteAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

export function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Only a digest of a session id is kept: a leaked heap dump does not hand out sessions. */
function digest(sid: string): string {
  return createHash('sha256').update(sid).digest('base64');
}

export class WebAuth {
  readonly #opts: WebAuthOptions;
  readonly #verifier = new TokenVerifier();
  readonly #gate: AuthGate;
  readonly #sessions = new Map<string, { agency: string; expiresMs: number }>();
  readonly #now: () => number;

  constructor(opts: WebAuthOptions) {
    this.#opts = opts;
    this.#now = opts.nowMs ?? Date.now;
    this.#gate = new AuthGate(opts.authGate);
  }

  get loginRequired(): boolean {
    return this.#opts.anonymousAgency === undefined;
  }

  /** Checks an agency's token from `ip` (scrypt on the libuv pool; repeated failures are throttled). */
  async check(agencyId: string, token: string, ip: string): Promise<AuthResult> {
    const agency = this.#opts.agencies.get(agencyId);
    // A missing agency still costs one scrypt, so timing does not tell which agencies exist.
    const hash = agency?.tokenHash ?? UNKNOWN_AGENCY_HASH;
    const r = await checkToken(this.#gate, this.#verifier, ip, token, hash, this.#now);
    if (r === 'throttled')
      return { ok: false, code: 'AUTH_FAILED', reason: 'too many failed attempts from this address' };
    if (r === 'busy')
      return { ok: false, code: 'SERVER_FULL', reason: 'too many logins in progress: retry later' };
    if (agency === undefined || r !== 'ok' || !agency.allowsAddress(ip)) {
      return { ok: false, code: 'AUTH_FAILED', reason: 'unknown agency, wrong token or address not allowed' };
    }
    return this.#permitted(agency);
  }

  /** A new login session for `agency`: the Set-Cookie header value. */
  open(agency: AgencyAccess): string {
    const sid = randomBytes(32).toString('base64url');
    this.#sweep();
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    this.#sessions.set(digest(sid), { agency: agency.id, expiresMs: this.#now() + this.#opts.ttlMs });
    return this.#cookie(sid, Math.floor(this.#opts.ttlMs / 1000));
  }

  /** Ends the request's login session; the Set-Cookie header value that clears it. */
  close(req: IncomingMessage): string {
    const sid = cookieValue(req, SESSION_COOKIE);
    if (sid !== undefined) this.#sessions.delete(digest(sid));
    return this.#cookie('', 0);
  }

  /** The agency of a request: anonymous, its session cookie, or its bearer token. */
  async identify(req: IncomingMessage): Promise<AuthResult> {
    const ip = remoteAddress(req);
    const anonymous = this.#opts.anonymousAgency;
    if (anonymous !== undefined) {
      const agency = this.#opts.agencies.get(anonymous)!;
      if (!agency.allowsAddress(ip)) return { ok: false, code: 'AUTH_FAILED', reason: 'address not allowed' };
      return this.#permitted(agency);
    }
    const bearer = /^Bearer ([^:\s]+):(\S+)$/.exec(req.headers.authorization ?? '');
    if (bearer !== null) return this.check(bearer[1]!, bearer[2]!, ip);
    const sid = cookieValue(req, SESSION_COOKIE);
    const session = sid === undefined ? undefined : this.#sessions.get(digest(sid));
    if (session === undefined || session.expiresMs <= this.#now()) {
      return { ok: false, code: 'AUTH_FAILED', reason: 'not logged in' };
    }
    // The configuration is fixed for the server's life, so the agency of a live session exists.
    const agency = this.#opts.agencies.get(session.agency)!;
    if (!agency.allowsAddress(ip)) return { ok: false, code: 'AUTH_FAILED', reason: 'address not allowed' };
    return this.#permitted(agency);
  }

  #permitted(agency: AgencyAccess): AuthResult {
    if (!agency.streams.has('parameters')) {
      return { ok: false, code: 'FORBIDDEN', reason: `agency ${agency.id} may not receive parameters` };
    }
    return { ok: true, agency };
  }

  #cookie(value: string, maxAgeSec: number): string {
    const secure = this.#opts.secureCookie ? '; Secure' : '';
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure}`;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [k, s] of this.#sessions) if (s.expiresMs <= now) this.#sessions.delete(k);
  }
}

/** A valid hash no token matches in practice (random salt and key), verified for unknown agencies. */
const UNKNOWN_AGENCY_HASH = [
  'scrypt',
  16384,
  8,
  1,
  randomBytes(16).toString('base64'),
  randomBytes(32).toString('base64'),
].join('$');
