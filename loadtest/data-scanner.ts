// Resumable MessagePack scanner for ICD DATA bodies `{stream, records: [{seq, ert, …, data}], skipped?}`.
// It pulls out each record's `seq`, `ert` and `data` length and the body's `skipped`, and skips
// every other value by length, so a body is never assembled nor decoded into objects: a client
// process can follow thousands of sockets at GB/s. Bodies arrive in arbitrary TCP pieces, hence
// the explicit state (token bytes carried in `#pend`, payload bytes still to skip in `#skip`).

import { HEAD, int, KIND, Kind, uint } from './msgpack-tokens.ts';

export interface RecordSink {
  /** One record closed; `seq`/`ert` are −1 when absent or not numbers, `dataBytes` 0 when absent. */
  record(seq: number, ert: number, dataBytes: number): void;
  skipped(count: number): void;
}

const Key = { OTHER: 0, RECORDS: 1, SKIPPED: 2, SEQ: 3, ERT: 4, DATA: 5 } as const;
const Role = { BODY: 0, RECORDS: 1, RECORD: 2, OTHER: 3 } as const;

const MAX_DEPTH = 32;
/** Longest key compared; longer keys are skipped as unknown. */
const MAX_KEY = 16;
/** Longest token kept whole: type byte, 4-byte length, key text. */
const MAX_TOKEN = 1 + 4 + MAX_KEY;

