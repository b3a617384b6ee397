// A client session over ICD-001 that survives its connection: freshness tracking,
// failover across servers, reconnect with backoff, resume with `since`, typed records.
import { EventEmitter } from 'node:events';
import { type Message, ScsClient } from '../../protocol/client.ts';
import { MessageType, NakCode, type Stream } from '../../protocol/constants.ts';
import { ClientError, ClientErrorCode, NakError } from '../../protocol/errors.ts';
import type { AckBody, HeartbeatBody, RequestBody } from '../../protocol/types.ts';
import { backoffDelay } from './backoff.ts';
import { catchUpThrough, markCatchUp, NONE } from './catch-up.ts';
import { nakOf, SdkError, SdkErrorCode } from './errors.ts';
import { FreshnessTracker } from './freshness.ts';
import { type Settings, settings } from './settings.ts';
import type {
  Freshness,
  RecordOf,
  ServerAddress,
  SessionEvents,
  SessionOptions,
  SessionRequest,
} from './types.ts';

/** NAKs that say "not now, not here" when re-requesting after a loss: try the next server. */
const CAPACITY_NAKS: ReadonlySet<string> = new Set([NakCode.AGENCY_FULL, NakCode.SERVER_FULL]);

interface Connection {
  readonly client: ScsClient;
  readonly index: number;
  readonly server: Required<ServerAddress>;
  closed: boolean;
  acked: boolean;
  /** A REQUEST was sent on it (a fresh connection from connect() is kept for the first request). */
  used: boolean;
  /** ScsClient hands the ACK/NAK of a pending request to request(), not to read(). */
  awaitingAnswer: boolean;
  /** Messages arrived but not yet read by the iterator. */
  backlog: number;
  /** Why it ended, when known: a socket error, lost, a BYE. */
  error: Error | undefined;
  /** The mode of the request sent on it, then the seq up to which its records are catch-up. */
  mode: RequestBody['mode'] | undefined;
  catchUpThrough: number;
}

const where = (s: Required<ServerAddress>) => `${s.host}:${s.port}`;

export class Session extends EventEmitter<SessionEvents> {
  readonly #s: Settings;
  readonly #tracker: FreshnessTracker;
  #conn: Connection | undefined;
  #index = 0;
  #clientId: string | undefined;
  #active = false;
  #closed = false;
  #switching = false;
  #wake: (() => void) | undefined;

  /** Opens a TCP connection to the first server that answers, in order; ERR_NO_SERVER if none does. */
  static async connect(opts: SessionOptions): Promise<Session> {
    const session = new Session(opts);
    const failures: string[] = [];
    for (let i = 0; i < session.#s.servers.length; i++) {
      try {
        session.#conn = await session.#open(i);
        session.#index = i;
        return session;
      } catch (err) {
        failures.push(`${where(session.#s.servers[i]!)}: ${(err as Error).message}`);
      }
    }
    throw new SdkError(SdkErrorCode.NO_SERVER, `no server reachable (${failures.join('; ')})`);
  }

  /** A session that connects at its first request; Session.connect() connects at once. */
  constructor(opts: SessionOptions) {
    super();
    const s = settings(opts);
    this.#s = s;
    this.#tracker = new FreshnessTracker(s.clock, (state, previous) => this.#onFreshness(state, previous));
  }

  /** live, catching-up, stale or lost (see Freshness); 'lost' whenever no connection is admitted. */
  get freshness(): Freshness {
    return this.#tracker.state;
  }

  /** The server of the current connection, or undefined between connections. */
  get server(): Required<ServerAddress> | undefined {
    const c = this.#conn;
    return c && !c.closed ? c.server : undefined;
  }

  /** clientId of the last ACK (a new one after every reconnect). */
  get clientId(): string | undefined {
    return this.#clientId;
  }

