// Frame encoders (ICD §2): 24-byte big-endian header, msgpack body, CRC-32 trailer over
// header and body.
import { HEADER_BYTES, MAX_SERVER_BODY, SYNC, TRAILER_BYTES, VERSION } from './constants.ts';
import { crc32, crc32Shift, crc32ShiftOperator } from './crc32.ts';
import { ProtocolError } from './errors.ts';
import { pack } from './msgpack.ts';

const TWO_32 = 2 ** 32;

/**
 * Writes a frame header at `out[offset]` (a new 24-byte buffer when `out` is omitted) and
 * returns the buffer. `seq` is reduced mod 2^32; `timeUs` must be a non-negative safe integer.
 */
export function encodeHeader(
  type: number,
  seq: number,
  timeUs: number,
  bodyLength: number,
  out: Buffer = Buffer.allocUnsafe(HEADER_BYTES),
  offset = 0,
): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`bad message type ${type}`);
  if (!Number.isInteger(seq)) throw new RangeError(`bad seq ${seq}`);
  if (!Number.isSafeInteger(timeUs) || timeUs < 0) throw new RangeError(`bad time ${timeUs}`);
  if (!Number.isInteger(bodyLength) || bodyLength < 0 || bodyLength >= TWO_32) {
    throw new RangeError(`bad body length ${bodyLength}`);
  }
  out.writeUInt32BE(SYNC, offset);
  out[offset + 4] = VERSION;
  out[offset + 5] = type;
  out[offset + 6] = 0;
  out[offset + 7] = 0;
  out.writeUInt32BE(seq >>> 0, offset + 8);
  const high = Math.floor(timeUs / TWO_32);
  out.writeUInt32BE(high, offset + 12);
  out.writeUInt32BE(timeUs - high * TWO_32, offset + 16);
  out.writeUInt32BE(bodyLength, offset + 20);
  return out;
}

function tooLarge(length: number): ProtocolError {
  return new ProtocolError('ERR_TOO_LARGE', `body of ${length} bytes exceeds ${MAX_SERVER_BODY}`);
}

/**
 * Encodes one whole frame. A Uint8Array body is taken as already-encoded msgpack; any other
 * value is packed; `undefined` gives an empty body.
 */
export function encodeMessage(type: number, seq: number, timeUs: number, body?: unknown): Buffer {
  const bytes = body === undefined ? undefined : body instanceof Uint8Array ? body : pack(body);
  const length = bytes === undefined ? 0 : bytes.length;
  if (length > MAX_SERVER_BODY) throw tooLarge(length);
  const frame = Buffer.allocUnsafe(HEADER_BYTES + length + TRAILER_BYTES);
  encodeHeader(type, seq, timeUs, length, frame, 0);
  if (bytes !== undefined) frame.set(bytes, HEADER_BYTES);
  frame.writeUInt32BE(crc32(frame.subarray(0, HEADER_BYTES + length)), HEADER_BYTES + length);
  return frame;
}

/** A body encoded once and sent in many frames (fan-out): its CRC and CRC shift are precomputed. */
export interface SharedBody {
  readonly bytes: Uint8Array;
  /** crc32(bytes). */
  readonly crc: number;
  /** crc32ShiftOperator(bytes.length): moves the header's CRC past the body. */
  readonly shift: number;
}

/** Scans `bytes` once; the result may be framed any number of times without re-reading it. */
export function prepareSharedBody(bytes: Uint8Array): SharedBody {
  if (bytes.length > MAX_SERVER_BODY) throw tooLarge(bytes.length);
  return { bytes, crc: crc32(bytes), shift: crc32ShiftOperator(bytes.length) };
}

/**
 * Frames a shared body as [header, body, trailer] for a gathered write (cork/writev). The
 * body is neither copied nor re-scanned: the frame CRC is crc(header) combined with the
 * body's precomputed CRC, so the cost per frame is independent of the body length.
 */
export function encodeSharedFrame(
  type: number,
  seq: number,
  timeUs: number,
  body: SharedBody,
): [header: Buffer, body: Uint8Array, trailer: Buffer] {
  // One small allocation (from Node's buffer pool) holds both header and trailer.
  const block = Buffer.allocUnsafe(HEADER_BYTES + TRAILER_BYTES);
  encodeHeader(type, seq, timeUs, body.bytes.length, block, 0);
  const header = block.subarray(0, HEADER_BYTES);
  const crc = (crc32Shift(body.shift, crc32(header)) ^ body.crc) >>> 0;
  block.writeUInt32BE(crc, HEADER_BYTES);
  return [header, body.bytes, block.subarray(HEADER_BYTES)];
}
