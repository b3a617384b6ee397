// Realtime telemetry for Open MCT over WebSocket, with the openmct-tutorial server's protocol:
// the client sends `subscribe <id>` / `unsubscribe <id>` (id = parameter name); the server
// sends JSON text, one point per message, the points of one batch written to the socket
// together. A client that connects with `?batch=1` (the SCS plugin) gets the points of a batch
// as one JSON array instead: one message event and one parse per batch in the browser.
//
// The main thread reads the parameters ring lock-free every batchMs (only while a display is
// connected): a reader never writes shared memory, so acquisition cannot be slowed by it, and
// each tick reads at most one ring's worth. A browser that does not keep up is never
// buffered for: while a socket holds more than maxBufferedBytes unsent, its points are dropped
// and counted (the display shows the newest data once it catches up, like delivery: latest).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { NakCode, STREAMS } from '../../protocol/constants.ts';
import type { ParameterInfo } from '../acquisition/source.ts';
import { type Admission, AdmitResult } from '../admission/admission.ts';
import type { AgencyAccess } from '../config/access.ts';
import { type ActorMetrics, AgencyCounter } from '../metrics/counters.ts';
import { ReadStatus, type RecordMeta, type RingSetBuffers, RingSetReader } from '../ring/ring.ts';
import { SlotAllocator } from '../server/slots.ts';
import { DropReason, type WebCounters } from './counters.ts';
import { decodePoint } from './point.ts';

const PARAMETERS = STREAMS.indexOf('parameters');
/** A client message is one short command. */
const MAX_MESSAGE_BYTES = 1024;
/** A browser that answers no ping within this time is gone: its admission is released. */
const PING_MS = 30_000;
/** WebSocket close code: the server is full (RFC 6455 1013 "try again later"). */
export const CLOSE_FULL = 1013;

export interface RealtimeOptions {
  rings: RingSetBuffers;
  dictionary: readonly ParameterInfo[];
  admission: Admission;
  /** Admission slots [slotBase, slotBase + maxSessions) belong to the display. */
  slotBase: number;
  maxSessions: number;
  batchMs: number;
  maxBufferedBytes: number;
  metrics: ActorMetrics;
  counters: WebCounters;
}

interface Session {
  readonly ws: WebSocket;
  readonly socket: Duplex;
  /** Points of a batch as one JSON array message (`?batch=1`), else one message each. */
  readonly arrays: boolean;
  readonly agency: AgencyAccess;
  readonly slot: number;
  readonly subs: Set<number>;
  pending: string[];
  alive: boolean;
}

export class RealtimeHub {
  readonly #opts: RealtimeOptions;
  readonly #wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  readonly #reader: RingSetReader;
  readonly #slots: SlotAllocator;
  readonly #index: ReadonlyMap<string, number>;
  /** Per parameter index: the sessions subscribed to it. */
  readonly #subscribers: Set<Session>[];
  readonly #sessions = new Set<Session>();
  readonly #meta: RecordMeta = { seq: 0, ert: 0, scet: 0, key1: 0, key2: 0, quality: 0 };
  readonly #buf: Uint8Array;
  #cursor = 0;
  #poll: NodeJS.Timeout | undefined;
  readonly #ping: NodeJS.Timeout;
  #closed = false;

  constructor(opts: RealtimeOptions) {
    this.#opts = opts;
    this.#reader = new RingSetReader(opts.rings);
    this.#slots = new SlotAllocator(opts.maxSessions);
    this.#index = new Map(opts.dictionary.map((p, i) => [p.name, i]));
    this.#subscribers = opts.dictionary.map(() => new Set());
    this.#buf = new Uint8Array(this.#reader.maxRecordBytes(PARAMETERS));
    this.#ping = setInterval(() => this.#pingAll(), PING_MS).unref();
  }

