// The end-to-end bench's subscriber process: `count` sessions on one system, kept across the
// steps of a ladder (opened and closed per step). SCS: ICD-001 clients on `frames`, realtime,
// `delivery` complete or latest, read with the lean IcdReader (headers, CRC on every 16th
// message, DATA bodies scanned, never assembled). NATS: raw subscribers read with NatsReader.
//
// Per step: frame k of the publisher is due at t0 + k/rate; a record's latency is its receipt
// time − its due time. SCS: k = record seq − the seq of the session's first record of the step
// (the link is silent between steps, so that record is frame 0). NATS: k counts the messages
// of the step, and the packet sequence count in each frame (bytes 8–9) detects gaps.
import net from 'node:net';
import { MessageType } from '../../protocol/constants.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import type { RequestBody } from '../../protocol/types.ts';
import { systemClock } from '../../src/util/clock.ts';
import { LogHistogram } from '../histogram.ts';
import { IcdReader, type IcdSink } from '../icd-reader.ts';
import { NatsReader, type NatsSink } from '../nats-reader.ts';
import {
  type ClassFigures,
  type ClientIn,
  type CutInfo,
  failToParent,
  type StepReport,
  serveParent,
  toParent,
} from './messages.ts';

export interface ClientOptions {
  system: 'scs' | 'nats';
  port: number;
  count: number;
  name: string;
  /** Global index of this process's first session (client names, `mixed` delivery). */
  firstIndex: number;
  /** SCS */
  agency: string;
  token: string;
  /** NATS */
  subject: string;
  lifetimeMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as ClientOptions;
// One read buffer for every socket of the process (see loadtest/fanout-client.ts).
const readBuffer = Buffer.allocUnsafe(1024 * 1024);
const latency = new LogHistogram();
let nowUs = 0;
let t0Us = 0;
let usPerRecord = 0;
let expected = 0;
let lastRecordUs = 0;
let onProgress: (() => void) | undefined;

abstract class Sub {
  received = 0;
  payloadBytes = 0;
  lost = 0;
  declaredSkipped = 0;
  disorder = 0;
  open = false;
  ready = false;
  ended: string | null = null;
  cut: CutInfo | null = null;
  protected socket: net.Socket | undefined;
  #settle: ((ok: boolean) => void) | undefined;

  connect(): Promise<boolean> {
    this.reset();
    this.ended = null;
    this.cut = null;
    this.ready = false;
    return new Promise((resolve) => {
      this.#settle = resolve;
      const socket = net.connect({
        host: '127.0.0.1',
        port: opts.port,
        onread: {
          buffer: readBuffer,
          callback: (n: number, buf: Uint8Array): boolean => {
            nowUs = systemClock.nowUs();
            this.feed(buf as Buffer, n);
            return true;
          },
        },
      });
      this.socket = socket;
      this.open = true;
      socket.on('connect', () => this.hello(socket));
      socket.on('error', (err: NodeJS.ErrnoException) => this.end(`error ${err.code ?? err.message}`));
      socket.on('close', () => {
        this.open = false;
        this.end('eof');
        this.settle(false);
        onProgress?.();
      });
    });
  }

  reset(): void {
    this.received = 0;
    this.payloadBytes = 0;
    this.lost = 0;
    this.declaredSkipped = 0;
    this.disorder = 0;
  }

  protected settle(ok: boolean): void {
    const s = this.#settle;
    this.#settle = undefined;
    s?.(ok);
  }

  protected end(reason: string): void {
    this.ended ??= reason;
  }

  protected got(index: number, bytes: number): void {
    this.received++;
    this.payloadBytes += bytes;
    lastRecordUs = nowUs;
    if (usPerRecord > 0) latency.record(nowUs - (t0Us + index * usPerRecord));
    if (this.received >= expected) onProgress?.();
  }

  /** A cut: how far behind the step's schedule the session was. */
  protected noteCut(reason: string, bye: Record<string, unknown> | null): void {
    const due = usPerRecord > 0 ? Math.min(expected, Math.floor((nowUs - t0Us) / usPerRecord) + 1) : 0;
    const behind = Math.max(0, due - this.received);
    this.cut = { reason, behindRecords: behind, behindSec: (behind * usPerRecord) / 1e6, bye };
  }

