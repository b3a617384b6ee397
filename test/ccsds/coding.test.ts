import { expect } from 'chai';
import { Prng } from '../../src/acquisition/prng.ts';
import { CcsdsError } from '../../src/ccsds/errors.ts';
import { derandomize, RANDOMIZER_SEQUENCE } from '../../src/ccsds/randomizer.ts';
import {
  FROM_DUAL,
  GENERATOR_INDEX_FORM,
  RS_K,
  RS_PARITY,
  RsBasis,
  RsCodeBlock,
  TO_DUAL,
} from '../../src/ccsds/reed-solomon.ts';
import { hex } from './support.ts';

function codeError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(CcsdsError);
    return (e as CcsdsError).code;
  }
  throw new Error('did not throw');
}

/** A block with a random frame and its check symbols. */
function codedBlock(rs: RsCodeBlock, prng: Prng): Uint8Array {
  const block = new Uint8Array(rs.blockLength);
  for (let i = 0; i < rs.frameLength; i++) block[i] = Math.floor(prng.next() * 256);
  rs.encode(block);
  return block;
}

/** Corrupts `errors` distinct symbols of every codeword (any of its transmitted symbols). */
function corrupt(block: Uint8Array, rs: RsCodeBlock, errors: number, prng: Prng): void {
  const n = block.length / rs.interleave;
  for (let j = 0; j < rs.interleave; j++) {
    const picked = new Set<number>();
    while (picked.size < errors) picked.add(Math.floor(prng.next() * n));
    for (const k of picked) block[k * rs.interleave + j]! ^= 1 + Math.floor(prng.next() * 255);
  }
}

