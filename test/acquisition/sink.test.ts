import { expect } from 'chai';
import { Limit, STREAMS } from '../../protocol/constants.ts';
import { unpack } from '../../protocol/msgpack.ts';
import type { AcquisitionError } from '../../src/acquisition/errors.ts';
import { limitIndex } from '../../src/acquisition/limits.ts';
import { DROP_QUIET_MS, RingSink } from '../../src/acquisition/sink.ts';
import type { ParameterInfo } from '../../src/acquisition/source.ts';
import { MAX_FRAME_LENGTH } from '../../src/ccsds/frame.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import { createRingSet, RingSetReader } from '../../src/ring/ring.ts';
import { ValueTableReader } from '../../src/ring/value-table.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { type Buffers, createBuffers, Drain, expectIcdShape, expectSeqRun } from './support.ts';

const DICT: readonly ParameterInfo[] = [
  { name: 'EPS.BUS_V', unit: 'V', type: 'float', limits: { warnLow: 27 } },
  { name: 'AOCS.MODE', type: 'state', states: ['SAFE', 'NOMINAL'] },
];

class Warnings {
  readonly lines: { obj: unknown; msg: string | undefined }[] = [];
  warn(obj: unknown, msg?: string): void {
    this.lines.push({ obj, msg });
  }
}

function makeSink(buffers: Buffers, clock: FakeClock, extra: { initialSeq?: Record<string, number> } = {}) {
  const log = new Warnings();
  const sink = new RingSink({ ...buffers, dictionary: DICT, clock, log, ...extra });
  return { sink, log };
}

const ERT = 1_700_000_000_123_456;

