// Hand-written encoders for the high-rate record kinds (frames, packets, parameter samples,
// events): the same bytes as protocol/msgpack.ts `pack()` gives for the ICD §6 map, written
// straight into a reusable buffer, without building an object or allocating per record.
// One divergence: a string holding a lone UTF-16 surrogate is written as U+FFFD (valid UTF-8),
// where pack() writes the surrogate's 3-byte WTF-8 form for short strings.
import type { Limit } from '../../protocol/constants.ts';
import type { EventIn, FrameIn, PacketIn } from './source.ts';

const KEYS = Object.fromEntries(
  [
    'seq',
    'ert',
    'scet',
    'station',
    'scid',
    'vcid',
    'vcfc',
    'apid',
    'ssc',
    'quality',
    'data',
    'name',
    'raw',
    'eng',
    'unit',
    'limit',
    'time',
    'severity',
    'source',
    'type',
    'message',
    'parameter',
    'value',
  ].map((k) => [k, Uint8Array.from([0xa0 | k.length, ...Buffer.from(k)])]),
) as Record<string, Uint8Array>;

/** A value of a parameter sample or an event: bytes parameters carry `Uint8Array` (msgpack bin). */
export type RecordValue = number | string | boolean | Uint8Array;

/** The fields of a parameter record that come from the sample (ICD §6 `parameters`). */
export interface SampleFields {
  readonly scet: number;
  readonly ert: number;
  readonly raw: RecordValue;
  readonly eng: RecordValue;
  readonly limit: Limit;
  readonly quality: number;
}

/** Fixed fields of a sample or event record (keys, numbers, headers, the limit text): at most ~130 bytes. */
const FIXED_BOUND = 256;

/** Upper bound of the UTF-8 bytes of `s` (3 per UTF-16 unit), without scanning it. */
function strBound(s: string | undefined): number {
  return s === undefined ? 0 : s.length * 3;
}

function valueBound(v: RecordValue | undefined): number {
  if (typeof v === 'string') return strBound(v);
  if (v instanceof Uint8Array) return v.length;
  return 0;
}

/** Upper bound of an encoded frame or packet record around `dataBytes` of data. */
export function recordBound(dataBytes: number, stationBytes: number): number {
  return 160 + stationBytes + dataBytes;
}

const TWO_32 = 2 ** 32;

class Writer {
  buf: Buffer;
  /** Fixed-width fields go through a DataView: inlined by the JIT, no range checks per call. */
  view: DataView;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, size);
  }
  /** A key's pre-encoded bytes, copied by hand: a few bytes cost less than a native copy call. */
  key(k: string): void {
    const src = KEYS[k]!;
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < src.length; i++) b[at++] = src[i]!;
    this.at = at;
  }
  /** A safe integer outside −2³¹…2³²−1 as int64 (`d3`), like pack(): two 32-bit halves, no BigInt. */
  int64(v: number): void {
    const hi = Math.floor(v / TWO_32);
    const b = this.buf;
    b[this.at++] = 0xd3;
    this.view.setInt32(this.at, hi);
    this.view.setUint32(this.at + 4, v - hi * TWO_32);
    this.at += 8;
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
      this.view.setUint16(this.at, v);
      this.at += 2;
    } else if (v < 0x100000000) {
      b[this.at++] = 0xce;
      this.view.setUint32(this.at, v);
      this.at += 4;
    } else this.int64(v);
  }
  /** Any number as pack() writes it: integers in the smallest form (int64 outside −2³¹…2³²−1), else float64. */
  num(v: number): void {
    if (v >>> 0 === v) {
      this.uint(v);
      return;
    }
    const b = this.buf;
    if (v >> 0 === v) {
      if (v >= -0x20) b[this.at++] = 0x100 + v;
      else if (v >= -0x80) {
        b[this.at++] = 0xd0;
        b[this.at++] = v + 0x100;
      } else if (v >= -0x8000) {
        b[this.at++] = 0xd1;
        this.view.setInt16(this.at, v);
        this.at += 2;
      } else {
        b[this.at++] = 0xd2;
        this.view.setInt32(this.at, v);
        this.at += 4;
      }
    } else if (Number.isSafeInteger(v)) this.int64(v);
    else {
      b[this.at++] = 0xcb;
      this.view.setFloat64(this.at, v);
      this.at += 8;
    }
  }
  value(v: RecordValue): void {
    if (typeof v === 'number') this.num(v);
    else if (typeof v === 'string') this.str(v);
    else if (typeof v === 'boolean') this.buf[this.at++] = v ? 0xc3 : 0xc2;
    else this.bin(v);
  }
  str(s: string): void {
    const len = s.length;
    const b = this.buf;
    // Short ASCII (names, units, limit states, most messages): written char by char, its length known.
    if (len < 0x100) {
      const head = len < 32 ? 1 : 2;
      let at = this.at + head;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[at++] = c;
      }
      if (i === len) {
        if (head === 1) b[this.at] = 0xa0 | len;
        else {
          b[this.at] = 0xd9;
          b[this.at + 1] = len;
        }
        this.at = at;
        return;
      }
    }
    const n = Buffer.byteLength(s);
    if (n < 32) b[this.at++] = 0xa0 | n;
    else this.#length(n, 0xd9);
    this.at += b.write(s, this.at);
  }
  bin(d: Uint8Array): void {
    this.#length(d.length, 0xc4);
    this.buf.set(d, this.at);
    this.at += d.length;
  }
  /** The str8/16/32 or bin8/16/32 header of `n` bytes; `code8` is the 8-bit form's type byte,
   * the 16- and 32-bit forms follow it. */
  #length(n: number, code8: number): void {
    const b = this.buf;
    if (n < 0x100) {
      b[this.at++] = code8;
      b[this.at++] = n;
    } else if (n < 0x10000) {
      b[this.at++] = code8 + 1;
      this.view.setUint16(this.at, n);
      this.at += 2;
    } else {
      b[this.at++] = code8 + 2;
      this.view.setUint32(this.at, n);
      this.at += 4;
    }
  }
}

