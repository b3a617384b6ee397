// DATA bodies for fan-out. The body `{skipped?, stream, records}` is split into a tiny
// per-session prefix (the map header and `skipped`) and a shared part (`stream`,
// `records`) that is built, copied and CRC'd once however many sessions receive it.

import type { Stream } from '../../protocol/constants.ts';
import { crc32, crc32ShiftOperator } from '../../protocol/crc32.ts';

export interface SharedData {
  /** msgpack bytes from the `stream` key to the end of the records array. */
  readonly bytes: Buffer;
  readonly crc: number;
  /** crc32ShiftOperator(bytes.length): turns a session's prefix CRC into the frame CRC in O(1). */
  readonly shift: number;
  readonly count: number;
  readonly lastSeq: number;
  /** ERT of the first (oldest) record: the latency histogram measures from it. */
  readonly firstErt: number;
  /** ERT of the last record: HEARTBEAT `lastDataTime`. */
  readonly lastErt: number;
}

const KEY_STREAM = Buffer.from([0xa6, ...Buffer.from('stream')]);
const KEY_RECORDS = Buffer.from([0xa7, ...Buffer.from('records')]);
const KEY_SKIPPED = Buffer.from([0xa7, ...Buffer.from('skipped')]);

function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  if (n < 0x10000) return Buffer.from([0xdc, n >> 8, n & 0xff]);
  const b = Buffer.allocUnsafe(5);
  b[0] = 0xdd;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Collects record payload ranges of one DATA, then builds the shared bytes with one copy. */
export class DataBuilder {
  readonly #streamKey: Buffer;
  #src: Uint8Array = new Uint8Array(0);
  readonly #offsets: number[] = [];
  readonly #lengths: number[] = [];
  #bytes = 0;
  #lastSeq = 0;
  #firstErt = 0;
  #lastErt = 0;

  constructor(stream: Stream) {
    this.#streamKey = Buffer.concat([
      KEY_STREAM,
      Buffer.from([0xa0 | stream.length]),
      Buffer.from(stream),
      KEY_RECORDS,
    ]);
  }

  get count(): number {
    return this.#offsets.length;
  }
  get bytes(): number {
    return this.#bytes;
  }

  /** `src` must stay unchanged until build(); every add of one batch uses the same source buffer. */
  add(src: Uint8Array, offset: number, length: number, seq: number, ert: number): void {
    this.#src = src;
    this.#offsets.push(offset);
    this.#lengths.push(length);
    this.#bytes += length;
    if (this.#offsets.length === 1) this.#firstErt = ert;
    this.#lastSeq = seq;
    this.#lastErt = ert;
  }

  build(): SharedData {
    const header = arrayHeader(this.count);
    const total = this.#streamKey.length + header.length + this.#bytes;
    const out = Buffer.allocUnsafe(total);
    let at = this.#streamKey.copy(out, 0);
    at += header.copy(out, at);
    for (let i = 0; i < this.#offsets.length; i++) {
      const off = this.#offsets[i]!;
      out.set(this.#src.subarray(off, off + this.#lengths[i]!), at);
      at += this.#lengths[i]!;
    }
    const data: SharedData = {
      bytes: out,
      crc: crc32(out),
      shift: crc32ShiftOperator(total),
      count: this.count,
      lastSeq: this.#lastSeq,
      firstErt: this.#firstErt,
      lastErt: this.#lastErt,
    };
    this.#offsets.length = 0;
    this.#lengths.length = 0;
    this.#bytes = 0;
    return data;
  }
}

/** Builds a whole DATA body for one session (used for the value-table snapshot). */
export function singleData(
  stream: Stream,
  records: readonly Uint8Array[],
  seqs: readonly number[],
  erts: readonly number[],
): SharedData {
  const b = new DataBuilder(stream);
  const joined = Buffer.concat(records);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    b.add(joined, at, records[i]!.length, seqs[i]!, erts[i]!);
    at += records[i]!.length;
  }
  return b.build();
}

/** Largest per-session prefix: fixmap(3), the `skipped` key, a uint64. */
export const MAX_PREFIX_BYTES = 1 + KEY_SKIPPED.length + 9;

/**
 * Writes the per-session prefix (the map header, and `skipped` when the session skipped
 * records) into `out` at `at`; returns its length.
 */
export function writeDataPrefix(out: Buffer, at: number, skipped: number): number {
  if (skipped <= 0) {
    out[at] = 0x82;
    return 1;
  }
  out[at] = 0x83;
  let i = at + 1 + KEY_SKIPPED.copy(out, at + 1);
  if (skipped < 0x80) out[i++] = skipped;
  else if (skipped < 0x100) {
    out[i++] = 0xcc;
    out[i++] = skipped;
  } else if (skipped < 0x10000) {
    out[i++] = 0xcd;
    out.writeUInt16BE(skipped, i);
    i += 2;
  } else if (skipped < 2 ** 32) {
    out[i++] = 0xce;
    out.writeUInt32BE(skipped, i);
    i += 4;
  } else {
    out[i++] = 0xcf;
    out.writeBigUInt64BE(BigInt(skipped), i);
    i += 8;
  }
  return i - at;
}
