// One harness client connection, of any group kind: it sends what its group sends (a REQUEST,
// or garbage, half a frame, a wrong token, nothing), reads the server's stream with the lean
// ICD reader (headers parsed, DATA bodies scanned, never assembled) and counts into its group.
import net from 'node:net';
import { MessageType } from '../../protocol/constants.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import type { RequestBody } from '../../protocol/types.ts';
import { IcdReader, type IcdSink } from '../icd-reader.ts';
import type { GroupState } from './group-state.ts';

// One read buffer for every full-speed socket of the process: libuv fills it and the onread
// callback consumes it synchronously before any other socket's read can reuse it.
const sharedReadBuffer = Buffer.allocUnsafe(1024 * 1024);
/** Every CRC is checked for small groups; 1 in 16 keeps 1000 fan-out readers cheap. */
const CRC_EVERY = 16;

/** The client's clock in µs, the unit of `ert` (ICD §1). */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

function field(body: unknown, key: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : 'UNKNOWN';
}

export class Session implements IcdSink {
  readonly #group: GroupState;
  readonly #socket: net.Socket;
  readonly #reader: IcdReader;
  readonly #onEnd: (s: Session) => void;
  #admitted = false;
  /** The session ended with a NAK or BYE (or we closed it): its close is no surprise. */
  #explained = false;
  #endReason = 'eof';
  #receivedUs = 0;
  #lastSeq = -1;
  #gaps = 0;
  #skipped = 0;
  /** This session's share of the group's `lost`: gaps the server did not declare as skipped. */
  #lost = 0;
  #lastHeartbeatMs = -1;
  #holdTimer: NodeJS.Timeout | undefined;

