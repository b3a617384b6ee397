// Resumable MessagePack scanner for ICD DATA bodies `{stream, records: [{seq, ert, …, data}], skipped?}`.
// It pulls out each record's `seq`, `ert` and `data` length and the body's `skipped`, and skips
// every other value by length, so a body is never assembled nor decoded into objects: a client
// process can follow thousands of sockets at GB/s. Bodies arrive in arbitrary TCP pieces, hence
// the explicit state (token bytes carried in `#pend`, payload bytes still to skip in `#skip`).

export interface RecordSink {
  /** One record closed; `seq`/`ert` are −1 when absent or not numbers, `dataBytes` 0 when absent. */
  record(seq: number, ert: number, dataBytes: number): void;
  skipped(count: number): void;
}

const Kind = {
  RESERVED: 0,
  POS_FIXINT: 1,
  NEG_FIXINT: 2,
  FIXMAP: 3,
  FIXARRAY: 4,
  FIXSTR: 5,
  NIL_BOOL: 6,
  BIN: 7,
  EXT: 8,
  FLOAT32: 9,
  FLOAT64: 10,
  UINT: 11,
  INT: 12,
  FIXEXT: 13,
  STR: 14,
  ARRAY: 15,
  MAP: 16,
} as const;

const Key = { OTHER: 0, RECORDS: 1, SKIPPED: 2, SEQ: 3, ERT: 4, DATA: 5 } as const;
const Role = { BODY: 0, RECORDS: 1, RECORD: 2, OTHER: 3 } as const;

const MAX_DEPTH = 32;
/** Longest key compared; longer keys are skipped as unknown. */
const MAX_KEY = 16;
const KEYS: [number, Uint8Array][] = [
  [Key.RECORDS, new TextEncoder().encode('records')],
  [Key.SKIPPED, new TextEncoder().encode('skipped')],
  [Key.SEQ, new TextEncoder().encode('seq')],
  [Key.ERT, new TextEncoder().encode('ert')],
  [Key.DATA, new TextEncoder().encode('data')],
];

// Per type byte: its kind, and how many bytes after it form the fixed header (number value,
// length or count; ext: length then its type byte). −1 marks the reserved byte 0xc1.
const KIND = new Uint8Array(256);
const HEAD = new Int8Array(256);
(() => {
  const set = (lo: number, hi: number, kind: number, head: number) => {
    for (let b = lo; b <= hi; b++) {
      KIND[b] = kind;
      HEAD[b] = head;
    }
  };
  set(0x00, 0x7f, Kind.POS_FIXINT, 0);
  set(0x80, 0x8f, Kind.FIXMAP, 0);
  set(0x90, 0x9f, Kind.FIXARRAY, 0);
  set(0xa0, 0xbf, Kind.FIXSTR, 0);
  set(0xc0, 0xc0, Kind.NIL_BOOL, 0);
  set(0xc1, 0xc1, Kind.RESERVED, -1);
  set(0xc2, 0xc3, Kind.NIL_BOOL, 0);
  set(0xc4, 0xc4, Kind.BIN, 1);
  set(0xc5, 0xc5, Kind.BIN, 2);
  set(0xc6, 0xc6, Kind.BIN, 4);
  set(0xc7, 0xc7, Kind.EXT, 2);
  set(0xc8, 0xc8, Kind.EXT, 3);
  set(0xc9, 0xc9, Kind.EXT, 5);
  set(0xca, 0xca, Kind.FLOAT32, 4);
  set(0xcb, 0xcb, Kind.FLOAT64, 8);
  set(0xcc, 0xcc, Kind.UINT, 1);
  set(0xcd, 0xcd, Kind.UINT, 2);
  set(0xce, 0xce, Kind.UINT, 4);
  set(0xcf, 0xcf, Kind.UINT, 8);
  set(0xd0, 0xd0, Kind.INT, 1);
  set(0xd1, 0xd1, Kind.INT, 2);
  set(0xd2, 0xd2, Kind.INT, 4);
  set(0xd3, 0xd3, Kind.INT, 8);
  set(0xd4, 0xd8, Kind.FIXEXT, 1);
  set(0xd9, 0xd9, Kind.STR, 1);
  set(0xda, 0xda, Kind.STR, 2);
  set(0xdb, 0xdb, Kind.STR, 4);
  set(0xdc, 0xdc, Kind.ARRAY, 2);
  set(0xdd, 0xdd, Kind.ARRAY, 4);
  set(0xde, 0xde, Kind.MAP, 2);
  set(0xdf, 0xdf, Kind.MAP, 4);
  set(0xe0, 0xff, Kind.NEG_FIXINT, 0);
})();

