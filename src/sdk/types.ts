// Public types of the SDK: options, typed records per stream, events.
import type { Stream } from '../../protocol/constants.ts';
import type {
  EventRecord,
  FrameRecord,
  HeartbeatBody,
  PacketRecord,
  ParameterRecord,
  RequestBody,
} from '../../protocol/types.ts';
import type { Clock } from '../util/clock.ts';

export interface ServerAddress {
  /** Default 127.0.0.1. */
  host?: string;
  port: number;
}

export interface ReconnectOptions {
  /** Backoff before the second round over the servers; doubles each round (default 250 ms). */
  initialDelayMs?: number;
  /** Backoff ceiling (default 30,000 ms). */
  maxDelayMs?: number;
  /** Rounds over the server list after a loss before giving up with ERR_NO_SERVER (default unlimited). */
  maxRounds?: number;
}

export interface SessionOptions {
  /** Tried in this order; on a loss the session fails over to the next one. */
  servers: readonly ServerAddress[];
  agency: string;
  token?: string;
  /** Client name sent in REQUEST, for the server's logs (≤ 64 chars, default 'scs-sdk'). */
  client?: string;
  /** false: a lost connection ends the request with ERR_CONNECTION_LOST. */
  reconnect?: ReconnectOptions | false;
  /** Longest wait for a TCP connection (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** Longest wait for the ACK or NAK of a REQUEST (default 15,000 ms). */
  answerTimeoutMs?: number;
  /** Messages held unread before the socket is no longer read (default 256; TCP back-pressure). */
  highWaterMark?: number;
  /** Timers of freshness, backoff and answer timeout (tests pass a FakeClock). */
  clock?: Clock;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
}

/** The REQUEST body without what the session supplies (agency, token, client). */
export type SessionRequest<S extends Stream = Stream> = Omit<
  RequestBody,
  'agency' | 'token' | 'client' | 'stream'
> & {
  stream: S;
};

/** What the SDK adds to a record: not on the wire. */
export interface CatchUpMark {
  /**
   * true: acquired before its request was admitted (seq <= the ACK's `head`): a record the
   * `since` resume replayed, the first DATA's value snapshot, or any archive record. Never
   * current data. Absent on live records, and on every record from a server without `head`.
   */
  catchUp?: true;
}

/** The record type of each stream (ICD §6), with the SDK's catch-up mark. */
export type RecordOf<S extends Stream> = CatchUpMark &
  (S extends 'frames'
    ? FrameRecord
    : S extends 'packets'
      ? PacketRecord
      : S extends 'parameters'
        ? ParameterRecord
        : S extends 'events'
          ? EventRecord
          : never);

export const Freshness = { LIVE: 'live', CATCHING_UP: 'catching-up', STALE: 'stale', LOST: 'lost' } as const;
/**
 * live: DATA with a record acquired after the ACK arrived within the last heartbeatMs.
 * catching-up: DATA arrives, but of records older than the ACK (a `since` replay, the snapshot,
 * an archive request). stale: connected, but no DATA for heartbeatMs (heartbeats say why).
 * lost: not connected, or nothing at all received for 2 × heartbeatMs + 1 s (ICD §7).
 */
export type Freshness = (typeof Freshness)[keyof typeof Freshness];

export interface ConnectInfo {
  server: Required<ServerAddress>;
  /** Index of the server in `servers`. */
  index: number;
  clientId: string;
  heartbeatMs: number;
  /** The REQUEST carried `since` and the server accepted it: nothing was missed. */
  resumed: boolean;
  /** The server's clock at the ACK (µs). */
  serverTime: number;
  /** The ACK's `head`: records with seq <= head are catch-up; undefined from a server without it. */
  head: number | undefined;
}

export interface DisconnectInfo {
  server: Required<ServerAddress>;
  index: number;
  /** Why: a socket error, ERR_SERVER_LOST, the BYE reason…; undefined for a clean close. */
  error: Error | undefined;
}

export interface GapInfo {
  /** Last `seq` received before the loss; undefined if none had been received. */
  afterSeq: number | undefined;
  server: Required<ServerAddress>;
  /** Why the feed could not be resumed without a gap. */
  reason: string;
}

export interface SessionEvents {
  freshness: [state: Freshness, previous: Freshness];
  connect: [info: ConnectInfo];
  disconnect: [info: DisconnectInfo];
  reconnecting: [info: { round: number; delayMs: number }];
  /** Records may have been missed: the feed restarted at the live edge. */
  gap: [info: GapInfo];
  /** The server skipped records for this slow client (DATA `skipped`, ICD §6). */
  skipped: [count: number];
  heartbeat: [body: HeartbeatBody];
}
