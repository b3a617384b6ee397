import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { STREAMS, type Stream } from '../../protocol/constants.ts';
import { type ArchiveQuery, ArchiveReader, type ArchiveRow, pageSql } from '../../src/archive/query.ts';
import { ArchiveStore, SCHEMA_VERSION } from '../../src/archive/store.ts';
import { metaOf, payloadOf, T0, tempDir } from './fixtures/records.ts';

const N = 3000;

function fill(store: ArchiveStore): void {
  store.begin();
  for (let seq = 1; seq <= N; seq++) {
    for (let ring = 0; ring < STREAMS.length; ring++)
      store.append(ring, metaOf(ring, seq), payloadOf(ring, seq));
  }
  store.commit();
}

function seqs(reader: ArchiveReader, q: ArchiveQuery, pageSize: number): number[] {
  return [...reader.open(q, pageSize)].flat().map((r: ArchiveRow) => r.seq);
}

/** What a query by ERT must return, from the generator: time order, ties by seq. */
function expected(stream: Stream, from: number, to: number, keep: (seq: number) => boolean): number[] {
  const ring = STREAMS.indexOf(stream);
  const out: number[] = [];
  for (let seq = 1; seq <= N; seq++) {
    const { ert } = metaOf(ring, seq);
    if (ert >= from && ert < to && keep(seq)) out.push(seq);
  }
  const ert = (seq: number) => metaOf(ring, seq).ert;
  return out.sort((a, b) => ert(a) - ert(b) || a - b);
}