export class DataBodyScanner {
  readonly #sink: RecordSink;
  // The current token's bytes: type byte, fixed header and, for a map key, the key itself.
  readonly #pend = new Uint8Array(1 + 4 + MAX_KEY);
  readonly #view = new DataView(this.#pend.buffer);
  #pendLen = 0;
  #need = 0;
  #skip = 0;
  // Open containers, innermost last. Maps count keys and values as items.
  readonly #role = new Uint8Array(MAX_DEPTH);
  readonly #isMap = new Uint8Array(MAX_DEPTH);
  readonly #keyNext = new Uint8Array(MAX_DEPTH);
  readonly #key = new Uint8Array(MAX_DEPTH);
  readonly #left = new Float64Array(MAX_DEPTH);
  #depth = 0;
  #seq = -1;
  #ert = -1;
  #dataBytes = 0;
  #done = false;
  #broken = false;

  constructor(sink: RecordSink) {
    this.#sink = sink;
  }

  /** Starts a new body. */
  reset(): void {
    this.#pendLen = 0;
    this.#need = 0;
    this.#skip = 0;
    this.#depth = 0;
    this.#done = false;
    this.#broken = false;
  }

  /** True when exactly one well-formed map was fed since `reset`. */
  finish(): boolean {
    return this.#done && !this.#broken && this.#skip === 0 && this.#pendLen === 0;
  }

  feed(buf: Uint8Array, start: number, end: number): void {
    let pos = start;
    while (pos < end && !this.#broken) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, end - pos);
        this.#skip -= n;
        pos += n;
        continue;
      }
      if (this.#done) {
        this.#broken = true; // bytes after the body's single value
        return;
      }
      if (this.#pendLen === 0) {
        const head = HEAD[buf[pos]!]!;
        if (head < 0) {
          this.#broken = true;
          return;
        }
        this.#need = 1 + head;
      }
      while (this.#pendLen < this.#need && pos < end) this.#pend[this.#pendLen++] = buf[pos++]!;
      if (this.#pendLen < this.#need) return;
      if (this.#token()) this.#pendLen = 0;
    }
  }

  /** Handles the complete token in `#pend`; false when it needs more bytes (a key's text). */
  #token(): boolean {
    const b = this.#pend[0]!;
    const head = HEAD[b]!;
    switch (KIND[b]) {
      case Kind.POS_FIXINT:
        this.#value(b);
        return true;
      case Kind.NEG_FIXINT:
        this.#value(b - 256);
        return true;
      case Kind.UINT:
        this.#value(this.#uint(1, head));
        return true;
      case Kind.INT:
        this.#value(this.#int(1, head));
        return true;
      case Kind.FLOAT32:
        this.#value(this.#view.getFloat32(1));
        return true;
      case Kind.FLOAT64:
        this.#value(this.#view.getFloat64(1));
        return true;
      case Kind.NIL_BOOL:
        this.#value(-1);
        return true;
      case Kind.FIXSTR:
        return this.#str(b & 0x1f, 1);
      case Kind.STR:
        return this.#str(this.#uint(1, head), 1 + head);
      case Kind.BIN: {
        const len = this.#uint(1, head);
        if (this.#inRecord(Key.DATA)) this.#dataBytes = len;
        this.#skip = len;
        this.#value(-1);
        return true;
      }
      case Kind.EXT:
        this.#skip = this.#uint(1, head - 1);
        this.#value(-1);
        return true;
      case Kind.FIXEXT:
        this.#skip = 1 << (b - 0xd4);
        this.#value(-1);
        return true;
      case Kind.FIXMAP:
        this.#open(true, b & 0x0f);
        return true;
      case Kind.FIXARRAY:
        this.#open(false, b & 0x0f);
        return true;
      case Kind.MAP:
        this.#open(true, this.#uint(1, head));
        return true;
      case Kind.ARRAY:
        this.#open(false, this.#uint(1, head));
        return true;
      default:
        this.#broken = true;
        return true;
    }
  }

  #str(len: number, textAt: number): boolean {
    const d = this.#depth - 1;
    const isKey = d >= 0 && this.#isMap[d] === 1 && this.#keyNext[d] === 1;
    if (!isKey || len > MAX_KEY || len === 0) {
      if (this.#inRecord(Key.DATA)) this.#dataBytes = len;
      this.#skip = len;
      this.#value(-1);
      return true;
    }
    if (this.#need === textAt) {
      this.#need += len; // collect the key's text before deciding
      return false;
    }
    this.#key[d] = this.#match(textAt, len);
    this.#itemDone(d);
    return true;
  }

  #match(at: number, len: number): number {
    for (const [id, text] of KEYS) {
      if (text.length !== len) continue;
      let i = 0;
      while (i < len && this.#pend[at + i] === text[i]) i++;
      if (i === len) return id;
    }
    return Key.OTHER;
  }

  #inRecord(key: number): boolean {
    const d = this.#depth - 1;
    return d >= 0 && this.#role[d] === Role.RECORD && this.#keyNext[d] === 0 && this.#key[d] === key;
  }

  /** A scalar value (or a non-string key) completed; `num` is −1 for non-numbers. */
  #value(num: number): void {
    const d = this.#depth - 1;
    if (d < 0) {
      this.#broken = true; // the body must be a map
      return;
    }
    if (this.#keyNext[d] === 0) {
      const key = this.#key[d];
      if (this.#role[d] === Role.RECORD) {
        if (key === Key.SEQ) this.#seq = num;
        else if (key === Key.ERT) this.#ert = num;
      } else if (this.#role[d] === Role.BODY && key === Key.SKIPPED && num > 0) {
        this.#sink.skipped(num);
      }
    } else if (this.#isMap[d] === 1) {
      this.#key[d] = Key.OTHER;
    }
    this.#itemDone(d);
  }

