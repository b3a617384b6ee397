// Stopping the server while a standing order exports: the export thread is terminated, and its
// half-written staging file must not stay behind in the state directory (one per stop, each up to
// a whole window's export).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pack } from '../../protocol/msgpack.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import { StandingOrders } from '../../src/export/standing.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { parameterOf, T0 } from './fixture.ts';

const RECORDS = 150_000;
const TICK_MS = Math.ceil((T0 + RECORDS * 1000) / 1000 / 3_600_000) * 3_600_000;

describe('standing orders: close() during an export', function () {
  this.timeout(20_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scs-standing-close-'));
    const store = new ArchiveStore(join(dir, 'archive.sqlite'));
    store.begin();
    for (let seq = 1; seq <= RECORDS; seq++) {
      const s = parameterOf(seq);
      store.append(2, { seq, ert: s.ert, scet: s.scet, key1: seq % 3, key2: 0, quality: s.quality }, pack(s));
    }
    store.commit();
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves no staging file, whole or partial', async () => {
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir);
    const orders = new StandingOrders({
      orders: [
        { id: 'big', every: '1d', stream: 'parameters', format: 'jsonl', to: { dir: join(dir, 'out') } },
      ],
      archivePath: join(dir, 'archive.sqlite'),
      stateDir,
      log: silentLogger(),
    });
    const staging = join(stateDir, 'standing-orders', 'big');
    const run = orders.run('big', TICK_MS);
    // Polled: the staging file is created by the export thread, which tells nothing until it ends.
    const partial = () => existsSync(staging) && readdirSync(staging).some((f) => f.endsWith('.part'));
    while (!partial()) await new Promise((r) => setImmediate(r));
    await orders.close();
    expect(await run).to.include({ result: 'cancelled' });
    expect(readdirSync(staging)).to.deep.equal([]);
  });

  it('starts no export and delivers nothing once closed, even when the run had begun', async () => {
    const stateDir = join(dir, 'state2');
    const out = join(dir, 'out2');
    mkdirSync(stateDir);
    mkdirSync(out);
    const orders = new StandingOrders({
      orders: [{ id: 'small', every: '1d', stream: 'parameters', format: 'csv', to: { dir: out } }],
      archivePath: join(dir, 'archive.sqlite'),
      stateDir,
      log: silentLogger(),
    });
    const run = orders.run('small', TICK_MS);
    // One turn of the microtask queue: the run has passed its cancellation check and waits for
    // its staging directory when the server stops.
    await Promise.resolve();
    await orders.close();
    expect(await run).to.include({ result: 'cancelled' });
    expect(readdirSync(out)).to.deep.equal([]);
  });
});
