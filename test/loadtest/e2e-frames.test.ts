import { expect } from 'chai';
import { BENCH_APID, BENCH_SCID, buildFramePool, POOL_FRAMES } from '../../loadtest/e2e/frames.ts';
import { Quality } from '../../protocol/constants.ts';
import { FrameType } from '../../src/ccsds/frame.ts';
import { DownlinkPipeline } from '../../src/ccsds/pipeline.ts';
import { Collect } from '../ccsds/support.ts';

describe('bench:e2e frame pool', () => {
  it('is a clean TM link through the real downlink pipeline, also across the wrap of the cycle', () => {
    const pool = buildFramePool(1115);
    expect(pool.caduBytes).to.equal(1119);
    const sink = new Collect();
    const p = new DownlinkPipeline(
      { station: 'BENCH', frame: { type: FrameType.TM, frameLength: 1115, fecf: true, scid: BENCH_SCID } },
      sink,
    );
    // The last 300 frames of the pool, then the pool again from its start: the publisher's cycle.
    const tail = pool.bytes.subarray((POOL_FRAMES - 300) * pool.caduBytes);
    p.push(Buffer.concat([tail, pool.bytes.subarray(0, 600 * pool.caduBytes)]), 1);
    expect(sink.frames).to.have.length(900);
    expect(sink.frames.every((f) => f.quality === Quality.FRAME_ECF_PRESENT && f.vcid === 0)).to.equal(true);
    expect(p.stats().counters).to.deep.include({ badFrames: 0, vcSequenceErrors: 0 });
    // One science packet per frame, sequence counts continuous through the wrap.
    const sscs = sink.packets.map((q) => q.ssc);
    expect(sink.packets.every((q) => q.apid === BENCH_APID && q.quality === 0)).to.equal(true);
    for (let i = 1; i < sscs.length; i++) expect(sscs[i]).to.equal((sscs[i - 1]! + 1) & 0x3fff);
    expect(sscs.length).to.be.greaterThan(890);
  });
});
