// ICD-001 client: one session over one socket. Used by the tests, the load harness and
// the CLI; also a reference for client writers (protocol/SPEC.md).
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { MAX_SERVER_BODY, MessageType } from './constants.ts';
import { decodeBody, FrameDecoder } from './decoder.ts';
import { encodeMessage } from './encode.ts';
import { ClientError, ClientErrorCode, NakError } from './errors.ts';
import type { AckBody, RequestBody } from './types.ts';

/** One received message; `body` is the decoded msgpack map (undefined for an empty body). */
export interface Message {
  type: number;
  seq: number;
  time: number;
  body: Record<string, unknown> | undefined;
}

export interface ClientOptions {
  /** Messages held for read()/messages() before the client stops reading the socket (default 256). */
  highWaterMark?: number;
  /**
   * false: messages are only emitted as 'message' events, never held for read()/messages(),
   * and the socket is never paused. For event-driven users such as the load harness.
   */
  queue?: boolean;
  /** Longest wait for connect() and for close() (then the socket is destroyed); default 5,000 ms. */
  timeoutMs?: number;
}

export interface ConnectOptions extends ClientOptions {
  host?: string;
  port: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

/** The client's clock in µs (ICD §1), with sub-millisecond resolution for latency measurement. */
function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

function isAck(body: Record<string, unknown> | undefined): body is Record<string, unknown> & AckBody {
  return typeof body?.clientId === 'string' && typeof body.heartbeatMs === 'number';
}

/**
 * Events: 'message' (every message received, in order, including the ACK/NAK answering
 * request()), 'error' (only emitted when a listener is attached; the failure also rejects
 * pending calls and read()), 'close' (once, with the failure if there was one).
 */
export class ScsClient extends EventEmitter {
  readonly #socket: net.Socket;
  readonly #decoder = new FrameDecoder({ maxBody: MAX_SERVER_BODY });
  /** A whole message has arrived: the peer speaks ICD-001 (see notIcd). */
  #heard = false;
  readonly #highWaterMark: number;
  readonly #queueing: boolean;
  readonly #timeoutMs: number;
  #seq = 0;
  readonly #requests: Waiter<AckBody>[] = [];
  readonly #queue: Message[] = [];
  readonly #readers: Waiter<Message | undefined>[] = [];
  #paused = false;
  #closed = false;
  #failure: Error | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #heartbeatMs = 0;

