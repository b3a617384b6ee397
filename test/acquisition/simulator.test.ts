import { expect } from 'chai';
import { Limit, Quality, SEVERITIES, STREAMS, type Stream } from '../../protocol/constants.ts';
import { crc16Ccitt } from '../../src/acquisition/crc16.ts';
import { DEMO_MISSION_FILE } from '../../src/acquisition/index.ts';
import { limitIndex } from '../../src/acquisition/limits.ts';
import { SIM_PACKETS } from '../../src/acquisition/sim-dictionary.ts';
import {
  catchUpLimit,
  defineSimulator,
  FRAME_SCHEDULE,
  SIMULATOR_LINK_ID,
  type SimulatorConfig,
} from '../../src/acquisition/simulator.ts';
import { RingSink } from '../../src/acquisition/sink.ts';
import type { ParameterInfo, SourceContext } from '../../src/acquisition/source.ts';
import { loadMdb } from '../../src/mdb/load.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { createDownlinkMetrics, DownlinkMetricsReader } from '../../src/metrics/downlink.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { createBuffers, Drain, expectIcdShape, expectSeqRun, type Read } from './support.ts';

const START_MS = 1_700_000_000_000;
const BASE: SimulatorConfig = {
  enabled: true,
  scid: 42,
  station: 'SIM-GS',
  frameRateHz: 10,
  frameLength: 1115,
  seed: 7,
  dataBreaks: { everySec: 0, durationSec: 0 },
  randomized: true,
  reedSolomon: { interleave: 5 },
};

const MDB = loadMdb(DEMO_MISSION_FILE);
const DICTIONARY = MDB.parameters.map((p) => p.info);
const DERIVED = new Set(MDB.parameters.filter((p) => p.kind === 'derived').map((p) => p.name));
const silent = { info: () => {}, warn: () => {}, error: () => {} };

interface Run {
  clock: FakeClock;
  control: ControlBlock;
  metrics: DownlinkMetricsReader;
  got: Record<Stream, Read[]>;
  /** Advances the clock by ms in chunks, draining the rings after each (no overrun). */
  advance(ms: number): void;
}

function context(): SourceContext {
  return {
    decom: { processor: new PacketProcessor(MDB) },
    metrics: createDownlinkMetrics([{ id: SIMULATOR_LINK_ID, station: BASE.station }]),
    log: silent,
  };
}

function start(cfg: Partial<SimulatorConfig>): Run {
  const def = defineSimulator({ ...BASE, ...cfg }, MDB);
  const buffers = createBuffers(def.dictionary.length);
  const clock = new FakeClock(START_MS);
  const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
  const drain = new Drain(buffers.rings);
  const got: Record<Stream, Read[]> = { frames: [], packets: [], parameters: [], events: [] };
  const collect = () => {
    for (const s of STREAMS) got[s].push(...drain.take(s));
  };
  const ctx = context();
  def.create(clock, ctx).start(sink);
  collect();
  return {
    clock,
    control: new ControlBlock(buffers.rings.control),
    metrics: new DownlinkMetricsReader(ctx.metrics!),
    got,
    advance(ms) {
      for (let left = ms; left > 0; left -= 60_000) {
        clock.advance(Math.min(left, 60_000));
        collect();
      }
    },
  };
}

/** The limit state a value should have, from the dictionary's limits (independent of the simulator). */
function expectedLimit(info: ParameterInfo, eng: unknown): Limit | undefined {
  const l = info.limits;
  if (info.type !== 'float' && info.type !== 'int') return undefined;
  if (l === undefined || typeof eng !== 'number') return Limit.UNCHECKED;
  if (eng < (l.alarmLow ?? -Infinity)) return Limit.ALARM_LOW;
  if (eng > (l.alarmHigh ?? Infinity)) return Limit.ALARM_HIGH;
  if (eng < (l.warnLow ?? -Infinity)) return Limit.WARN_LOW;
  if (eng > (l.warnHigh ?? Infinity)) return Limit.WARN_HIGH;
  return Limit.OK;
}

interface ParsedPacket {
  apid: number;
  ssc: number;
  time: number;
  bytes: Uint8Array;
}