  #open(isMap: boolean, count: number): void {
    const d = this.#depth;
    if (d === MAX_DEPTH) {
      this.#broken = true;
      return;
    }
    let role: number = Role.OTHER;
    if (d === 0) {
      if (!isMap) {
        this.#broken = true;
        return;
      }
      role = Role.BODY;
    } else if (this.#keyNext[d - 1] === 0) {
      const parent = this.#role[d - 1];
      if (parent === Role.BODY && !isMap && this.#key[d - 1] === Key.RECORDS) role = Role.RECORDS;
      else if (parent === Role.RECORDS && isMap) role = Role.RECORD;
    }
    if (role === Role.RECORD) {
      this.#seq = -1;
      this.#ert = -1;
      this.#dataBytes = 0;
    }
    this.#role[d] = role;
    this.#isMap[d] = isMap ? 1 : 0;
    // Array elements are all values; a map starts with a key.
    this.#keyNext[d] = isMap ? 1 : 0;
    this.#key[d] = Key.OTHER;
    this.#left[d] = isMap ? 2 * count : count;
    this.#depth = d + 1;
    this.#closeFinished();
  }

  #itemDone(d: number): void {
    if (this.#isMap[d] === 1) this.#keyNext[d] ^= 1;
    this.#left[d]! -= 1;
    this.#closeFinished();
  }

  #closeFinished(): void {
    while (this.#depth > 0 && this.#left[this.#depth - 1] === 0) {
      const d = --this.#depth;
      if (this.#role[d] === Role.RECORD) this.#sink.record(this.#seq, this.#ert, this.#dataBytes);
      if (d === 0) {
        this.#done = true;
        return;
      }
      const p = d - 1;
      if (this.#isMap[p] === 1) {
        if (this.#keyNext[p] === 1) this.#key[p] = Key.OTHER;
        this.#keyNext[p] ^= 1;
      }
      this.#left[p]! -= 1;
    }
  }

  #uint(at: number, n: number): number {
    const v = this.#view;
    if (n === 1) return v.getUint8(at);
    if (n === 2) return v.getUint16(at);
    if (n === 4) return v.getUint32(at);
    return v.getUint32(at) * 2 ** 32 + v.getUint32(at + 4);
  }

  #int(at: number, n: number): number {
    const v = this.#view;
    if (n === 1) return v.getInt8(at);
    if (n === 2) return v.getInt16(at);
    if (n === 4) return v.getInt32(at);
    return v.getInt32(at) * 2 ** 32 + v.getUint32(at + 4);
  }
}
