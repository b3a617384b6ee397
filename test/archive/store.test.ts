import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { STREAMS } from '../../protocol/constants.ts';
import { ArchiveErrorCode } from '../../src/archive/errors.ts';
import { type ArchiveQuery, ArchiveReader, type ArchiveRow } from '../../src/archive/query.ts';
import { ArchiveStore, SCHEMA_VERSION } from '../../src/archive/store.ts';
import { metaOf, payloadOf, T0, tempDir } from './fixtures/records.ts';

const N = 2000;

function fill(store: ArchiveStore, from: number, to: number): void {
  store.begin();
  for (let seq = from; seq <= to; seq++) {
    for (let ring = 0; ring < STREAMS.length; ring++)
      store.append(ring, metaOf(ring, seq), payloadOf(ring, seq));
  }
  store.commit();
}

function all(reader: ArchiveReader, q: ArchiveQuery, pageSize = 1000): ArchiveRow[] {
  return [...reader.open(q, pageSize)].flat();
}

/** What a query must return, computed from the generator. */
function expected(ring: number, keep: (seq: number) => boolean, time: 'ert' | 'scet' | 'seq'): number[] {
  const seqs: number[] = [];
  for (let seq = 1; seq <= N; seq++) if (keep(seq)) seqs.push(seq);
  if (time === 'seq') return seqs;
  const t = (seq: number) => metaOf(ring, seq)[time];
  return seqs.sort((a, b) => t(a) - t(b) || a - b);
}

function expectRows(rows: ArchiveRow[], ring: number, seqs: number[]): void {
  expect(rows.map((r) => r.seq)).to.deep.equal(seqs);
  for (const r of rows) {
    const { seq } = r;
    expect({ ...r, payload: undefined }).to.deep.equal({ ...metaOf(ring, seq), payload: undefined });
    expect(Buffer.from(r.payload).equals(payloadOf(ring, seq)), `payload of ${seq}`).to.equal(true);
  }
}

describe('archive: store and query', () => {
  const tmp = tempDir();
  const path = tmp.file('archive.db');
  let reader: ArchiveReader;

  before(() => {
    const store = new ArchiveStore(path);
    fill(store, 1, N / 2);
    fill(store, N / 2 + 1, N);
    store.close();
    reader = new ArchiveReader(path);
  });
  after(() => {
    reader.close();
    tmp.remove();
  });

  it('returns an ert range [from, to) in ert order, ties by seq, with the exact payload bytes', () => {
    const from = T0 + 200_000;
    const to = T0 + 600_000;
    for (let ring = 0; ring < STREAMS.length; ring++) {
      const rows = all(reader, { stream: STREAMS[ring]!, from, to });
      const t = (seq: number) => metaOf(ring, seq).ert;
      expectRows(
        rows,
        ring,
        expected(ring, (s) => t(s) >= from && t(s) < to, 'ert'),
      );
    }
  });

  it('returns an scet range for packets and parameters, and refuses scet for frames and events', () => {
    const from = T0 - 300_000;
    const to = T0 - 100_000;
    for (const ring of [1, 2]) {
      const rows = all(reader, { stream: STREAMS[ring]!, from, to, timeBy: 'scet' });
      const t = (seq: number) => metaOf(ring, seq).scet;
      expectRows(
        rows,
        ring,
        expected(ring, (s) => t(s) >= from && t(s) < to, 'scet'),
      );
    }
    for (const stream of ['frames', 'events'] as const) {
      expect(() => reader.open({ stream, timeBy: 'scet' }))
        .to.throw()
        .with.property('code', ArchiveErrorCode.ERR_BAD_QUERY);
    }
  });

  it('applies each filter of the stream, and an empty list matches nothing', () => {
    expectRows(
      all(reader, { stream: 'frames', filter: { vcids: [1, 6], apids: [0] } }),
      0,
      expected(0, (s) => [1, 6].includes(s % 8), 'ert'),
    );
    expectRows(
      all(reader, { stream: 'packets', filter: { vcids: [2, 3], apids: [4] } }),
      1,
      expected(1, (s) => [2, 3].includes(s % 8) && s % 5 === 4, 'ert'),
    );
    expectRows(
      all(reader, { stream: 'parameters', filter: { parameters: [0, 7] } }),
      2,
      expected(2, (s) => s % 8 === 0 || s % 8 === 7, 'ert'),
    );
    expectRows(
      all(reader, { stream: 'events', filter: { minSeverity: 2 } }),
      3,
      expected(3, (s) => s % 4 >= 2, 'ert'),
    );
    expect(all(reader, { stream: 'parameters', filter: { parameters: [] } })).to.deep.equal([]);
  });

  it('pages a query in order with no gap and no duplicate, and stops at limit', () => {
    const whole = all(reader, { stream: 'packets' }, 5000).map((r) => r.seq);
    expect(whole).to.have.length(N);
    const pages = [...reader.open({ stream: 'packets' }, 7)];
    expect(pages.slice(0, -1).every((p) => p.length === 7)).to.equal(true);
    expect(pages.flat().map((r) => r.seq)).to.deep.equal(whole);
    const limited = all(reader, { stream: 'packets', limit: 25 }, 10);
    expect(limited.map((r) => r.seq)).to.deep.equal(whole.slice(0, 25));
  });

  it('a page is plain data: a query continued from a PageCursor (another task) goes on exactly', () => {
    const first = reader.page({ stream: 'frames', filter: { vcids: [3] } }, null, 10);
    expect(first.next).to.not.equal(null);
    const copy = JSON.parse(JSON.stringify(first.next));
    const second = reader.page({ stream: 'frames', filter: { vcids: [3] } }, copy, 10);
    const want = expected(0, (s) => s % 8 === 3, 'ert');
    expect([...first.rows, ...second.rows].map((r) => r.seq)).to.deep.equal(want.slice(0, 20));
  });

  it('since(seq) returns every later record in seq order, filtered, with no gap and no duplicate', () => {
    const cursor = reader.since('parameters', 1234, { parameters: [1, 2, 3] }, 50);
    expectRows(
      [...cursor].flat(),
      2,
      expected(2, (s) => s > 1234 && [1, 2, 3].includes(s % 8), 'seq'),
    );
    const ranged = all(reader, { stream: 'events', afterSeq: 1990, from: T0, to: T0 + 500_000 });
    const t = (seq: number) => metaOf(3, seq).ert;
    expectRows(
      ranged,
      3,
      expected(3, (s) => s > 1990 && t(s) < T0 + 500_000, 'seq'),
    );
  });

  it('cancel ends a cursor before its next page', () => {
    const cursor = reader.open({ stream: 'frames' }, 100);
    expect(cursor.nextPage()).to.have.length(100);
    cursor.cancel();
    expect(cursor.done).to.equal(true);
    expect(cursor.nextPage()).to.deep.equal([]);
  });

  it('rejects bad queries with ERR_BAD_QUERY', () => {
    const bad: ArchiveQuery[] = [
      { stream: 'nope' as 'frames' },
      { stream: 'frames', from: 10, to: 5 },
      { stream: 'frames', from: Number.NaN },
      { stream: 'frames', afterSeq: -1 },
      { stream: 'frames', limit: 0 },
      { stream: 'frames', filter: { vcids: [1.5] } },
    ];
    for (const q of bad) {
      expect(() => reader.open(q), JSON.stringify(q))
        .to.throw()
        .with.property('code', ArchiveErrorCode.ERR_BAD_QUERY);
    }
  });
});

