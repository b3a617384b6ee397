import { setImmediate as turn } from 'node:timers/promises';
import { expect } from 'chai';
import { STREAMS } from '../../protocol/constants.ts';
import { crc16Ccitt } from '../../src/acquisition/crc16.ts';
import { SIM_DICTIONARY } from '../../src/acquisition/sim-dictionary.ts';
import { RingSink } from '../../src/acquisition/sink.ts';
import type { SourceDefinition } from '../../src/acquisition/source.ts';
import { defineTestSource, TEST_APID, type TestSourceOptions } from '../../src/acquisition/test-source.ts';
import { ControlBlock } from '../../src/ring/layout.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { createBuffers, Drain, expectIcdShape, expectSeqRun } from './support.ts';

function setup(def: SourceDefinition) {
  const buffers = createBuffers(def.dictionary.length);
  const clock = new FakeClock(1_700_000_000_000);
  const sink = new RingSink({ ...buffers, dictionary: def.dictionary, clock, log: { warn: () => {} } });
  const source = def.create(clock, {
    decom: null,
    metrics: null,
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  source.start(sink);
  return {
    clock,
    sink,
    source,
    drain: new Drain(buffers.rings),
    control: new ControlBlock(buffers.rings.control),
  };
}

describe('acquisition test source', () => {
  it("'rate' emits a frame, a packet and a sample per tick at rateHz", async () => {
    const { clock, drain, control, source } = setup(
      defineTestSource({ mode: 'rate', rateHz: 20, vcids: [4, 5, 6] }),
    );
    clock.advance(1_000);
    const got = drain.takeAll();
    for (const s of STREAMS.slice(0, 3)) {
      expect(got[s], s).to.have.length(21);
      expectSeqRun(got[s], 1);
      for (const r of got[s]) expectIcdShape(s, r.rec);
    }
    expect(control.linkUp()).to.equal(true);
    got.frames.forEach(({ rec }, n) => {
      const data = rec.data as Uint8Array;
      expect(data.length).to.equal(1115);
      expect(new DataView(data.buffer, data.byteOffset).getUint16(1113)).to.equal(crc16Ccitt(data, 0, 1113));
      expect(rec.vcid).to.equal([4, 5, 6][n % 3]);
      expect(rec.vcfc).to.equal(Math.floor(n / 3));
      expect(got.packets[n]!.rec).to.include({ apid: TEST_APID, ssc: n, vcid: rec.vcid, ert: rec.ert });
      expect(got.packets[n]!.rec.data).to.deep.equal(data.subarray(6, 6 + 22));
      expect(got.parameters[n]!.rec.name).to.equal(SIM_DICTIONARY[n % SIM_DICTIONARY.length]!.name);
    });
    await source.stop();
    clock.advance(1_000);
    expect(drain.take('frames')).to.have.length(0);
  });

  it("'inject' emits nothing by itself", () => {
    const { clock, sink, control } = setup(defineTestSource({ mode: 'inject' }));
    clock.advance(10_000);
    expect(sink.heads()).to.deep.equal([0, 0, 0, 0]);
    expect(control.linkUp()).to.equal(true);
  });

  it("'saturate' writes whole batches each turn of the event loop until stopped", async () => {
    const { sink, source, control } = setup(defineTestSource({ mode: 'saturate', batch: 10 }));
    expect(sink.heads()[0]).to.equal(10, 'the first batch is written at start');
    const bell = control.doorbell();
    await turn();
    await turn();
    expect(sink.heads()[0]).to.be.at.least(20);
    expect(control.doorbell()).to.be.greaterThan(bell);
    await source.stop();
    const head = sink.heads()[0]!;
    expect(head % 10).to.equal(0);
    await turn();
    await turn();
    expect(sink.heads()[0]).to.equal(head);
    expect(sink.counters().records.packets).to.equal(0);
  });

  it('rejects inconsistent options', () => {
    const bad: TestSourceOptions[] = [
      { mode: 'rate' },
      { mode: 'rate', rateHz: -1 },
      { mode: 'inject', frameLength: 20 },
      { mode: 'saturate', batch: 0 },
      { mode: 'inject', vcids: [] },
      { mode: 'inject', vcids: [8] },
      { mode: 'replay' } as unknown as TestSourceOptions,
    ];
    for (const opts of bad) {
      expect(() => defineTestSource(opts), JSON.stringify(opts))
        .to.throw()
        .with.property('code', 'ERR_TEST_SOURCE_OPTIONS');
    }
  });
});