  /** Completes the upgrade of an authenticated request and admits the session (agency cap, then server cap). */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, agency: AgencyAccess): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // A reset peer emits 'error'; unhandled, that would end the process.
      ws.on('error', () => ws.terminate());
      // Admitted after the handshake: ws does not call back for a socket that died during
      // it, so admitting before could leak the slot.
      if (this.#closed) return ws.close(1001, 'SHUTDOWN');
      const slot = this.#slots.take();
      const result =
        slot < 0
          ? AdmitResult.SERVER_FULL
          : this.#opts.admission.tryAdmit(this.#opts.slotBase + slot, agency.index);
      if (result !== AdmitResult.OK) {
        if (slot >= 0) this.#slots.give(slot);
        const code = result === AdmitResult.AGENCY_FULL ? NakCode.AGENCY_FULL : NakCode.SERVER_FULL;
        this.#opts.metrics.nak(code);
        return ws.close(CLOSE_FULL, code);
      }
      this.#opts.metrics.add(AgencyCounter.ACKS, agency.index, 1);
      const arrays = new URL(req.url ?? '/', 'ws://display').searchParams.get('batch') === '1';
      this.#open({ ws, socket, arrays, agency, slot, subs: new Set(), pending: [], alive: true });
    });
  }

  /** Ends every session (close code 1001) and stops reading the ring. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#ping);
    this.#stopPolling();
    for (const s of this.#sessions) s.ws.close(1001, 'SHUTDOWN');
    for (const s of [...this.#sessions]) this.#end(s);
  }

  #open(s: Session): void {
    this.#sessions.add(s);
    this.#opts.counters.sessions = this.#sessions.size;
    if (this.#poll === undefined) {
      // Starts at the head: the display asks history for what came before.
      this.#cursor = this.#reader.head(PARAMETERS);
      this.#poll = setInterval(() => this.#tick(), this.#opts.batchMs);
    }
    s.ws.on('message', (data, isBinary) => this.#command(s, data, isBinary));
    s.ws.on('pong', () => {
      s.alive = true;
    });
    s.ws.on('close', () => this.#end(s));
  }

  #end(s: Session): void {
    if (!this.#sessions.delete(s)) return;
    for (const i of s.subs) this.#subscribers[i]!.delete(s);
    // The exchange in release() makes this safe against a second release of the same slot.
    this.#opts.admission.release(this.#opts.slotBase + s.slot);
    this.#slots.give(s.slot);
    this.#opts.metrics.add(AgencyCounter.SESSIONS_CLOSED, s.agency.index, 1);
    this.#opts.counters.sessions = this.#sessions.size;
    if (this.#sessions.size === 0) this.#stopPolling();
  }

  #stopPolling(): void {
    clearInterval(this.#poll);
    this.#poll = undefined;
  }

  #command(s: Session, data: RawData, isBinary: boolean): void {
    const m = /^(subscribe|unsubscribe) (\S+)$/.exec(isBinary ? '' : data.toString());
    const id = m?.[2] ?? '';
    const index = this.#index.get(id);
    if (m === null) {
      this.#error(s, NakCode.INVALID_REQUEST, '', 'expected "subscribe <id>" or "unsubscribe <id>"');
    } else if (index === undefined || !s.agency.parameterAllowed(id)) {
      // Hidden and missing names answer alike (see the display's /history).
      this.#error(s, NakCode.UNKNOWN_PARAMETER, id, `no parameter ${id}`);
    } else if (m[1] === 'subscribe') {
      s.subs.add(index);
      this.#subscribers[index]!.add(s);
    } else {
      s.subs.delete(index);
      this.#subscribers[index]!.delete(s);
    }
  }

  /** A refused command: the session goes on (tutorial clients ignore what is not a point). */
  #error(s: Session, error: NakCode, id: string, reason: string): void {
    s.ws.send(JSON.stringify({ error, id, reason }));
  }

  #tick(): void {
    const reader = this.#reader;
    const head = reader.head(PARAMETERS);
    const oldest = reader.oldest(PARAMETERS);
    let pos = this.#cursor;
    if (pos < oldest) {
      this.#opts.counters.dropped[DropReason.OVERRUN] += oldest - pos;
      pos = oldest;
    }
    for (; pos < head; pos++) {
      const status = reader.readMeta(PARAMETERS, pos, this.#meta);
      if (status === ReadStatus.EMPTY) break;
      if (status === ReadStatus.OVERRUN) {
        this.#opts.counters.dropped[DropReason.OVERRUN]++;
        continue;
      }
      const index = this.#meta.key1;
      const subs = this.#subscribers[index];
      if (subs === undefined || subs.size === 0) continue;
      const length = reader.read(PARAMETERS, pos, this.#meta, this.#buf, 0);
      if (length < 0) {
        this.#opts.counters.dropped[DropReason.OVERRUN]++;
        continue;
      }
      const point = decodePoint(this.#buf.subarray(0, length), this.#opts.dictionary[index]);
      if (point === null) continue;
      // Encoded once however many sessions get it.
      const json = JSON.stringify(point);
      for (const s of subs) s.pending.push(json);
    }
    this.#cursor = pos;
    for (const s of this.#sessions) if (s.pending.length > 0) this.#flush(s);
  }

  #flush(s: Session): void {
    const points = s.pending;
    s.pending = [];
    const { metrics, counters } = this.#opts;
    if (s.ws.bufferedAmount > this.#opts.maxBufferedBytes) {
      counters.dropped[DropReason.SLOW_CLIENT] += points.length;
      metrics.add(AgencyCounter.SKIPPED, s.agency.index, points.length);
      return;
    }
    const messages = s.arrays && points.length > 1 ? [`[${points.join(',')}]`] : points;
    // ws writes each frame synchronously (no compression), so corked around the batch its
    // frames leave in one write.
    s.socket.cork();
    let bytes = 0;
    for (const text of messages) {
      s.ws.send(text);
      bytes += Buffer.byteLength(text);
    }
    s.socket.uncork();
    metrics.add(AgencyCounter.RECORDS_SENT, s.agency.index, points.length);
    metrics.add(AgencyCounter.DATA_MESSAGES, s.agency.index, messages.length);
    metrics.add(AgencyCounter.BYTES_SENT, s.agency.index, bytes);
  }

  #pingAll(): void {
    for (const s of this.#sessions) {
      if (!s.alive) {
        s.ws.terminate();
        continue;
      }
      s.alive = false;
      s.ws.ping();
    }
  }
}
