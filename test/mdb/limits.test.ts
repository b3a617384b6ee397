import { expect } from 'chai';
import { Limit } from '../../protocol/constants.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { Collector, db, run } from './support.ts';

const u8 = { type: 'uint', bits: 8 };
const i8 = { type: 'int', bits: 8 };

/** T (int8, °C) with warning 10..30 and alarm 0..40; while MODE is ON, warning 15..25 and alarm 5..35. */
function thermal(limits: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): PacketProcessor {
  return new PacketProcessor(
    db(
      {
        MODE: {
          encoding: u8,
          calibration: { type: 'enumeration', states: { '0': 'OFF', '1': 'ON', '2': 'SAFE' } },
          limits: { alarmStates: ['SAFE'] },
        },
        T: {
          unit: 'degC',
          encoding: i8,
          limits: {
            warning: { low: 10, high: 30 },
            alarm: { low: 0, high: 40 },
            switched: {
              parameter: 'MODE',
              values: ['ON'],
              warning: { low: 15, high: 25 },
              alarm: { low: 5, high: 35 },
            },
            ...limits,
          },
        },
      },
      [
        { parameter: 'MODE', bitOffset: 0 },
        { parameter: 'T', bitOffset: 8 },
      ],
      extra,
    ),
  );
}

const limitOf = (p: PacketProcessor, mode: number, t: number, out?: Collector): Limit =>
  run(p, [mode, t & 0xff], out).get('T')!.limit;

