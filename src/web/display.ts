// The Open MCT display, mounted on the ops HTTP server: routes, the /realtime WebSocket, and
// their life cycle. Routes (all but the login form need an identified agency):
//   GET  /                         → /display/
//   GET  /display/login, POST /display/login, POST /display/logout
//   GET  /display/                 the page (Open MCT + the SCS plugin)
//   GET  /display/dictionary.json  the parameters this agency may see, as Open MCT metadata
//   GET  /display/openmct/*        Open MCT's distribution, unmodified
//   GET  /history/<id>?start=&end= archived points, ms, inclusive, ascending
//   GET  /history/<id>?start=&end=&strategy=minmax&size=  the same, min/max per time bucket
//   GET  /history/<id>?strategy=latest[&end=]  the newest value (at most end): the value table's,
//                                  else the archive's
//   WS   /realtime[?batch=1]       subscribe <id> / unsubscribe <id>
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { ParameterInfo } from '../acquisition/source.ts';
import { Admission, type AdmissionBuffers } from '../admission/admission.ts';
import type { AuthGateBuffers } from '../admission/auth-gate.ts';
import type { AgencyAccess } from '../config/access.ts';
import type { DisplayConfig } from '../config/schema.ts';
import { ActorMetrics, type MetricsBuffers } from '../metrics/counters.ts';
import type { RingSetBuffers } from '../ring/ring.ts';
import type { ValueTableBuffers } from '../ring/value-table.ts';
import type { OpsRoute, OpsUpgrade } from '../server/ops-http.ts';
import type { Logger } from '../util/logger.ts';
import { type Asset, loadAssets } from './assets.ts';
import { type AuthResult, WebAuth } from './auth.ts';
import { registerWebMetrics, WebCounters } from './counters.ts';
import { LoginCsrf } from './csrf.ts';
import { buildDictionary } from './dictionary.ts';
import { WebError, WebErrorCode } from './errors.ts';
import { sendJson, sendText, setSecurityHeaders } from './headers.ts';
import { History, type HistoryQuery, type RangeMode } from './history.ts';
import { loginPage } from './login.ts';
import { RealtimeHub } from './realtime.ts';

const MAX_FORM_BYTES = 4096;
/** Open MCT's own default `size` of a min/max request. */
const DEFAULT_PLOT_SIZE = 1000;
/** The shared metric region of the display must look alive, or an actor could take it over. */
const METRICS_TICK_MS = 1000;

export interface DisplayOptions {
  config: DisplayConfig;
  agencies: ReadonlyMap<string, AgencyAccess>;
  dictionary: readonly ParameterInfo[];
  rings: RingSetBuffers;
  valueTable: ValueTableBuffers;
  admission: AdmissionBuffers;
  /** First admission slot of the display (server.maxSockets: the listener uses those below). */
  slotBase: number;
  metrics: MetricsBuffers;
  registry: Registry;
  /** Runs a history read in the archive query pool; absent when the archive is disabled: history ranges are empty. */
  historyQuery?: HistoryQuery;
  /** The process's token-check gate (src/admission/auth-gate.ts). */
  authGate?: AuthGateBuffers;
  log: Logger;
}

export interface Display {
  readonly routes: readonly OpsRoute[];
  readonly upgrades: readonly OpsUpgrade[];
  close(): void;
}

/** Admission slots the display needs beyond the listener's. */
export function displaySlots(config: DisplayConfig): number {
  return config.enabled ? config.maxSessions : 0;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0]!;
}

/** Same-origin check for state-changing requests and WebSocket upgrades (no cross-site use of the cookie). */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function redirect(res: ServerResponse, location: string, extra: Record<string, string> = {}): void {
  setSecurityHeaders(res);
  res.writeHead(303, { location, 'content-length': 0, 'cache-control': 'no-store', ...extra });
  res.end();
}

function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped (the server's requestTimeout bounds it), so
    // the 413 can still be answered on the same connection.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_FORM_BYTES) chunks.push(c);
    });
    req.on('end', () =>
      resolve(size > MAX_FORM_BYTES ? null : new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
    );
    req.on('error', () => resolve(null));
  });
}

