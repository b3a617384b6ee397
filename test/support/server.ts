// A real SCS server for end-to-end tests: port 0, a temporary state dir, an injecting
// test source, and agencies with known tokens.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Message, ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { RequestBody } from '../../protocol/types.ts';
import { hashToken } from '../../src/config/token.ts';
import { type ScsServer, type SourceChoice, startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';

const hashes = new Map<string, string>();
/** scrypt is slow on purpose: hash each test token once per run. */
export function testHash(token: string): string {
  let h = hashes.get(token);
  if (!h) {
    h = hashToken(token);
    hashes.set(token, h);
  }
  return h;
}

const ALL_STREAMS = ['frames', 'packets', 'parameters', 'events'];

export function testAgencies(): Record<string, unknown> {
  return {
    alpha: {
      tokenHash: testHash('alpha-secret'),
      maxConnections: 10,
      streams: ALL_STREAMS,
      parameters: ['*'],
    },
    beta: {
      tokenHash: testHash('beta-secret'),
      maxConnections: 50,
      streams: ['parameters', 'events'],
      parameters: ['EPS.*'],
    },
    remote: {
      tokenHash: testHash('remote-secret'),
      maxConnections: 5,
      streams: ALL_STREAMS,
      allowFrom: ['10.0.0.0/8'],
    },
    gamma: {
      tokenHash: testHash('gamma-secret'),
      maxConnections: 200,
      streams: ALL_STREAMS,
      parameters: ['*'],
    },
  };
}

export interface TestServerOptions {
  server?: Record<string, unknown>;
  session?: Record<string, unknown>;
  agencies?: Record<string, unknown>;
  source?: SourceChoice;
  archive?: Record<string, unknown>;
  ring?: Record<string, unknown>;
  /** Reuse a state dir (client ids, archive) across server runs. */
  stateDir?: string;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<ScsServer> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'scs-test-'));
  return startServer({
    config: {
      server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 2, stateDir, ...opts.server },
      session: { ...opts.session },
      agencies: opts.agencies ?? testAgencies(),
      simulator: { enabled: false },
      archive: { enabled: false, ...opts.archive },
      ...(opts.ring ? { ring: opts.ring } : {}),
      log: { level: process.env.SCS_TEST_LOG ?? 'silent' },
    },
    source: opts.source ?? { kind: 'test', options: { mode: 'inject' } },
    logger: process.env.SCS_TEST_LOG ? undefined : silentLogger(),
  });
}

/**
 * A server from a configuration of the test's own: free loopback ports, a fresh state dir, one
 * actor, the test agencies, no archive and silent logs, unless `config` says otherwise (its
 * `server` section is merged field by field, every other section replaces the default one).
 * The source is the configuration's (simulator or links) unless `source` is given.
 */
export function startConfiguredServer(
  config: Record<string, unknown> = {},
  source?: SourceChoice,
): Promise<ScsServer> {
  const { server, ...sections } = config;
  return startServer({
    config: {
      server: {
        port: 0,
        httpPort: 0,
        host: '127.0.0.1',
        actors: 1,
        stateDir: mkdtempSync(join(tmpdir(), 'scs-test-')),
        ...(server as Record<string, unknown> | undefined),
      },
      agencies: testAgencies(),
      archive: { enabled: false },
      log: { level: 'silent' },
      ...sections,
    },
    ...(source === undefined ? {} : { source }),
    logger: silentLogger(),
  });
}

export function request(overrides: Partial<RequestBody> = {}): RequestBody {
  return {
    agency: 'alpha',
    token: 'alpha-secret',
    client: 'mocha',
    stream: 'frames',
    mode: 'realtime',
    ...overrides,
  };
}

export async function connect(server: ScsServer): Promise<ScsClient> {
  return ScsClient.connect({ port: server.port });
}

/**
 * A read that lost a race against a timeout is still pending and will take the next
 * message; it is kept here and awaited by the next call instead of being dropped.
 */
const pendingReads = new WeakMap<ScsClient, Promise<Message | undefined>>();

/** The next message within `ms`, or 'timeout' (the message is not lost: see pendingReads). */
export async function readWithin(client: ScsClient, ms: number): Promise<Message | undefined | 'timeout'> {
  const pending = pendingReads.get(client) ?? client.read();
  pendingReads.set(client, pending);
  let timer: NodeJS.Timeout | undefined;
  const m = await Promise.race([
    pending,
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms))),
  ]);
  clearTimeout(timer);
  if (m !== 'timeout') pendingReads.delete(client);
  return m;
}

/** Next message of a type, skipping others (e.g. HEARTBEAT); fails after `ms`. */
export async function nextOfType(client: ScsClient, type: number, ms = 5000): Promise<Message> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no message of type 0x${type.toString(16)} within ${ms} ms`);
    const m = await readWithin(client, left);
    if (m === 'timeout') continue;
    if (m === undefined) throw new Error(`connection closed while waiting for type 0x${type.toString(16)}`);
    if (m.type === type) return m;
  }
}

/** Collects DATA records until `count` arrived. */
export async function collectRecords(
  client: ScsClient,
  count: number,
  ms = 5000,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  while (out.length < count) {
    const m = await nextOfType(client, MessageType.DATA, ms);
    out.push(...((m.body!.records as Record<string, unknown>[]) ?? []));
  }
  return out;
}

let nextErt = Date.now() * 1000;
/** A frames record for inject(); `data` bytes derived from `n` so content can be checked. */
export function frame(n: number, vcid = 0, length = 64) {
  nextErt += 10;
  return {
    stream: 'frames' as const,
    rec: {
      ert: nextErt,
      station: 'TEST',
      scid: 42,
      vcid,
      vcfc: n & 0xffffff,
      quality: 0,
      data: new Uint8Array(length).fill(n & 0xff),
    },
  };
}

export function packet(n: number, apid: number, vcid = 1) {
  nextErt += 10;
  return {
    stream: 'packets' as const,
    rec: {
      ert: nextErt,
      scet: nextErt - 500_000,
      station: 'TEST',
      scid: 42,
      vcid,
      apid,
      ssc: n & 0x3fff,
      quality: 0,
      data: new Uint8Array(16).fill(n & 0xff),
    },
  };
}

export function sample(param: number, eng: number) {
  nextErt += 10;
  return {
    stream: 'parameters' as const,
    rec: {
      param,
      scet: nextErt - 500_000,
      ert: nextErt,
      raw: Math.round(eng * 100),
      eng,
      limit: 'OK' as const,
      quality: 0,
    },
  };
}

export function event(severity: 'INFO' | 'WARNING' | 'ALARM' | 'CRITICAL', message: string) {
  nextErt += 10;
  return {
    stream: 'events' as const,
    rec: { time: nextErt, severity, source: 'test', type: 'TEST', message },
  };
}