export class DataBodyScanner {
  readonly #sink: RecordSink;
  // A token cut by the end of a piece is carried here until it is complete.
  readonly #pend = new Uint8Array(MAX_TOKEN);
  #pendLen = 0;
  readonly #float = new DataView(new ArrayBuffer(8));
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
        const d = this.#depth - 1;
        if (d >= 0 && this.#role[d] === Role.RECORDS) {
          const whole = this.#record(buf, pos, end);
          if (whole > 0) {
            pos += whole;
            this.#itemDone(d);
            continue;
          }
        }
        const used = this.#token(buf, pos, end - pos);
        if (used > 0) {
          pos += used;
          continue;
        }
        if (this.#broken) return;
      }
      // The token runs past this piece: carry it byte by byte (tokens are ≤ MAX_TOKEN bytes).
      this.#pend[this.#pendLen++] = buf[pos++]!;
      if (this.#token(this.#pend, 0, this.#pendLen) > 0) this.#pendLen = 0;
    }
  }

  /**
   * Fast path, the common case: one whole record at `src[at]`, a fixmap of short string keys
   * and flat values, handled in one pass without the token state machine. Only its last
   * value may run past `end` (then skipped as the next piece arrives). Returns the bytes
   * consumed, or 0 (nothing changed) to let the general path take it.
   */
  #record(src: Uint8Array, at: number, end: number): number {
    const b = src[at]!;
    if ((b & 0xf0) !== 0x80) return 0;
    let pairs = b & 0x0f;
    let p = at + 1;
    let seq = -1;
    let ert = -1;
    let dataBytes = 0;
    while (pairs-- > 0) {
      if (p >= end || (src[p]! & 0xe0) !== 0xa0) return 0;
      const keyLen = src[p]! & 0x1f;
      // The key and the value's type byte and longest header (8 bytes) are in this piece.
      if (p + 1 + keyLen + 9 > end) return 0;
      const key = keyOf(src, p + 1, keyLen);
      p += 1 + keyLen;
      const v = src[p]!;
      const head = HEAD[v]!;
      let value = -1;
      let len = 0;
      switch (KIND[v]) {
        case Kind.POS_FIXINT:
          value = v;
          break;
        case Kind.NEG_FIXINT:
          value = v - 256;
          break;
        case Kind.UINT:
          value = uint(src, p + 1, head);
          break;
        case Kind.INT:
          value = int(src, p + 1, head);
          break;
        case Kind.NIL_BOOL:
          break;
        case Kind.FIXSTR:
          len = v & 0x1f;
          break;
        case Kind.STR:
        case Kind.BIN:
          len = uint(src, p + 1, head);
          break;
        default:
          return 0;
      }
      p += 1 + head;
      if (key === Key.SEQ) seq = value;
      else if (key === Key.ERT) ert = value;
      else if (key === Key.DATA) dataBytes = len;
      if (p + len > end) {
        if (pairs > 0) return 0;
        this.#skip = p + len - end;
        p = end;
      } else {
        p += len;
      }
    }
    this.#sink.record(seq, ert, dataBytes);
    return p - at;
  }

  /**
   * Handles the token at `src[at]` if its `avail` bytes hold all of it (type byte, fixed
   * header and, for a map key, the key's text) and returns its length; else returns 0 and
   * changes nothing.
   */
  #token(src: Uint8Array, at: number, avail: number): number {
    const b = src[at]!;
    const head = HEAD[b]!;
    if (head < 0) {
      this.#broken = true;
      return 0;
    }
    if (avail < 1 + head) return 0;
    switch (KIND[b]) {
      case Kind.POS_FIXINT:
        this.#value(b);
        return 1;
      case Kind.NEG_FIXINT:
        this.#value(b - 256);
        return 1;
      case Kind.UINT:
        this.#value(uint(src, at + 1, head));
        return 1 + head;
      case Kind.INT:
        this.#value(int(src, at + 1, head));
        return 1 + head;
      case Kind.FLOAT32:
      case Kind.FLOAT64:
        for (let i = 0; i < head; i++) this.#float.setUint8(i, src[at + 1 + i]!);
        this.#value(head === 4 ? this.#float.getFloat32(0) : this.#float.getFloat64(0));
        return 1 + head;
      case Kind.NIL_BOOL:
        this.#value(-1);
        return 1;
      case Kind.FIXSTR:
        return this.#str(src, at + 1, b & 0x1f, avail - 1);
      case Kind.STR: {
        const used = this.#str(src, at + 1 + head, uint(src, at + 1, head), avail - 1 - head);
        return used === 0 ? 0 : used + head;
      }
      case Kind.BIN: {
        const len = uint(src, at + 1, head);
        if (this.#inRecord(Key.DATA)) this.#dataBytes = len;
        this.#skip = len;
        this.#value(-1);
        return 1 + head;
      }
      case Kind.EXT:
        this.#skip = uint(src, at + 1, head - 1);
        this.#value(-1);
        return 1 + head;
      case Kind.FIXEXT:
        this.#skip = 1 << (b - 0xd4);
        this.#value(-1);
        return 1 + head;
      case Kind.FIXMAP:
        this.#open(true, b & 0x0f);
        return 1;
      case Kind.FIXARRAY:
        this.#open(false, b & 0x0f);
        return 1;
      case Kind.MAP:
        this.#open(true, uint(src, at + 1, head));
        return 1 + head;
      case Kind.ARRAY:
        this.#open(false, uint(src, at + 1, head));
        return 1 + head;
      default:
        this.#broken = true;
        return 0;
    }
  }

  /** A string of `len` bytes whose text starts at `src[textAt]` (`avail` bytes there); as #token. */
  #str(src: Uint8Array, textAt: number, len: number, avail: number): number {
    const d = this.#depth - 1;
    const isKey = d >= 0 && this.#isMap[d] === 1 && this.#keyNext[d] === 1;
    if (!isKey || len > MAX_KEY || len === 0) {
      if (this.#inRecord(Key.DATA)) this.#dataBytes = len;
      this.#skip = len;
      this.#value(-1);
      return 1;
    }
    if (avail < len) return 0;
    this.#key[d] = keyOf(src, textAt, len);
    this.#itemDone(d);
    return 1 + len;
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
}

/** Which of the keys the scanner looks for is the `len`-byte text at `src[at]`. */
function keyOf(src: Uint8Array, at: number, len: number): number {
  const c0 = src[at];
  if (len === 3) {
    if (c0 === 0x73 && src[at + 1] === 0x65 && src[at + 2] === 0x71) return Key.SEQ; // seq
    if (c0 === 0x65 && src[at + 1] === 0x72 && src[at + 2] === 0x74) return Key.ERT; // ert
  } else if (len === 4) {
    if (c0 === 0x64 && src[at + 1] === 0x61 && src[at + 2] === 0x74 && src[at + 3] === 0x61) return Key.DATA; // data
  } else if (len === 7) {
    if (same(src, at, RECORDS)) return Key.RECORDS;
    if (same(src, at, SKIPPED)) return Key.SKIPPED;
  }
  return Key.OTHER;
}

const RECORDS = new TextEncoder().encode('records');
const SKIPPED = new TextEncoder().encode('skipped');

function same(src: Uint8Array, at: number, text: Uint8Array): boolean {
  for (let i = 0; i < text.length; i++) if (src[at + i] !== text[i]) return false;
  return true;
}
