import { expect } from 'chai';
import fc from 'fast-check';
import { MAX_DEPTH, pack, packSafe, unpack } from '../../protocol/msgpack.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

/** Values of the ICD-001 profile: what the server and clients exchange. */
const profileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.string(),
    fc.uint8Array().map((u) => Buffer.from(u)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.string().filter((k) => k !== '__proto__'),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

describe('protocol/msgpack', () => {
  it('round-trips every profile value', () => {
    fc.assert(
      fc.property(profileValue, (value) => {
        expect(unpack(pack(value))).to.deep.equal(value);
      }),
      { numRuns: 500 },
    );
  });

  it('writes integers beyond 32 bits as 64-bit integers, not float64', () => {
    expect(pack({ t: 1_700_000_000_000_000 }).toString('hex')).to.equal('81a174d300060a24181e4000');
    expect(pack(-(2 ** 40)).toString('hex')).to.equal('d3ffffff0000000000');
    expect(pack(2 ** 32 - 1).toString('hex')).to.equal('ceffffffff');
    expect(unpack(hex('cf0000010000000000'))).to.equal(2 ** 40);
  });

  it('never writes an integer beyond 2^53 - 1 (ICD rev B §2.1): larger numbers go as float64, larger BigInts are refused', () => {
    expect(pack(Number.MAX_SAFE_INTEGER).toString('hex')).to.equal('d3001fffffffffffff');
    expect(pack(-Number.MAX_SAFE_INTEGER).toString('hex')).to.equal('d3ffe0000000000001');
    expect(pack(2 ** 53).toString('hex')).to.equal('cb4340000000000000');
    expect(pack({ seq: 2 ** 64 }).toString('hex')).to.equal('81a3736571cb43f0000000000000');
    // The server's encoder (src/actors/outbound.ts) refuses a larger BigInt; pack() lets it through for tests.
    expect(() => packSafe({ seq: 2n ** 53n })).to.throw(RangeError, '2^53');
    expect(() => packSafe([-(2n ** 63n)])).to.throw(RangeError);
    expect(packSafe({ seq: 2n ** 53n - 1n })).to.deep.equal(pack({ seq: Number.MAX_SAFE_INTEGER }));
    // Whatever number is written: an integer token (uint64 cf, int64 d3) holds at most 2^53 - 1.
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()), (v) => {
        const b = packSafe(v);
        if (b[0] === 0xcf) expect(b.readBigUInt64BE(1) <= BigInt(Number.MAX_SAFE_INTEGER)).to.equal(true);
        if (b[0] === 0xd3) {
          const n = b.readBigInt64BE(1);
          expect(n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER)).to.equal(
            true,
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts every integer encoding (ICD rev B §2.1): fixint, int8…int64, uint8…uint64', () => {
    for (const h of [
      '05',
      'cc05',
      'cd0005',
      'ce00000005',
      'cf0000000000000005',
      'd005',
      'd10005',
      'd200000005',
      'd30000000000000005',
    ]) {
      expect(unpack(hex(h)), h).to.equal(5);
    }
    for (const h of ['fb', 'd0fb', 'd1fffb', 'd2fffffffb', 'd3fffffffffffffffb'])
      expect(unpack(hex(h)), h).to.equal(-5);
  });

  it('writes bytes as bin and decodes bin as bytes', () => {
    expect(pack({ data: new Uint8Array([1, 2, 3]) }).toString('hex')).to.equal('81a464617461c403010203');
    const decoded = unpack(hex('81a464617461c403010203')) as { data: Uint8Array };
    expect(decoded.data).to.be.instanceOf(Uint8Array);
    expect([...decoded.data]).to.deep.equal([1, 2, 3]);
  });

  it('drops undefined map entries and writes undefined array items as nil', () => {
    expect(unpack(pack({ a: undefined, b: [undefined, 1] }))).to.deep.equal({ b: [null, 1] });
  });

  it(`accepts nesting ${MAX_DEPTH} deep and refuses one more`, () => {
    const nested = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth - 1, 0x91), hex('90')]);
    expect(() => unpack(nested(MAX_DEPTH))).to.not.throw();
    expect(() => unpack(nested(MAX_DEPTH + 1))).to.throw(/nesting/);
  });

  it('refuses a container that announces more items than bytes remain', () => {
    expect(() => unpack(hex('dfffffffff'))).to.throw(/end/);
    expect(() => unpack(hex('dc0002c0'))).to.throw(/end/);
  });

  it('refuses a string or bin that runs past the end', () => {
    expect(() => unpack(hex('a5616263'))).to.throw(/end/);
    expect(() => unpack(hex('c40501'))).to.throw(/end/);
  });

  for (const [name, bytes] of Object.entries({
    'fixext 1': 'd40000',
    'ext 8 (bundled strings)': 'c70162ff',
    'the never-used 0xc1': 'c1',
  })) {
    it(`refuses ${name}`, () => {
      expect(() => unpack(hex(bytes))).to.throw(/profile/);
    });
  }
});