/** A path segment's text; null when its percent-encoding is malformed. */
function decodeSegment(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** Aborted when the HTTP client leaves before its reply is sent: its history read is dropped. */
function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** Open MCT plots ask `strategy=minmax` with `size` (their width in pixels; 1000 when unset). */
function rangeMode(strategy: string | null, size: string | null): RangeMode | null {
  if (strategy === null) return { kind: 'raw' };
  if (strategy !== 'minmax') return null;
  const buckets = size === null ? DEFAULT_PLOT_SIZE : Number(size);
  return Number.isSafeInteger(buckets) && buckets > 0 ? { kind: 'minmax', buckets } : null;
}

const REFUSAL_STATUS = { AUTH_FAILED: 401, FORBIDDEN: 403, SERVER_FULL: 503 } as const;

function refusal(res: ServerResponse, r: Extract<AuthResult, { ok: false }>): void {
  sendJson(res, REFUSAL_STATUS[r.code], { error: r.code, reason: r.reason });
}

/** What the schema cannot check of `display` (also run by `scs check-config`: src/server/preflight.ts). */
export function checkDisplayConfig(config: DisplayConfig, agencies: ReadonlyMap<string, unknown>): void {
  if (config.anonymousAgency !== undefined && !agencies.has(config.anonymousAgency)) {
    throw new WebError(
      WebErrorCode.ERR_WEB_CONFIG,
      `/display/anonymousAgency: no agency ${config.anonymousAgency} in /agencies`,
    );
  }
}

export function createDisplay(opts: DisplayOptions): Display {
  const { config, agencies, dictionary } = opts;
  checkDisplayConfig(config, agencies);
  const assets = loadAssets();
  const counters = new WebCounters();
  registerWebMetrics(opts.registry, counters);
  const metrics = ActorMetrics.claim(opts.metrics);
  const ticker = setInterval(() => metrics.tick(Date.now()), METRICS_TICK_MS).unref();
  const admission = new Admission(opts.admission);
  const auth = new WebAuth({
    agencies,
    ...(config.anonymousAgency === undefined ? {} : { anonymousAgency: config.anonymousAgency }),
    ttlMs: config.sessionTtlSec * 1000,
    secureCookie: config.secureCookie,
    ...(opts.authGate === undefined ? {} : { authGate: opts.authGate }),
  });
  const csrf = new LoginCsrf(config.secureCookie);
  const history = new History({
    ...(opts.historyQuery === undefined ? {} : { query: opts.historyQuery }),
    valueTable: opts.valueTable,
    dictionary,
    maxRows: config.maxHistoryRows,
  });
  const hub = new RealtimeHub({
    rings: opts.rings,
    dictionary,
    admission,
    slotBase: opts.slotBase,
    maxSessions: config.maxSessions,
    batchMs: config.batchMs,
    maxBufferedBytes: config.maxBufferedBytes,
    metrics,
    counters,
  });
  const index = new Map(dictionary.map((p, i) => [p.name, i]));

  const serveAsset = (res: ServerResponse, a: Asset, cache: boolean) => {
    sendText(res, 200, a.contentType, a.body, cache ? { 'cache-control': 'private, max-age=3600' } : {});
  };

  /** The login form with a new CSRF token; `message` says why it is shown again. */
  const loginForm = (res: ServerResponse, status: number, message?: string) => {
    const { token, cookie } = csrf.issue();
    sendText(res, status, 'text/html; charset=utf-8', loginPage(config.mission, token, message), {
      'set-cookie': cookie,
    });
  };

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    if (!sameOrigin(req)) return sendJson(res, 403, { error: 'FORBIDDEN', reason: 'cross-origin login' });
    const form = await readForm(req);
    if (form === null) return sendJson(res, 413, { error: 'TOO_LARGE', reason: 'login form too large' });
    if (!csrf.valid(req, form.get('csrf') ?? '')) {
      counters.logins.failed++;
      return loginForm(res, 403, 'The login form expired or came from another site: sign in again.');
    }
    const r = await auth.check(
      form.get('agency') ?? '',
      form.get('token') ?? '',
      req.socket.remoteAddress ?? '',
    );
    if (!r.ok) {
      counters.logins.failed++;
      metrics.nak(r.code);
      const message = r.code === 'AUTH_FAILED' ? 'Unknown agency or wrong token.' : r.reason;
      return loginForm(res, REFUSAL_STATUS[r.code], message);
    }
    counters.logins.ok++;
    opts.log.info({ agency: r.agency.id, remote: req.socket.remoteAddress }, 'display login');
    redirect(res, '/display/', { 'set-cookie': auth.open(r.agency) });
  };

  const latestRoute = async (res: ServerResponse, i: number, endText: string | null) => {
    const end = endText === null ? Number.POSITIVE_INFINITY : Number(endText);
    if (Number.isNaN(end) || end < 0) {
      return sendJson(res, 400, { error: 'INVALID_REQUEST', reason: 'end: ms since the epoch' });
    }
    const current = history.current(i, end);
    if (current !== null) return sendJson(res, 200, [current]);
    if (!history.accepting)
      return sendJson(res, 503, { error: 'SERVER_FULL', reason: 'too many history requests queued' });
    const r = await history.newestArchived(i, end, clientGone(res));
    sendText(res, 200, 'application/json; charset=utf-8', r.json);
  };

  const historyRoute = async (req: IncomingMessage, res: ServerResponse, agency: AgencyAccess) => {
    const url = new URL(req.url ?? '/', 'http://display');
    const id = decodeSegment(url.pathname.slice('/history/'.length));
    if (id === null)
      return sendJson(res, 400, { error: 'INVALID_REQUEST', reason: 'malformed parameter name' });
    const i = index.get(id);
    // A name outside the agency's globs answers as an unknown one: the agency cannot tell
    // hidden parameters from missing ones (its dictionary lists neither).
    if (i === undefined || !agency.parameterAllowed(id))
      return sendJson(res, 404, { error: 'UNKNOWN_PARAMETER', reason: `no parameter ${id}` });
    counters.historyRequests++;
    const strategy = url.searchParams.get('strategy');
    if (strategy === 'latest') return latestRoute(res, i, url.searchParams.get('end'));
    const mode = rangeMode(strategy, url.searchParams.get('size'));
    if (mode === null) {
      return sendJson(res, 400, {
        error: 'INVALID_REQUEST',
        reason: 'strategy: latest, minmax (with size, a positive integer) or none',
      });
    }
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    if (
      !(
        url.searchParams.has('start') &&
        url.searchParams.has('end') &&
        Number.isFinite(start) &&
        Number.isFinite(end) &&
        start >= 0 &&
        start <= end
      )
    ) {
      return sendJson(res, 400, {
        error: 'INVALID_REQUEST',
        reason: 'start and end: ms since the epoch, 0 <= start <= end',
      });
    }
    if (!history.accepting)
      return sendJson(res, 503, { error: 'SERVER_FULL', reason: 'too many history requests queued' });
    const r = await history.range(i, start, end, mode, clientGone(res));
    sendText(res, 200, 'application/json; charset=utf-8', r.json, {
      'x-scs-truncated': String(r.truncated),
      'x-scs-archive': String(history.archived),
    });
  };

  const route: OpsRoute = async (req, res) => {
    const path = pathOf(req);
    if (path === '/' || path === '/display') {
      redirect(res, '/display/');
      return true;
    }
    if (!(path.startsWith('/display/') || path.startsWith('/history/'))) return false;
    if (path === '/display/login' && req.method === 'POST') {
      await login(req, res);
      return true;
    }
    if (path === '/display/logout' && req.method === 'POST') {
      if (!sameOrigin(req)) sendJson(res, 403, { error: 'FORBIDDEN', reason: 'cross-origin logout' });
      else redirect(res, '/display/login', { 'set-cookie': auth.close(req) });
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      setSecurityHeaders(res);
      res.setHeader('allow', 'GET');
      sendJson(res, 405, { error: 'method not allowed' });
      return true;
    }
    if (path === '/display/login') {
      if (!auth.loginRequired) redirect(res, '/display/');
      else loginForm(res, 200);
      return true;
    }
    // The login form's own files: nothing the agency's rights protect.
    if (path === '/display/login.css' || path.startsWith('/display/openmct/favicons/')) {
      const asset = assets.get(path);
      if (asset === undefined) sendJson(res, 404, { error: 'not found' });
      else serveAsset(res, asset, true);
      return true;
    }
    const who = await auth.identify(req);
    if (!who.ok) {
      const page = path === '/display/' || path === '/display/index.html';
      if (page && who.code === 'AUTH_FAILED') redirect(res, '/display/login');
      else refusal(res, who);
      return true;
    }
    if (path === '/display/dictionary.json') {
      sendJson(res, 200, {
        ...buildDictionary(config.mission, dictionary, who.agency),
        login: auth.loginRequired,
      });
    } else if (path.startsWith('/history/')) {
      await historyRoute(req, res, who.agency);
    } else {
      const asset = assets.get(path === '/display/' ? '/display/index.html' : path);
      if (asset === undefined) sendJson(res, 404, { error: 'not found' });
      else serveAsset(res, asset, path.startsWith('/display/openmct/'));
    }
    return true;
  };

  const upgrade: OpsUpgrade = (req, socket: Socket, head) => {
    // The tutorial's client connects to /realtime/.
    if (pathOf(req) !== '/realtime' && pathOf(req) !== '/realtime/') return false;
    // Between here and ws's own handlers (identify is async) a reset would otherwise be an
    // unhandled 'error' event, which ends the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (!sameOrigin(req)) {
      refuse('403 Forbidden');
      return true;
    }
    auth
      .identify(req)
      .then((who) => {
        if (socket.destroyed) return;
        if (!who.ok) {
          metrics.nak(who.code);
          return refuse(
            {
              AUTH_FAILED: '401 Unauthorized',
              FORBIDDEN: '403 Forbidden',
              SERVER_FULL: '503 Service Unavailable',
            }[who.code],
          );
        }
        hub.accept(req, socket, head, who.agency);
      })
      .catch((err: unknown) => {
        opts.log.error({ err }, 'display upgrade failed');
        socket.destroy();
      });
    return true;
  };

  return {
    routes: [route],
    upgrades: [upgrade],
    close() {
      clearInterval(ticker);
      hub.close();
      history.close();
    },
  };
}
