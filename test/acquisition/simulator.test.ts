import { expect } from 'chai';
import { Limit, SEVERITIES, STREAMS, type Stream } from '../../protocol/constants.ts';
import { crc16Ccitt } from '../../src/acquisition/crc16.ts';
import { limitIndex } from '../../src/acquisition/limits.ts';
import { SIM_DICTIONARY, SIM_PACKETS } from '../../src/acquisition/sim-dictionary.ts';
import { defineSimulator, FRAME_SCHEDULE, type SimulatorConfig } from '../../src/acquisition/simulator.ts';
import { RingSink } from '../../src/acquisition/sink.ts';
import type { ParameterInfo } from '../../src/acquisition/source.ts';
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
};

interface Run {
  clock: FakeClock;
  control: ControlBlock;
  got: Record<Stream, Read[]>;
  /** Advances the clock by ms in chunks, draining the rings after each (no overrun). */
  advance(ms: number): void;
}

function start(cfg: Partial<SimulatorConfig>): Run {
  const def = defineSimulator({ ...BASE, ...cfg });
  const buffers = createBuffers(def.dictionary.length);
  const clock = new FakeClock(START_MS);
  const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
  const drain = new Drain(buffers.rings);
  const got: Record<Stream, Read[]> = { frames: [], packets: [], parameters: [], events: [] };
  const collect = () => {
    for (const s of STREAMS) got[s].push(...drain.take(s));
  };
  def.create(clock).start(sink);
  collect();
  return {
    clock,
    control: new ControlBlock(buffers.rings.control),
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
  if (info.type === 'state') return undefined; // state alarms are the simulator's own mission data
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

describe('acquisition simulator', () => {
  it('frames at frameRateHz, with the packets and samples of its frame schedule', () => {
    const run = start({});
    run.advance(10_000);
    const { frames, packets, parameters, events } = run.got;
    // Tick 0 is due at start, so 10 s at 10 Hz is ticks 0…100.
    expect(frames).to.have.length(101);
    frames.forEach((f, n) => {
      expect(f.meta.ert).to.equal((START_MS + n * 100) * 1000);
      expect(f.rec.vcid).to.equal(FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!.vcid);
    });
    const slots = frames.map((_, n) => FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!);
    const fieldsOf = (apid: number) => SIM_PACKETS.find((p) => p.apid === apid)!.fields.length;
    expect(packets).to.have.length(slots.reduce((a, s) => a + s.apids.length, 0));
    expect(parameters).to.have.length(
      slots.reduce((a, s) => a + s.apids.reduce((b, apid) => b + fieldsOf(apid), 0), 0),
    );
    expect(events[0]!.rec).to.include({ type: 'LINK_UP', severity: 'INFO', source: 'SIM-GS' });
    expect(run.control.linkUp()).to.equal(true);
    expect(run.control.lastAcquisitionUs()).to.equal((START_MS + 10_000) * 1000);
    expect(new Set(SIM_DICTIONARY.map((p) => p.name)).size).to.equal(SIM_DICTIONARY.length);
    expect(SIM_DICTIONARY.length).to.be.within(35, 50);
  });

  it('is reproducible from its seed', () => {
    const records = (seed: number) => {
      const run = start({ seed });
      run.advance(20_000);
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
  });

  it('writes exact ICD §6 maps with seq from 1 and the documented ring keys', () => {
    const run = start({ dataBreaks: { everySec: 15, durationSec: 3 } });
    run.advance(30_000);
    for (const s of STREAMS) {
      expect(run.got[s].length, s).to.be.greaterThan(0);
      for (const r of run.got[s]) expectIcdShape(s, r.rec);
      expectSeqRun(run.got[s], 1);
    }
    for (const { meta, rec } of run.got.frames) expect([meta.key1, meta.key2]).to.deep.equal([rec.vcid, -1]);
    for (const { meta, rec } of run.got.packets)
      expect([meta.key1, meta.key2]).to.deep.equal([rec.vcid, rec.apid]);
    for (const { meta, rec } of run.got.parameters) {
      const info = SIM_DICTIONARY[meta.key1]!;
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
      const param =
        rec.parameter === undefined ? -1 : SIM_DICTIONARY.findIndex((p) => p.name === rec.parameter);
      expect(meta.key2).to.equal(param);
    }
  });

  it('downlinks CCSDS frames with a valid FECF whose packets are the packet records and carry the sample values', () => {
    const run = start({});
    run.advance(5_000);
    const { frames, packets, parameters } = run.got;
    const vcfc = new Map<number, number>();
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
      expect(parsed.fhp).to.equal(parsed.packets.length > 0 ? 0 : 0x7fe);
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
        const layout = SIM_PACKETS.find((x) => x.apid === pk.apid)!;
        decodeRaw(pk).forEach((raw, i) => {
          const sample = parameters[s++]!.rec;
          expect(sample).to.include({ name: layout.fields[i]!.info.name, raw, scet: pk.time });
        });
      }
    }
    expect(p).to.equal(packets.length);
    expect(s).to.equal(parameters.length);
  });

  it('crosses limits now and then and reports violations, returns and mode changes as events', () => {
    const run = start({ frameRateHz: 0.5, dataBreaks: { everySec: 600, durationSec: 60 } });
    run.advance(5_640_000); // one orbit
    const { parameters, events } = run.got;
    for (const { rec } of parameters) {
      const info = SIM_DICTIONARY.find((d) => d.name === rec.name)!;
      const want = expectedLimit(info, rec.eng);
      if (want !== undefined) expect(rec.limit, `${rec.name} = ${rec.eng}`).to.equal(want);
    }
    const offLimits = parameters.filter((r) => r.rec.limit !== Limit.OK && r.rec.limit !== Limit.UNCHECKED);
    expect(offLimits.length).to.be.greaterThan(0);
    expect(offLimits.length / parameters.length).to.be.below(0.05, 'mostly nominal');
    const byType = (t: string) => events.filter((e) => e.rec.type === t).map((e) => e.rec);
    const violations = byType('LIMIT_VIOLATION');
    expect(violations.length).to.be.greaterThan(0);
    for (const v of violations) {
      const info = SIM_DICTIONARY.find((d) => d.name === v.parameter)!;
      expect(['WARNING', 'ALARM']).to.include(v.severity);
      if (info.type !== 'state') expect(expectedLimit(info, v.value)).to.not.equal(Limit.OK);
    }
    const returns = byType('LIMIT_RETURN');
    expect(returns.length).to.be.greaterThan(0);
    for (const r of returns) expect(r.severity).to.equal('INFO');
    const modes = byType('MODE_CHANGE');
    expect(modes.map((m) => m.parameter)).to.include('AOCS.MODE');
    for (const m of modes)
      expect(SIM_DICTIONARY.find((d) => d.name === m.parameter)!.states).to.include(m.value);
  });

  it('rejects configurations that cannot produce valid frames', () => {
    const bad: Partial<SimulatorConfig>[] = [
      { frameLength: 100 },
      { frameLength: 150 }, // whole packets leave 1…6 bytes: no room for an idle packet
      { frameLength: 70_000 },
      { scid: 1024 },
      { station: '' },
      { frameRateHz: 0 },
      { dataBreaks: { everySec: 10, durationSec: 10 } },
      { dataBreaks: { everySec: -1, durationSec: 0 } },
    ];
    for (const cfg of bad) {
      expect(() => defineSimulator({ ...BASE, ...cfg }), JSON.stringify(cfg))
        .to.throw()
        .with.property('code', 'ERR_SIMULATOR_CONFIG');
    }
    expect(defineSimulator({ ...BASE, frameLength: 2048 }).dictionary).to.equal(SIM_DICTIONARY);
  });

  it('cannot start twice, and writes nothing after stop', async () => {
    const def = defineSimulator(BASE);
    const buffers = createBuffers(def.dictionary.length);
    const clock = new FakeClock(START_MS);
    const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
    const sim = def.create(clock);
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
