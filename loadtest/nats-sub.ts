// NATS baseline subscriber process: `count` raw NATS connections subscribed to the bench
// subject, read with NatsReader (as lean as the SCS bench client), acknowledging progress to
// the publisher so it never outruns the slowest subscriber (see nats-pub.ts).
// Started by fanout.ts with its options as one JSON argument; talks to it over IPC (ipc.ts).
import net from 'node:net';
import { systemClock } from '../src/util/clock.ts';
import { failToParent, serveParent, toParent } from './ipc.ts';
import { NatsReader, type NatsSink } from './nats-reader.ts';
import { ReaderTotals } from './reader-totals.ts';

export interface NatsSubOptions {
  port: number;
  count: number;
  /** Subscriber ids (used in acks) are firstId … firstId + count − 1. */
  firstId: number;
  subject: string;
  ackSubject: string;
  /** Acknowledge after this many messages. */
  ackEvery: number;
  readyTimeoutMs: number;
  lifetimeMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as NatsSubOptions;
const totals = new ReaderTotals();
// Shared by every socket of the process: see fanout-client.ts, same reasoning.
const readBuffer = Buffer.allocUnsafe(1024 * 1024);
let nowUs = 0;
let closing = false;

class Subscriber implements NatsSink {
  lastSeq = -1;
  open = true;
  ready = false;
  readonly reader = new NatsReader(this);
  readonly #id: number;
  readonly #socket: net.Socket;
  readonly #onReady: () => void;
  #acked = 0;

  constructor(id: number, onReady: () => void) {
    this.#id = id;
    this.#onReady = onReady;
    this.#socket = net.connect({
      host: '127.0.0.1',
      port: opts.port,
      onread: {
        buffer: readBuffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          totals.wireBytes += n;
          nowUs = systemClock.nowUs();
          this.reader.feed(buf as Buffer, 0, n);
          return true;
        },
      },
    });
    this.#socket.on('connect', () => {
      // The PONG to this PING proves the SUB is registered at the server.
      this.#socket.write(
        `CONNECT {"verbose":false,"pedantic":false,"name":"bench-sub-${id}"}\r\nSUB ${opts.subject} 1\r\nPING\r\n`,
      );
    });
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!closing) totals.end(`error ${err.code ?? err.message}`);
    });
    this.#socket.on('close', () => {
      this.open = false;
      if (!closing) totals.end('eof');
    });
  }

  message(head: Buffer, size: number): void {
    const seq = head.readDoubleBE(0);
    totals.record(this, seq, nowUs - head.readDoubleBE(8), size);
    if (seq + 1 - this.#acked >= opts.ackEvery) {
      this.#acked = seq + 1;
      const text = `${this.#id} ${this.#acked}`;
      this.#socket.write(`PUB ${opts.ackSubject} ${text.length}\r\n${text}\r\n`);
    }
  }

  ping(): void {
    this.#socket.write('PONG\r\n');
  }

  pong(): void {
    if (this.ready) return;
    this.ready = true;
    this.#onReady();
  }

  error(text: string): void {
    totals.end(`nats ${text}`);
    this.#socket.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

const subscribers: Subscriber[] = [];

serveParent(opts.lifetimeMs, (msg) => {
  if (msg.kind === 'start') {
    totals.start();
    toParent({ kind: 'started' });
  } else if (msg.kind === 'snapshot') {
    const open = subscribers.filter((s) => s.ready && s.open).length;
    toParent({
      kind: 'report',
      report: totals.report(open, { crcChecked: 0, crcErrors: 0, malformed: 0, messageGaps: 0 }),
    });
  } else if (msg.kind === 'close') {
    closing = true;
    for (const s of subscribers) s.destroy();
    process.exit(0);
  }
});

try {
  let pending = opts.count;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, opts.readyTimeoutMs);
    for (let i = 0; i < opts.count; i++) {
      subscribers.push(
        new Subscriber(opts.firstId + i, () => {
          if (--pending > 0) return;
          clearTimeout(timer);
          resolve();
        }),
      );
    }
  });
  const admitted = subscribers.filter((s) => s.ready).length;
  toParent({
    kind: 'ready',
    admitted,
    refused: admitted < opts.count ? { timeout: opts.count - admitted } : {},
  });
} catch (err) {
  failToParent(err);
}
