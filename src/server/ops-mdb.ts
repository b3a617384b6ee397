// Mission-database control on the ops HTTP endpoint: reload, limit checking, temporary limit and
// calibration changes, and the overrides in force. Authenticated with an agency's own token
// (HTTP Basic, `agency:token`) and allowed to agencies with the `operator` role only. Requests are
// forwarded to the acquisition thread (MdbControl), which validates, applies, logs and raises
// the event; this module only authenticates, bounds and shapes them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv, type SchemaObject } from 'ajv';
import { AuthGate, type AuthGateBuffers, checkToken } from '../admission/auth-gate.ts';
import { compileAgencies } from '../config/access.ts';
import type { Config } from '../config/schema.ts';
import { TokenVerifier } from '../config/token.ts';
import type { Logger } from '../util/logger.ts';
import type { OpsRoute } from './ops-http.ts';
import { sendJson } from './ops-http.ts';

/** Largest request body: a spline of a few thousand points fits; anything larger is refused unread. */
export const MAX_MDB_BODY = 256 * 1024;

/**
 * Deepest nesting of a body's arrays and objects: a limits or calibration body needs about 5.
 * A deeper one is refused before parsing: copying it to the acquisition thread and validating
 * it there recurse once per level and would overflow the stack on a body within the size bound.
 */
export const MAX_MDB_BODY_DEPTH = 16;

export const OpsMdbCode = {
  ERR_OPS_UNAUTHENTICATED: 'ERR_OPS_UNAUTHENTICATED',
  ERR_OPS_FORBIDDEN: 'ERR_OPS_FORBIDDEN',
  ERR_OPS_NOT_FOUND: 'ERR_OPS_NOT_FOUND',
  ERR_OPS_METHOD: 'ERR_OPS_METHOD',
  ERR_OPS_BODY: 'ERR_OPS_BODY',
  ERR_OPS_TOO_LARGE: 'ERR_OPS_TOO_LARGE',
  ERR_OPS_BUSY: 'ERR_OPS_BUSY',
} as const;

export interface OpsMdbOptions {
  readonly config: Pick<Config, 'agencies'>;
  /** Sends a request to the acquisition thread's MdbControl (AcquisitionThread.control). */
  readonly control: (msg: unknown) => Promise<unknown>;
  readonly log: Logger;
  /** The process's token-check gate, shared with the TCP port and the display login. */
  readonly authGate?: AuthGateBuffers;
}

interface Route {
  readonly method: 'GET' | 'POST';
  readonly body?: SchemaObject;
  /** The control request for a validated body. */
  readonly request: (body: Record<string, unknown>) => Record<string, unknown>;
}

const nullable = { anyOf: [{ type: 'null' }, { type: 'object' }] };
const name = { type: 'string', minLength: 1, maxLength: 128 };
const body = (required: string[], properties: Record<string, SchemaObject>): SchemaObject => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

const ROUTES: Readonly<Record<string, Route>> = {
  '/mdb/reload': {
    method: 'POST',
    body: body([], { file: { type: 'string', minLength: 1, maxLength: 256 } }),
    request: (b) => ({ op: 'reload', ...b }),
  },
  '/mdb/limit-checking': {
    method: 'POST',
    body: body(['enabled'], { enabled: { type: 'boolean' }, parameter: name, list: name }),
    request: (b) => ({ op: 'limitChecking', ...b }),
  },
  '/mdb/limits': {
    method: 'POST',
    body: body(['parameter', 'limits'], { parameter: name, limits: nullable }),
    request: ({ parameter, limits }) =>
      limits === null ? { op: 'restoreLimits', parameter } : { op: 'setLimits', parameter, limits },
  },
  '/mdb/calibration': {
    method: 'POST',
    body: body(['parameter', 'calibration'], { parameter: name, calibration: nullable }),
    request: ({ parameter, calibration }) =>
      calibration === null
        ? { op: 'restoreCalibration', parameter }
        : { op: 'setCalibration', parameter, calibration },
  },
  '/mdb/overrides': { method: 'GET', request: () => ({ op: 'overrides' }) },
};

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = new Map(
  Object.entries(ROUTES).flatMap(([path, r]) => (r.body === undefined ? [] : [[path, ajv.compile(r.body)]])),
);

/** HTTP status of a refused control request, by its code. */
const STATUS: Readonly<Record<string, number>> = {
  ERR_MDB_CONTROL_INVALID: 400,
  ERR_MDB_UNKNOWN_PARAMETER: 404,
  ERR_MDB_UNKNOWN_LIST: 404,
  ERR_MDB_RESTART_REQUIRED: 409,
  ERR_NO_MDB: 409,
  ERR_MDB_NOT_FOUND: 422,
  ERR_MDB_PARSE: 422,
  ERR_MDB_INVALID: 422,
  ERR_MDB_XTCE_UNSUPPORTED: 422,
  ERR_ACQUISITION_NOT_RUNNING: 503,
};

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { ok: false, code, errors: [{ path: '', rule: code, message }] });
}

/** `agency:token` of an HTTP Basic authorization header; undefined when absent or malformed. */
function credentials(req: IncomingMessage): { agency: string; token: string } | undefined {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Basic ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (m === null) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { agency: text.slice(0, colon), token: text.slice(colon + 1) };
}

