import { expect } from 'chai';
import fc from 'fast-check';
import { Prng } from '../../src/acquisition/prng.ts';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import { ASM, FrameSync, type SyncedBlock, SyncState } from '../../src/ccsds/sync.ts';
import { concat } from './support.ts';

const BLOCK = 20;

function cadu(id: number, inverted = false, marker = ASM): Uint8Array {
  const c = new Uint8Array(4 + BLOCK);
  new DataView(c.buffer).setUint32(0, marker);
  for (let i = 0; i < BLOCK; i++) c[4 + i] = (id * 31 + i) & 0xff;
  if (inverted) for (let i = 0; i < c.length; i++) c[i] = ~c[i]! & 0xff;
  return c;
}

function run(sync: FrameSync, chunks: readonly Uint8Array[]): SyncedBlock[] {
  const out: SyncedBlock[] = [];
  for (const c of chunks) sync.push(c, (b) => out.push({ ...b, data: b.data.slice() }));
  return out;
}

function ids(blocks: readonly SyncedBlock[]): number[] {
  return blocks.map((b) => b.data[0]! / 31);
}

function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  return parts;
}

describe('ccsds frame synchronisation', () => {
  const garbage = Uint8Array.from([0x1a, 0xcf, 0xfc, 0x00, 0xe5, 0x30, 0x01, 0x1a, 0xcf]);
  const stream = concat([garbage, cadu(0), cadu(1), cadu(2), cadu(3), garbage.subarray(0, 5)]);

  it('finds frames after garbage fed whole, and counts the garbage', () => {
    const sync = new FrameSync({ blockLength: BLOCK });
    const blocks = run(sync, [stream]);
    expect(ids(blocks)).to.deep.equal([0, 1, 2, 3]);
    expect(blocks.every((b) => !b.inverted && !b.markerMissed)).to.equal(true);
    expect(sync.counters.garbageBytes).to.equal(garbage.length);
    expect(sync.state).to.equal(SyncState.LOCK);
    expect(sync.pending).to.equal(5);
  });

  it('gives the same frames fed byte by byte, and views of the chunk only when a frame lies within it', () => {
    const sync = new FrameSync({ blockLength: BLOCK });
    const blocks = run(
      sync,
      Array.from(stream, (b) => Uint8Array.of(b)),
    );
    expect(ids(blocks)).to.deep.equal([0, 1, 2, 3]);
    expect(sync.counters.garbageBytes).to.equal(garbage.length);
    const whole = new FrameSync({ blockLength: BLOCK });
    const views: boolean[] = [];
    whole.push(stream.subarray(0, 50), (b) => views.push(b.owned || b.data.buffer !== stream.buffer));
    whole.push(stream.subarray(50), (b) => views.push(b.owned || b.data.buffer !== stream.buffer));
    // Frames 0 and 2..3 lie within a chunk; frame 1 (bytes 33..56) spans the cut at 50 and is copied.
    expect(views).to.deep.equal([false, true, false, false]);
  });

  it('gives the same frames and garbage count for any split of the stream', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(stream.length), { maxLength: 30 }), (cuts) => {
        const sync = new FrameSync({ blockLength: BLOCK });
        const blocks = run(sync, splitAt(stream, cuts));
        expect(ids(blocks)).to.deep.equal([0, 1, 2, 3]);
        expect(sync.counters.garbageBytes).to.equal(garbage.length);
      }),
      { numRuns: 300 },
    );
  });

  it('inverts frames behind an inverted marker and flags them, following a polarity change in lock', () => {
    const sync = new FrameSync({ blockLength: BLOCK });
    const blocks = run(sync, [concat([cadu(0, true), cadu(1, true), cadu(2), cadu(3, true)])]);
    expect(ids(blocks)).to.deep.equal([0, 1, 2, 3]);
    expect(blocks.map((b) => b.inverted)).to.deep.equal([true, true, false, true]);
    expect(blocks[0]!.owned).to.equal(true);
    expect(sync.counters.polarityChanges).to.equal(2);
    expect(sync.counters.lockLosses).to.equal(0);
  });

  it('flywheels through N missed markers, then re-searches', () => {
    const broken = (id: number) => cadu(id, false, 0x12345678);
    const sync = new FrameSync({ blockLength: BLOCK, flywheel: 2 });
    const blocks = run(sync, [
      concat([cadu(0), broken(1), broken(2), cadu(3), broken(4), broken(5), broken(6), cadu(7)]),
    ]);
    // 1 and 2 are within the flywheel; 4 and 5 too, 6 is the third miss: lock lost, 6's bytes are garbage.
    expect(ids(blocks)).to.deep.equal([0, 1, 2, 3, 4, 5, 7]);
    expect(blocks.map((b) => b.markerMissed)).to.deep.equal([false, true, true, false, true, true, false]);
    expect(sync.counters.flywheelBlocks).to.equal(4);
    expect(sync.counters.lockLosses).to.equal(1);
    expect(sync.counters.garbageBytes).to.equal(BLOCK + 4);
  });

  it('with flywheel 0 re-searches at the first miss and re-locks on a slipped frame', () => {
    const sync = new FrameSync({ blockLength: BLOCK, flywheel: 0 });
    const blocks = run(sync, [concat([cadu(0), Uint8Array.of(1, 2, 3), cadu(1), cadu(2)])]);
    expect(ids(blocks)).to.deep.equal([0, 1, 2]);
    expect(sync.counters.garbageBytes).to.equal(3);
    expect(sync.counters.lockLosses).to.equal(1);
  });

  it('tolerates marker bit errors in lock only when configured, never while searching', () => {
    const damaged = (id: number) => cadu(id, false, ASM ^ 0x00010100);
    const strict = new FrameSync({ blockLength: BLOCK, flywheel: 0 });
    expect(ids(run(strict, [concat([damaged(0), cadu(1), damaged(2), cadu(3)])]))).to.deep.equal([1, 3]);
    const tolerant = new FrameSync({ blockLength: BLOCK, flywheel: 0, markerBitErrors: 2 });
    const blocks = run(tolerant, [concat([damaged(0), cadu(1), damaged(2), cadu(3)])]);
    expect(ids(blocks)).to.deep.equal([1, 2, 3]);
    expect(blocks[1]!.markerMissed).to.equal(false);
  });

  it('survives random bytes without a frame or an error, holding back at most 3 bytes', () => {
    const prng = new Prng(7);
    const noise = Uint8Array.from({ length: 100_000 }, () => Math.floor(prng.next() * 256));
    const sync = new FrameSync({ blockLength: BLOCK, flywheel: 0 });
    let blocks = 0;
    sync.push(noise, () => blocks++);
    expect(sync.counters.garbageBytes + sync.pending + blocks * (BLOCK + 4)).to.equal(noise.length);
    expect(blocks).to.be.below(3);
    sync.reset();
    expect(sync.pending).to.equal(0);
    expect(sync.state).to.equal(SyncState.SEARCH);
  });

  it('rejects bad configurations', () => {
    for (const [config, code] of [
      [{ blockLength: 0 }, 'ERR_FRAME_LENGTH'],
      [{ blockLength: 10, flywheel: -1 }, 'ERR_SYNC_CONFIG'],
      [{ blockLength: 10, markerBitErrors: 9 }, 'ERR_SYNC_CONFIG'],
    ] as const) {
      expect(() => new FrameSync(config))
        .to.throw(CcsdsError)
        .with.property('code', code);
    }
  });
});
