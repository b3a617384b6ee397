import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import type { EventIn } from '../../src/acquisition/source.ts';
import { MdbControl } from '../../src/mdb/control.ts';
import { ControlJournal, REAPPLIED_BY } from '../../src/mdb/control-journal.ts';
import { type MdbText, parseMdbText, readMdbText } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';

const u8 = { type: 'uint', bits: 8 };

/** T and U on APID 100; the list is HOT in version 1, COLD in version 2 (same dictionary). */
function doc(version: string, list: string) {
  return {
    name: 'JRN',
    version,
    parameters: {
      T: { unit: 'degC', encoding: u8, limits: { alarm: { high: 40 } } },
      U: { encoding: u8, calibration: { type: 'polynomial', coefficients: [0, 1] } },
    },
    containers: {
      PKT: {
        apid: 100,
        entries: [
          { parameter: 'T', bitOffset: 48 },
          { parameter: 'U', bitOffset: 56 },
        ],
      },
    },
    limitLists: { [list]: ['T', 'U'] },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'mdb-journal-'));
const FILE = join(dir, 'db.json');
writeFileSync(FILE, JSON.stringify(doc('1', 'HOT')));
writeFileSync(join(dir, 'db2.json'), JSON.stringify(doc('2', 'COLD')));
writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...doc('3', 'HOT'), parameters: {} }));

/** A control on `database`; `kept` follows its accepted reloads, as AcquisitionThread keeps them. */
function control(
  events: EventIn[] = [],
  database: MdbText = readMdbText(FILE),
  kept: { database: MdbText } = { database },
): MdbControl {
  return new MdbControl(new PacketProcessor(parseMdbText(database)), silentLogger(), {
    emit: (e) => events.push(e),
    clock: new FakeClock(1_000),
    onReload: (text) => {
      kept.database = text;
    },
  });
}

/** What AcquisitionThread.control does on the main thread: the request, then the state if changed. */
function apply(c: MdbControl, journal: ControlJournal, msg: Record<string, unknown>): void {
  const reply = c.handle(msg);
  if (journal.changedBy(msg, reply)) journal.capture(c.handle({ op: 'overrides' }));
}

const requests = fc.constantFrom<Record<string, unknown>>(
  { op: 'reload', by: 'alpha' },
  { op: 'reload', file: 'db2.json' },
  { op: 'reload', file: 'db.json' },
  { op: 'reload', file: 'bad.json' },
  { op: 'reload', file: 'missing.json' },
  { op: 'limitChecking', enabled: false },
  { op: 'limitChecking', enabled: true },
  { op: 'limitChecking', parameter: 'T', enabled: false },
  { op: 'limitChecking', parameter: 'U', enabled: true },
  { op: 'limitChecking', list: 'HOT', enabled: false },
  { op: 'limitChecking', list: 'COLD', enabled: false },
  { op: 'limitChecking', parameter: 'NOPE', enabled: false },
  { op: 'setLimits', parameter: 'T', limits: { alarm: { high: 30 } } },
  { op: 'setLimits', parameter: 'U', limits: { warning: { low: 2 }, persistence: 3 } },
  { op: 'restoreLimits', parameter: 'T' },
  { op: 'setCalibration', parameter: 'U', calibration: { type: 'polynomial', coefficients: [1, 3] } },
  { op: 'setCalibration', parameter: 'T', calibration: { type: 'enumeration', states: { '0': 'X' } } },
  { op: 'restoreCalibration', parameter: 'U' },
  { op: 'overrides' },
  { op: 'nonsense' },
);

describe('mdb/control-journal', () => {
  it('rebuilds on a fresh control exactly the database and overrides in force, whatever led there', () => {
    fc.assert(
      fc.property(fc.array(requests, { maxLength: 12 }), (sequence) => {
        const kept = { database: readMdbText(FILE) };
        const before = control([], kept.database, kept);
        const journal = new ControlJournal();
        for (const msg of sequence) apply(before, journal, msg);
        // A restarted thread starts with the database kept, never re-reading a file.
        const fresh = control([], kept.database);
        for (const msg of journal.replay()) {
          expect(msg.by).to.equal(REAPPLIED_BY);
          expect(fresh.handle(msg), JSON.stringify(msg)).to.include({ ok: true });
        }
        expect(fresh.handle({ op: 'overrides' })).to.deep.equal(before.handle({ op: 'overrides' }));
      }),
      { numRuns: 150 },
    );
  });

  it('replays nothing until something changed; a reload is kept as text, not replayed', () => {
    const journal = new ControlJournal();
    const kept = { database: readMdbText(FILE) };
    const c = control([], kept.database, kept);
    apply(c, journal, { op: 'overrides' });
    apply(c, journal, { op: 'reload', file: 'bad.json' });
    expect(journal.replay()).to.deep.equal([]);
    expect(kept.database.file).to.equal(FILE);
    apply(c, journal, { op: 'reload', file: 'db2.json' });
    expect(kept.database).to.deep.equal({
      file: join(dir, 'db2.json'),
      text: JSON.stringify(doc('2', 'COLD')),
    });
    apply(c, journal, { op: 'setLimits', parameter: 'T', limits: { alarm: { high: 30 } } });
    const replay = journal.replay();
    // As MdbControl stores it: with the schema's defaults filled in.
    expect(replay[0]).to.deep.include({ op: 'setLimits', parameter: 'T', by: REAPPLIED_BY });
    expect(replay[0]!.limits).to.deep.include({
      persistence: 1,
      alarm: { high: 30, highInclusive: true, lowInclusive: true },
    });
    expect(replay).to.have.length(1);
    const events: EventIn[] = [];
    const fresh = control(events, kept.database);
    for (const msg of journal.replay()) fresh.handle(msg);
    expect(events.map((e) => [e.type, e.message.endsWith(`(by ${REAPPLIED_BY})`)])).to.deep.equal([
      ['LIMITS_CHANGED', true],
    ]);
    expect(fresh.handle({ op: 'overrides' })).to.deep.equal(c.handle({ op: 'overrides' }));
  });
});
