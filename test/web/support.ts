// Helpers of the display tests: parameter samples at chosen times, and HTTP with an agency.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { ScsServer } from '../../src/server/server.ts';
import { startConfiguredServer } from '../support/server.ts';

/** Parameter names by index, as the server under test has them. */
let names: string[] = [];

/** Makes sampleAt() use the dictionary of the server on `port` (alpha sees every parameter, in index order). */
export async function useDictionaryOf(port: number): Promise<void> {
  const r = await http(port, '/display/dictionary.json', { headers: bearer('alpha') });
  names = (JSON.parse(r.body) as { parameters: { key: string }[] }).parameters.map((p) => p.key);
}

/** A parameters record for inject() with an explicit ERT (µs). */
export function sampleAt(name: string, eng: number, ertUs: number, limit: 'OK' | 'ALARM_HIGH' = 'OK') {
  const param = names.indexOf(name);
  if (param < 0) throw new Error(`no parameter ${name} in the server's dictionary`);
  return {
    stream: 'parameters' as const,
    rec: { param, scet: ertUs - 1000, ert: ertUs, raw: Math.round(eng * 1000), eng, limit, quality: 0 },
  };
}

export function bearer(agency: string): Record<string, string> {
  return { authorization: `Bearer ${agency}:${agency}-secret` };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function http(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The login form's CSRF token and its cookie (name=value), as a browser gets them. */
export async function loginForm(port: number): Promise<{ csrf: string; cookie: string }> {
  const form = await http(port, '/display/login');
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (csrf === undefined) throw new Error(`no CSRF token in the login form (HTTP ${form.status})`);
  return { csrf, cookie: cookieOf(form) };
}

/** Logs `agency` in through the form, as a browser does (form page first, then its POST). */
export async function login(port: number, agency: string, token = `${agency}-secret`): Promise<Reply> {
  const form = await loginForm(port);
  return http(port, '/display/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
    body: new URLSearchParams({ agency, token, csrf: form.csrf }).toString(),
  });
}

export function cookieOf(reply: Reply): string {
  const set = reply.headers['set-cookie']?.[0];
  if (set === undefined) throw new Error(`no session cookie (HTTP ${reply.status})`);
  return set.split(';', 1)[0]!;
}

/** Polls `check` every 20 ms until it is true or `ms` pass. */
export async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** startTestServer's server (port 0, temporary state, injecting test source) with a `display` section. */
export function startDisplayServer(
  opts: {
    display?: Record<string, unknown>;
    agencies?: Record<string, unknown>;
    archive?: boolean;
    server?: Record<string, unknown>;
  } = {},
): Promise<ScsServer> {
  return startConfiguredServer(
    {
      server: { shutdownMs: 0, ...opts.server },
      ...(opts.agencies === undefined ? {} : { agencies: opts.agencies }),
      simulator: { enabled: false },
      archive: { enabled: opts.archive ?? false, commitMs: 20 },
      display: { ...opts.display },
    },
    { kind: 'test', options: { mode: 'inject' } },
  );
}