describe('acquisition RingSink', () => {
  it('numbers each stream from its initial seq and writes ICD maps with the ring keys', () => {
    const buffers = createBuffers(DICT.length);
    const clock = new FakeClock(1_700_000_000_000);
    const { sink } = makeSink(buffers, clock, { initialSeq: { packets: 500, events: 7 } });
    const data = Uint8Array.of(1, 2, 3);
    sink.frame({ ert: ERT, station: 'GS', scid: 42, vcid: 3, vcfc: 9, quality: 8, data });
    sink.frame({ ert: ERT + 1, station: 'GS', scid: 42, vcid: 4, vcfc: 10, quality: 8, data });
    sink.packet({
      ert: ERT,
      scet: ERT - 5,
      station: 'GS',
      scid: 42,
      vcid: 3,
      apid: 101,
      ssc: 77,
      quality: 1,
      data,
    });
    sink.sample({
      param: 0,
      scet: ERT - 5,
      ert: ERT,
      raw: 26_500,
      eng: 26.5,
      limit: Limit.WARN_LOW,
      quality: 0,
    });
    sink.sample({
      param: 1,
      scet: ERT - 5,
      ert: ERT,
      raw: 1,
      eng: 'NOMINAL',
      limit: Limit.UNCHECKED,
      quality: 0,
    });
    sink.event({
      time: ERT,
      severity: 'ALARM',
      source: 'LIMITS',
      type: 'LIMIT_VIOLATION',
      message: 'm',
      parameter: 'AOCS.MODE',
      value: 'SAFE',
    });
    sink.event({ time: ERT, severity: 'INFO', source: 'GS', type: 'LINK_UP', message: 'up' });
    const drain = new Drain(buffers.rings);
    expect(drain.take('frames')).to.have.length(0, 'nothing is visible before commit');
    sink.commit();
    const got = drain.takeAll();
    for (const s of STREAMS) for (const r of got[s]) expectIcdShape(s, r.rec);
    expectSeqRun(got.frames, 1);
    expectSeqRun(got.packets, 500);
    expectSeqRun(got.parameters, 1);
    expectSeqRun(got.events, 7);
    expect(got.frames.map((r) => [r.meta.key1, r.meta.key2, r.meta.quality, r.meta.ert])).to.deep.equal([
      [3, -1, 8, ERT],
      [4, -1, 8, ERT + 1],
    ]);
    expect(got.frames[0]!.rec.data).to.deep.equal(data);
    expect(got.packets[0]!.meta).to.include({ key1: 3, key2: 101, scet: ERT - 5, quality: 1 });
    expect(got.parameters.map((r) => [r.meta.key1, r.meta.key2])).to.deep.equal([
      [0, limitIndex(Limit.WARN_LOW)],
      [1, limitIndex(Limit.UNCHECKED)],
    ]);
    expect(limitIndex(Limit.WARN_LOW)).to.equal(Object.keys(Limit).indexOf('WARN_LOW'));
    expect(got.parameters[0]!.rec).to.deep.equal({
      seq: 1,
      name: 'EPS.BUS_V',
      scet: ERT - 5,
      ert: ERT,
      raw: 26_500,
      eng: 26.5,
      unit: 'V',
      limit: 'WARN_LOW',
      quality: 0,
    });
    expect(got.parameters[1]!.rec).to.not.have.property('unit');
    expect(got.events.map((r) => [r.meta.key1, r.meta.key2])).to.deep.equal([
      [2, 1],
      [0, -1],
    ]);
    expect(sink.counters().records).to.deep.equal({ frames: 2, packets: 1, parameters: 2, events: 2 });
  });

  it('publishes the latest sample of each parameter in the value table at commit', () => {
    const buffers = createBuffers(DICT.length);
    const { sink } = makeSink(buffers, new FakeClock());
    const values = new ValueTableReader(buffers.valueTable);
    sink.sample({ param: 0, scet: 1, ert: 2, raw: 1, eng: 28, limit: Limit.OK, quality: 0 });
    sink.sample({ param: 0, scet: 3, ert: 4, raw: 2, eng: 28.5, limit: Limit.OK, quality: 0 });
    expect(values.has(0)).to.equal(false);
    sink.commit();
    const seen: [number, unknown][] = [];
    values.snapshot([0, 1], (i, payload) => seen.push([i, unpack(payload)]));
    expect(seen).to.deep.equal([
      [
        0,
        { seq: 2, name: 'EPS.BUS_V', scet: 3, ert: 4, raw: 2, eng: 28.5, unit: 'V', limit: 'OK', quality: 0 },
      ],
    ]);
  });

  it('sets link state at once and the acquisition time at each commit that wrote something', () => {
    const buffers = createBuffers(DICT.length);
    const clock = new FakeClock(5_000);
    const { sink } = makeSink(buffers, clock);
    const control = new ControlBlock(buffers.rings.control);
    const drain = new Drain(buffers.rings);
    sink.setLink(true);
    expect(control.linkUp()).to.equal(true);
    const bell = control.doorbell();
    sink.commit();
    expect(control.doorbell()).to.equal(bell, 'an empty commit wakes nobody');
    expect(control.lastAcquisitionUs()).to.equal(0);
    clock.advance(2);
    sink.event({ time: 1, severity: 'INFO', source: 's', type: 't', message: 'm' });
    sink.commit();
    expect(control.doorbell()).to.equal(bell + 1);
    expect(control.lastAcquisitionUs()).to.equal(5_002_000);
    expect(drain.take('events')).to.have.length(1);
    sink.setLink(false);
    expect(control.linkUp()).to.equal(false);
  });

  it('carries frames and packets of any legal size beside small ones in rings sized by the default configuration', () => {
    const config = loadConfig();
    const rings = createRingSet(STREAMS.map((s) => config.ring[s]));
    const buffers = { rings, valueTable: createBuffers(DICT.length).valueTable };
    const { sink } = makeSink(buffers, new FakeClock());
    // The largest frame a link accepts, the largest CCSDS space packet (6 + 65,536 bytes), small ones between.
    const frameSizes = [MAX_FRAME_LENGTH, 60, MAX_FRAME_LENGTH, 1115];
    const packetSizes = [60, 65_542, 60, 10_000, 65_542, 7];
    for (const n of frameSizes) {
      sink.frame({
        ert: 1,
        station: 'S',
        scid: 1,
        vcid: 0,
        vcfc: 0,
        quality: 0,
        data: new Uint8Array(n).fill(n & 0xff),
      });
    }
    for (const n of packetSizes) {
      const p = { ert: 1, scet: 0, station: 'S', scid: 1, vcid: 0, apid: 5, ssc: 0, quality: 0 };
      sink.packet({ ...p, data: new Uint8Array(n).fill(n & 0xff) });
    }
    sink.commit();
    expect(sink.counters().dropped).to.deep.equal({ frames: 0, packets: 0, parameters: 0, events: 0 });
    const drain = new Drain(rings);
    const data = (r: { rec: Record<string, unknown> }) => r.rec.data as Uint8Array;
    expect(drain.take('frames').map((r) => data(r).length)).to.deep.equal(frameSizes);
    const packets = drain.take('packets');
    expect(packets.map((r) => data(r).length)).to.deep.equal(packetSizes);
    for (const r of packets) expect(data(r).every((b) => b === (data(r).length & 0xff))).to.equal(true);
  });

  it('drops records too large for their ring: counted per stream, one ALARM and log line per burst, seq gapless', () => {
    // 64 slots × 64 bytes: records of up to 1 KiB.
    const buffers = createBuffers(DICT.length, [64, 512, 256, 512], 64);
    const clock = new FakeClock();
    const { sink, log } = makeSink(buffers, clock);
    const frame = (n: number) => ({
      ert: 1,
      station: 'S',
      scid: 1,
      vcid: 0,
      vcfc: 0,
      quality: 0,
      data: new Uint8Array(n),
    });
    sink.frame(frame(1));
    sink.frame(frame(2000));
    sink.frame(frame(900));
    sink.frame(frame(3000));
    sink.frame(frame(2));
    sink.frame(frame(5000));
    sink.commit();
    const reader = new RingSetReader(buffers.rings);
    expect(sink.counters().dropped.frames).to.equal(3);
    expect(reader.droppedTooLarge(STREAMS.indexOf('frames')), 'scs_records_dropped_total').to.equal(3);
    expect(sink.counters().records.frames).to.equal(3);
    expect(log.lines).to.have.length(1, 'one line for the burst');
    // 2000 bytes of data and 56 of keys and fields.
    expect(log.lines[0]!.obj).to.include({ stream: 'frames', bytes: 2056, maxBytes: 1024 });
    const drain = new Drain(buffers.rings);
    const frames = drain.take('frames');
    expectSeqRun(frames, 1);
    expect(frames.map((r) => (r.rec.data as Uint8Array).length)).to.deep.equal([1, 900, 2]);
    const alarms = drain.take('events');
    expect(alarms.map((e) => [e.rec.severity, e.rec.type])).to.deep.equal([['ALARM', 'RECORD_DROPPED']]);
    expect(alarms[0]!.rec.message).to.match(/^frames record of 2056 bytes is larger than the 1024 bytes/);

    clock.advance(DROP_QUIET_MS - 1);
    sink.frame(frame(4000));
    sink.commit();
    expect(drain.take('events'), 'the same burst').to.have.length(0);
    clock.advance(DROP_QUIET_MS);
    sink.frame(frame(4000));
    sink.commit();
    expect(
      drain.take('events').map((e) => e.rec.type),
      'a new burst',
    ).to.deep.equal(['RECORD_DROPPED']);
    expect(reader.droppedTooLarge(STREAMS.indexOf('frames'))).to.equal(5);
    expect(log.lines).to.have.length(2);
  });

  it('drops a parameter record the value table cannot hold, from the ring too', () => {
    const buffers = createBuffers(DICT.length, [512, 512, 512, 512]);
    const small = createBuffers(DICT.length, [512, 512, 64, 512]).valueTable;
    const { sink } = makeSink({ rings: buffers.rings, valueTable: small }, new FakeClock());
    sink.sample({ param: 1, scet: 0, ert: 0, raw: 'x'.repeat(100), eng: 'y', limit: Limit.OK, quality: 0 });
    sink.commit();
    expect(sink.counters().dropped.parameters).to.equal(1);
    expect(new RingSetReader(buffers.rings).droppedTooLarge(STREAMS.indexOf('parameters'))).to.equal(1);
    const drain = new Drain(buffers.rings);
    expect(drain.take('parameters')).to.have.length(0);
    const [alarm] = drain.take('events');
    expect(alarm!.rec.message).to.match(
      /^parameters record of \d+ bytes is larger than the 64 bytes a value table entry holds/,
    );
  });

  it('rejects a sample of a parameter index outside the dictionary', () => {
    const { sink } = makeSink(createBuffers(DICT.length), new FakeClock());
    const bad = () => sink.sample({ param: 2, scet: 0, ert: 0, raw: 0, eng: 0, limit: Limit.OK, quality: 0 });
    expect(bad).to.throw().with.property('code', 'ERR_UNKNOWN_PARAMETER');
  });

  it('rejects a value table smaller than the dictionary', () => {
    const buffers = createBuffers(DICT.length);
    const make = () =>
      makeSink({ rings: buffers.rings, valueTable: createBuffers(1).valueTable }, new FakeClock());
    let err: AcquisitionError | undefined;
    try {
      make();
    } catch (e) {
      err = e as AcquisitionError;
    }
    expect(err?.code).to.equal('ERR_VALUE_TABLE_SIZE');
  });
});
