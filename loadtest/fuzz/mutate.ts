// Mutated ICD-001 client messages for the fuzzer (issue 12): valid seeds (REQUESTs of every
// stream and mode, PING, BYE), then byte flips, boundary integers in headers and bodies,
// truncation, extension, length lies and body substitutions, each with the CRC fixed or not.

import { MessageType } from '../../protocol/constants.ts';
import { crc32 } from '../../protocol/crc32.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { pack } from '../../protocol/msgpack.ts';

/** xorshift32: reproducible from the seed. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x >>> 0;
    return this.#s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const P = (e: number) => 2n ** BigInt(e);
/** Integers at the 2^31, 2^32, 2^53, 2^63 and 2^64 boundaries, as uint64/int64 or float64. */
export const BOUNDARY_VALUES: readonly unknown[] = [31, 32, 53, 63, 64].flatMap((e) => [
  Number(P(e)),
  Number(P(e)) + 2,
  BigInt.asUintN(64, P(e) - 1n),
  -Number(P(e)),
  ...(e < 64 ? [BigInt.asIntN(64, P(e) - 1n), -BigInt.asIntN(64, P(e) - 1n)] : []),
]);
const ODD_VALUES: readonly unknown[] = [
  ...BOUNDARY_VALUES,
  -1,
  0,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  '',
  'x'.repeat(300),
  null,
  true,
  [],
  {},
  [1, [2, [3]]],
  new Uint8Array(3),
];

const base = { agency: 'alpha', token: 'alpha-secret', client: 'fuzz' };
export const SEED_BODIES: readonly Record<string, unknown>[] = [
  { ...base, stream: 'frames', mode: 'realtime', filter: { vcids: [0, 1] } },
  {
    ...base,
    stream: 'packets',
    mode: 'realtime',
    filter: { apids: [100], vcids: [1] },
    delivery: 'complete',
  },
  { ...base, stream: 'parameters', mode: 'realtime', filter: { parameters: ['EPS.*'] }, rateHz: 2 },
  { ...base, stream: 'events', mode: 'realtime', filter: { severity: 'WARNING' }, since: 0 },
  { ...base, stream: 'packets', mode: 'archive', from: 0, to: 1_000_000, timeBy: 'scet', speed: 2 },
  { ...base, agency: 'beta', token: 'beta-secret', stream: 'parameters', mode: 'realtime' },
];

function fixCrc(b: Buffer): Buffer {
  if (b.length >= 28) b.writeUInt32BE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
  return b;
}

function mutateBody(rng: Rng, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(body);
  const keys = [...Object.keys(out), 'filter', 'since', 'from', 'to', 'speed', 'rateHz', 'extra'];
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) {
    const k = rng.pick(keys);
    if (k === 'filter' && rng.int(2) === 0) {
      out.filter = {
        [rng.pick(['vcids', 'apids', 'parameters', 'severity', 'x'])]: rng.pick([
          [rng.pick(ODD_VALUES)],
          rng.pick(ODD_VALUES),
        ]),
      };
    } else if (rng.int(5) === 0) delete out[k];
    else out[k] = rng.pick(ODD_VALUES);
  }
  return out;
}

/** One mutated message (possibly several concatenated, possibly cut short). */
export function mutatedMessage(rng: Rng): Buffer {
  const seed = rng.pick(SEED_BODIES);
  const kind = rng.int(10);
  let body: unknown = kind < 4 ? mutateBody(rng, seed) : seed;
  if (kind === 4) body = rng.pick(ODD_VALUES);
  const type =
    kind === 5 ? rng.pick([MessageType.PING, MessageType.BYE, 0x7f, MessageType.DATA]) : MessageType.REQUEST;
  let b: Buffer;
  try {
    b = encodeMessage(type, rng.next(), Date.now() * 1000, body);
  } catch {
    b = encodeMessage(type, 0, 0, seed);
  }
  const bytes = Buffer.from(b);
  const edits = kind >= 6 ? 1 + rng.int(4) : 0;
  for (let i = 0; i < edits; i++) {
    const at = rng.int(bytes.length);
    switch (rng.int(4)) {
      case 0:
        bytes[at] = bytes[at]! ^ (1 << rng.int(8));
        break;
      case 1:
        bytes[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0xc1, 0xcf, 0xd3, 0xcb, 0xdd, 0xdf]);
        break;
      case 2: // the header's length field lies
        bytes.writeUInt32BE(rng.pick([0, 1, bytes.length, 65_536, 65_537, 2 ** 31, 2 ** 32 - 1]), 20);
        break;
      default: // the version or the type
        bytes[rng.pick([4, 5])] = rng.int(256);
    }
  }
  let out = rng.int(3) === 0 ? bytes : fixCrc(bytes);
  const tail = rng.int(8);
  if (tail === 0) out = out.subarray(0, rng.int(out.length));
  if (tail === 1)
    out = Buffer.concat([out, encodeMessage(MessageType.REQUEST, 1, 0, pack(mutateBody(rng, seed)))]);
  return out;
}
