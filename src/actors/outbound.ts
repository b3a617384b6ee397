// One session's outgoing message stream: its own seq counter (ICD §2, mod 2^32) and
// the O(1)-per-session framing of shared DATA bodies.
import type { Socket } from 'node:net';
import { HEADER_BYTES, MessageType } from '../../protocol/constants.ts';
import { crc32, crc32Shift } from '../../protocol/crc32.ts';
import { encodeHeader, encodeMessage } from '../../protocol/encode.ts';
import type { Clock } from '../util/clock.ts';
import { MAX_PREFIX_BYTES, type SharedData, writeDataPrefix } from './data-body.ts';

export class Outbound {
  readonly #socket: Socket;
  readonly #clock: Clock;
  #seq = 0;

  constructor(socket: Socket, clock: Clock) {
    this.#socket = socket;
    this.#clock = clock;
  }

  /** Bytes handed to the socket and not yet taken by the kernel. */
  get buffered(): number {
    return this.#socket.writableLength;
  }

  /** True when a 'drain' event will come (a write found the socket's buffer full). */
  get needDrain(): boolean {
    return this.#socket.writableNeedDrain;
  }

  #nextSeq(): number {
    const s = this.#seq;
    this.#seq = (this.#seq + 1) >>> 0;
    return s;
  }

  /** Sends a control message; `body` is packed, or used as is when already msgpack bytes. */
  send(type: number, body?: unknown): number {
    const frame = encodeMessage(type, this.#nextSeq(), this.#clock.nowUs(), body);
    this.#socket.write(frame);
    return frame.length;
  }

  /** Sends DATA whose body is `prefix(skipped) ++ shared.bytes`; the shared bytes are neither copied nor re-read. */
  sendData(shared: SharedData, skipped: number): number {
    const out = Buffer.allocUnsafe(HEADER_BYTES + MAX_PREFIX_BYTES + 4);
    const prefixLen = writeDataPrefix(out, HEADER_BYTES, skipped);
    const headLen = HEADER_BYTES + prefixLen;
    encodeHeader(
      MessageType.DATA,
      this.#nextSeq(),
      this.#clock.nowUs(),
      prefixLen + shared.bytes.length,
      out,
      0,
    );
    const head = out.subarray(0, headLen);
    const crc = (crc32Shift(shared.shift, crc32(head)) ^ shared.crc) >>> 0;
    const trailer = out.subarray(headLen, headLen + 4);
    trailer.writeUInt32BE(crc, 0);
    // Corked so the three pieces leave in one writev.
    this.#socket.cork();
    this.#socket.write(head);
    this.#socket.write(shared.bytes);
    this.#socket.write(trailer);
    this.#socket.uncork();
    return headLen + 4 + shared.bytes.length;
  }
}