/** Parses a transfer frame on its own, checking the CCSDS layout; returns its non-idle packets. */
function parseFrame(frame: Uint8Array): {
  scid: number;
  vcid: number;
  vcfc: number;
  fhp: number;
  packets: ParsedPacket[];
} {
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const end = frame.length - 2;
  expect(v.getUint16(end), 'FECF').to.equal(crc16Ccitt(frame, 0, end));
  const w0 = v.getUint16(0);
  expect(w0 >> 14, 'TM version').to.equal(0);
  const fhp = v.getUint16(4) & 0x7ff;
  const packets: ParsedPacket[] = [];
  if (fhp !== 0x7fe) {
    let off = 6 + fhp;
    while (off < end) {
      const apid = v.getUint16(off) & 0x7ff;
      const len = v.getUint16(off + 4) + 7;
      expect(off + len, 'packet inside the data field').to.be.at.most(end);
      if (apid !== 0x7ff) {
        expect((v.getUint16(off) >> 11) & 1, 'secondary header flag').to.equal(1);
        expect(v.getUint16(off + 2) >> 14, 'unsegmented').to.equal(3);
        const time = Number(v.getBigUint64(off + 6));
        packets.push({
          apid,
          ssc: v.getUint16(off + 2) & 0x3fff,
          time,
          bytes: frame.subarray(off, off + len),
        });
      }
      off += len;
    }
    expect(off).to.equal(end);
  }
  return { scid: (w0 >> 4) & 0x3ff, vcid: (w0 >> 1) & 7, vcfc: v.getUint8(3), fhp, packets };
}

/** Raw values of a simulator packet, decoded from its bytes with the packet layout of SIM_PACKETS. */
function decodeRaw(p: ParsedPacket): (number | string)[] {
  const layout = SIM_PACKETS.find((s) => s.apid === p.apid)!;
  const v = new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
  let off = 14;
  return layout.fields.map((f) => {
    const at = off;
    const read = {
      u8: () => v.getUint8(at),
      i16: () => v.getInt16(at),
      u16: () => v.getUint16(at),
      u32: () => v.getUint32(at),
    };
    if (f.encoding === 'str8') {
      off += 8;
      return new TextDecoder().decode(p.bytes.subarray(at, at + 8)).replace(/\0+$/, '');
    }
    off += { u8: 1, i16: 2, u16: 2, u32: 4 }[f.encoding];
    return read[f.encoding]();
  });
}

const isIdleTick = (n: number) => FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!.apids.length === 0;
const containerOf = (apid: number) => MDB.containers.find((c) => c.apid === apid)!;