describe('ccsds coding', () => {
  describe('pseudo-randomiser (131.0 section 10)', () => {
    it('is the published sequence, of period 255, and its own inverse', () => {
      expect(Array.from(RANDOMIZER_SEQUENCE.subarray(0, 16))).to.deep.equal(
        Array.from(hex('ff480ec09a0d70bc8e2c93ada7b746ce')),
      );
      expect(RANDOMIZER_SEQUENCE[254]).to.equal(0x58);
      const zeros = new Uint8Array(600);
      derandomize(zeros);
      expect(Array.from(zeros.subarray(255, 510))).to.deep.equal(Array.from(RANDOMIZER_SEQUENCE));
      derandomize(zeros);
      expect(zeros.every((b) => b === 0)).to.equal(true);
    });
  });

  describe('Reed-Solomon (255,223) E=16', () => {
    it('has the CCSDS generator polynomial and dual-basis transformation', () => {
      // g(x) coefficients in index form as published with libfec (self-reciprocal: roots alpha^(11j), j=112..143).
      const published = [
        0, 249, 59, 66, 4, 43, 126, 251, 97, 30, 3, 213, 50, 66, 170, 5, 24, 5, 170, 66, 50, 213, 3, 30, 97,
        251, 126, 43, 4, 66, 59, 249, 0,
      ];
      expect(Array.from(GENERATOR_INDEX_FORM)).to.deep.equal(published);
      expect(Array.from(TO_DUAL.subarray(0, 8))).to.deep.equal([
        0x00, 0x7b, 0xaf, 0xd4, 0x99, 0xe2, 0x36, 0x4d,
      ]);
      for (let i = 0; i < 256; i++) expect(FROM_DUAL[TO_DUAL[i]!]).to.equal(i);
    });

    it('encodes in the dual basis byte for byte like the reference encoder (libfec encode_rs_ccsds)', () => {
      const rs = new RsCodeBlock({ frameLength: RS_K, interleave: 1 });
      const block = new Uint8Array(255);
      for (let i = 0; i < RS_K; i++) block[i] = i;
      rs.encode(block);
      expect(Buffer.from(block.subarray(RS_K)).toString('hex')).to.equal(
        '4ffb92dd557ec67f27fb8982cf58f8fd028ad117fcef6b2793d0418826578651',
      );
      let s = 12345;
      for (let i = 0; i < RS_K; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        block[i] = (s >>> 16) & 0xff;
      }
      rs.encode(block);
      expect(Buffer.from(block.subarray(RS_K)).toString('hex')).to.equal(
        'a52b7b78c3a32a8315f0c1bd3b4aeb32e68728b5944bcc51fd18dad18e19ea4e',
      );
    });

    it('interleaves symbol by symbol: codeword j holds block bytes j, j+I, j+2I, ...', () => {
      const single = new RsCodeBlock({ frameLength: RS_K, interleave: 1 });
      const double = new RsCodeBlock({ frameLength: 2 * RS_K, interleave: 2 });
      const prng = new Prng(3);
      const a = codedBlock(single, prng);
      const b = codedBlock(single, prng);
      const both = new Uint8Array(double.blockLength);
      for (let k = 0; k < 255; k++) {
        both[2 * k] = k < RS_K ? a[k]! : 0;
        both[2 * k + 1] = k < RS_K ? b[k]! : 0;
      }
      double.encode(both);
      for (let k = 0; k < 255; k++) expect([both[2 * k], both[2 * k + 1]]).to.deep.equal([a[k], b[k]]);
    });

    // Depth 1..5, with and without virtual fill (frame length / I < 223).
    const shapes = [
      { interleave: 1, frameLength: 223 },
      { interleave: 1, frameLength: 100 },
      { interleave: 2, frameLength: 400 },
      { interleave: 3, frameLength: 669 },
      { interleave: 4, frameLength: 892 },
      { interleave: 5, frameLength: 1115 },
      { interleave: 5, frameLength: 500 },
    ];
    for (const shape of shapes) {
      it(`I=${shape.interleave}, frame ${shape.frameLength}: 0 and 16 errors per codeword corrected, 17 flagged`, () => {
        const prng = new Prng(shape.interleave * 1000 + shape.frameLength);
        for (const basis of [RsBasis.DUAL, RsBasis.CONVENTIONAL]) {
          const rs = new RsCodeBlock({ ...shape, basis });
          expect(rs.virtualFill).to.equal(223 - shape.frameLength / shape.interleave);
          for (let round = 0; round < 3; round++) {
            const good = codedBlock(rs, prng);
            const block = good.slice();
            expect(rs.decode(block)).to.deep.equal({ corrected: 0, uncorrectable: 0 });
            expect(block).to.deep.equal(good);

            corrupt(block, rs, 16, prng);
            expect(rs.decode(block)).to.deep.equal({ corrected: 16 * shape.interleave, uncorrectable: 0 });
            expect(Array.from(rs.perCodeword)).to.deep.equal(new Array(shape.interleave).fill(16));
            expect(block).to.deep.equal(good);

            corrupt(block, rs, 17, prng);
            const received = block.slice();
            expect(rs.decode(block)).to.deep.equal({ corrected: 0, uncorrectable: shape.interleave });
            expect(Array.from(rs.perCodeword)).to.deep.equal(new Array(shape.interleave).fill(-1));
            expect(block, 'uncorrectable codewords stay as received').to.deep.equal(received);
          }
        }
      });
    }

    it('reports per codeword: one clean, one corrected, one uncorrectable', () => {
      const rs = new RsCodeBlock({ frameLength: 669, interleave: 3 });
      const prng = new Prng(9);
      const good = codedBlock(rs, prng);
      const block = good.slice();
      for (let k = 0; k < 5; k++) block[k * 40 * 3 + 1]! ^= 0xff;
      for (let k = 0; k < 17; k++) block[k * 14 * 3 + 2]! ^= 0x01;
      expect(rs.decode(block)).to.deep.equal({ corrected: 5, uncorrectable: 1 });
      expect(Array.from(rs.perCodeword)).to.deep.equal([0, 5, -1]);
      for (let i = 0; i < block.length; i += 3) expect(block[i]).to.equal(good[i]);
      for (let i = 1; i < block.length; i += 3) expect(block[i]).to.equal(good[i]);
    });

    it('rejects bad configurations and blocks', () => {
      expect(codeError(() => new RsCodeBlock({ frameLength: 223, interleave: 0 }))).to.equal(
        'ERR_RS_INTERLEAVE',
      );
      expect(codeError(() => new RsCodeBlock({ frameLength: 1338, interleave: 6 }))).to.equal(
        'ERR_RS_INTERLEAVE',
      );
      expect(codeError(() => new RsCodeBlock({ frameLength: 224, interleave: 1 }))).to.equal(
        'ERR_FRAME_LENGTH',
      );
      expect(codeError(() => new RsCodeBlock({ frameLength: 401, interleave: 2 }))).to.equal(
        'ERR_FRAME_LENGTH',
      );
      const rs = new RsCodeBlock({ frameLength: 223, interleave: 1 });
      expect(rs.blockLength).to.equal(223 + RS_PARITY);
      expect(codeError(() => rs.decode(new Uint8Array(254)))).to.equal('ERR_RS_BLOCK');
    });
  });
});
