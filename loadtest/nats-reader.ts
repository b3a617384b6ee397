// Lean reader of the NATS server → client protocol for the baseline subscribers, the
// counterpart of IcdReader: control lines are parsed, message payloads skipped except their
// first HEAD_BYTES (the publisher's seq and time). Lines and heads that straddle two reads
// are carried in small buffers; payloads are never copied.

/** Bytes of each payload handed to the sink: the publisher's seq and publish time (float64 BE each). */
export const HEAD_BYTES = 16;
/** Longest control line kept (INFO lines are a few hundred bytes). */
const MAX_LINE = 64 * 1024;

export interface NatsSink {
  /** A MSG; `head` holds its first min(HEAD_BYTES, size) payload bytes and is reused afterwards. */
  message(head: Buffer, size: number): void;
  ping(): void;
  pong(): void;
  /** -ERR line or a protocol violation; the reader ignores everything after it. */
  error(text: string): void;
}

const LF = 0x0a;
const CR = 0x0d;

export class NatsReader {
  readonly #sink: NatsSink;
  readonly #line = Buffer.alloc(MAX_LINE);
  #lineLen = 0;
  readonly #head = Buffer.alloc(HEAD_BYTES);
  #headLen = 0;
  #size = 0;
  /** Payload plus CRLF bytes still to come; 0 while reading a control line. */
  #left = 0;
  #stopped = false;

  constructor(sink: NatsSink) {
    this.#sink = sink;
  }

  feed(buf: Buffer, start: number, end: number): void {
    let pos = start;
    while (pos < end && !this.#stopped) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, end - pos);
        const want = Math.min(HEAD_BYTES, this.#size) - this.#headLen;
        if (want > 0) {
          const take = Math.min(want, n);
          buf.copy(this.#head, this.#headLen, pos, pos + take);
          this.#headLen += take;
        }
        this.#left -= n;
        pos += n;
        if (this.#left === 0) this.#sink.message(this.#head, this.#size);
        continue;
      }
      let nl = pos;
      while (nl < end && buf[nl] !== LF) nl++;
      if (nl === end) {
        this.#carry(buf, pos, end);
        return;
      }
      if (this.#lineLen > 0) {
        this.#carry(buf, pos, nl + 1);
        this.#control(this.#line, 0, this.#lineLen);
        this.#lineLen = 0;
      } else {
        this.#control(buf, pos, nl + 1);
      }
      pos = nl + 1;
    }
  }

  #carry(buf: Buffer, start: number, end: number): void {
    if (this.#lineLen + (end - start) > MAX_LINE) {
      this.#stop('control line too long');
      return;
    }
    buf.copy(this.#line, this.#lineLen, start, end);
    this.#lineLen += end - start;
  }

  /** One control line, `start` … `end` including its LF. */
  #control(buf: Buffer, start: number, end: number): void {
    const c0 = buf[start];
    const c1 = buf[start + 1];
    if (c0 === 0x4d && c1 === 0x53)
      this.#msg(buf, start, end); // MSG
    else if (c0 === 0x50 && c1 === 0x49)
      this.#sink.ping(); // PING
    else if (c0 === 0x50 && c1 === 0x4f)
      this.#sink.pong(); // PONG
    else if (c0 === 0x2d) this.#stop(buf.toString('latin1', start, end).trim()); // -ERR
    // +OK and INFO need no action.
  }

  /** `MSG <subject> <sid> [reply-to] <#bytes>\r\n`: the size is the last token. */
  #msg(buf: Buffer, start: number, end: number): void {
    let i = end - 1;
    if (i > start && buf[i - 1] === CR) i--;
    let size = 0;
    let scale = 1;
    while (i - 1 > start && buf[i - 1]! >= 0x30 && buf[i - 1]! <= 0x39) {
      i--;
      size += (buf[i]! - 0x30) * scale;
      scale *= 10;
    }
    if (scale === 1) {
      this.#stop('MSG line without size');
      return;
    }
    this.#size = size;
    this.#headLen = 0;
    this.#left = size + 2; // payload and its CRLF
  }

  #stop(text: string): void {
    this.#stopped = true;
    this.#sink.error(text);
  }
}