  constructor(group: GroupState, onEnd: (s: Session) => void) {
    this.#group = group;
    this.#onEnd = onEnd;
    this.#reader = new IcdReader(this, CRC_EVERY);
    const share = group.share;
    const slow = share.readBytesPerSec;
    // A slow reader reads into its own small buffer and pauses after each read for as long
    // as the bytes take at its rate; the kernel buffers fill and TCP slows the server down.
    const buffer =
      slow === undefined ? sharedReadBuffer : Buffer.allocUnsafe(Math.max(512, Math.min(65_536, slow >> 2)));
    this.#socket = net.connect({
      host: group.host,
      port: group.port,
      onread: {
        buffer,
        callback: (n: number, buf: Uint8Array): boolean => {
          this.#receivedUs = nowUs();
          this.#reader.feed(buf as Buffer, 0, n);
          if (slow === undefined) return true;
          setTimeout(() => this.#socket.resume(), (n / slow) * 1000);
          return false;
        },
      },
    });
    // Counted once connected: a refused or failed connect is not a connect (it ends as an error).
    this.#socket.on('connect', () => {
      group.counters.connects++;
      this.#start();
    });
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#endReason = `error ${err.code ?? err.message}`;
    });
    this.#socket.on('close', () => this.#closed());
  }

  /** Closes the connection at the end of the run; the close is not counted as a failure. */
  stop(): void {
    this.#explained = true;
    clearTimeout(this.#holdTimer);
    this.#socket.destroy();
  }

  record(seq: number, ert: number, dataBytes: number): void {
    const c = this.#group.counters;
    c.records++;
    c.bytes += dataBytes;
    this.#lastHeartbeatMs = -1;
    const share = this.#group.share;
    if (share.realtime && ert > 0) this.#group.latency(this.#receivedUs - ert);
    if (seq < 0) return;
    if (this.#lastSeq >= 0) {
      if (seq > this.#lastSeq + 1) this.#gaps += seq - this.#lastSeq - 1;
      else if (seq <= this.#lastSeq) c.disorder++;
    }
    if (seq > this.#lastSeq) this.#lastSeq = seq;
    this.#countLoss();
  }

  skipped(count: number): void {
    this.#group.counters.skipped += count;
    this.#skipped += count;
    this.#countLoss();
  }

  control(type: number, body: unknown): void {
    const g = this.#group;
    switch (type) {
      case MessageType.ACK:
        if (this.#admitted) return;
        this.#admitted = true;
        g.counters.admitted++;
        g.open++;
        if (g.share.kind === 'churn') this.#holdTimer = setTimeout(() => this.#bye(), g.share.holdMs);
        return;
      case MessageType.NAK: {
        const code = field(body, 'code');
        g.counters.refused++;
        g.naks[code] = (g.naks[code] ?? 0) + 1;
        this.#explained = true;
        return;
      }
      case MessageType.BYE: {
        const reason = field(body, 'reason');
        g.byes[reason] = (g.byes[reason] ?? 0) + 1;
        this.#explained = true;
        return;
      }
      case MessageType.HEARTBEAT: {
        g.counters.heartbeats++;
        const now = performance.now();
        // Only consecutive heartbeats with no DATA between them are the ICD §7 spacing.
        if (this.#lastHeartbeatMs >= 0) g.heartbeatInterval(now - this.#lastHeartbeatMs);
        this.#lastHeartbeatMs = now;
        return;
      }
      case MessageType.END:
        g.counters.archiveEnds++;
        this.#explained = true;
        this.#socket.end();
        return;
      default:
        return;
    }
  }

  violation(reason: string): void {
    this.#group.counters.protocolErrors++;
    this.#endReason = `violation ${reason}`;
    this.#socket.destroy();
  }

  #countLoss(): void {
    if (!this.#group.share.lossMeasurable) return;
    const lost = Math.max(0, this.#gaps - this.#skipped);
    this.#group.counters.lost += lost - this.#lost;
    this.#lost = lost;
  }

  #request(token: string): RequestBody {
    const s = this.#group.share;
    const body: RequestBody = {
      agency: s.agency,
      token,
      client: `loadtest-${s.name}`.slice(0, 64),
      stream: s.stream,
      mode: s.kind === 'archive' ? 'archive' : 'realtime',
    };
    if (s.filter !== undefined) body.filter = s.filter;
    if (s.rateHz !== undefined) body.rateHz = s.rateHz;
    if (s.delivery !== undefined) body.delivery = s.delivery;
    if (s.kind === 'archive') {
      const now = Math.floor(nowUs());
      body.from = now - Math.round(s.lookbackSec * 1e6);
      body.to = now;
      if (s.speed !== undefined) body.speed = s.speed;
    }
    return body;
  }

  #start(): void {
    const s = this.#group.share;
    const write = (bytes: Uint8Array): void => void this.#socket.write(bytes);
    switch (s.behaviour) {
      case undefined:
        write(encodeMessage(MessageType.REQUEST, 0, Math.floor(nowUs()), this.#request(s.token)));
        return;
      case 'wrongToken':
        write(encodeMessage(MessageType.REQUEST, 0, Math.floor(nowUs()), this.#request(`${s.token}-wrong`)));
        return;
      case 'garbage': {
        // Not a sync marker in the first byte, so the server refuses it at once.
        const junk = Buffer.allocUnsafe(64);
        for (let i = 0; i < junk.length; i++) junk[i] = (Math.random() * 256) | 0;
        junk[0] = 0x00;
        write(junk);
        return;
      }
      case 'halfFrame': {
        const frame = encodeMessage(MessageType.REQUEST, 0, Math.floor(nowUs()), this.#request(s.token));
        write(frame.subarray(0, frame.length >> 1));
        return;
      }
      case 'noRequest':
        return;
    }
  }

  #bye(): void {
    this.#explained = true;
    this.#socket.end(encodeMessage(MessageType.BYE, 1, Math.floor(nowUs()), { reason: 'CLIENT' }));
  }

  #closed(): void {
    clearTimeout(this.#holdTimer);
    const g = this.#group;
    if (this.#admitted) g.open--;
    if (!this.#explained) g.ended[this.#endReason] = (g.ended[this.#endReason] ?? 0) + 1;
    this.#onEnd(this);
  }
}