  destroy(): void {
    this.socket?.destroy();
  }

  get done(): boolean {
    return !this.open || this.received >= expected;
  }

  protected abstract hello(socket: net.Socket): void;
  protected abstract feed(buf: Buffer, n: number): void;
}

class ScsSub extends Sub implements IcdSink {
  #reader = new IcdReader(this, 16);
  #firstSeq = -1;
  #lastSeq = -1;
  readonly #index: number;
  delivery: 'complete' | 'latest' = 'complete';

  constructor(index: number) {
    super();
    this.#index = index;
  }

  override reset(): void {
    super.reset();
    this.#firstSeq = -1;
    this.#lastSeq = -1;
  }

  override connect(): Promise<boolean> {
    this.#reader = new IcdReader(this, 16);
    return super.connect();
  }

  get protocolErrors(): number {
    const s = this.#reader.stats;
    return s.crcErrors + s.malformedBodies + s.messageGaps;
  }

  protected hello(socket: net.Socket): void {
    const request: RequestBody = {
      agency: opts.agency,
      token: opts.token,
      client: `${opts.name}-${this.#index}`,
      stream: 'frames',
      mode: 'realtime',
      delivery: this.delivery,
    };
    socket.write(encodeMessage(MessageType.REQUEST, 0, systemClock.nowUs(), request));
  }

  protected feed(buf: Buffer, n: number): void {
    this.#reader.feed(buf, 0, n);
  }

  record(seq: number, _ert: number, dataBytes: number): void {
    if (this.#firstSeq < 0) this.#firstSeq = seq;
    const last = this.#lastSeq;
    if (last >= 0) {
      if (seq > last + 1) this.lost += seq - last - 1;
      else if (seq <= last) this.disorder++;
    }
    if (seq > last) this.#lastSeq = seq;
    this.got(seq - this.#firstSeq, dataBytes);
  }

  skipped(count: number): void {
    this.declaredSkipped += count;
  }

  control(type: number, body: unknown): void {
    const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (type === MessageType.ACK) {
      this.ready = true;
      this.settle(true);
    } else if (type === MessageType.NAK) {
      this.end(`NAK ${String(b.code)}`);
      this.settle(false);
    } else if (type === MessageType.BYE) {
      const reason = `BYE ${String(b.reason)}`;
      this.end(reason);
      const { reason: _r, ...rest } = b;
      this.noteCut(reason, rest);
    }
  }

  violation(reason: string): void {
    this.end(`violation: ${reason}`);
    this.socket?.destroy();
  }
}

class NatsSub extends Sub implements NatsSink {
  #reader = new NatsReader(this);
  #lastSsc = -1;

  override reset(): void {
    super.reset();
    this.#lastSsc = -1;
  }

  override connect(): Promise<boolean> {
    this.#reader = new NatsReader(this);
    return super.connect();
  }

  protected hello(socket: net.Socket): void {
    // The PONG to this PING proves the SUB is registered at the server.
    socket.write(`CONNECT {"verbose":false,"pedantic":false}\r\nSUB ${opts.subject} 1\r\nPING\r\n`);
  }

  protected feed(buf: Buffer, n: number): void {
    this.#reader.feed(buf, 0, n);
  }