  /**
   * Sends REQUEST and yields its records, typed by stream, across reconnects. Ends on END
   * (archive) or session.close(); breaking out of the loop ends the request (BYE). Throws
   * NakError for a NAK, SdkError ERR_NO_SERVER / ERR_CONNECTION_LOST when it cannot go on.
   * One request at a time per session.
   */
  request<S extends Stream>(req: SessionRequest<S>): AsyncGenerator<RecordOf<S>, void, undefined> {
    if (this.#closed) throw new SdkError(SdkErrorCode.CLOSED, 'session closed');
    if (this.#active) throw new SdkError(SdkErrorCode.BUSY, 'a request is already active on this session');
    return this.#iterate(req);
  }

  /** Moves to servers[index] (an active request resumes there); the failover order continues from it. */
  useServer(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#s.servers.length) {
      throw new SdkError(SdkErrorCode.CONFIG, `useServer: index must be 0 … ${this.#s.servers.length - 1}`);
    }
    this.#index = index;
    const c = this.#conn;
    if (c === undefined || c.closed || c.index === index) return;
    if (c.used) this.#switching = true;
    c.client.destroy();
  }

  /** Ends the session (BYE); an active request's loop ends normally. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const c = this.#conn;
    if (c !== undefined && !c.closed) await c.client.bye().catch(() => undefined);
  }

  async *#iterate<S extends Stream>(req: SessionRequest<S>): AsyncGenerator<RecordOf<S>, void, undefined> {
    if (this.#active) throw new SdkError(SdkErrorCode.BUSY, 'a request is already active on this session');
    this.#active = true;
    let lastSeq: number | undefined;
    let initial = true;
    try {
      for (;;) {
        const conn = await this.#establish(req, lastSeq, initial).catch((err: unknown) => {
          if (this.#closed) return undefined;
          throw err;
        });
        if (conn === undefined) return;
        initial = false;
        for (;;) {
          const m = await this.#read(conn);
          if (m === undefined) break;
          if (m.type === MessageType.DATA) {
            for (const record of this.#records(conn, m, req.stream)) {
              lastSeq = record.seq;
              yield record;
              if (this.#closed) return;
            }
          } else if (m.type === MessageType.END) {
            return;
          } else if (m.type === MessageType.NAK) {
            conn.client.destroy();
            throw nakOf(m.body);
          }
        }
        if (this.#closed) return;
        if (this.#switching) {
          this.#switching = false;
          continue;
        }
        if (this.#s.backoff.maxRounds === 0 || req.mode === 'archive') {
          const why = conn.error?.message ?? 'closed by the server';
          throw new SdkError(
            SdkErrorCode.CONNECTION_LOST,
            `connection to ${where(conn.server)} lost: ${why}`,
            {
              cause: conn.error,
            },
          );
        }
      }
    } finally {
      this.#active = false;
      const c = this.#conn;
      if (c !== undefined && !c.closed) await c.client.bye().catch(() => undefined);
    }
  }

  /**
   * Connects and gets an ACK, failing over in order from the current server, in rounds
   * separated by backoff. After a loss a realtime request carries `since` = the last seq
   * received; if the server cannot serve it, it is re-sent without and a `gap` is emitted.
   */
  async #establish(req: SessionRequest, lastSeq: number | undefined, initial: boolean): Promise<Connection> {
    const resume = !initial && req.mode !== 'archive';
    let since = resume ? (lastSeq ?? req.since) : req.since;
    let gapReason = resume && since === undefined ? 'no record had been received before the loss' : undefined;
    const n = this.#s.servers.length;
    const failures: string[] = [];
    for (let round = 0; ; round++) {
      if (round > 0) {
        if (round > this.#s.backoff.maxRounds) {
          throw new SdkError(
            SdkErrorCode.NO_SERVER,
            `no server reachable (${failures.slice(-n).join('; ')})`,
          );
        }
        const delayMs = backoffDelay(this.#s.backoff, round, this.#s.random);
        this.emit('reconnecting', { round, delayMs });
        await this.#sleep(delayMs);
      }
      let k = 0;
      while (k < n) {
        if (this.#closed) throw new SdkError(SdkErrorCode.CLOSED, 'session closed');
        const index = (this.#index + k) % n;
        const server = this.#s.servers[index]!;
        const body: RequestBody = { ...req, agency: this.#s.agency, client: this.#s.client };
        if (this.#s.token !== undefined) body.token = this.#s.token;
        if (since === undefined) delete body.since;
        else body.since = since;
        try {
          const conn = await this.#connection(index);
          const ack = await this.#ask(conn, body);
          this.#index = index;
          this.#clientId = ack.clientId;
          const resumed = resume && since !== undefined;
          this.emit('connect', {
            server,
            index,
            clientId: ack.clientId,
            heartbeatMs: ack.heartbeatMs,
            resumed,
            serverTime: ack.serverTime,
            head: typeof ack.head === 'number' ? ack.head : undefined,
          });
          if (gapReason !== undefined) this.emit('gap', { afterSeq: lastSeq, server, reason: gapReason });
          return conn;
        } catch (err) {
          if (err instanceof ClientError && err.code === ClientErrorCode.ERR_NOT_ICD && n === 1) {
            // Not a server that will come back: retrying an HTTP port cannot help.
            throw new SdkError(SdkErrorCode.NO_SERVER, err.message);
          } else if (!(err instanceof NakError)) {
            failures.push(`${where(server)}: ${(err as Error).message}`);
          } else if (resume && since !== undefined && resumeRefused(err)) {
            // Same server again, at the live edge: records after `since` may be lost, and we say so.
            gapReason = `resume refused (${err.code}: ${err.reason})`;
            since = undefined;
            continue;
          } else if (!initial && CAPACITY_NAKS.has(err.code)) {
            failures.push(`${where(server)}: NAK ${err.code}`);
          } else {
            throw err;
          }
        }
        k++;
      }
    }
  }

  /** The unused connection from connect() if it is still open and to this server, else a new one. */
  async #connection(index: number): Promise<Connection> {
    const c = this.#conn;
    if (c !== undefined && !c.closed && !c.used && c.index === index) return c;
    if (c !== undefined && !c.closed) c.client.destroy();
    const conn = await this.#open(index);
    this.#conn = conn;
    return conn;
  }

  async #open(index: number): Promise<Connection> {
    const server = this.#s.servers[index]!;
    const client = await ScsClient.connect({
      ...server,
      timeoutMs: this.#s.connectTimeoutMs,
      highWaterMark: this.#s.highWaterMark,
    });
    const conn: Connection = {
      client,
      index,
      server,
      closed: false,
      acked: false,
      used: false,
      awaitingAnswer: false,
      backlog: 0,
      error: undefined,
      mode: undefined,
      catchUpThrough: NONE,
    };
    client.on('message', (m: Message) => this.#onMessage(conn, m));
    client.on('close', (err: Error | undefined) => this.#onClose(conn, err));
    return conn;
  }

  /** request() with a deadline: a server that accepts TCP but never answers is a failed server. */
  async #ask(conn: Connection, body: RequestBody): Promise<AckBody> {
    conn.used = true;
    conn.awaitingAnswer = true;
    conn.mode = body.mode;
    const timer = this.#s.clock.setTimeout(() => {
      conn.error = new ClientError('ERR_CLOSED', `no ACK or NAK within ${this.#s.answerTimeoutMs} ms`);
      conn.client.destroy();
    }, this.#s.answerTimeoutMs);
    try {
      return await conn.client.request(body);
    } catch (err) {
      // After a NAK the server closes anyway; nothing more is wanted from this connection.
      conn.client.destroy();
      throw conn.error !== undefined && !(err instanceof NakError) ? conn.error : err;
    } finally {
      this.#s.clock.clearTimeout(timer);
    }
  }

  async #read(conn: Connection): Promise<Message | undefined> {
    try {
      const m = await conn.client.read();
      if (m !== undefined) {
        conn.backlog--;
        if (conn === this.#conn) this.#tracker.hold(conn.backlog >= this.#s.highWaterMark);
      }
      return m;
    } catch (err) {
      conn.error ??= err as Error;
      return undefined;
    }
  }

  #records<S extends Stream>(conn: Connection, m: Message, stream: S): RecordOf<S>[] {
    const body = m.body;
    const records = body?.records;
    const valid =
      body?.stream === stream &&
      Array.isArray(records) &&
      records.every(
        (r) => typeof r === 'object' && r !== null && typeof (r as { seq?: unknown }).seq === 'number',
      );
    if (!valid) {
      conn.client.destroy();
      throw new SdkError(
        SdkErrorCode.PROTOCOL,
        `DATA from ${where(conn.server)} is not a ${stream} DATA body`,
      );
    }
    if (typeof body.skipped === 'number' && body.skipped > 0) this.emit('skipped', body.skipped);
    return records as RecordOf<S>[];
  }

  // Arrival, not consumption, drives freshness: the message listener runs as bytes are decoded.
  #onMessage(conn: Connection, m: Message): void {
    if (conn !== this.#conn) return;
    if ((m.type === MessageType.ACK || m.type === MessageType.NAK) && conn.awaitingAnswer) {
      conn.awaitingAnswer = false;
      if (m.type === MessageType.ACK && typeof m.body?.heartbeatMs === 'number') {
        conn.acked = true;
        conn.catchUpThrough = catchUpThrough(conn.mode, m.body);
        this.#tracker.connected(m.body.heartbeatMs);
      }
      return;
    }
    conn.backlog++;
    this.#tracker.hold(conn.backlog >= this.#s.highWaterMark);
    if (m.type === MessageType.DATA) this.#tracker.data(markCatchUp(m.body, conn.catchUpThrough));
    else if (m.type === MessageType.HEARTBEAT) this.#tracker.heartbeat();
    else this.#tracker.heard();
    // Told on arrival, like freshness, whether or not the user is pulling records.
    if (m.type === MessageType.HEARTBEAT) this.emit('heartbeat', m.body as unknown as HeartbeatBody);
    if (m.type === MessageType.BYE) {
      const reason = typeof m.body?.reason === 'string' ? m.body.reason : 'no reason';
      conn.error ??= new SdkError(SdkErrorCode.CONNECTION_LOST, `server sent BYE ${reason}`);
    }
  }

  #onClose(conn: Connection, err: Error | undefined): void {
    conn.closed = true;
    conn.error ??= err;
    if (conn !== this.#conn) return;
    this.#tracker.disconnected();
    if (conn.acked) this.emit('disconnect', { server: conn.server, index: conn.index, error: conn.error });
  }

  #onFreshness(state: Freshness, previous: Freshness): void {
    const c = this.#conn;
    // ICD §7: silence for 2 × heartbeatMs + 1 s means the server is lost; drop it and reconnect.
    if (state === 'lost' && c !== undefined && !c.closed) {
      c.error ??= new ClientError('ERR_SERVER_LOST', 'nothing received for 2 × heartbeatMs + 1 s');
      c.client.destroy();
    }
    this.emit('freshness', state, previous);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#s.clock.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#s.clock.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}

/** Opens a session (see Session.connect). */
export function connect(opts: SessionOptions): Promise<Session> {
  return Session.connect(opts);
}

/**
 * The server cannot resume at `since`: no archive, or (ICD rev B §5) `since` is ahead of its
 * newest seq (another server, or one whose seq restarted without an archive).
 */
function resumeRefused(err: NakError): boolean {
  return (
    err.code === NakCode.ARCHIVE_UNAVAILABLE ||
    (err.code === NakCode.INVALID_REQUEST && err.reason.startsWith('since:'))
  );
}
