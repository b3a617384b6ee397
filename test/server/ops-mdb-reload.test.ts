// The mission database changed through the real ops endpoint while clients are connected: a
// reload takes effect on the same TCP connection, a bad database is refused with its errors
// and the old one keeps decommutating, and an acquisition-thread crash keeps the operator's
// reload and overrides.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import { type ScsServer, startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';
import {
  collectRecords,
  connect,
  frame,
  nextOfType,
  readWithin,
  request,
  sample,
  testAgencies,
} from '../support/server.ts';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function call(server: ScsServer, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      authorization: `Basic ${Buffer.from('alpha:alpha-secret').toString('base64')}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = httpRequest({ host: '127.0.0.1', port: server.httpPort, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        }),
      );
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

type Doc = { version: string; parameters: Record<string, Record<string, unknown>> };

function operatorAgencies(): Record<string, unknown> {
  const agencies = testAgencies() as Record<string, Record<string, unknown>>;
  agencies.alpha!.roles = ['operator'];
  return agencies;
}

async function start(dir: string, simulator: boolean): Promise<ScsServer> {
  return startServer({
    config: {
      server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 1, stateDir: dir },
      agencies: operatorAgencies(),
      simulator: { enabled: simulator, frameRateHz: 50, dataBreaks: { everySec: 0 } },
      archive: { enabled: false },
      mdb: { file: join(dir, 'db.json') },
      log: { level: 'silent' },
    },
    ...(simulator ? {} : { source: { kind: 'test', options: { mode: 'inject' } } }),
    logger: silentLogger(),
  });
}

/** The next `EPS.BUS_V` eng values from a parameters subscription. */
async function busVoltages(c: ScsClient, count: number): Promise<number[]> {
  const recs = await collectRecords(c, count);
  return recs.map((r) => r.eng as number);
}

/** The next event whose type starts with `MDB_`, skipping the simulator's own events. */
async function nextMdbEvent(c: ScsClient): Promise<Record<string, unknown>> {
  for (;;) {
    const m = await nextOfType(c, MessageType.DATA, 10_000);
    const found = (m.body!.records as Record<string, unknown>[]).find((r) =>
      String(r.type).startsWith('MDB_'),
    );
    if (found !== undefined) return found;
  }
}

describe('server/ops-mdb reload and restart', () => {
  it('reloads without dropping a connected client; a bad database is refused with its errors and the old stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-mdb-reload-'));
    const demo = JSON.parse(readFileSync(DEMO_MISSION_FILE, 'utf8')) as Doc;
    writeFileSync(join(dir, 'db.json'), JSON.stringify(demo));
    // EPS.BUS_V calibrated to a constant: unmistakable on the wire.
    const constant = structuredClone(demo);
    constant.version = 'constant';
    constant.parameters['EPS.BUS_V']!.calibration = { type: 'polynomial', coefficients: [77, 0] };
    writeFileSync(join(dir, 'constant.json'), JSON.stringify(constant));
    const broken = structuredClone(constant);
    broken.parameters['EPS.BUS_V']!.unit = 5;
    broken.parameters['EPS.BUS_I']!.limits = { alarm: { high: 'hot' } };
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));

    const server = await start(dir, true);
    const c = await connect(server);
    try {
      const ack = await c.request(request({ stream: 'parameters', filter: { parameters: ['EPS.BUS_V'] } }));
      expect(ack.parameters).to.deep.equal(['EPS.BUS_V']);
      const nominal = await busVoltages(c, 2);
      expect(
        nominal.every((v) => v > 20 && v < 40),
        String(nominal),
      ).to.equal(true);

      const bad = await call(server, 'POST', '/mdb/reload', { file: 'broken.json' });
      expect(bad.status).to.equal(422);
      expect(bad.body).to.include({ ok: false, code: 'ERR_MDB_INVALID' });
      const errors = bad.body.errors as { parameter?: string; rule: string }[];
      expect(errors.map((e) => e.parameter)).to.include.members(['EPS.BUS_V', 'EPS.BUS_I']);
      // The demo database still decommutates, on the same connection.
      const after = await busVoltages(c, 2);
      expect(
        after.every((v) => v > 20 && v < 40),
        String(after),
      ).to.equal(true);
      const inForce = await call(server, 'GET', '/mdb/overrides');
      expect(inForce.body.database).to.include({ version: demo.version });

      const ok = await call(server, 'POST', '/mdb/reload', { file: 'constant.json' });
      expect(ok.status).to.equal(200);
      expect(ok.body.database).to.include({ version: 'constant' });
      // The samples decoded before the swap may still be in flight; the new ones follow them.
      let values: number[] = [];
      for (let i = 0; i < 40 && !values.includes(77); i++) values = await busVoltages(c, 1);
      expect(values).to.deep.equal([77]);
      expect(await busVoltages(c, 2)).to.deep.equal([77, 77]);
      // Nothing in between told the client to go: no BYE, no NAK, the connection reads on.
      expect(await readWithin(c, 50)).to.not.equal(undefined);
    } finally {
      c.destroy();
      await server.close();
    }
  });

  it("re-applies an operator's reload and overrides to an acquisition thread restarted after a crash", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-mdb-restart-'));
    const demo = JSON.parse(readFileSync(DEMO_MISSION_FILE, 'utf8')) as Doc;
    writeFileSync(join(dir, 'db.json'), JSON.stringify(demo));
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ ...demo, version: 'v2' }));
    const server = await start(dir, false);
    const events = await connect(server);
    try {
      await events.request(request({ stream: 'events' }));
      expect((await call(server, 'POST', '/mdb/reload', { file: 'v2.json' })).status).to.equal(200);
      const limits = { alarm: { high: 30 } };
      expect(
        (await call(server, 'POST', '/mdb/limits', { parameter: 'THERM.BATT_T', limits })).status,
      ).to.equal(200);
      const switched = { list: 'THERMAL', enabled: false };
      expect((await call(server, 'POST', '/mdb/limit-checking', switched)).status).to.equal(200);
      const cal = { type: 'polynomial', coefficients: [1, 2] };
      expect(
        (await call(server, 'POST', '/mdb/calibration', { parameter: 'EPS.BUS_I', calibration: cal })).status,
      ).to.equal(200);
      const before = (await call(server, 'GET', '/mdb/overrides')).body;
      await collectRecords(events, 4);

      // A sample for a parameter index the dictionary lacks makes the source fail: the thread dies.
      const crash = sample(0, 1);
      crash.rec.param = 10_000;
      await server.inject([crash]).catch(() => undefined);
      // Restarted (after 0.5 s) once an injection goes through again.
      let restarted = false;
      for (let i = 0; i < 50 && !restarted; i++) {
        await new Promise((r) => setTimeout(r, 100));
        restarted = await server.inject([frame(1)]).then(
          () => true,
          () => false,
        );
      }
      expect(restarted).to.equal(true);
      const after = await call(server, 'GET', '/mdb/overrides');
      expect(after.status).to.equal(200);
      expect(after.body).to.deep.equal(before);
      expect(after.body.database).to.include({ version: 'v2' });
      // Each override is raised again, saying why. The reloaded database itself is not
      // reloaded again: the restarted thread starts from its text, so no second MDB_RELOADED.
      const types: string[] = [];
      for (let i = 0; i < 20 && types.length < 3; i++) {
        const m = await nextOfType(events, MessageType.DATA);
        for (const r of m.body!.records as Record<string, unknown>[]) {
          if (String(r.message).endsWith('(by re-applied after restart)')) types.push(String(r.type));
        }
      }
      expect(types).to.deep.equal(['LIMIT_CHECKING_DISABLED', 'LIMITS_CHANGED', 'CALIBRATION_CHANGED']);
    } finally {
      events.destroy();
      await server.close();
    }
  });

  it('scs serve reloads on SIGHUP without dropping a connected client, and refuses a bad database', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'ops-mdb-sighup-'));
    const demo = JSON.parse(readFileSync(DEMO_MISSION_FILE, 'utf8')) as Doc;
    const file = join(dir, 'db.json');
    writeFileSync(file, JSON.stringify(demo));
    const config = join(dir, 'scs.json');
    writeFileSync(
      config,
      JSON.stringify({
        server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 1, stateDir: dir, heartbeatMs: 500 },
        agencies: testAgencies(),
        archive: { enabled: false },
        mdb: { file },
        log: { level: 'info' },
      }),
    );
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, [cli, 'serve', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const line = buf.split('\n').find((l) => l.includes('"SCS listening"'));
          if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
        });
        void exited.then((code) => reject(new Error(`server exited with ${code}`)));
      });
      const c = await ScsClient.connect({ port });
      try {
        await c.request(request({ stream: 'events' }));
        writeFileSync(file, JSON.stringify({ ...demo, version: 'after-hup' }));
        child.kill('SIGHUP');
        const reloaded = await nextMdbEvent(c);
        expect(reloaded).to.include({ type: 'MDB_RELOADED', severity: 'INFO', source: 'mdb' });
        expect(reloaded.message).to.match(/after-hup .*\(by SIGHUP\)$/);
        writeFileSync(file, '{ "name": "broken" ');
        child.kill('SIGHUP');
        const refused = await nextMdbEvent(c);
        expect(refused).to.include({ type: 'MDB_RELOAD_REFUSED', severity: 'WARNING' });
        expect(refused.message).to.match(/after-hup stays in force \(by SIGHUP\)$/);
        // The same connection goes on receiving.
        expect((await nextOfType(c, MessageType.HEARTBEAT, 10_000)).type).to.equal(MessageType.HEARTBEAT);
      } finally {
        c.destroy();
      }
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