  message(head: Buffer, size: number): void {
    // The frame's packet sequence count (frames.ts): consecutive frames count up mod 16384.
    const ssc = ((head[8]! << 8) | head[9]!) & 0x3fff;
    if (this.#lastSsc >= 0) {
      const step = (ssc - this.#lastSsc + 0x4000) & 0x3fff;
      if (step === 0) this.disorder++;
      else this.lost += step - 1;
    }
    this.#lastSsc = ssc;
    this.got(this.received + this.lost, size);
  }

  ping(): void {
    this.socket?.write('PONG\r\n');
  }

  pong(): void {
    this.ready = true;
    this.settle(true);
  }

  error(text: string): void {
    const reason = `nats ${text}`;
    this.end(reason);
    this.noteCut(reason, null);
    this.socket?.destroy();
  }
}

const subs: Sub[] = Array.from({ length: opts.count }, (_, i) =>
  opts.system === 'scs' ? new ScsSub(opts.firstIndex + i) : new NatsSub(),
);

async function openAll(mixed: boolean): Promise<void> {
  subs.forEach((s, i) => {
    if (s instanceof ScsSub) s.delivery = mixed && (opts.firstIndex + i) % 2 === 1 ? 'latest' : 'complete';
  });
  // The first few one at a time: until the server's actors have proved the token once (scrypt),
  // its auth gate counts every attempt from this address as a possible guess and refuses more
  // than 10 in flight (src/admission/auth-gate.ts).
  const results: boolean[] = [];
  for (const s of subs.slice(0, 4)) results.push(await s.connect());
  results.push(...(await Promise.all(subs.slice(4).map((s) => s.connect()))));
  const admitted = results.filter(Boolean).length;
  const refused: Record<string, number> = {};
  for (const s of subs)
    if (!s.ready) refused[s.ended ?? 'timeout'] = (refused[s.ended ?? 'timeout'] ?? 0) + 1;
  toParent({ kind: 'ready', admitted, refused });
}

function report(): StepReport {
  const ended: Record<string, number> = {};
  const cuts: CutInfo[] = [];
  let complete = 0;
  let records = 0;
  let payloadBytes = 0;
  let lost = 0;
  let skipped = 0;
  let disorder = 0;
  let protocolErrors = 0;
  let minRecords = Number.POSITIVE_INFINITY;
  const classes: Record<string, ClassFigures> = {};
  for (const s of subs) {
    const name = s instanceof ScsSub ? s.delivery : 'nats';
    classes[name] ??= { sessions: 0, records: 0, payloadBytes: 0, skipped: 0, lost: 0, cut: 0 };
    const c = classes[name];
    c.sessions++;
    c.records += s.received;
    c.payloadBytes += s.payloadBytes;
    c.skipped += s.declaredSkipped;
    c.lost += s.lost;
    if (s.ended !== null) c.cut++;
    records += s.received;
    payloadBytes += s.payloadBytes;
    lost += s.lost;
    skipped += s.declaredSkipped;
    disorder += s.disorder;
    if (s instanceof ScsSub) protocolErrors += s.protocolErrors;
    minRecords = Math.min(minRecords, s.received);
    if (s.ended !== null) ended[s.ended] = (ended[s.ended] ?? 0) + 1;
    if (s.cut !== null) cuts.push(s.cut);
    if (s.open && s.received >= expected && s.lost === 0 && s.disorder === 0 && s.ended === null) complete++;
  }
  return {
    classes,
    sessions: subs.length,
    complete,
    records,
    payloadBytes,
    minRecords: subs.length === 0 ? 0 : minRecords,
    lost,
    skipped,
    disorder,
    ended,
    cuts,
    latency: latency.toPairs(),
    protocolErrors,
    lastRecordSec: lastRecordUs > t0Us ? (lastRecordUs - t0Us) / 1e6 : 0,
  };
}

function collect(deadlineMs: number): void {
  const finish = () => {
    onProgress = undefined;
    clearTimeout(timer);
    toParent({ kind: 'report', report: report() });
  };
  const timer = setTimeout(finish, Math.max(0, deadlineMs - Date.now()));
  onProgress = () => {
    if (subs.every((s) => s.done)) finish();
  };
  onProgress();
}

serveParent<ClientIn | { kind: 'close' }>(
  opts.lifetimeMs,
  ['open', 'arm', 'collect', 'shut', 'close'],
  (msg) => {
    switch (msg.kind) {
      case 'open':
        openAll(msg.mixed).catch(failToParent);
        return;
      case 'arm':
        t0Us = msg.t0Us;
        usPerRecord = msg.rate > 0 ? 1e6 / msg.rate : 0;
        expected = msg.expected > 0 ? msg.expected : Number.POSITIVE_INFINITY;
        lastRecordUs = 0;
        latency.reset();
        for (const s of subs) s.reset();
        toParent({ kind: 'armed' });
        return;
      case 'collect':
        collect(msg.deadlineMs);
        return;
      case 'shut': {
        onProgress = undefined;
        for (const s of subs) s.destroy();
        toParent({ kind: 'shut-done' });
        return;
      }
      case 'close':
        for (const s of subs) s.destroy();
        process.exit(0);
    }
  },
);
toParent({ kind: 'loaded' });
