// Incremental frame decoder (ICD §2) for a TCP byte stream cut at arbitrary points.
import { HEADER_BYTES, SYNC, TRAILER_BYTES, VERSION } from './constants.ts';
import { crc32 } from './crc32.ts';
import { ProtocolError } from './errors.ts';
import { unpack } from './msgpack.ts';
import type { Frame } from './types.ts';

const TWO_32 = 2 ** 32;
const EMPTY = new Uint8Array(0);
const SYNC_BYTES = [SYNC >>> 24, (SYNC >>> 16) & 0xff, (SYNC >>> 8) & 0xff, SYNC & 0xff] as const;

const Phase = { HEADER: 0, BODY: 1, TRAILER: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function badSync(at: number): ProtocolError {
  return new ProtocolError('ERR_MALFORMED', `bad sync marker at byte ${at} (expected ${hex32(SYNC)})`);
}

function badVersion(version: number): ProtocolError {
  return new ProtocolError('ERR_UNSUPPORTED_VERSION', `frame version ${version}, expected ${VERSION}`);
}

export interface DecoderOptions {
  /** Largest body accepted; a longer announced length fails as soon as the header is complete. */
  maxBody: number;
}

/**
 * Splits a byte stream into frames, checking sync, version, length cap and CRC.
 *
 * A frame lying within one pushed chunk is returned as views into that chunk (its body
 * keeps the chunk alive); only a frame that spans chunks is copied. The first error is
 * fatal: ICD §2 forbids resynchronising, so every later push throws the same error, and
 * frames completed earlier in the failing chunk are not returned.
 */
export class FrameDecoder {
  readonly #maxBody: number;
  #error: unknown;
  #failed = false;
  // A frame spanning chunks is assembled here: header bytes, then the body, then the CRC.
  #phase: Phase = Phase.HEADER;
  readonly #head = new Uint8Array(HEADER_BYTES);
  #headFill = 0;
  readonly #tail = new Uint8Array(TRAILER_BYTES);
  #tailFill = 0;
  #spill: Uint8Array = EMPTY;
  #spillFill = 0;
  #crc = 0;
  // Fields of the frame whose header was parsed last.
  #type = 0;
  #flags = 0;
  #seq = 0;
  #time = 0;
  #length = 0;

  constructor(opts: DecoderOptions) {
    if (!Number.isInteger(opts.maxBody) || opts.maxBody < 0 || opts.maxBody >= TWO_32) {
      throw new RangeError(`bad maxBody ${opts.maxBody}`);
    }
    this.#maxBody = opts.maxBody;
  }

  /** Consumes a chunk; returns the frames it completes, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.#failed) throw this.#error;
    const frames: Frame[] = [];
    try {
      this.#consume(chunk, frames);
    } catch (err) {
      this.#failed = true;
      this.#error = err;
      throw err;
    }
    return frames;
  }

  /** Bytes of an incomplete frame held since the last push (0 on a frame boundary). */
  get pending(): number {
    if (this.#phase === Phase.HEADER) return this.#headFill;
    return HEADER_BYTES + this.#spillFill + this.#tailFill;
  }

  #consume(chunk: Uint8Array, frames: Frame[]): void {
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.#phase !== Phase.HEADER || this.#headFill > 0 || end - pos < HEADER_BYTES) {
        pos = this.#step(chunk, pos, frames);
        continue;
      }
      // Fast path: the header is whole in this chunk; the frame is a view when it all is.
      this.#parseHeader(chunk, pos);
      const crcEnd = pos + HEADER_BYTES + this.#length;
      if (crcEnd + TRAILER_BYTES <= end) {
        this.#checkCrc(crc32(chunk.subarray(pos, crcEnd)), u32(chunk, crcEnd));
        const body = this.#length === 0 ? EMPTY : chunk.subarray(pos + HEADER_BYTES, crcEnd);
        frames.push(this.#frame(body));
        pos = crcEnd + TRAILER_BYTES;
      } else {
        this.#crc = crc32(chunk.subarray(pos, pos + HEADER_BYTES));
        this.#startBody();
        pos += HEADER_BYTES;
      }
    }
  }

  /** Advances a frame that spans chunks by as many bytes of `chunk` as its current part takes. */
  #step(chunk: Uint8Array, pos: number, frames: Frame[]): number {
    const avail = chunk.length - pos;
    if (this.#phase === Phase.HEADER) {
      const n = Math.min(HEADER_BYTES - this.#headFill, avail);
      const from = this.#headFill;
      this.#head.set(chunk.subarray(pos, pos + n), from);
      this.#headFill += n;
      // Sync and version are checked as soon as their bytes arrive, so a peer that sends a
      // few bytes of garbage is refused at once instead of waiting for a whole header.
      for (let i = from; i < this.#headFill && i < 5; i++) {
        if (i < 4 && this.#head[i] !== SYNC_BYTES[i]) throw badSync(i);
        if (i === 4 && this.#head[4] !== VERSION) throw badVersion(this.#head[4]!);
      }
      if (this.#headFill === HEADER_BYTES) {
        this.#parseHeader(this.#head, 0);
        this.#crc = crc32(this.#head);
        this.#headFill = 0;
        this.#startBody();
      }
      return pos + n;
    }
    if (this.#phase === Phase.BODY) {
      const n = Math.min(this.#length - this.#spillFill, avail);
      const part = chunk.subarray(pos, pos + n);
      this.#spill.set(part, this.#spillFill);
      this.#crc = crc32(part, this.#crc);
      this.#spillFill += n;
      if (this.#spillFill === this.#length) this.#phase = Phase.TRAILER;
      return pos + n;
    }
    const n = Math.min(TRAILER_BYTES - this.#tailFill, avail);
    this.#tail.set(chunk.subarray(pos, pos + n), this.#tailFill);
    this.#tailFill += n;
    if (this.#tailFill === TRAILER_BYTES) {
      this.#checkCrc(this.#crc, u32(this.#tail, 0));
      frames.push(this.#frame(this.#spill));
      this.#phase = Phase.HEADER;
      this.#tailFill = 0;
      this.#spill = EMPTY;
      this.#spillFill = 0;
    }
    return pos + n;
  }

  /** Validates the 24-byte header at b[o] and records its fields. */
  #parseHeader(b: Uint8Array, o: number): void {
    for (let i = 0; i < 4; i++) if (b[o + i] !== SYNC_BYTES[i]) throw badSync(i);
    if (b[o + 4] !== VERSION) throw badVersion(b[o + 4]!);
    const length = u32(b, o + 20);
    if (length > this.#maxBody) {
      throw new ProtocolError('ERR_TOO_LARGE', `body of ${length} bytes exceeds ${this.#maxBody}`);
    }
    this.#type = b[o + 5]!;
    this.#flags = (b[o + 6]! << 8) | b[o + 7]!;
    this.#seq = u32(b, o + 8);
    this.#time = u32(b, o + 12) * TWO_32 + u32(b, o + 16);
    this.#length = length;
  }

  #startBody(): void {
    this.#phase = this.#length === 0 ? Phase.TRAILER : Phase.BODY;
    // Every byte is overwritten before the body is exposed, so unzeroed memory is safe.
    this.#spill = this.#length === 0 ? EMPTY : Buffer.allocUnsafe(this.#length);
    this.#spillFill = 0;
  }

  #checkCrc(actual: number, expected: number): void {
    if (actual !== expected) {
      throw new ProtocolError('ERR_BAD_CRC', `CRC ${hex32(expected)} in frame, ${hex32(actual)} computed`);
    }
  }

  #frame(body: Uint8Array): Frame {
    return { type: this.#type, flags: this.#flags, seq: this.#seq, time: this.#time, body };
  }
}

/**
 * Decodes a frame's body: `undefined` when empty, else the msgpack map it must hold
 * (ICD §2). Anything else, including a non-map value, is ERR_MALFORMED.
 */
export function decodeBody(frame: Frame): Record<string, unknown> | undefined {
  const body = frame.body;
  if (body.length === 0) return undefined;
  const t = body[0]!;
  if (!((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)) {
    throw new ProtocolError('ERR_MALFORMED', 'body is not a msgpack map');
  }
  try {
    return unpack(body) as Record<string, unknown>;
  } catch (err) {
    throw new ProtocolError('ERR_MALFORMED', `body is not valid msgpack: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
