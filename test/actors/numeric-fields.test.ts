// Every numeric REQUEST field at the integer-width boundaries (issue 12): sent in every
// MessagePack encoding a client may use (ICD §2.1: uint64, int64, float64), decoded by the
// server's own codec, then the schema step. A value is either refused naming its field, or
// accepted exactly as sent: never silently rounded (2^53 + 1 arrives as 2^53 in float64, and a
// `since` past 2^53 could never advance).
import { expect } from 'chai';
import { pack, unpack } from '../../protocol/msgpack.ts';
import { checkRequest, type ValidRequest } from '../../src/actors/request.ts';
import { request } from '../support/server.ts';

const P = (e: number) => 2n ** BigInt(e);
/** The boundaries, each minus one, itself and plus one, and their negatives. */
const BOUNDARIES = [31, 32, 53, 63, 64].flatMap((e) => [P(e) - 1n, P(e), P(e) + 1n]);
const VALUES = [0n, 1n, ...BOUNDARIES, ...BOUNDARIES.map((v) => -v)];

/** The wire encodings of one value: uint64/int64 when it fits, float64 always. */
function encodings(v: bigint): { name: string; value: unknown }[] {
  const out: { name: string; value: unknown }[] = [{ name: 'float64', value: Number(v) }];
  if (v >= 0n && v < P(64)) out.push({ name: 'uint64', value: BigInt.asUintN(64, v) });
  if (v >= -P(63) && v < P(63)) out.push({ name: 'int64', value: v });
  return out;
}

interface Field {
  name: string;
  body: (x: unknown) => unknown;
  /** The decoded value the server would act on. */
  read: (r: ValidRequest) => unknown;
  /** Values within the field's ICD range. */
  inRange: (v: bigint) => boolean;
}

const FIELDS: Field[] = [
  {
    name: 'filter.vcids',
    body: (x) => request({ stream: 'frames', filter: { vcids: [x as number] } }),
    read: (r) => r.vcids?.[0],
    inRange: (v) => v >= 0n && v <= 63n,
  },
  {
    name: 'filter.apids',
    body: (x) => request({ stream: 'packets', filter: { apids: [x as number] } }),
    read: (r) => r.apids?.[0],
    inRange: (v) => v >= 0n && v <= 2047n,
  },
  {
    name: 'from',
    body: (x) => request({ mode: 'archive', from: x as number }),
    read: (r) => r.fromUs,
    inRange: (v) => v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'to',
    body: (x) => request({ mode: 'archive', from: 0, to: x as number }),
    read: (r) => r.toUs,
    inRange: (v) => v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'since',
    body: (x) => request({ since: x as number }),
    read: (r) => r.since,
    inRange: (v) => v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER),
  },
  {
    name: 'speed',
    body: (x) => request({ mode: 'archive', from: 0, speed: x as number }),
    read: (r) => r.speed,
    inRange: (v) => v >= 0n && v <= 40n,
  },
  {
    name: 'rateHz',
    body: (x) => request({ stream: 'parameters', rateHz: x as number }),
    read: (r) => r.rateHz,
    // Any positive rate (ICD §5); a huge one only means "every sample".
    inRange: (v) => v > 0n,
  },
];

describe('REQUEST numeric fields at the 2^31, 2^32, 2^53, 2^63 and 2^64 boundaries (issue 12)', () => {
  for (const field of FIELDS) {
    it(`${field.name}: refused naming the field, or accepted exactly as sent`, () => {
      let accepted = 0;
      let refused = 0;
      for (const v of VALUES) {
        for (const enc of encodings(v)) {
          const wire = pack(field.body(enc.value));
          const r = checkRequest(unpack(wire));
          const what = `${field.name} = ${v} as ${enc.name}`;
          if (!r.ok) {
            expect(r.reason, what).to.match(new RegExp(`^${field.name.replace('.', '\\.')}\\b`));
            refused++;
            continue;
          }
          accepted++;
          const got = field.read(r.request);
          expect(typeof got, what).to.equal('number');
          expect(field.inRange(v), `${what} accepted`).to.equal(true);
          // Integer fields must hold exactly the value sent; rateHz only needs to be a usable rate.
          if (field.name === 'rateHz')
            expect(Number.isFinite(got) && (got as number) > 0, what).to.equal(true);
          else expect(BigInt(got as number), what).to.equal(v);
        }
      }
      expect(refused, 'some boundary values are refused').to.be.greaterThan(0);
      expect(accepted + refused).to.be.greaterThan(VALUES.length);
    });
  }

  it('since: the largest seq a server can hold is accepted, the next integer is not', () => {
    expect(checkRequest(request({ since: Number.MAX_SAFE_INTEGER })).ok).to.equal(true);
    const r = checkRequest(unpack(pack(request({ since: P(53) as unknown as number }))));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.contain('since');
  });
});