describe('mdb/limits', () => {
  it('applies the first set, or the second while the switch parameter has one of its values', () => {
    const p = thermal();
    const cases: [number, number, Limit][] = [
      [0, 20, Limit.OK],
      [0, 27, Limit.OK],
      [1, 27, Limit.WARN_HIGH],
      [1, 12, Limit.WARN_LOW],
      [0, 12, Limit.OK],
      [0, 8, Limit.WARN_LOW],
      [1, 4, Limit.ALARM_LOW],
      [0, 36, Limit.WARN_HIGH],
      [1, 36, Limit.ALARM_HIGH],
      [0, 41, Limit.ALARM_HIGH],
      [0, -1, Limit.ALARM_LOW],
      [2, 20, Limit.OK],
    ];
    for (const [mode, t, limit] of cases) expect(limitOf(p, mode, t), `mode ${mode} T ${t}`).to.equal(limit);
    expect(p.dictionary()[1]!.limits).to.deep.equal({
      warnLow: 10,
      warnHigh: 30,
      alarmLow: 0,
      alarmHigh: 40,
    });
  });

  it('treats inclusive bounds as allowed and exclusive bounds as violated', () => {
    const inclusive = thermal();
    expect(limitOf(inclusive, 0, 30)).to.equal(Limit.OK);
    expect(limitOf(inclusive, 0, 10)).to.equal(Limit.OK);
    const exclusive = thermal({
      warning: { low: 10, high: 30, lowInclusive: false, highInclusive: false },
    });
    expect(limitOf(exclusive, 0, 30)).to.equal(Limit.WARN_HIGH);
    expect(limitOf(exclusive, 0, 10)).to.equal(Limit.WARN_LOW);
    expect(limitOf(exclusive, 0, 29)).to.equal(Limit.OK);
  });

  it('raises STATE_ALARM for an alarm state, with an ALARM event and a return to nominal', () => {
    const p = thermal();
    const out = new Collector();
    expect(run(p, [2, 20], out).get('MODE')!.limit).to.equal(Limit.STATE_ALARM);
    expect(run(p, [2, 20], out).get('MODE')!.limit).to.equal(Limit.STATE_ALARM);
    expect(run(p, [0, 20], out).get('MODE')!.limit).to.equal(Limit.OK);
    expect(out.events.map((e) => [e.type, e.severity, e.parameter, e.value])).to.deep.equal([
      ['STATE_ALARM', 'ALARM', 'MODE', 'SAFE'],
      ['RETURN_TO_NOMINAL', 'INFO', 'MODE', 'OFF'],
    ]);
    expect(out.events[0]).to.include({ time: 2_000, source: 'mdb' });
  });

  it('reports a violation only after `persistence` consecutive violating samples', () => {
    const p = thermal({ persistence: 3 });
    const out = new Collector();
    const seq = [35, 35, 20, 35, 35, 45, 45, 20].map((t) => limitOf(p, 0, t, out));
    expect(seq).to.deep.equal([
      Limit.OK,
      Limit.OK,
      Limit.OK,
      Limit.OK,
      Limit.OK,
      Limit.ALARM_HIGH,
      Limit.ALARM_HIGH,
      Limit.OK,
    ]);
    expect(out.events.map((e) => [e.type, e.severity, e.value])).to.deep.equal([
      ['LIMIT_VIOLATION', 'ALARM', 45],
      ['RETURN_TO_NOMINAL', 'INFO', 20],
    ]);
    expect(out.events[0]!.message).to.equal('T ALARM_HIGH: 45 degC');
  });

  it('with a deadband, returns towards nominal only once inside the limit by the deadband (issue 11)', () => {
    // MODE OFF: warning 10..30, alarm 0..40; deadband 2 °C.
    const p = thermal({ deadband: 2 });
    const out = new Collector();
    const seq = [31, 29, 29, 28, 41, 39, 38, 37, 9, 11, 12].map((t) => limitOf(p, 0, t, out));
    expect(seq).to.deep.equal([
      Limit.WARN_HIGH,
      Limit.WARN_HIGH, // 29 is within 30 by less than 2: no chatter at the limit
      Limit.WARN_HIGH,
      Limit.OK, // 28: inside by the deadband
      Limit.ALARM_HIGH,
      Limit.ALARM_HIGH, // 39 + 2 is still beyond 40
      Limit.WARN_HIGH, // 38: below the alarm limit by the deadband, still a warning
      Limit.WARN_HIGH,
      Limit.WARN_LOW,
      Limit.WARN_LOW, // 11 - 2 is below 10
      Limit.OK,
    ]);
    expect(out.events.map((e) => e.type)).to.deep.equal([
      'LIMIT_VIOLATION',
      'RETURN_TO_NOMINAL',
      'LIMIT_VIOLATION',
      'LIMIT_VIOLATION',
      'LIMIT_VIOLATION',
      'RETURN_TO_NOMINAL',
    ]);
    // Without it, the same values chatter at the warning limit.
    const plain = thermal();
    expect([31, 29, 31, 29].map((t) => limitOf(plain, 0, t, new Collector()))).to.deep.equal([
      Limit.WARN_HIGH,
      Limit.OK,
      Limit.WARN_HIGH,
      Limit.OK,
    ]);
  });

  it('raises an event per change of violation level: WARNING, then ALARM, then back', () => {
    const p = thermal();
    const out = new Collector();
    for (const t of [20, 32, 33, 42, 32, 20]) limitOf(p, 0, t, out);
    expect(out.events.map((e) => `${e.type}/${e.severity}/${e.value}`)).to.deep.equal([
      'LIMIT_VIOLATION/WARNING/32',
      'LIMIT_VIOLATION/ALARM/42',
      'LIMIT_VIOLATION/WARNING/32',
      'RETURN_TO_NOMINAL/INFO/20',
    ]);
  });

  it('enables and disables checking per parameter, per list and globally', () => {
    const p = thermal({}, { limitLists: { HOT: ['T'], ALL: ['T', 'MODE'] } });
    const l = p.limits;
    expect(limitOf(p, 0, 50)).to.equal(Limit.ALARM_HIGH);
    l.setParameterEnabled('T', false);
    expect(limitOf(p, 0, 50)).to.equal(Limit.UNCHECKED);
    expect(l.isEnabled('T')).to.equal(false);
    l.setParameterEnabled('T', true);
    const out = new Collector();
    expect(limitOf(p, 0, 50, out)).to.equal(Limit.ALARM_HIGH);
    expect(out.events).to.have.length(1);
    l.setListEnabled('HOT', false);
    l.setListEnabled('ALL', false);
    l.setListEnabled('HOT', true);
    expect(limitOf(p, 0, 50)).to.equal(Limit.UNCHECKED);
    l.setListEnabled('ALL', true);
    expect(limitOf(p, 0, 50)).to.equal(Limit.ALARM_HIGH);
    l.setGlobalEnabled(false);
    expect(run(p, [2, 50]).get('MODE')!.limit).to.equal(Limit.UNCHECKED);
    expect(limitOf(p, 0, 50)).to.equal(Limit.UNCHECKED);
    l.setGlobalEnabled(true);
    expect(limitOf(p, 0, 50)).to.equal(Limit.ALARM_HIGH);
    expect(() => l.setParameterEnabled('NOPE', false))
      .to.throw()
      .with.property('code', 'ERR_MDB_UNKNOWN_PARAMETER');
    expect(() => l.setListEnabled('NOPE', false))
      .to.throw()
      .with.property('code', 'ERR_MDB_UNKNOWN_LIST');
  });

  it('starts disabled when the database says so; parameters without limits are UNCHECKED', () => {
    const p = thermal({ enabled: false });
    expect(limitOf(p, 0, 50)).to.equal(Limit.UNCHECKED);
    p.limits.setParameterEnabled('T', true);
    expect(limitOf(p, 0, 50)).to.equal(Limit.ALARM_HIGH);
    const bare = new PacketProcessor(db({ X: { encoding: u8 } }, [{ parameter: 'X', bitOffset: 0 }]));
    expect(run(bare, [1]).get('X')!.limit).to.equal(Limit.UNCHECKED);
  });
});
