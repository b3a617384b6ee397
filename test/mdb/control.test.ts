import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Limit } from '../../protocol/constants.ts';
import type { EventIn } from '../../src/acquisition/source.ts';
import { type ControlReply, MdbControl } from '../../src/mdb/control.ts';
import type { MdbIssue } from '../../src/mdb/errors.ts';
import { loadMdb } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { APID, Collector, run } from './support.ts';

const u8 = { type: 'uint', bits: 8 };

/** MODE (state) and T (uint8, °C, alarm high 40, in list HOT) on APID 100. */
function doc(overrides: { tUnit?: string; extra?: Record<string, unknown>; version?: string } = {}) {
  return {
    name: 'CTL',
    version: overrides.version ?? '1',
    parameters: {
      MODE: { encoding: u8, calibration: { type: 'enumeration', states: { '0': 'OFF', '1': 'ON' } } },
      T: {
        unit: overrides.tUnit ?? 'degC',
        encoding: u8,
        calibration: { type: 'polynomial', coefficients: [0, 1] },
        limits: { alarm: { high: 40 } },
      },
      ...overrides.extra,
    },
    derived: { T2: { expression: 'T * 2', limits: { warning: { high: 100 } } } },
    containers: {
      PKT: {
        apid: APID,
        entries: [
          { parameter: 'MODE', bitOffset: 0 },
          { parameter: 'T', bitOffset: 8 },
        ],
      },
    },
    limitLists: { HOT: ['T', 'T2'] },
  };
}

interface Rig {
  dir: string;
  file: string;
  control: MdbControl;
  events: EventIn[];
  handle(msg: unknown): ControlReply & Record<string, unknown>;
}

function rig(): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'mdb-control-'));
  const file = join(dir, 'db.json');
  writeFileSync(file, JSON.stringify(doc()));
  const events: EventIn[] = [];
  const clock = new FakeClock(1_000);
  const control = new MdbControl(new PacketProcessor(loadMdb(file)), silentLogger(), {
    emit: (e) => events.push(e),
    clock,
  });
  return {
    dir,
    file,
    control,
    events,
    handle: (msg) => control.handle(msg) as ControlReply & Record<string, unknown>,
  };
}

const errorsOf = (reply: ControlReply): readonly MdbIssue[] => (reply.ok ? [] : reply.errors);

const tOf = (r: Rig, t: number, out?: Collector) => run(r.control.processor, [0, t], out).get('T')!;