/** Reads a JSON body of at most MAX_MDB_BODY bytes; null (after answering) when it cannot. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_MDB_BODY) {
    res.setHeader('connection', 'close');
    refuse(res, 413, OpsMdbCode.ERR_OPS_TOO_LARGE, `the body must be at most ${MAX_MDB_BODY} bytes`);
    return null;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A chunked body has no declared length: stop reading once it is too large.
    if (size > MAX_MDB_BODY) {
      res.setHeader('connection', 'close');
      refuse(res, 413, OpsMdbCode.ERR_OPS_TOO_LARGE, `the body must be at most ${MAX_MDB_BODY} bytes`);
      req.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    refuse(res, 415, OpsMdbCode.ERR_OPS_BODY, 'the body must be application/json');
    return null;
  }
  if (nesting(text) > MAX_MDB_BODY_DEPTH) {
    refuse(res, 400, OpsMdbCode.ERR_OPS_BODY, `the body must nest at most ${MAX_MDB_BODY_DEPTH} levels deep`);
    return null;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    refuse(res, 400, OpsMdbCode.ERR_OPS_BODY, `the body is not JSON: ${(err as Error).message}`);
    return null;
  }
}

/** The deepest nesting of `[` and `{` in JSON text, outside strings (malformed text is JSON.parse's to refuse). */
function nesting(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** The `/mdb/…` routes; other paths are left to the next route. */
export function opsMdbRoute(opts: OpsMdbOptions): OpsRoute {
  const agencies = compileAgencies(opts.config);
  const verifier = new TokenVerifier();
  const gate = new AuthGate(opts.authGate);
  const { log } = opts;
  return async (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path !== '/mdb' && !path.startsWith('/mdb/')) return false;
    const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
    if (route === undefined) {
      refuse(res, 404, OpsMdbCode.ERR_OPS_NOT_FOUND, `no such mission-database operation: ${path}`);
      return true;
    }
    if (req.method !== route.method) {
      res.setHeader('allow', route.method);
      refuse(res, 405, OpsMdbCode.ERR_OPS_METHOD, `${path} takes ${route.method}`);
      return true;
    }
    // Authentication before the body is read: an anonymous peer cannot make the server buffer.
    const who = credentials(req);
    const agency = who === undefined ? undefined : agencies.get(who.agency);
    // An unknown agency still pays one scrypt, so timing does not tell agency ids apart.
    const hash = agency?.tokenHash ?? UNKNOWN_AGENCY_HASH;
    // The same gate as the TCP port and the display login: attempts counted before scrypt.
    const remote = req.socket.remoteAddress ?? '';
    const checked =
      who === undefined ? 'bad' : await checkToken(gate, verifier, remote, who.token, hash, Date.now);
    if (checked === 'throttled' || checked === 'busy') {
      res.setHeader('retry-after', '10');
      refuse(res, 429, OpsMdbCode.ERR_OPS_BUSY, 'too many authentication attempts: retry later');
      return true;
    }
    // One answer for "not allowed" whatever the reason (no agency, wrong token, not an operator,
    // address not allowed): a valid token of another agency must not answer differently.
    const roles = agency === undefined ? [] : (opts.config.agencies[agency.id]?.roles ?? []);
    if (
      checked !== 'ok' ||
      agency === undefined ||
      !roles.includes('operator') ||
      !agency.allowsAddress(remote)
    ) {
      log.warn({ agency: who?.agency, remote, path, token: checked === 'ok' }, 'ops mdb: not allowed');
      res.setHeader('www-authenticate', 'Basic realm="scs-ops", charset="UTF-8"');
      refuse(
        res,
        401,
        OpsMdbCode.ERR_OPS_UNAUTHENTICATED,
        'an operator agency and its token are required (HTTP Basic)',
      );
      return true;
    }
    let input: Record<string, unknown> = {};
    if (route.method === 'POST') {
      const parsed = await readBody(req, res);
      if (parsed === null) return true;
      const validate = validators.get(path)!;
      if (!validate(parsed)) {
        const errors = (validate.errors ?? []).map((e) => ({
          path: e.instancePath,
          rule: e.keyword,
          message: e.message ?? 'is invalid',
        }));
        sendJson(res, 400, { ok: false, code: 'ERR_MDB_CONTROL_INVALID', errors });
        return true;
      }
      input = parsed as Record<string, unknown>;
    }
    const msg = { ...route.request(input), by: agency.id };
    let reply: unknown;
    try {
      reply = await opts.control(msg);
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? 'ERR_CONTROL_FAILED');
      log.error({ err, agency: agency.id, path }, 'ops mdb: control request failed');
      refuse(res, STATUS[code] ?? 500, code, (err as Error).message);
      return true;
    }
    const r = reply as { ok?: unknown; code?: unknown };
    const status = r.ok === true ? 200 : (STATUS[String(r.code)] ?? 500);
    log.info({ agency: agency.id, path, status, code: r.code }, 'ops mdb request');
    sendJson(res, status, reply);
    return true;
  };
}

/** A well-formed hash no token matches (random salt and key): verified against for unknown agencies. */
const UNKNOWN_AGENCY_HASH = `scrypt$16384$8$1$${Buffer.from('scs-unknown-agency').toString('base64')}$${Buffer.alloc(32, 0x5a).toString('base64')}`;