  /** Connects over TCP; rejects with ClientError ERR_CONNECT_TIMEOUT after `timeoutMs` (default 5,000). */
  static connect(opts: ConnectOptions): Promise<ScsClient> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: opts.host ?? '127.0.0.1', port: opts.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ClientError('ERR_CONNECT_TIMEOUT', `no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(err);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new ScsClient(socket, opts));
      });
    });
  }

  /** Wraps a connected (or connecting) socket, e.g. a tls.TLSSocket. */
  constructor(socket: net.Socket, opts: ClientOptions = {}) {
    super();
    this.#socket = socket;
    this.#highWaterMark = Math.max(1, opts.highWaterMark ?? 256);
    this.#queueing = opts.queue ?? true;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#onClose());
  }

  /** Bytes read from the socket so far. */
  get bytesReceived(): number {
    return this.#socket.bytesRead;
  }

  /** Sends REQUEST; resolves with the ACK body, rejects with NakError on NAK (ICD §4). */
  request(body: RequestBody): Promise<AckBody> {
    return new Promise((resolve, reject) => {
      if (!this.#writable) {
        reject(this.#failure ?? new ClientError('ERR_CLOSED', 'connection closed'));
        return;
      }
      // Sent first: an encoding error must not leave a waiter that would take the next ACK.
      this.send(MessageType.REQUEST, body);
      this.#requests.push({ resolve, reject });
    });
  }

  /** Sends PING; the PONG arrives as a message. Returns the PING's seq. */
  ping(body: Record<string, unknown> = {}): number {
    return this.send(MessageType.PING, body);
  }

  /** Sends BYE and closes gracefully. */
  bye(reason = 'CLIENT'): Promise<void> {
    if (this.#writable) this.send(MessageType.BYE, { reason });
    return this.close();
  }

  /** Frames and sends one message (a Uint8Array body is sent as encoded msgpack); returns its seq. */
  send(type: number, body?: unknown): number {
    const seq = this.#seq;
    this.sendRaw(encodeMessage(type, seq, nowUs(), body));
    this.#seq = (seq + 1) >>> 0;
    return seq;
  }

  /** Writes bytes as they are, e.g. a deliberately broken frame. */
  sendRaw(bytes: Uint8Array): void {
    if (!this.#writable) throw new ClientError('ERR_CLOSED', 'connection closed');
    this.#socket.write(bytes);
  }

  /** The next message not taken by request(); undefined once the connection has closed and all were read. */
  read(): Promise<Message | undefined> {
    const message = this.#queue.shift();
    if (message !== undefined) {
      if (this.#paused && this.#queue.length <= this.#highWaterMark >>> 1) this.#resume();
      return Promise.resolve(message);
    }
    if (this.#closed) return this.#failure ? Promise.reject(this.#failure) : Promise.resolve(undefined);
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /**
   * Every message not taken by request() (DATA, HEARTBEAT, END, PONG, BYE, an unsolicited
   * NAK...), in order. The client stops reading the socket while `highWaterMark` messages
   * wait unread, so a slow consumer slows the server's sending (TCP back-pressure).
   */
  async *messages(): AsyncGenerator<Message, void, undefined> {
    for (;;) {
      const message = await this.read();
      if (message === undefined) return;
      yield message;
    }
  }

  /** Ends the connection gracefully; resolves once closed (destroys it after `timeoutMs`). */
  async close(): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise<void>((resolve) => this.once('close', () => resolve()));
    const timer = setTimeout(() => this.#socket.destroy(), this.#timeoutMs);
    this.#socket.end();
    // The peer's FIN is only seen by reading, so a client paused by back-pressure reads on.
    this.#resume();
    await closed;
    clearTimeout(timer);
  }

  /** Closes at once, discarding unsent data. */
  destroy(): void {
    this.#socket.destroy();
  }

  get #writable(): boolean {
    return !this.#closed && !this.#socket.destroyed && !this.#socket.writableEnded;
  }

  #onData(chunk: Buffer): void {
    this.#watchdog?.refresh();
    let frames: ReturnType<FrameDecoder['push']>;
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#fail(this.#heard ? (err as Error) : (notIcd(chunk, this.#socket) ?? (err as Error)));
      return;
    }
    if (frames.length > 0) this.#heard = true;
    for (const frame of frames) {
      let body: Record<string, unknown> | undefined;
      try {
        body = decodeBody(frame);
      } catch (err) {
        this.#fail(err as Error);
        return;
      }
      this.#deliver({ type: frame.type, seq: frame.seq, time: frame.time, body });
      if (this.#socket.destroyed) return;
    }
  }

  #deliver(message: Message): void {
    this.emit('message', message);
    const { type, body } = message;
    if (type === MessageType.ACK && this.#requests.length > 0) {
      const request = this.#requests.shift()!;
      if (!isAck(body)) {
        request.reject(new ClientError('ERR_BAD_MESSAGE', 'ACK body lacks clientId or heartbeatMs'));
        return;
      }
      this.#heartbeatMs = body.heartbeatMs;
      this.#armWatchdog();
      request.resolve(body);
      return;
    }
    if (type === MessageType.NAK && this.#requests.length > 0) {
      const code = typeof body?.code === 'string' ? body.code : 'UNKNOWN';
      const reason = typeof body?.reason === 'string' ? body.reason : '';
      const requestSeq = typeof body?.requestSeq === 'number' ? body.requestSeq : undefined;
      this.#requests.shift()!.reject(new NakError(code, reason, requestSeq));
      return;
    }
    if (!this.#queueing) return;
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      reader.resolve(message);
      return;
    }
    this.#queue.push(message);
    if (!this.#paused && this.#queue.length >= this.#highWaterMark) {
      // Not reading lets the kernel buffers fill, which stops the server's writes.
      this.#paused = true;
      this.#socket.pause();
      // While the consumer is the bottleneck, silence from the socket is not the server's fault.
      this.#armWatchdog();
    }
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#socket.resume();
    this.#armWatchdog();
  }

  // ICD §7: nothing received for 2 × heartbeatMs + 1 s (once an ACK gave heartbeatMs) means
  // the server is lost. Every chunk received restarts the timer.
  #armWatchdog(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    if (this.#heartbeatMs <= 0 || this.#paused || this.#closed) return;
    const limitMs = 2 * this.#heartbeatMs + 1000;
    this.#watchdog = setTimeout(() => {
      this.#fail(new ClientError('ERR_SERVER_LOST', `nothing received for ${limitMs} ms`));
    }, limitMs);
    this.#watchdog.unref();
  }

  #fail(err: Error): void {
    if (this.#failure !== undefined || this.#closed) return;
    this.#failure = err;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.#socket.destroy();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#watchdog);
    const err = this.#failure ?? new ClientError('ERR_CLOSED', 'connection closed');
    for (const request of this.#requests.splice(0)) request.reject(err);
    for (const reader of this.#readers.splice(0)) {
      if (this.#failure) reader.reject(this.#failure);
      else reader.resolve(undefined);
    }
    this.emit('close', this.#failure);
  }
}

/**
 * The usual wrong port is an HTTP one (SCS's own ops port, 7301): say so rather than report a
 * bad sync marker. ERR_NOT_ICD is final for that server (the SDK does not retry it).
 */
function notIcd(first: Buffer, socket: net.Socket): ClientError | undefined {
  if (first.subarray(0, 5).toString('latin1') !== 'HTTP/') return undefined;
  return new ClientError(
    ClientErrorCode.ERR_NOT_ICD,
    `${socket.remoteAddress}:${socket.remotePort} answers in HTTP: it is not an SCS client port ` +
      '(that is 7300 by default; 7301 is the ops HTTP port)',
  );
}
