// One session's outgoing message stream: its own seq counter (ICD §2, mod 2^32), the
// O(1)-per-session framing of shared DATA bodies, and a queue of its own in front of the
// socket.
//
// Why a queue of our own: what is handed to the socket cannot be taken back, and ICD rev B §6
// wants BYE SLOW_CONSUMER to follow directly the last DATA written, discarding the backlog
// behind it, so a client that reads again gets the BYE at once. So the socket gets a message
// only while its own buffer is below its high-water mark; the rest waits here, unframed:
// its header (seq, time) is written when it goes to the socket, so discarding leaves no hole
// in the frame seq.
import type { Socket } from 'node:net';
import { HEADER_BYTES, MessageType, TRAILER_BYTES } from '../../protocol/constants.ts';
import { crc32, crc32Shift } from '../../protocol/crc32.ts';
import { encodeHeader, encodeMessage } from '../../protocol/encode.ts';
import { packSafe } from '../../protocol/msgpack.ts';
import type { Clock } from '../util/clock.ts';
import { MAX_PREFIX_BYTES, type SharedData, writeDataPrefix } from './data-body.ts';

type Pending =
  | { kind: 'control'; type: number; body: Uint8Array | undefined; bytes: number }
  | { kind: 'data'; shared: SharedData; skipped: number; bytes: number };

export class Outbound {
  readonly #socket: Socket;
  readonly #clock: Clock;
  #seq = 0;
  readonly #queue: Pending[] = [];
  #queuedBytes = 0;
  #lastDataSeqWritten = 0;
  #onDrained: () => void = () => undefined;

  constructor(socket: Socket, clock: Clock) {
    this.#socket = socket;
    this.#clock = clock;
    socket.on('drain', () => {
      this.#flush();
      if (this.#queue.length === 0) this.#onDrained();
    });
  }

  /** Called when the client has read what was queued (the socket drained and this queue is empty). */
  onDrained(fn: () => void): void {
    this.#onDrained = fn;
  }

  /** Bytes queued for the client and not yet taken by the kernel: this queue and the socket's buffer. */
  get buffered(): number {
    return this.#socket.writableLength + this.#queuedBytes;
  }

  /** True when a drain (onDrained) will come: something waits here or the socket's buffer is full. */
  get needDrain(): boolean {
    return this.#queue.length > 0 || this.#socket.writableNeedDrain;
  }

  /** Record seq of the last DATA handed to the socket (0 if none): the BYE SLOW_CONSUMER `seq`. */
  get lastDataSeqWritten(): number {
    return this.#lastDataSeqWritten;
  }

  #nextSeq(): number {
    const s = this.#seq;
    this.#seq = (this.#seq + 1) >>> 0;
    return s;
  }

  /** Sends a control message; `body` is packed, or used as is when already msgpack bytes. */
  send(type: number, body?: unknown): number {
    const bytes = body === undefined ? undefined : body instanceof Uint8Array ? body : packSafe(body);
    const size = HEADER_BYTES + (bytes?.length ?? 0) + TRAILER_BYTES;
    this.#enqueue({ kind: 'control', type, body: bytes, bytes: size });
    return size;
  }

  /** Sends DATA whose body is `prefix(skipped) ++ shared.bytes`; the shared bytes are neither copied nor re-read. */
  sendData(shared: SharedData, skipped: number): number {
    const prefix = Buffer.allocUnsafe(MAX_PREFIX_BYTES);
    const size = HEADER_BYTES + writeDataPrefix(prefix, 0, skipped) + shared.bytes.length + TRAILER_BYTES;
    this.#enqueue({ kind: 'data', shared, skipped, bytes: size });
    return size;
  }

  /**
   * Drops every message not yet handed to the socket (BYE SLOW_CONSUMER, ICD rev B §6); the
   * message sent next follows directly the last one written.
   */
  discard(): void {
    this.#queue.length = 0;
    this.#queuedBytes = 0;
  }

  /** Hands everything queued to the socket, whatever its buffer holds (before end()). */
  flushAll(): void {
    while (this.#queue.length > 0) this.#write(this.#shift());
  }

  #enqueue(p: Pending): void {
    if (this.#queue.length === 0 && !this.#socket.writableNeedDrain) {
      this.#write(p);
      return;
    }
    this.#queue.push(p);
    this.#queuedBytes += p.bytes;
  }

  #flush(): void {
    while (this.#queue.length > 0 && !this.#socket.writableNeedDrain) this.#write(this.#shift());
  }

  #shift(): Pending {
    const p = this.#queue.shift()!;
    this.#queuedBytes -= p.bytes;
    return p;
  }

  #write(p: Pending): void {
    if (this.#socket.writableEnded || this.#socket.destroyed) return;
    if (p.kind === 'control') {
      this.#socket.write(encodeMessage(p.type, this.#nextSeq(), this.#clock.nowUs(), p.body));
      return;
    }
    const { shared, skipped } = p;
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
    this.#lastDataSeqWritten = shared.lastSeq;
  }
}
