// The archive query pool's history task (the display's history reads): run on a pool thread
// against a real archive file, cut down as asked, counted, and stopped by its signal.
import { expect } from 'chai';
import { pack } from '../../protocol/msgpack.ts';
import type { ParameterInfo } from '../../src/acquisition/source.ts';
import { ArchiveQueryPool } from '../../src/archive/query-pool.ts';
import type { HistoryMode } from '../../src/archive/query-protocol.ts';
import { ArchiveStore, ringOf } from '../../src/archive/store.ts';
import { T0, tempDir } from './fixtures/records.ts';

const INFO: ParameterInfo = { name: 'P', type: 'float' };
/** Parameter 0 at T0 + k ms (k < 1000), value k % 10 but -5 at k = 333; parameter 1 between. */
const value = (k: number) => (k === 333 ? -5 : k % 10);

describe('archive: history task in the query pool', () => {
  const tmp = tempDir();
  const path = tmp.file('history.db');
  let pool: ArchiveQueryPool;

  before(() => {
    const store = new ArchiveStore(path);
    store.begin();
    let seq = 0;
    for (let k = 0; k < 1000; k++) {
      for (const param of [0, 1]) {
        const ert = T0 + k * 1000;
        const v = param === 0 ? value(k) : 1000;
        const rec = {
          seq: ++seq,
          name: param === 0 ? 'P' : 'Q',
          scet: ert,
          ert,
          raw: v,
          eng: v,
          limit: 'OK',
          quality: 0,
        };
        store.append(
          ringOf('parameters'),
          { seq, ert, scet: ert, key1: param, key2: -1, quality: 0 },
          pack(rec),
        );
      }
    }
    store.commit();
    store.close();
    pool = new ArchiveQueryPool(path, { error() {} }, 1);
  });

  after(async () => {
    await pool.destroy();
    tmp.remove();
  });

  const run = (mode: HistoryMode, maxRows: number, signal?: AbortSignal) =>
    pool.history({ param: 0, info: INFO, fromUs: T0, toUs: T0 + 1_000_000, mode, maxRows }, signal);
  const points = (json: string) => JSON.parse(json) as { timestamp: number; value: number; id: string }[];

  it('returns the newest maxRows points of the parameter, truncated, and counts the task', async () => {
    const before = pool.stats().history;
    const r = await run({ kind: 'raw' }, 10);
    expect(r.truncated).to.equal(true);
    const got = points(r.json);
    expect(got.map((p) => p.timestamp)).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => T0 / 1000 + 990 + i),
    );
    expect(new Set(got.map((p) => p.id))).to.deep.equal(new Set(['P']));
    expect(pool.stats().history).to.equal(before + 1);
  });

  it('gives min/max per bucket over the whole range, capped to maxRows / 2 buckets', async () => {
    const r = await run({ kind: 'minmax', buckets: 1000 }, 200);
    expect(r.truncated).to.equal(false);
    const values = points(r.json).map((p) => p.value);
    expect(values.length).to.be.within(100, 200);
    expect(Math.min(...values)).to.equal(-5);
    expect(Math.max(...values)).to.equal(9);
  });

  it('reads nothing for a request whose signal is aborted', async () => {
    const r = await run({ kind: 'raw' }, 10, AbortSignal.abort());
    expect(r).to.deep.equal({ json: '[]', truncated: false });
    expect(points((await run({ kind: 'newest', count: 1 }, 10)).json).map((p) => p.timestamp)).to.deep.equal([
      T0 / 1000 + 999,
    ]);
  });
});
