// Lean reader of the server → client byte stream (ICD §2) for benchmark clients: parses the
// 24-byte headers, streams DATA bodies through DataBodyScanner without assembling them,
// checks the CRC on every `crcEvery`-th frame (zlib.crc32 continued piece by piece), and
// decodes only the small non-DATA bodies (ACK, NAK, BYE …).
import { crc32 } from 'node:zlib';
import {
  HEADER_BYTES,
  MAX_SERVER_BODY,
  MessageType,
  SYNC,
  TRAILER_BYTES,
  VERSION,
} from '../protocol/constants.ts';
import { unpack } from '../protocol/msgpack.ts';
import { DataBodyScanner, type RecordSink } from './data-scanner.ts';

export interface IcdSink extends RecordSink {
  /** A non-DATA message; `body` is undefined when it was empty, too large to keep, or not msgpack. */
  control(type: number, body: unknown): void;
  /** The stream broke ICD §2 (sync, version, length); the reader ignores everything after it. */
  violation(reason: string): void;
}

export interface IcdReaderStats {
  frames: number;
  crcChecked: number;
  crcErrors: number;
  /** DATA bodies the scanner could not walk to one complete map. */
  malformedBodies: number;
  /** Jumps in the header `seq` (the server's message counter): whole messages lost. */
  messageGaps: number;
}

const Phase = { HEADER: 0, BODY: 1, TRAILER: 2, STOPPED: 3 } as const;
/** Non-DATA bodies up to this size are kept and decoded; control messages are tiny. */
const MAX_CONTROL_BODY = 65_536;

export class IcdReader {
  readonly stats: IcdReaderStats = {
    frames: 0,
    crcChecked: 0,
    crcErrors: 0,
    malformedBodies: 0,
    messageGaps: 0,
  };
  readonly #sink: IcdSink;
  readonly #crcEvery: number;
  readonly #scanner: DataBodyScanner;
  readonly #header = Buffer.alloc(HEADER_BYTES);
  readonly #trailer = Buffer.alloc(TRAILER_BYTES);
  #phase: number = Phase.HEADER;
  #have = 0;
  #type = 0;
  #bodyLeft = 0;
  #checkCrc = false;
  #crc = 0;
  #control: Buffer | undefined;
  #controlLen = 0;
  #nextSeq = -1;

  /** `crcEvery`: 0 = never check, 1 = every frame, k = every k-th frame of this connection. */
  constructor(sink: IcdSink, crcEvery: number) {
    this.#sink = sink;
    this.#crcEvery = crcEvery;
    this.#scanner = new DataBodyScanner(sink);
  }

  feed(buf: Buffer, start: number, end: number): void {
    let pos = start;
    while (pos < end) {
      if (this.#phase === Phase.HEADER) {
        const n = Math.min(HEADER_BYTES - this.#have, end - pos);
        buf.copy(this.#header, this.#have, pos, pos + n);
        this.#have += n;
        pos += n;
        if (this.#have === HEADER_BYTES) this.#startFrame();
      } else if (this.#phase === Phase.BODY) {
        const n = Math.min(this.#bodyLeft, end - pos);
        this.#body(buf, pos, pos + n);
        this.#bodyLeft -= n;
        pos += n;
        if (this.#bodyLeft === 0) this.#phase = Phase.TRAILER;
      } else if (this.#phase === Phase.TRAILER) {
        const n = Math.min(TRAILER_BYTES - this.#have, end - pos);
        buf.copy(this.#trailer, this.#have, pos, pos + n);
        this.#have += n;
        pos += n;
        if (this.#have === TRAILER_BYTES) this.#endFrame();
      } else {
        return;
      }
    }
  }

  #startFrame(): void {
    const h = this.#header;
    const length = h.readUInt32BE(20);
    const broken =
      h.readUInt32BE(0) !== SYNC
        ? 'bad sync'
        : h[4] !== VERSION
          ? `version ${h[4]}`
          : length > MAX_SERVER_BODY
            ? `body of ${length} bytes`
            : '';
    if (broken !== '') {
      this.#phase = Phase.STOPPED;
      this.#sink.violation(broken);
      return;
    }
    const seq = h.readUInt32BE(8);
    if (this.#nextSeq >= 0 && seq !== this.#nextSeq) this.stats.messageGaps++;
    this.#nextSeq = (seq + 1) >>> 0;
    this.#type = h[5]!;
    this.#checkCrc = this.#crcEvery > 0 && this.stats.frames % this.#crcEvery === 0;
    if (this.#checkCrc) this.#crc = crc32(h);
    if (this.#type === MessageType.DATA) this.#scanner.reset();
    this.#control =
      this.#type !== MessageType.DATA && length <= MAX_CONTROL_BODY ? Buffer.alloc(length) : undefined;
    this.#controlLen = 0;
    this.#bodyLeft = length;
    this.#have = 0;
    this.#phase = length === 0 ? Phase.TRAILER : Phase.BODY;
  }

  #body(buf: Buffer, start: number, end: number): void {
    if (this.#checkCrc) this.#crc = crc32(buf.subarray(start, end), this.#crc);
    if (this.#type === MessageType.DATA) {
      this.#scanner.feed(buf, start, end);
    } else if (this.#control !== undefined) {
      buf.copy(this.#control, this.#controlLen, start, end);
      this.#controlLen += end - start;
    }
  }

  #endFrame(): void {
    this.stats.frames++;
    this.#have = 0;
    this.#phase = Phase.HEADER;
    if (this.#checkCrc) {
      this.stats.crcChecked++;
      if (this.#trailer.readUInt32BE(0) !== this.#crc) this.stats.crcErrors++;
    }
    if (this.#type === MessageType.DATA) {
      if (!this.#scanner.finish()) this.stats.malformedBodies++;
      return;
    }
    this.#sink.control(this.#type, this.#decodeControl());
  }

  #decodeControl(): unknown {
    if (this.#control === undefined || this.#control.length === 0) return undefined;
    try {
      return unpack(this.#control);
    } catch {
      return undefined;
    }
  }
}