describe('mdb/control', () => {
  it('refuses malformed requests with every problem listed', () => {
    const r = rig();
    for (const msg of [
      null,
      { op: 'explode' },
      { op: 'reload', file: '../etc/passwd.json' },
      { op: 'reload', extra: 1 },
      { op: 'limitChecking' },
      { op: 'limitChecking', enabled: false, parameter: 'T', list: 'HOT' },
      { op: 'setLimits', parameter: 'T', limits: { alarm: { high: 'x' } } },
      { op: 'setCalibration', parameter: 'T', calibration: { type: 'magic' } },
    ]) {
      const reply = r.handle(msg);
      expect(reply.ok, JSON.stringify(msg)).to.equal(false);
      expect(reply).to.have.property('code', 'ERR_MDB_CONTROL_INVALID');
      expect(errorsOf(reply)).to.not.be.empty;
    }
    expect(r.events).to.be.empty;
  });

  it('switches limit checking per parameter, list and globally, with an event each', () => {
    const r = rig();
    expect(tOf(r, 50).limit).to.equal(Limit.ALARM_HIGH);
    const reply = r.handle({ op: 'limitChecking', parameter: 'T', enabled: false, by: 'alpha' });
    expect(reply).to.deep.include({ ok: true, checked: false });
    const out = new Collector();
    expect(tOf(r, 50, out).limit).to.equal(Limit.UNCHECKED);
    // No return-to-nominal for a parameter whose checking was switched off.
    expect(out.events.filter((e) => e.parameter === 'T')).to.be.empty;
    expect(r.events.at(-1)).to.deep.include({
      time: 1_000_000,
      severity: 'WARNING',
      source: 'mdb',
      type: 'LIMIT_CHECKING_DISABLED',
      parameter: 'T',
      message: 'limit checking disabled for parameter T until restart (by alpha)',
    });
    r.handle({ op: 'limitChecking', parameter: 'T', enabled: true });
    r.handle({ op: 'limitChecking', list: 'HOT', enabled: false });
    expect(tOf(r, 50).limit).to.equal(Limit.UNCHECKED);
    r.handle({ op: 'limitChecking', list: 'HOT', enabled: true });
    r.handle({ op: 'limitChecking', enabled: false });
    expect(tOf(r, 50).limit).to.equal(Limit.UNCHECKED);
    expect(r.handle({ op: 'overrides' })).to.deep.include({
      limitChecking: { global: false, parameters: { T: true }, lists: { HOT: true } },
    });
    r.handle({ op: 'limitChecking', enabled: true });
    expect(tOf(r, 50).limit).to.equal(Limit.ALARM_HIGH);
    expect(r.events.map((e) => e.type)).to.deep.equal([
      'LIMIT_CHECKING_DISABLED',
      'LIMIT_CHECKING_ENABLED',
      'LIMIT_CHECKING_DISABLED',
      'LIMIT_CHECKING_ENABLED',
      'LIMIT_CHECKING_DISABLED',
      'LIMIT_CHECKING_ENABLED',
    ]);
    expect(r.handle({ op: 'limitChecking', parameter: 'NOPE', enabled: true })).to.include({
      code: 'ERR_MDB_UNKNOWN_PARAMETER',
    });
    expect(r.handle({ op: 'limitChecking', list: 'NOPE', enabled: true })).to.include({
      code: 'ERR_MDB_UNKNOWN_LIST',
    });
  });

  it('changes and restores limits and calibrations until restart, validated like the database', () => {
    const r = rig();
    const first = r.control.processor;
    expect(tOf(r, 30).limit).to.equal(Limit.OK);
    const set = r.handle({ op: 'setLimits', parameter: 'T', limits: { alarm: { high: 20 } } });
    expect(set).to.deep.include({ ok: true, parameter: 'T' });
    // Defaults filled in, as the database stores it.
    expect(set.limits).to.deep.equal({
      alarm: { high: 20, lowInclusive: true, highInclusive: true },
      persistence: 1,
      enabled: true,
    });
    expect(r.control.processor).to.not.equal(first);
    expect(tOf(r, 30).limit).to.equal(Limit.ALARM_HIGH);
    r.handle({
      op: 'setCalibration',
      parameter: 'T',
      calibration: { type: 'polynomial', coefficients: [0, 0.5] },
    });
    const s = tOf(r, 30);
    expect(s.eng).to.equal(15);
    expect(s.limit).to.equal(Limit.OK);
    expect(r.handle({ op: 'overrides' })).to.deep.include({
      calibrations: { T: { type: 'polynomial', coefficients: [0, 0.5] } },
    });
    // Checking switches survive the processor being rebuilt.
    r.handle({ op: 'limitChecking', parameter: 'T', enabled: false });
    r.handle({ op: 'restoreCalibration', parameter: 'T' });
    expect(tOf(r, 30)).to.deep.include({ eng: 30, limit: Limit.UNCHECKED });
    r.handle({ op: 'limitChecking', parameter: 'T', enabled: true });
    const restored = r.handle({ op: 'restoreLimits', parameter: 'T' });
    expect(restored.limits).to.deep.include({ alarm: { high: 40, lowInclusive: true, highInclusive: true } });
    expect(tOf(r, 30).limit).to.equal(Limit.OK);
    expect(r.events.map((e) => e.type)).to.include.members([
      'LIMITS_CHANGED',
      'CALIBRATION_CHANGED',
      'CALIBRATION_RESTORED',
      'LIMITS_RESTORED',
    ]);
    // Numeric limits on a state parameter: refused by the database's own rules, nothing changes.
    const before = r.control.processor;
    const bad = r.handle({ op: 'setLimits', parameter: 'MODE', limits: { alarm: { high: 1 } } });
    expect(bad).to.include({ ok: false, code: 'ERR_MDB_INVALID' });
    expect(errorsOf(bad).map((e) => e.rule)).to.include('limitsType');
    expect(r.control.processor).to.equal(before);
    // A calibration that changes the parameter's type changes the dictionary: restart.
    const typed = r.handle({
      op: 'setCalibration',
      parameter: 'MODE',
      calibration: { type: 'polynomial', coefficients: [0, 1] },
    });
    expect(typed).to.include({ ok: false, code: 'ERR_MDB_RESTART_REQUIRED' });
    expect(r.handle({ op: 'setCalibration', parameter: 'T2', calibration: { type: 'boolean' } })).to.include({
      code: 'ERR_MDB_INVALID',
    });
    // Derived parameters take limit overrides too.
    expect(r.handle({ op: 'setLimits', parameter: 'T2', limits: { alarm: { high: 10 } } })).to.include({
      ok: true,
    });
    expect(run(r.control.processor, [0, 30]).get('T2')!.limit).to.equal(Limit.ALARM_HIGH);
    expect(r.handle({ op: 'setLimits', parameter: 'NOPE', limits: { alarm: { high: 1 } } })).to.include({
      code: 'ERR_MDB_UNKNOWN_PARAMETER',
    });
  });

  it('keeps the limit state across a rebuild: no event for a violation already reported', () => {
    const r = rig();
    const out = new Collector();
    tOf(r, 50, out);
    expect(out.events.map((e) => e.type)).to.deep.equal(['LIMIT_VIOLATION']);
    r.handle({ op: 'setLimits', parameter: 'T', limits: { alarm: { high: 45 } } });
    tOf(r, 50, out);
    expect(out.events).to.have.length(1);
    tOf(r, 10, out);
    expect(out.events.map((e) => e.type)).to.deep.equal(['LIMIT_VIOLATION', 'RETURN_TO_NOMINAL']);
    expect(r.control.processor.stats().packets).to.equal(3);
  });

  it('reloads: a new database takes over, a bad one or a changed list is refused and the old stays', () => {
    const r = rig();
    r.handle({ op: 'setLimits', parameter: 'T', limits: { alarm: { high: 20 } } });
    r.handle({ op: 'limitChecking', list: 'HOT', enabled: false });
    writeFileSync(r.file, JSON.stringify(doc({ version: '2' })));
    const ok = r.handle({ op: 'reload' });
    expect(ok).to.deep.include({ ok: true, op: 'reload', dropped: { limits: ['T'], calibrations: [] } });
    expect(ok.database).to.include({ name: 'CTL', version: '2', parameters: 3 });
    expect(r.control.processor.mdb.def.version).to.equal('2');
    // Temporary limits dropped, switches kept.
    expect(r.handle({ op: 'overrides' })).to.deep.include({
      limits: {},
      limitChecking: { global: true, parameters: {}, lists: { HOT: false } },
    });
    expect(r.events.at(-1)).to.deep.include({ type: 'MDB_RELOADED', severity: 'INFO' });
    const inForce = r.control.processor;

    writeFileSync(join(r.dir, 'broken.json'), '{"name": "CTL", ');
    expect(r.handle({ op: 'reload', file: 'broken.json' })).to.include({ ok: false, code: 'ERR_MDB_PARSE' });
    expect(r.events.at(-1)).to.deep.include({ type: 'MDB_RELOAD_REFUSED', severity: 'WARNING' });
    expect(r.handle({ op: 'reload', file: 'missing.json' })).to.include({ code: 'ERR_MDB_NOT_FOUND' });

    writeFileSync(join(r.dir, 'unit.json'), JSON.stringify(doc({ tUnit: 'K' })));
    const unit = r.handle({ op: 'reload', file: 'unit.json' });
    expect(unit).to.include({ ok: false, code: 'ERR_MDB_RESTART_REQUIRED' });
    expect(errorsOf(unit)[0]!.parameter).to.equal('T');

    const more = doc({ extra: { NEW: { encoding: u8 } } });
    writeFileSync(join(r.dir, 'more.json'), JSON.stringify(more));
    expect(r.handle({ op: 'reload', file: 'more.json' })).to.include({ code: 'ERR_MDB_RESTART_REQUIRED' });
    expect(r.control.processor).to.equal(inForce);
    expect(JSON.parse(readFileSync(r.file, 'utf8')).version).to.equal('2');
  });
});
