// A real SCS server for tests written in another language (the Python client's pytest suite,
// clients/python/tests): `node test/support/py-server.ts '<options JSON>'` starts one on free
// loopback ports with the test agencies and an injecting source, prints one JSON line
// {port, httpPort, stateDir, names} when it listens, then serves commands, one JSON line each on
// stdin, answered by one JSON line on stdout ({id, ok: true, …} or {id, error}):
//   {op: 'inject', records: [{kind: 'frame', n, vcid?} | {kind: 'packet', n, apid, vcid?}
//        | {kind: 'sample', param, eng} | {kind: 'event', severity, message}]}  → {erts}
//        (each may carry `ert`, µs, instead of the helper's own)
//   {op: 'link', up}                    the acquisition link up or down (heartbeat states)
//   {op: 'archived', stream, seq}       waits until the archive holds `seq` of `stream`
//   {op: 'restart'}                     a clean stop, then a new server on the same port and state
//   {op: 'close'}                       a clean stop (BYE SHUTDOWN to every client), then exit
// Closing stdin (the test process ended) stops the server too: no orphan servers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SIM_DICTIONARY } from '../../src/acquisition/sim-dictionary.ts';
import { ArchiveReader } from '../../src/archive/query.ts';
import type { ScsServer } from '../../src/server/server.ts';
import {
  event,
  frame,
  packet,
  sample,
  startTestServer,
  type TestServerOptions,
  testAgencies,
  testHash,
} from './server.ts';

/** `ert` (µs) replaces the helper's own (packets: scet moves with it), for paced archive replays. */
type Kind = { ert?: number } & (
  | { kind: 'frame'; n: number; vcid?: number }
  | { kind: 'packet'; n: number; apid: number; vcid?: number }
  | { kind: 'sample'; param: number; eng: number }
  | { kind: 'event'; severity: 'INFO' | 'WARNING' | 'ALARM' | 'CRITICAL'; message: string }
);

interface Command {
  id: number;
  op: string;
  records?: Kind[];
  up?: boolean;
  stream?: 'frames' | 'packets' | 'parameters' | 'events';
  seq?: number;
}

/**
 * Options: TestServerOptions, with `agencies` merged over the test agencies by name; an agency
 * given with `token` (plain text, test only) gets its `tokenHash` here.
 */
const opts = JSON.parse(process.argv[2] ?? '{}') as TestServerOptions;
const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'scs-py-'));
const agencies: Record<string, unknown> = testAgencies();
for (const [name, a] of Object.entries(opts.agencies ?? {})) {
  const { token, ...rest } = a as { token?: string };
  agencies[name] = token === undefined ? rest : { ...rest, tokenHash: testHash(token) };
}

async function start(port: number): Promise<ScsServer> {
  return startTestServer({ ...opts, stateDir, agencies, server: { ...opts.server, port } });
}

function built(r: Kind) {
  const b = made(r);
  if (r.ert === undefined) return b;
  if ('time' in b.rec) b.rec.time = r.ert;
  else {
    if ('scet' in b.rec) b.rec.scet = r.ert - 500_000;
    b.rec.ert = r.ert;
  }
  return b;
}

function made(r: Kind) {
  switch (r.kind) {
    case 'frame':
      return frame(r.n, r.vcid ?? 0);
    case 'packet':
      return packet(r.n, r.apid, r.vcid ?? 1);
    case 'sample':
      return sample(r.param, r.eng);
    case 'event':
      return event(r.severity, r.message);
    default:
      throw new Error(`unknown record kind ${(r as { kind: string }).kind}`);
  }
}

async function archived(stream: NonNullable<Command['stream']>, seq: number): Promise<void> {
  const path = join(stateDir, 'archive.sqlite');
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const reader = new ArchiveReader(path);
      const last = reader.lastSeq(stream);
      reader.close();
      if (last >= seq) return;
    } catch {
      // Not created yet.
    }
    if (Date.now() > deadline) throw new Error(`${stream} seq ${seq} not archived within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server = await start((opts.server?.port as number | undefined) ?? 0);
const port = server.port;
const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
say({ port, httpPort: server.httpPort, stateDir, names: SIM_DICTIONARY.map((p) => p.name) });

let closing: Promise<void> | undefined;
const stop = () => {
  closing ??= server.close().then(() => process.exit(0));
  return closing;
};

async function handle(c: Command): Promise<Record<string, unknown>> {
  switch (c.op) {
    case 'inject': {
      const records = (c.records ?? []).map(built);
      await server.inject(records);
      return { erts: records.map((r) => ('ert' in r.rec ? r.rec.ert : r.rec.time)) };
    }
    case 'link':
      server.setLink(c.up ?? true);
      return {};
    case 'archived':
      await archived(c.stream ?? 'frames', c.seq ?? 0);
      return {};
    case 'restart':
      await server.close();
      server = await start(port);
      return { port: server.port };
    case 'close':
      await stop();
      return {};
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

// One command at a time, in order: a test's inject after its restart lands on the new server.
let queue: Promise<unknown> = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  queue = queue.then(async () => {
    let c: Command = { id: -1, op: '' };
    try {
      c = JSON.parse(line) as Command;
      say({ id: c.id, ok: true, ...(await handle(c)) });
    } catch (err) {
      say({ id: c.id, error: (err as Error).message });
    }
  });
});
lines.on('close', () => void stop());