describe('acquisition simulator', () => {
  it('downlinks a frame per tick through the CCSDS chain: idle frames dropped, packets and MDB parameters out', () => {
    const run = start({});
    run.advance(10_000);
    const { frames, packets, parameters, events } = run.got;
    // Tick 0 is due at start, so 10 s at 10 Hz is ticks 0…100; the chain drops the idle ones.
    const ticks = Array.from({ length: 101 }, (_, n) => n).filter((n) => !isIdleTick(n));
    expect(frames).to.have.length(ticks.length);
    frames.forEach((f, i) => {
      const n = ticks[i]!;
      expect(f.meta.ert).to.equal((START_MS + n * 100) * 1000);
      expect(f.rec.vcid).to.equal(FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!.vcid);
      expect(f.rec.quality).to.equal(Quality.FRAME_ECF_PRESENT);
      expect(f.rec.station).to.equal('SIM-GS');
    });
    const apids = ticks.flatMap((n) => FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!.apids);
    expect(packets.map((p) => p.rec.apid)).to.deep.equal(apids);
    for (const p of packets) expect(p.rec.quality).to.equal(0);
    // Every container entry of every packet is a sample; derived parameters come on top.
    const extracted = parameters.filter((p) => !DERIVED.has(p.rec.name as string));
    expect(extracted).to.have.length(apids.reduce((a, apid) => a + containerOf(apid).entries.length, 0));
    expect(new Set(parameters.map((p) => p.rec.name))).to.include.all.keys('EPS.BUS_POWER', 'AOCS.RATE_NORM');
    expect(events[0]!.rec).to.include({ type: 'LINK_UP', severity: 'INFO', source: 'SIM-GS' });
    expect(events.map((e) => e.rec.type)).to.include('SYNC_LOCK');
    expect(run.control.linkUp()).to.equal(true);
    expect(run.control.lastAcquisitionUs()).to.equal((START_MS + 10_000) * 1000);
    expect(run.metrics.link(0, 'frames')).to.equal(frames.length);
    expect(run.metrics.link(0, 'idleFrames')).to.equal(101 - ticks.length);
    expect(run.metrics.vc(0, 0, 'frames') + run.metrics.vc(0, 1, 'frames')).to.equal(frames.length);
    expect(run.metrics.link(0, 'syncLocked')).to.equal(1);
    expect(run.metrics.decom('samples')).to.equal(parameters.length);
  });

  it('is reproducible from its seed', () => {
    const records = (seed: number) => {
      const run = start({ seed });
      run.advance(8_000);
      return run.got.parameters.map((r) => r.rec);
    };
    const a = records(11);
    expect(records(11)).to.deep.equal(a);
    expect(records(12)).to.not.deep.equal(a);
  });

  it('goes link-down for each data break and back up, writing nothing in between', () => {
    const run = start({ dataBreaks: { everySec: 20, durationSec: 5 } });
    run.advance(14_950);
    expect(run.control.linkUp()).to.equal(true);
    run.advance(100);
    expect(run.control.linkUp()).to.equal(false);
    const lastAcq = run.control.lastAcquisitionUs();
    run.advance(4_800);
    expect(run.control.linkUp()).to.equal(false);
    expect(run.control.lastAcquisitionUs()).to.equal(lastAcq, 'silent during the break');
    run.advance(25_000);
    expect(run.control.linkUp()).to.equal(true);
    const inBreak = (us: number) => ((us / 1000 - START_MS) / 1000) % 20 >= 15;
    for (const s of ['frames', 'packets', 'parameters'] as const) {
      expect(
        run.got[s].filter((r) => inBreak(r.meta.ert)),
        s,
      ).to.deep.equal([]);
    }
    const link = run.got.events
      .filter((e) => String(e.rec.type).startsWith('LINK_'))
      .map((e) => [e.rec.type, e.rec.time]);
    expect(link).to.deep.equal([
      ['LINK_UP', START_MS * 1000],
      ['LINK_DOWN', (START_MS + 15_000) * 1000],
      ['LINK_UP', (START_MS + 20_000) * 1000],
      ['LINK_DOWN', (START_MS + 35_000) * 1000],
      ['LINK_UP', (START_MS + 40_000) * 1000],
    ]);
    expect(run.got.events.find((e) => e.rec.type === 'LINK_DOWN')!.rec.severity).to.equal('WARNING');
    // The synchroniser re-acquires after each break.
    expect(run.got.events.filter((e) => e.rec.type === 'SYNC_LOCK')).to.have.length(3);
    expect(run.metrics.link(0, 'linkDowns')).to.equal(2);
  });

  it('writes exact ICD §6 maps with seq from 1 and the documented ring keys', () => {
    const run = start({ dataBreaks: { everySec: 8, durationSec: 2 } });
    run.advance(12_000);
    for (const s of STREAMS) {
      expect(run.got[s].length, s).to.be.greaterThan(0);
      for (const r of run.got[s]) expectIcdShape(s, r.rec);
      expectSeqRun(run.got[s], 1);
    }
    for (const { meta, rec } of run.got.frames) expect([meta.key1, meta.key2]).to.deep.equal([rec.vcid, -1]);
    for (const { meta, rec } of run.got.packets)
      expect([meta.key1, meta.key2]).to.deep.equal([rec.vcid, rec.apid]);
    for (const { meta, rec } of run.got.parameters) {
      const info = DICTIONARY[meta.key1]!;
      expect(info.name).to.equal(rec.name);
      expect(meta.key2).to.equal(limitIndex(rec.limit as Limit));
      expect(rec.unit).to.equal(info.unit);
      const type = { float: 'number', int: 'number', state: 'string', bool: 'boolean', string: 'string' }[
        info.type
      ];
      expect(typeof rec.eng, info.name).to.equal(type);
      if (info.type === 'state') expect(info.states).to.include(rec.eng);
    }
    for (const { meta, rec } of run.got.events) {
      expect(meta.key1).to.equal(SEVERITIES.indexOf(rec.severity as (typeof SEVERITIES)[number]));
      const param = rec.parameter === undefined ? -1 : DICTIONARY.findIndex((p) => p.name === rec.parameter);
      expect(meta.key2).to.equal(param);
    }
  });

  it('downlinks CCSDS frames with a valid FECF whose packets are the packet records and decommutate to their raw values', () => {
    const run = start({});
    run.advance(5_000);
    const { frames, packets, parameters } = run.got;
    const vcfc = new Map<number, number>();
    const samples = parameters.filter((p) => !DERIVED.has(p.rec.name as string));
    let p = 0;
    let s = 0;
    for (const f of frames) {
      const data = f.rec.data as Uint8Array;
      expect(data.length).to.equal(1115);
      const parsed = parseFrame(data);
      expect(parsed).to.include({ scid: 42, vcid: f.rec.vcid, vcfc: f.rec.vcfc });
      const expectedVcfc = vcfc.get(parsed.vcid) ?? 0;
      expect(parsed.vcfc).to.equal(expectedVcfc);
      vcfc.set(parsed.vcid, (expectedVcfc + 1) & 0xff);
      expect(parsed.fhp).to.equal(0);
      for (const pk of parsed.packets) {
        const rec = packets[p++]!.rec;
        expect(rec).to.include({
          apid: pk.apid,
          ssc: pk.ssc,
          scet: pk.time,
          vcid: parsed.vcid,
          scid: 42,
          ert: f.rec.ert,
        });
        expect(rec.data).to.deep.equal(pk.bytes);
        // The container's entries in order: header fields, then the fields the spacecraft wrote.
        const layout = SIM_PACKETS.find((x) => x.apid === pk.apid)!;
        const raw = new Map<string, unknown>([
          ['PKT.APID', pk.apid],
          ['PKT.SSC', pk.ssc],
          ['PKT.SCET', pk.time],
        ]);
        for (const [i, r] of decodeRaw(pk).entries()) raw.set(layout.fields[i]!.info.name, r);
        for (const entry of containerOf(pk.apid).entries) {
          const name = MDB.parameters[entry.param]!.name;
          const sample = samples[s++]!.rec;
          expect(sample).to.include({ name, scet: pk.time, ert: f.rec.ert });
          if (raw.has(name)) expect(sample.raw, name).to.equal(raw.get(name));
        }
        const fields = containerOf(pk.apid).entries.map((e) => MDB.parameters[e.param]!.name);
        expect(fields.filter((n) => !n.startsWith('PKT.'))).to.deep.equal(
          layout.fields.map((x) => x.info.name),
        );
      }
    }
    expect(p).to.equal(packets.length);
    expect(s).to.equal(samples.length);
  });

  it('crosses limits now and then, and the mission database reports violations and returns as events', () => {
    const run = start({ frameRateHz: 0.2, dataBreaks: { everySec: 600, durationSec: 60 } });
    run.advance(5_640_000); // one orbit
    const { parameters, events } = run.got;
    for (const { rec } of parameters) {
      const info = DICTIONARY.find((d) => d.name === rec.name)!;
      const want = expectedLimit(info, rec.eng);
      // Persistence holds a violation back for some samples: a reported violation is always real.
      if (want !== undefined && rec.limit !== Limit.OK)
        expect(rec.limit, `${rec.name} = ${rec.eng}`).to.equal(want);
    }
    const offLimits = parameters.filter((r) => r.rec.limit !== Limit.OK && r.rec.limit !== Limit.UNCHECKED);
    expect(offLimits.length).to.be.greaterThan(0);
    expect(offLimits.length / parameters.length).to.be.below(0.05, 'mostly nominal');
    const byType = (t: string) => events.filter((e) => e.rec.type === t).map((e) => e.rec);
    const violations = byType('LIMIT_VIOLATION');
    expect(violations.length).to.be.greaterThan(0);
    for (const v of violations) {
      expect(v.source).to.equal('mdb');
      expect(['WARNING', 'ALARM']).to.include(v.severity);
      const info = DICTIONARY.find((d) => d.name === v.parameter)!;
      const want = expectedLimit(info, v.value);
      if (want !== undefined) expect(want).to.not.equal(Limit.OK);
    }
    const returns = byType('RETURN_TO_NOMINAL');
    expect(returns.length).to.be.greaterThan(0);
    for (const r of returns) expect(r.severity).to.equal('INFO');
  });

  it('with impairments: bit errors make bad frames that keep their quality bits, and good frames still decode', () => {
    const run = start({
      reedSolomon: { interleave: 0 },
      randomized: false,
      impairments: {
        bitErrorRate: 2e-5,
        frameDropRate: 0.02,
        polarityInversion: { everyFrames: 50, frames: 5 },
      },
    });
    run.advance(60_000);
    const { frames, packets, parameters, events } = run.got;
    const bad = frames.filter((f) => (f.rec.quality as number) & Quality.FRAME_CRC_ERROR);
    expect(bad.length, 'bad frames delivered').to.be.greaterThan(5);
    for (const f of bad)
      expect(f.rec.quality as number).to.satisfy((q: number) => (q & Quality.FRAME_ECF_PRESENT) !== 0);
    const reversed = frames.filter((f) => (f.rec.quality as number) & Quality.BITS_REVERSED);
    expect(reversed.length, 'inverted stretches flagged').to.be.greaterThan(10);
    expect(
      frames.some((f) => (f.rec.quality as number) & Quality.VC_SEQUENCE_ERROR),
      'dropped frames seen',
    ).to.equal(true);
    // No packet comes from a bad frame: every packet decodes, and samples follow.
    expect(packets.length).to.be.greaterThan(300);
    for (const p of packets) expect((p.rec.quality as number) & Quality.PACKET_HEADER_ERROR).to.equal(0);
    expect(parameters.filter((p) => p.rec.name === 'EPS.BUS_V').length).to.be.greaterThan(100);
    const types = events.map((e) => e.rec.type);
    expect(types).to.include.members(['VC_ERRORS', 'VC_NOMINAL']);
    expect(run.metrics.link(0, 'crcErrors')).to.equal(bad.length);
    expect(run.metrics.vc(0, 0, 'badFrames') + run.metrics.vc(0, 1, 'badFrames')).to.be.at.most(bad.length);
    // Idle frames of the inverted stretches are counted too, though not delivered.
    expect(run.metrics.link(0, 'invertedFrames')).to.be.at.least(reversed.length);
  });

  it('with Reed-Solomon, corrects sparse bit errors: every frame good, corrections counted per VC', () => {
    const run = start({
      impairments: { bitErrorRate: 1e-4, frameDropRate: 0, polarityInversion: { everyFrames: 0, frames: 0 } },
    });
    run.advance(30_000);
    const { frames } = run.got;
    expect(frames.length).to.be.greaterThan(200);
    for (const f of frames) expect(f.rec.quality).to.equal(Quality.FRAME_ECF_PRESENT);
    const corrected = run.metrics.vc(0, 0, 'rsCorrectedSymbols') + run.metrics.vc(0, 1, 'rsCorrectedSymbols');
    expect(corrected).to.be.greaterThan(50);
    expect(run.metrics.link(0, 'rsCorrectedSymbols')).to.be.at.least(corrected);
  });

  it('rejects configurations that cannot produce valid frames', () => {
    const none = { bitErrorRate: 0, frameDropRate: 0, polarityInversion: { everyFrames: 0, frames: 0 } };
    const bad: Partial<SimulatorConfig>[] = [
      { frameLength: 100 },
      { frameLength: 150 }, // whole packets leave 1…6 bytes: no room for an idle packet
      { frameLength: 70_000 },
      { frameLength: 1114 }, // not a multiple of the interleave depth 5
      { frameLength: 1200 }, // longer than 5 × 223
      { scid: 1024 },
      { station: '' },
      { frameRateHz: 0 },
      { dataBreaks: { everySec: 10, durationSec: 10 } },
      { dataBreaks: { everySec: -1, durationSec: 0 } },
      { impairments: { ...none, bitErrorRate: 0.6 } },
      { impairments: { ...none, frameDropRate: 1 } },
      { impairments: { ...none, polarityInversion: { everyFrames: 5, frames: 5 } } },
    ];
    for (const cfg of bad) {
      expect(() => defineSimulator({ ...BASE, ...cfg }, MDB), JSON.stringify(cfg))
        .to.throw()
        .with.property('code', 'ERR_SIMULATOR_CONFIG');
    }
    // The operator is told which fields clash (the server prints this one line and stops).
    expect(() => defineSimulator({ ...BASE, frameLength: 1114 }, MDB))
      .to.throw()
      .with.property('message')
      .that.matches(/frameLength 1114 does not suit reedSolomon\.interleave 5/);
    expect(
      defineSimulator({ ...BASE, frameLength: 2048, reedSolomon: { interleave: 0 } }, MDB).dictionary,
    ).to.deep.equal(DICTIONARY);
    expect(() => defineSimulator(BASE, null))
      .to.throw()
      .with.property('code', 'ERR_NO_MDB');
  });

  it('bounds a catch-up burst to 1 s of frames and a quarter of each ring', () => {
    expect(catchUpLimit(10, undefined, [1, 4, 60, 0])).to.equal(10);
    expect(catchUpLimit(2000, [16_384, 16_384, 65_536, 4096], [1, 4, 60, 0])).to.equal(273);
    expect(catchUpLimit(2000, [16_384, 16_384, 2, 4096], [1, 4, 60, 0])).to.equal(1);
  });

  it('after a stall, catches up without overrunning the rings, skipping and logging the older frames', () => {
    const cfg: SimulatorConfig = {
      ...BASE,
      frameRateHz: 1000,
      randomized: false,
      reedSolomon: { interleave: 0 },
    };
    const slots = 2048;
    const run = (ringSlots: number[] | undefined) => {
      const def = defineSimulator(cfg, MDB);
      const buffers = createBuffers(def.dictionary.length, undefined, slots);
      const clock = new FakeClock(START_MS);
      const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
      const warned: Record<string, unknown>[] = [];
      const log = { ...silent, warn: (o: Record<string, unknown>) => warned.push(o) };
      const sim = def.create(clock, { ...context(), log, ...(ringSlots ? { ringSlots } : {}) });
      const drain = new Drain(buffers.rings);
      sim.start(sink);
      clock.advance(10);
      drain.takeAll();
      clock.stall(5_000);
      clock.advance(0);
      return { drain, warned, clock, sim };
    };
    // Unbounded (1 s of frames at once), the burst laps the parameter ring: every reader loses records.
    expect(() => run(undefined).drain.takeAll()).to.throw(/read status/);
    const { drain, warned, clock, sim } = run(STREAMS.map(() => slots));
    const burst = drain.takeAll();
    expect(burst.parameters.length).to.be.within(slots / 16, slots / 4);
    expect(warned).to.have.length(1);
    const { skipped, caughtUp, totalSkipped } = warned[0] as Record<string, number>;
    expect(skipped! + caughtUp!).to.equal(5_000);
    expect(totalSkipped).to.equal(skipped);
    expect(burst.frames.length).to.be.within(1, caughtUp!);
    // Back on time: one tick per wake-up again, nothing more skipped.
    let frames = 0;
    for (let i = 0; i < 10; i++) {
      clock.advance(10);
      frames += drain.takeAll().frames.length;
    }
    expect(frames).to.be.greaterThan(50);
    expect(warned).to.have.length(1);
    void sim.stop();
  });

  it('cannot start twice, and writes nothing after stop', async () => {
    const def = defineSimulator(BASE, MDB);
    const buffers = createBuffers(def.dictionary.length);
    const clock = new FakeClock(START_MS);
    const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
    const sim = def.create(clock, context());
    sim.start(sink);
    expect(() => sim.start(sink))
      .to.throw()
      .with.property('code', 'ERR_SOURCE_STATE');
    clock.advance(1_000);
    await sim.stop();
    const heads = sink.heads();
    clock.advance(10_000);
    expect(sink.heads()).to.deep.equal(heads);
    expect(clock.pending()).to.equal(0);
  });
});