/** Encodes records into one reusable buffer; each result is valid until the next call. */
export class RecordEncoder {
  #w = new Writer(4096);

  #begin(dataBytes: number, station: string, entries: number): Writer {
    return this.#start(recordBound(dataBytes, Buffer.byteLength(station)), entries);
  }

  #start(need: number, entries: number): Writer {
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

  /**
   * `{seq, name, scet, ert, raw, eng, unit?, limit, quality}` (ICD §6 parameters); `unit` only
   * when the parameter has one. Byte values are bin.
   */
  sample(seq: number, name: string, unit: string | undefined, s: SampleFields): Uint8Array {
    const need = FIXED_BOUND + strBound(name) + strBound(unit) + valueBound(s.raw) + valueBound(s.eng);
    const w = this.#start(need, unit === undefined ? 8 : 9);
    w.key('seq');
    w.num(seq);
    w.key('name');
    w.str(name);
    w.key('scet');
    w.num(s.scet);
    w.key('ert');
    w.num(s.ert);
    w.key('raw');
    w.value(s.raw);
    w.key('eng');
    w.value(s.eng);
    if (unit !== undefined) {
      w.key('unit');
      w.str(unit);
    }
    w.key('limit');
    w.str(s.limit);
    w.key('quality');
    w.num(s.quality);
    return w.buf.subarray(0, w.at);
  }

  /** `{seq, time, severity, source, type, message, parameter?, value?}` (ICD §6 events). */
  event(seq: number, e: EventIn): Uint8Array {
    const need =
      FIXED_BOUND +
      strBound(e.severity) +
      strBound(e.source) +
      strBound(e.type) +
      strBound(e.message) +
      strBound(e.parameter) +
      valueBound(e.value);
    const w = this.#start(need, 6 + (e.parameter === undefined ? 0 : 1) + (e.value === undefined ? 0 : 1));
    w.key('seq');
    w.num(seq);
    w.key('time');
    w.num(e.time);
    w.key('severity');
    w.str(e.severity);
    w.key('source');
    w.str(e.source);
    w.key('type');
    w.str(e.type);
    w.key('message');
    w.str(e.message);
    if (e.parameter !== undefined) {
      w.key('parameter');
      w.str(e.parameter);
    }
    if (e.value !== undefined) {
      w.key('value');
      w.value(e.value);
    }
    return w.buf.subarray(0, w.at);
  }
}
