import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import { startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { packet, testAgencies } from '../support/server.ts';

function config(stateDir: string, extra: Record<string, unknown>) {
  return {
    server: { port: 0, httpPort: 0, host: '127.0.0.1', actors: 1, stateDir },
    agencies: testAgencies(),
    simulator: { enabled: false },
    display: { enabled: false },
    log: { level: 'silent' },
    ...extra,
  };
}

describe('standing orders in the server', function () {
  this.timeout(20_000);

  it('runs a configured order on its schedule and delivers the packet file to a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scs-standing-'));
    const out = join(dir, 'out');
    mkdirSync(out);
    const server = await startServer({
      config: config(dir, {
        archive: { enabled: true, commitMs: 20 },
        standingOrders: [
          {
            id: 'every-second',
            every: 1,
            lag: 0,
            window: 60,
            stream: 'packets',
            format: 'packets',
            to: { dir: out },
          },
        ],
      }),
      source: { kind: 'test', options: { mode: 'inject' } },
      logger: silentLogger(),
    });
    try {
      // The next runs find this packet in their window (the last minute) once it is archived.
      // Stamped now: the builders' clock starts when the test files load, minutes before this
      // test in a full run, and the order's window is the last minute.
      const p = packet(7, 300);
      await server.inject([{ ...p, rec: { ...p.rec, ert: Date.now() * 1000 } }]);
      // Polled rather than fs.watch: a watcher can miss a rename that lands before it is set up.
      let packets: ReturnType<typeof decodePacketFile> = [];
      while (packets.length === 0) {
        await sleep(50);
        // Only a complete file gets this name (it is written as .part first).
        for (const name of readdirSync(out).filter((n) => /^vc_\d{14}$/.test(n))) {
          const found = decodePacketFile(readFileSync(join(out, name)));
          if (found.length > 0) packets = found;
        }
      }
      expect(packets[0]).to.include({ apid: 300, ssc: 7, station: 'TEST' });
    } finally {
      await server.close();
      await server.close();
    }
    // close() waits for the runs under way and their log lines.
    const log = readFileSync(join(dir, 'standing-orders.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { order: string; records: number; result: string });
    expect(log.find((e) => e.records === 1)).to.include({ order: 'every-second', result: 'delivered' });
  });

  it('refuses to start with an order the archive cannot serve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scs-standing-'));
    const bad = [{ id: 'x', every: '1h', stream: 'events', by: 'scet', format: 'csv', to: { dir } }];
    let err: unknown;
    try {
      await startServer({ config: config(dir, { standingOrders: bad }), logger: silentLogger() });
    } catch (e) {
      err = e;
    }
    // The configuration check finds it, so `scs check-config` does too.
    expect(err).to.have.property('code', 'ERR_CONFIG_INVALID');
    expect((err as Error).message).to.match(
      /\/standingOrders\/0 events have no scet: export them by ert \(standingOrder\)$/,
    );
    err = undefined;
    try {
      await startServer({
        config: config(dir, { archive: { enabled: false }, standingOrders: [{ ...bad[0], by: 'ert' }] }),
        logger: silentLogger(),
      });
    } catch (e) {
      err = e;
    }
    expect(err).to.have.property('code', 'ERR_CONFIG_INVALID');
    expect((err as Error).message).to.match(
      /\/archive\/enabled must be true: standing orders export the archive/,
    );
  });
});
