// Cuts archive rows into DATA bodies (the shared part of src/actors/data-body.ts, byte for
// byte: `stream`, then `records` as a msgpack array of the stored maps) and CRCs each once,
// in the query pool, so an actor only frames and writes them.
import { crc32, crc32ShiftOperator } from '../../protocol/crc32.ts';
import type { ArchiveRow } from './query.ts';
import type { EncodedBody, EncodeOptions } from './query-protocol.ts';

const KEY_STREAM = [0xa6, ...Buffer.from('stream')];
const KEY_RECORDS = [0xa7, ...Buffer.from('records')];

function streamKey(stream: string): Uint8Array {
  return Uint8Array.from([...KEY_STREAM, 0xa0 | stream.length, ...Buffer.from(stream), ...KEY_RECORDS]);
}

function arrayHeaderBytes(n: number): number {
  return n < 16 ? 1 : n < 0x10000 ? 3 : 5;
}

function writeArrayHeader(out: Uint8Array, at: number, n: number): number {
  if (n < 16) {
    out[at] = 0x90 | n;
    return 1;
  }
  if (n < 0x10000) {
    out[at] = 0xdc;
    out[at + 1] = n >> 8;
    out[at + 2] = n & 0xff;
    return 3;
  }
  out[at] = 0xdd;
  new DataView(out.buffer, out.byteOffset).setUint32(at + 1, n);
  return 5;
}

/** A run of rows [from, to) that becomes one DATA body. */
interface Cut {
  from: number;
  to: number;
  skipped: number;
}

/**
 * Encodes `rows` into DATA bodies in one transferable buffer. `skippedAt(i)` is the number of
 * records lost just before row i (a body starts there, carrying it as `skipped`).
 */
export function encodeRows(
  rows: readonly ArchiveRow[],
  opts: EncodeOptions,
  skippedAt: (i: number) => number = () => 0,
): { buffer: ArrayBuffer; bodies: EncodedBody[] } {
  const key = streamKey(opts.stream);
  const timeOf = (r: ArchiveRow) => (opts.timeBy === 'scet' ? r.scet : r.ert);
  const cuts: Cut[] = [];
  let total = 0;
  let cut: Cut | undefined;
  let bytes = 0;
  let sliceStart = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const len = r.payload.length;
    const skipped = skippedAt(i);
    const t = timeOf(r);
    const newBody =
      cut === undefined ||
      skipped > 0 ||
      i - cut.from >= opts.maxRecordsPerData ||
      bytes + len > opts.maxDataBytes ||
      // A paced replay sends a body when its last record is due: bounded so none goes out early by much.
      (opts.sliceUs > 0 && t > 0 && sliceStart > 0 && t - sliceStart > opts.sliceUs);
    if (newBody) {
      if (cut !== undefined) total += bodyBytes(key, cut, bytes);
      cut = { from: i, to: i, skipped };
      cuts.push(cut);
      bytes = 0;
      sliceStart = 0;
    }
    cut!.to = i + 1;
    bytes += len;
    if (sliceStart === 0 && t > 0) sliceStart = t;
  }
  if (cut !== undefined) total += bodyBytes(key, cut, bytes);
  const out = new Uint8Array(total);
  const bodies: EncodedBody[] = [];
  let at = 0;
  for (const c of cuts) {
    const start = at;
    out.set(key, at);
    at += key.length;
    at += writeArrayHeader(out, at, c.to - c.from);
    let firstTime = 0;
    let lastTime = 0;
    for (let i = c.from; i < c.to; i++) {
      const r = rows[i]!;
      out.set(r.payload, at);
      at += r.payload.length;
      const t = timeOf(r);
      if (t > 0) {
        if (firstTime === 0) firstTime = t;
        lastTime = t;
      }
    }
    const length = at - start;
    bodies.push({
      offset: start,
      length,
      crc: crc32(out.subarray(start, at)),
      shift: crc32ShiftOperator(length),
      count: c.to - c.from,
      lastSeq: rows[c.to - 1]!.seq,
      firstErt: rows[c.from]!.ert,
      lastErt: rows[c.to - 1]!.ert,
      firstTime,
      lastTime,
      skipped: c.skipped,
    });
  }
  return { buffer: out.buffer, bodies };
}

function bodyBytes(key: Uint8Array, cut: Cut, payloadBytes: number): number {
  return key.length + arrayHeaderBytes(cut.to - cut.from) + payloadBytes;
}
