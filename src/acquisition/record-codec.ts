// Hand-written encoders for the two high-rate record kinds (frames, packets): the same
// bytes as protocol/msgpack.ts `pack()` gives for the ICD §6 map, written straight into a
// reusable buffer, without building an object or allocating per record.
import type { FrameIn, PacketIn } from './source.ts';

const KEYS = Object.fromEntries(
  ['seq', 'ert', 'scet', 'station', 'scid', 'vcid', 'vcfc', 'apid', 'ssc', 'quality', 'data'].map((k) => [
    k,
    Buffer.from([0xa0 | k.length, ...Buffer.from(k)]),
  ]),
) as Record<string, Buffer>;

/** Upper bound of an encoded frame or packet record around `dataBytes` of data. */
export function recordBound(dataBytes: number, stationBytes: number): number {
  return 160 + stationBytes + dataBytes;
}

class Writer {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  key(k: string): void {
    this.at += KEYS[k]!.copy(this.buf, this.at);
  }
  /** A non-negative integer, in the smallest msgpack form; above 32 bits as int64 like pack(). */
  uint(v: number): void {
    const b = this.buf;
    if (v < 0x80) b[this.at++] = v;
    else if (v < 0x100) {
      b[this.at++] = 0xcc;
      b[this.at++] = v;
    } else if (v < 0x10000) {
      b[this.at++] = 0xcd;
      b.writeUInt16BE(v, this.at);
      this.at += 2;
    } else if (v < 0x100000000) {
      b[this.at++] = 0xce;
      b.writeUInt32BE(v, this.at);
      this.at += 4;
    } else {
      b[this.at++] = 0xd3;
      b.writeBigInt64BE(BigInt(v), this.at);
      this.at += 8;
    }
  }
  str(s: string): void {
    const n = Buffer.byteLength(s);
    const b = this.buf;
    if (n < 32) b[this.at++] = 0xa0 | n;
    else if (n < 0x100) {
      b[this.at++] = 0xd9;
      b[this.at++] = n;
    } else {
      b[this.at++] = 0xda;
      b.writeUInt16BE(n, this.at);
      this.at += 2;
    }
    this.at += b.write(s, this.at);
  }
  bin(d: Uint8Array): void {
    const b = this.buf;
    const n = d.length;
    if (n < 0x100) {
      b[this.at++] = 0xc4;
      b[this.at++] = n;
    } else if (n < 0x10000) {
      b[this.at++] = 0xc5;
      b.writeUInt16BE(n, this.at);
      this.at += 2;
    } else {
      b[this.at++] = 0xc6;
      b.writeUInt32BE(n, this.at);
      this.at += 4;
    }
    b.set(d, this.at);
    this.at += n;
  }
}

/** Encodes records into one reusable buffer; each result is valid until the next call. */
export class RecordEncoder {
  #w = new Writer(4096);

  #begin(dataBytes: number, station: string, entries: number): Writer {
    const need = recordBound(dataBytes, Buffer.byteLength(station));
    if (this.#w.buf.length < need) this.#w = new Writer(need * 2);
    const w = this.#w;
    w.at = 0;
    w.buf[w.at++] = 0x80 | entries;
    return w;
  }

  /** `{seq, ert, station, scid, vcid, vcfc, quality, data}` (ICD §6 frames). */
  frame(seq: number, f: FrameIn): Uint8Array {
    const w = this.#begin(f.data.length, f.station, 8);
    w.key('seq');
    w.uint(seq);
    w.key('ert');
    w.uint(f.ert);
    w.key('station');
    w.str(f.station);
    w.key('scid');
    w.uint(f.scid);
    w.key('vcid');
    w.uint(f.vcid);
    w.key('vcfc');
    w.uint(f.vcfc);
    w.key('quality');
    w.uint(f.quality);
    w.key('data');
    w.bin(f.data);
    return w.buf.subarray(0, w.at);
  }

  /** `{seq, ert, scet, station, scid, vcid, apid, ssc, quality, data}` (ICD §6 packets). */
  packet(seq: number, p: PacketIn): Uint8Array {
    const w = this.#begin(p.data.length, p.station, 10);
    w.key('seq');
    w.uint(seq);
    w.key('ert');
    w.uint(p.ert);
    w.key('scet');
    w.uint(p.scet);
    w.key('station');
    w.str(p.station);
    w.key('scid');
    w.uint(p.scid);
    w.key('vcid');
    w.uint(p.vcid);
    w.key('apid');
    w.uint(p.apid);
    w.key('ssc');
    w.uint(p.ssc);
    w.key('quality');
    w.uint(p.quality);
    w.key('data');
    w.bin(p.data);
    return w.buf.subarray(0, w.at);
  }
}