/** The planner's choice for a page of `q` (EXPLAIN QUERY PLAN details, one line per step). */
function plan(path: string, q: ArchiveQuery, keyed: boolean): string {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${pageSql(q, keyed)}`).all() as { detail: string }[];
    return rows.map((r) => r.detail).join('\n');
  } finally {
    db.close();
  }
}

const FROM = T0 + 100_000;
const TO = T0 + 900_000;

/** Key-filtered queries of every shape, each with the rows it must return. */
const CASES: { name: string; q: ArchiveQuery; keep: (seq: number) => boolean }[] = [
  {
    name: 'one parameter',
    q: { stream: 'parameters', from: FROM, to: TO, filter: { parameters: [3] } },
    keep: (s) => s % 8 === 3,
  },
  {
    name: 'three parameters, one repeated',
    q: { stream: 'parameters', from: FROM, to: TO, filter: { parameters: [6, 1, 6, 4] } },
    keep: (s) => [1, 4, 6].includes(s % 8),
  },
  {
    name: 'one VC of frames',
    q: { stream: 'frames', from: FROM, to: TO, filter: { vcids: [5] } },
    keep: (s) => s % 8 === 5,
  },
  {
    name: 'two APIDs of one VC',
    q: { stream: 'packets', from: FROM, to: TO, filter: { apids: [2, 4], vcids: [2] } },
    keep: (s) => [2, 4].includes(s % 5) && s % 8 === 2,
  },
  {
    name: 'more APIDs than the key seeks take (the time index)',
    q: {
      stream: 'packets',
      from: FROM,
      to: TO,
      filter: { apids: [0, ...Array.from({ length: 20 }, (_, i) => 100 + i)] },
    },
    keep: (s) => s % 5 === 0,
  },
  {
    name: 'a limit across pages',
    q: { stream: 'parameters', from: FROM, filter: { parameters: [7, 2] }, limit: 130 },
    keep: (s) => [2, 7].includes(s % 8),
  },
];

describe('archive: key indexes', () => {
  const tmp = tempDir();
  const path = tmp.file('archive.db');
  before(() => {
    const store = new ArchiveStore(path, { parameterKeyIndex: true });
    fill(store);
    store.close();
  });
  after(() => tmp.remove());

  it('answers key-filtered queries exactly, across pages of any size', () => {
    const reader = new ArchiveReader(path);
    try {
      for (const { name, q, keep } of CASES) {
        const all = expected(q.stream, q.from ?? 0, q.to ?? Number.MAX_SAFE_INTEGER, keep).slice(0, q.limit);
        expect(all.length, name).to.be.greaterThan(50);
        for (const pageSize of [1, 7, 1000])
          expect(seqs(reader, q, pageSize), `${name}, pages of ${pageSize}`).to.deep.equal(all);
      }
      const none = { stream: 'parameters', filter: { parameters: [] } } as const;
      expect(seqs(reader, none, 10)).to.deep.equal([]);
      expect(seqs(reader, { ...none, afterSeq: 0 }, 10)).to.deep.equal([]);
    } finally {
      reader.close();
    }
  });

  it('the planner seeks the key index for a few keys, and walks the time or seq order otherwise', () => {
    const one = plan(path, CASES[0]!.q, true);
    expect(one).to.match(
      /SEARCH parameters USING COVERING INDEX parameters_key \(key1=\? AND \(ert,seq\)>\(\?,\?\) AND ert<\?\)|SEARCH parameters USING INDEX parameters_key \(key1=\? AND/,
    );
    expect(one, 'rows come in index order, unsorted').not.to.match(/TEMP B-TREE/);
    const three = plan(path, CASES[1]!.q, true);
    expect(three.match(/USING COVERING INDEX parameters_key \(key1=\?/g)).to.have.length(3);
    expect(three).to.match(/USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan(path, CASES[3]!.q, true)).to.match(/COVERING INDEX packets_key \(key2=\?/);
    for (const [q, index] of [
      [{ stream: 'parameters', from: FROM }, 'parameters_ert'],
      [{ stream: 'parameters', from: FROM, timeBy: 'scet', filter: { parameters: [3] } }, 'parameters_scet'],
      [CASES[4]!.q, 'packets_ert'],
      [CASES[0]!.q, 'parameters_ert'], // a file without the key index (version 2)
    ] as const) {
      const p = plan(path, q, q !== CASES[0]!.q);
      expect(p, JSON.stringify(q)).to.match(new RegExp(`USING INDEX ${index} `));
      expect(p, JSON.stringify(q)).not.to.match(/_key|TEMP B-TREE/);
    }
    const resume = plan(path, { stream: 'parameters', afterSeq: 10, filter: { parameters: [3] } }, true);
    expect(resume).to.match(/SEARCH parameters USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/);
  });

  it('opens a version-2 file, reads it through the time index, migrates it in place and reads the same rows', () => {
    const v2 = tmp.file('v2.db');
    const store = new ArchiveStore(v2, { parameterKeyIndex: true });
    fill(store);
    store.close();
    const db = new DatabaseSync(v2);
    db.exec(
      'DROP INDEX frames_key; DROP INDEX packets_key; DROP INDEX parameters_key; PRAGMA user_version = 2',
    );
    db.close();
    const before = new ArchiveReader(v2);
    const old = CASES.map((c) => seqs(before, c.q, 100));
    before.close();
    expect(old[0]).to.deep.equal(expected('parameters', FROM, TO, CASES[0]!.keep));

    const migrated = new ArchiveStore(v2, { parameterKeyIndex: true });
    expect(migrated.lastSeqs()).to.deep.equal({ frames: N, packets: N, parameters: N, events: N });
    migrated.close();
    const check = new DatabaseSync(v2, { readOnly: true });
    expect(check.prepare('PRAGMA user_version').get()).to.deep.equal({ user_version: SCHEMA_VERSION });
    const names = check.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%_key' ORDER BY name").all();
    expect(names).to.deep.equal([
      { name: 'frames_key' },
      { name: 'packets_key' },
      { name: 'parameters_key' },
    ]);
    check.close();
    const after = new ArchiveReader(v2);
    expect(CASES.map((c) => seqs(after, c.q, 100))).to.deep.equal(old);
    after.close();
  });

  it('keeps the parameters key index only when asked: built on open, dropped when switched off', () => {
    const file = tmp.file('switch.db');
    const keyIndexes = () => {
      const db = new DatabaseSync(file, { readOnly: true });
      const names = db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE '%_key' ORDER BY name").all();
      db.close();
      return names.map((r) => (r as { name: string }).name);
    };
    const store = new ArchiveStore(file);
    fill(store);
    store.close();
    expect(keyIndexes()).to.deep.equal(['frames_key', 'packets_key']);
    const read = () => {
      const reader = new ArchiveReader(file);
      try {
        return CASES.map((c) => seqs(reader, c.q, 100));
      } finally {
        reader.close();
      }
    };
    const rows = read();
    expect(rows[0]).to.deep.equal(expected('parameters', FROM, TO, CASES[0]!.keep));
    new ArchiveStore(file, { parameterKeyIndex: true }).close();
    expect(keyIndexes()).to.deep.equal(['frames_key', 'packets_key', 'parameters_key']);
    expect(read()).to.deep.equal(rows);
    new ArchiveStore(file).close();
    expect(keyIndexes()).to.deep.equal(['frames_key', 'packets_key']);
    expect(read()).to.deep.equal(rows);
  });
});
