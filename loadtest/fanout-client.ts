// Benchmark client process: opens `count` SCS sessions on the frames stream, realtime, and
// measures what they receive (IcdReader: headers parsed, bodies scanned, never assembled).
// Started by fanout.ts with its options as one JSON argument; talks to it over IPC (ipc.ts).
import net from 'node:net';
import { type Delivery, MessageType } from '../protocol/constants.ts';
import { encodeMessage } from '../protocol/encode.ts';
import type { RequestBody } from '../protocol/types.ts';
import { systemClock } from '../src/util/clock.ts';
import { IcdReader, type IcdSink } from './icd-reader.ts';
import { failToParent, serveParent, toParent } from './ipc.ts';
import { ReaderTotals } from './reader-totals.ts';

export interface FanoutClientOptions {
  host: string;
  port: number;
  count: number;
  /** Client names are `<name>-<index>`, index from `firstIndex`. */
  name: string;
  firstIndex: number;
  agency: string;
  token: string;
  delivery: Delivery;
  crcEvery: number;
  /** Sessions connecting (connect → ACK) at the same time. */
  connectConcurrency: number;
  /** Deadline for all sessions to be admitted or refused. */
  admitTimeoutMs: number;
  lifetimeMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as FanoutClientOptions;
const totals = new ReaderTotals();
// One read buffer for every socket of the process: libuv fills it and the onread callback
// consumes it synchronously (the reader copies out only the few bytes it keeps) before
// any other socket's read can reuse it, so sharing is safe and saves a buffer per read.
const readBuffer = Buffer.allocUnsafe(1024 * 1024);
/** Receive time of the chunk being parsed: every record of one read arrived at once. */
let nowUs = 0;
let closing = false;

class Session implements IcdSink {
  lastSeq = -1;
  admitted = false;
  open = true;
  readonly reader: IcdReader;
  readonly #socket: net.Socket;
  readonly #settle: (outcome: string) => void;
  #settled = false;
  #endReason = 'eof';

  constructor(index: number, settle: (outcome: string) => void) {
    this.reader = new IcdReader(this, opts.crcEvery);
    this.#settle = settle;
    const request: RequestBody = {
      agency: opts.agency,
      token: opts.token,
      client: `${opts.name}-${index}`,
      stream: 'frames',
      mode: 'realtime',
      delivery: opts.delivery,
    };
    this.#socket = net.connect({
      host: opts.host,
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
      this.#socket.write(encodeMessage(MessageType.REQUEST, 0, systemClock.nowUs(), request));
    });
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#endReason = `error ${err.code ?? err.message}`;
    });
    this.#socket.on('close', () => {
      this.open = false;
      this.#finish(this.#endReason);
      if (this.admitted && !closing) totals.end(this.#endReason);
    });
  }

  record(seq: number, ert: number, dataBytes: number): void {
    totals.record(this, seq, nowUs - ert, dataBytes);
  }

  skipped(count: number): void {
    totals.skipped += count;
  }

  control(type: number, body: unknown): void {
    if (type === MessageType.ACK) {
      this.admitted = true;
      this.#finish('admitted');
    } else if (type === MessageType.NAK || type === MessageType.BYE) {
      const field = type === MessageType.NAK ? 'code' : 'reason';
      const value =
        typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
      this.#endReason = `${type === MessageType.NAK ? 'NAK' : 'BYE'} ${String(value)}`;
    }
  }

  violation(reason: string): void {
    this.#endReason = `violation: ${reason}`;
    this.#socket.destroy();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #finish(outcome: string): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(outcome);
  }
}

const sessions: Session[] = [];

/** Opens every session, `connectConcurrency` at a time, so the server's accept backlog never overflows. */
async function admitAll(): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  let next = 0;
  const deadline = Date.now() + opts.admitTimeoutMs;
  const lane = async (): Promise<void> => {
    while (next < opts.count && Date.now() < deadline) {
      const index = opts.firstIndex + next++;
      const outcome = await new Promise<string>((resolve) => {
        const session = new Session(index, (o) => {
          clearTimeout(timer);
          resolve(o);
        });
        const timer = setTimeout(() => {
          resolve('timeout');
          session.destroy();
        }, deadline - Date.now());
        sessions.push(session);
      });
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.connectConcurrency, opts.count) }, lane));
  return outcomes;
}

serveParent(opts.lifetimeMs, (msg) => {
  if (msg.kind === 'start') {
    totals.start();
    toParent({ kind: 'started' });
  } else if (msg.kind === 'snapshot') {
    const protocol = { crcChecked: 0, crcErrors: 0, malformed: 0, messageGaps: 0 };
    let open = 0;
    for (const s of sessions) {
      const st = s.reader.stats;
      protocol.crcChecked += st.crcChecked;
      protocol.crcErrors += st.crcErrors;
      protocol.malformed += st.malformedBodies;
      protocol.messageGaps += st.messageGaps;
      if (s.admitted && s.open) open++;
    }
    toParent({ kind: 'report', report: totals.report(open, protocol) });
  } else if (msg.kind === 'close') {
    closing = true;
    for (const s of sessions) s.destroy();
    process.exit(0);
  }
});

try {
  const outcomes = await admitAll();
  const { admitted = 0, ...refused } = outcomes;
  toParent({ kind: 'ready', admitted, refused });
} catch (err) {
  failToParent(err);
}