describe('archive: store lifecycle', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  it('keeps lastSeq across a reopen, and after retention deleted every record', () => {
    const path = tmp.file('seq.db');
    const store = new ArchiveStore(path);
    expect(store.lastSeqs()).to.deep.equal({ frames: 0, packets: 0, parameters: 0, events: 0 });
    fill(store, 1, 300);
    store.close();
    const again = new ArchiveStore(path);
    expect(again.lastSeqs()).to.deep.equal({ frames: 300, packets: 300, parameters: 300, events: 300 });
    expect(again.deleteOldest(0, 1000)).to.equal(300);
    expect(again.deleteRecordedBefore(1, Date.now() * 1000 + 1, 1000)).to.equal(300);
    again.close();
    const third = new ArchiveStore(path);
    expect(third.lastSeq('frames')).to.equal(300);
    expect(third.lastSeq('packets')).to.equal(300);
    third.close();
  });

  it('notes seq holes with the records lost in them, migrates a version-1 file, and reads both', () => {
    const path = tmp.file('holes.db');
    const store = new ArchiveStore(path);
    store.begin();
    store.append(0, metaOf(0, 1), payloadOf(0, 1));
    store.noteHole(0, 500, 3);
    store.append(0, metaOf(0, 500), payloadOf(0, 500));
    store.commit();
    store.close();
    const reader = new ArchiveReader(path);
    expect([reader.holeLost('frames', 500), reader.holeLost('frames', 1)]).to.deep.equal([3, undefined]);
    reader.close();
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE holes; PRAGMA user_version = 1');
    db.close();
    const old = new ArchiveReader(path);
    expect(old.holeLost('frames', 500)).to.equal(undefined);
    old.close();
    new ArchiveStore(path).close();
    const check = new DatabaseSync(path);
    expect(check.prepare('PRAGMA user_version').get()).to.deep.equal({ user_version: SCHEMA_VERSION });
    expect(check.prepare('SELECT count(*) AS n FROM holes').get()).to.deep.equal({ n: 0 });
    check.close();
  });

  it('refuses a file of another schema version with ERR_ARCHIVE_SCHEMA, and a missing file to read with ERR_ARCHIVE_OPEN', () => {
    const path = tmp.file('other.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 99');
    db.close();
    expect(() => new ArchiveStore(path))
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_ARCHIVE_SCHEMA);
    expect(() => new ArchiveReader(path))
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_ARCHIVE_SCHEMA);
    expect(() => new ArchiveReader(tmp.file('missing.db')))
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_ARCHIVE_OPEN);
  });

  it('fails a write beyond maxFileBytes with ERR_ARCHIVE_FULL, rolls it back, and keeps what was committed', () => {
    const path = tmp.file('full.db');
    const store = new ArchiveStore(path, { maxFileBytes: 1 << 20 });
    fill(store, 1, 50);
    let err: unknown;
    try {
      fill(store, 51, 5000);
    } catch (e) {
      err = e;
    }
    expect(err).to.have.property('code', ArchiveErrorCode.ERR_ARCHIVE_FULL);
    expect(store.inTransaction).to.equal(false);
    expect(store.lastSeqs()).to.deep.equal({ frames: 50, packets: 50, parameters: 50, events: 50 });
    store.setMaxFileBytes(null);
    fill(store, 51, 5000);
    expect(store.lastSeq('events')).to.equal(5000);
    store.close();
  });

  it('refuses append and commit outside a transaction with ERR_NO_TRANSACTION', () => {
    const store = new ArchiveStore(tmp.file('tx.db'));
    expect(() => store.append(0, metaOf(0, 1), payloadOf(0, 1)))
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_NO_TRANSACTION);
    expect(() => store.commit())
      .to.throw()
      .with.property('code', ArchiveErrorCode.ERR_NO_TRANSACTION);
    store.close();
  });
});
