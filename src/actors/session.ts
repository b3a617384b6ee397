// One client connection, from its first byte to its close: ICD-001 §4 in order.

import type { Socket } from 'node:net';
import { ByeReason, MAX_CLIENT_BODY, MessageType, NakCode } from '../../protocol/constants.ts';
import { decodeBody, FrameDecoder } from '../../protocol/decoder.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import type { Frame } from '../../protocol/types.ts';
import { AdmitResult } from '../admission/admission.ts';
import { formatClientId } from '../admission/client-id.ts';
import { AgencyCounter } from '../metrics/counters.ts';
import type { Logger } from '../util/logger.ts';
import { archiveForbidden, authorize, type Grant } from './authorize.ts';
import { sinceNeedsArchive } from './backfill.ts';
import { closeInWords } from './close-reason.ts';
import type { ActorContext } from './context.ts';
import { Refusal } from './errors.ts';
import type { Fanout } from './fanout.ts';
import { HeartbeatTimer, heartbeatState } from './heartbeat.ts';
import { Outbound } from './outbound.ts';
import { peerCertificate } from './peer-certificate.ts';
import { checkRequest, type ValidRequest } from './request.ts';
import { sinceAhead } from './since-check.ts';
import { Subscription } from './subscription.ts';

export interface SessionTask {
  socket: Socket;
  /** Connection slot (index into the admission session table), owned by the main thread. */
  slot: number;
  remoteAddress: string;
  remotePort: number;
}

export interface SessionOutcome {
  clientId: string | null;
  agency: string | null;
  reason: string;
}

/** How long a closing socket may go without the client reading before it is destroyed (ICD rev B §6: ≥ 5 s). */
const FLUSH_GRACE_MS = 5000;
/** However slowly it still reads, a closing client is cut this long after the close began. */
const MAX_FLUSH_MS = 60_000;
/** Frames waiting behind an asynchronous REQUEST check before the session stops reading. */
const INBOX_HIGH_WATER = 64;
/** Unread answers (PONG) a client may leave queued before the session stops reading it. */
const CONTROL_HIGH_WATER = 64 * 1024;

export class Session {
  readonly #ctx: ActorContext;
  readonly #fanout: Fanout;
  readonly #socket: Socket;
  readonly #slot: number;
  readonly #remote: string;
  readonly #out: Outbound;
  readonly #decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
  readonly #inbox: Frame[] = [];
  #busy = false;
  #state: 'awaiting' | 'active' | 'closing' | 'closed' = 'awaiting';
  readonly #baseLog: Logger;
  #log: Logger;
  /** Why reading is paused: a backlog of frames to check, or answers the client does not read. */
  #pausedFor = { inbox: false, output: false };
  /** seq of the REQUEST being checked, for a NAK INTERNAL raised meanwhile. */
  #requestSeq: number | undefined;
  #clientId: string | null = null;
  #grant: Grant | null = null;
  #sub: Subscription | null = null;
  #requestTimer: unknown;
  #flushTimer: unknown;
  #heartbeat: HeartbeatTimer;
  #reason = 'closed';
  /** The text of the NAK that ended the session, for its "session closed" line. */
  #nakReason: string | undefined;
  /** The agency a REQUEST named, before (or without) admission: NAK lines carry it. */
  #claimedAgency: string | undefined;
  readonly #openedMs: number;
  /** What this session was sent, for its "session closed" line (Subscription adds to it). */
  readonly sent = { records: 0, bytes: 0, skipped: 0 };
  #resolve!: (o: SessionOutcome) => void;
  readonly closed: Promise<SessionOutcome>;

  constructor(ctx: ActorContext, fanout: Fanout, task: SessionTask) {
    this.#ctx = ctx;
    this.#fanout = fanout;
    this.#socket = task.socket;
    this.#slot = task.slot;
    this.#remote = task.remoteAddress;
    this.#out = new Outbound(task.socket, ctx.clock);
    this.#baseLog = ctx.logger.child({ remote: `${task.remoteAddress}:${task.remotePort}` });
    this.#log = this.#baseLog;
    this.#openedMs = ctx.clock.monoMs();
    this.#heartbeat = new HeartbeatTimer(ctx.clock, ctx.config.server.heartbeatMs, () =>
      this.#sendHeartbeat(),
    );
    this.closed = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#requestTimer = ctx.clock.setTimeout(
      () => this.nak(NakCode.TIMEOUT, `no complete REQUEST within ${ctx.config.server.requestTimeoutMs} ms`),
      ctx.config.server.requestTimeoutMs,
    );
    this.#socket.setNoDelay(true);
    this.#socket.on('data', (chunk: Buffer) => this.#onBytes(chunk));
    this.#socket.on('error', (err) => {
      this.#reason = `socket error: ${err.message}`;
    });
    this.#socket.on('close', () => this.#finish());
    this.#out.onDrained(() => {
      this.#setPaused('output', false);
      this.#sub?.drained();
    });
    this.#socket.resume();
  }

  get clientId(): string | null {
    return this.#clientId;
  }
  get agencyIndex(): number {
    return this.#grant?.agency.index ?? -1;
  }
  get log(): Logger {
    return this.#log;
  }
  get out(): Outbound {
    return this.#out;
  }
  get open(): boolean {
    return this.#state === 'awaiting' || this.#state === 'active';
  }
  get heartbeat(): HeartbeatTimer {
    return this.#heartbeat;
  }

  #onBytes(chunk: Buffer): void {
    if (!this.open) return;
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      if (err instanceof ProtocolError) this.nak(err.nakCode, err.message);
      else this.#internal(err);
      return;
    }
    if (frames.length === 0) return;
    for (const f of frames) {
      // ICD §4.1: the timeout is for a complete REQUEST to arrive, not for checking it.
      if (f.type === MessageType.REQUEST) this.#clearRequestTimer();
      // Frames are views into `chunk` or the decoder's spill buffer; REQUEST checks are
      // asynchronous (scrypt), so each queued frame keeps its own copy of the body.
      this.#inbox.push({ ...f, body: Buffer.from(f.body) });
    }
    // Back-pressure on the client: a burst of messages behind a slow check stays in the kernel.
    if (this.#inbox.length > INBOX_HIGH_WATER) this.#setPaused('inbox', true);
    void this.#drainInbox();
  }

  async #drainInbox(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.open && this.#inbox.length > 0) {
        await this.#handle(this.#inbox.shift()!);
        if (this.#inbox.length === 0) this.#setPaused('inbox', false);
        // One message per turn: a client pipelining REQUESTs must not hold the actor's other sessions.
        else await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.#internal(err);
    } finally {
      this.#busy = false;
    }
  }

  async #handle(frame: Frame): Promise<void> {
    if (frame.type === MessageType.REQUEST) return this.#onRequest(frame);
    if (this.#state === 'awaiting') {
      return this.nak(NakCode.UNEXPECTED_MESSAGE, `message type 0x${frame.type.toString(16)} before REQUEST`);
    }
    if (frame.type === MessageType.PING) {
      try {
        if (frame.body.length > 0) decodeBody(frame);
      } catch {
        return this.nak(NakCode.MALFORMED, 'PING body is not one msgpack value', frame.seq);
      }
      this.#out.send(MessageType.PONG, frame.body);
      // A client that pings without reading the answers: stop reading it until it catches up.
      if (this.#out.buffered > CONTROL_HIGH_WATER) this.#setPaused('output', true);
      return undefined;
    }
    if (frame.type === MessageType.BYE) {
      this.#closeGracefully(ByeReason.CLIENT);
      return undefined;
    }
    // ICD §3: a receiver ignores message types it does not know (and ones not meant for it).
    return undefined;
  }

  async #onRequest(frame: Frame): Promise<void> {
    this.#requestSeq = frame.seq;
    try {
      await this.#checkRequest(frame);
    } finally {
      this.#requestSeq = undefined;
    }
  }

  async #checkRequest(frame: Frame): Promise<void> {
    let body: unknown;
    try {
      body = decodeBody(frame);
    } catch (err) {
      return this.nak(NakCode.MALFORMED, `REQUEST body: ${(err as Error).message}`, frame.seq);
    }
    const agency = (body as { agency?: unknown } | null)?.agency;
    if (typeof agency === 'string') this.#claimedAgency = agency.slice(0, 64);
    const checked = checkRequest(body);
    if (!checked.ok) return this.nak(NakCode.INVALID_REQUEST, checked.reason, frame.seq);
    const req = checked.request;
    // Still the schema step (ICD §4.2): a `since` ahead of the stream names the field.
    const ahead = await sinceAhead(this.#ctx, req);
    if (!this.open) return undefined;
    if (ahead !== undefined) return this.nak(NakCode.INVALID_REQUEST, ahead, frame.seq);
    const ctx = this.#ctx;
    const readsArchive =
      req.mode === 'archive' ||
      (req.since !== undefined && ctx.archiveEnabled && sinceNeedsArchive(ctx, req.stream, req.since));
    const peer = peerCertificate(this.#socket);
    const auth = await authorize(ctx, req, this.#remote, ctx.clock.nowMs(), readsArchive, peer);
    if (!this.open) return undefined;
    if (!auth.ok) return this.nak(auth.code, auth.reason, frame.seq);
    const refused = this.#admit(auth.grant, readsArchive);
    if (refused !== null) return this.nak(refused.code, refused.reason, frame.seq);
    this.#activate(req, auth.grant);
    return undefined;
  }

  /** Admission is last in the check order; a switch to another agency re-admits. */
  #admit(grant: Grant, readsArchive: boolean): { code: NakCode; reason: string } | null {
    const agency = grant.agency.index;
    const before = this.#grant?.agency.index;
    if (before !== undefined && before !== agency) this.#ctx.admission.release(this.#slot);
    const r = this.#ctx.admission.tryAdmit(this.#slot, agency);
    if (r === AdmitResult.AGENCY_FULL)
      return { code: NakCode.AGENCY_FULL, reason: `${grant.agency.id}: connection cap reached` };
    if (r === AdmitResult.SERVER_FULL)
      return { code: NakCode.SERVER_FULL, reason: 'server connection cap reached' };
    // A switch ends the previous request's archive query, if it had one.
    this.#ctx.archiveQuotas.give(this.#slot);
    return readsArchive ? this.#takeArchiveQuota(grant) : null;
  }

  /** One unit of the agency's archive-query quota for this session (archive mode, `since`). */
  #takeArchiveQuota(grant: Grant): { code: NakCode; reason: string } | null {
    if (grant.agency.maxArchiveQueries === 0)
      return { code: NakCode.FORBIDDEN, reason: archiveForbidden(grant.agency) };
    const quotas = this.#ctx.archiveQuotas;
    if (quotas.holds(this.#slot) || quotas.take(this.#slot, grant.agency.index)) return null;
    return {
      code: NakCode.SERVER_FULL,
      reason: `${grant.agency.id}: concurrent archive query limit reached`,
    };
  }

  /**
   * A `since` replay that finds the archive needed after its ACK (the ring moved on meanwhile)
   * takes the quota then; refused, the session gets the NAK archive mode would have got.
   */
  claimArchive(): void {
    const refused = this.#grant === null ? null : this.#takeArchiveQuota(this.#grant);
    if (refused !== null) throw new Refusal(refused.code, refused.reason);
  }

  #activate(req: ValidRequest, grant: Grant): void {
    const ctx = this.#ctx;
    if (this.#clientId === null)
      this.#clientId = formatClientId(ctx.bootId, ctx.admission.nextClientNumber());
    this.#grant = grant;
    this.#state = 'active';
    this.#log = this.#baseLog.child({ clientId: this.#clientId, agency: grant.agency.id });
    const previous = this.#sub;
    if (previous) {
      this.#fanout.remove(previous);
      previous.retire();
    }
    // The cursor is fixed before the ACK leaves: a client that reacts to the ACK at once
    // must still get every record acquired after it. Records skipped and not yet
    // reported stay owed to the client across a switch.
    this.#sub = new Subscription(ctx, this, this.#fanout, req, grant, previous?.owedSkipped ?? 0);
    this.#sub.join();
    const names = grant.parameters?.map((i) => ctx.dictionary[i]!.name);
    this.#out.send(MessageType.ACK, {
      clientId: this.#clientId,
      agency: grant.agency.id,
      stream: req.stream,
      mode: req.mode,
      heartbeatMs: ctx.config.server.heartbeatMs,
      serverTime: ctx.clock.nowUs(),
      ...(names ? { parameters: names } : {}),
      // SPEC §6 "ACK head": where the catch-up ends; an archive request has no live part.
      ...(req.mode === 'realtime' && this.#sub.headSeq !== undefined ? { head: this.#sub.headSeq } : {}),
    });
    ctx.metrics.add(AgencyCounter.ACKS, grant.agency.index, 1);
    this.#log.info(
      { client: req.client, stream: req.stream, mode: req.mode, delivery: req.delivery },
      'session admitted',
    );
    this.#heartbeat.start();
    const sub = this.#sub;
    // Only while still current: after a switch the quota belongs to the new request.
    sub.start(() => {
      if (this.#sub === sub) ctx.archiveQuotas.give(this.#slot);
    });
  }

  #sendHeartbeat(): void {
    if (this.#state !== 'active') return;
    const ctx = this.#ctx;
    const state = heartbeatState({
      linkUp: ctx.control.linkUp(),
      nowUs: ctx.clock.nowUs(),
      lastAcquisitionUs: ctx.control.lastAcquisitionUs(),
      heartbeatMs: ctx.config.server.heartbeatMs,
      archiveEnded: this.#sub?.ended ?? false,
      archiveReplaying: this.#sub?.replaying ?? false,
    });
    this.#out.send(MessageType.HEARTBEAT, {
      state,
      lastDataTime: this.#sub?.lastDataTime ?? 0,
      linkUp: ctx.control.linkUp(),
    });
    ctx.metrics.add(AgencyCounter.HEARTBEATS, this.agencyIndex, 1);
  }

  /** NAK, flush, close (ICD §4). Idempotent: only the first refusal is sent. */
  nak(code: NakCode, reason: string, requestSeq?: number): void {
    if (!this.open) return;
    this.#ctx.metrics.nak(code);
    // A connection never admitted is summarised per address (refusal-log.ts), with the agency its
    // REQUEST named; a session's NAK is its own line (its logger carries the agency).
    if (this.#clientId === null) this.#ctx.refusals.note(this.#remote, code, reason, this.#claimedAgency);
    else this.#log.info({ code, reason }, 'NAK');
    this.#nakReason = reason;
    this.#out.send(
      MessageType.NAK,
      requestSeq === undefined ? { code, reason } : { code, reason, requestSeq },
    );
    this.#reason = `NAK ${code}`;
    this.#flushAndClose();
  }

  /** BYE then flush and close: shutdown, slow consumer. */
  bye(reason: string, extra: Record<string, unknown> = {}): void {
    if (!this.open) return;
    this.#out.send(MessageType.BYE, { reason, ...extra });
    this.#reason = `BYE ${reason}`;
    this.#flushAndClose();
  }

  #closeGracefully(reason: string): void {
    this.#reason = `client ${reason}`;
    this.#flushAndClose();
  }

  /** Internal error: NAK INTERNAL and close (ICD §4). */
  fail(err: unknown): void {
    this.#internal(err);
  }

  #internal(err: unknown): void {
    if (err instanceof Refusal) {
      this.nak(err.nak, err.message, this.#requestSeq);
      return;
    }
    this.#log.error({ err }, 'session failed');
    this.nak(NakCode.INTERNAL, 'internal server error', this.#requestSeq);
    if (this.open) this.destroy('internal error');
  }

  #flushAndClose(): void {
    this.#state = 'closing';
    this.#detach();
    this.#out.flushAll();
    this.#socket.end();
    // Unread input would make the kernel reset the connection at close, losing what it still
    // has to send: read (and drop) whatever the client sends from now on.
    this.#socket.resume();
    this.#armFlushTimer(this.#socket.bytesWritten, this.#ctx.clock.monoMs() + MAX_FLUSH_MS);
  }

  /**
   * A peer that stops reading would hold the socket forever: the flush is bounded by the
   * grace period (ICD rev B §6: at least 5 s), renewed while the client still reads (up to
   * MAX_FLUSH_MS in all: a trickling reader cannot hold the socket for ever). Once
   * the socket's buffer is empty the kernel holds the rest, which it still delivers (and the
   * FIN after it) when the socket is closed.
   */
  #armFlushTimer(written: number, deadlineMs: number): void {
    this.#flushTimer = this.#ctx.clock.setTimeout(() => {
      const now = this.#socket.bytesWritten;
      const reading = this.#socket.writableLength > 0 && now > written;
      if (reading && this.#ctx.clock.monoMs() < deadlineMs) this.#armFlushTimer(now, deadlineMs);
      else this.#socket.destroy();
    }, FLUSH_GRACE_MS);
  }

  /** Hard close: no flush. */
  destroy(reason: string): void {
    if (this.#state === 'closed') return;
    this.#reason = reason;
    this.#detach();
    this.#socket.destroy();
  }

  /** Stops everything that could write to the socket; frees the admission slot at once. */
  #detach(): void {
    if (this.#sub) {
      this.#fanout.remove(this.#sub);
      this.#sub.retire();
    }
    this.#heartbeat.stop();
    this.#clearRequestTimer();
    this.#ctx.admission.release(this.#slot);
    this.#ctx.archiveQuotas.give(this.#slot);
  }

  #clearRequestTimer(): void {
    if (this.#requestTimer !== undefined) this.#ctx.clock.clearTimeout(this.#requestTimer);
    this.#requestTimer = undefined;
  }

  #setPaused(reason: 'inbox' | 'output', on: boolean): void {
    if (this.#pausedFor[reason] === on) return;
    this.#pausedFor[reason] = on;
    if (!this.open) return;
    if (this.#pausedFor.inbox || this.#pausedFor.output) this.#socket.pause();
    else this.#socket.resume();
  }

  #finish(): void {
    if (this.#state === 'closed') return;
    this.#detach();
    this.#state = 'closed';
    if (this.#flushTimer !== undefined) this.#ctx.clock.clearTimeout(this.#flushTimer);
    if (this.#grant) this.#ctx.metrics.add(AgencyCounter.SESSIONS_CLOSED, this.#grant.agency.index, 1);
    // A refused connection's close is in its refusal line.
    if (this.#clientId !== null || !this.#reason.startsWith('NAK '))
      this.#log.info(
        {
          reason: this.#reason,
          durationMs: Math.round(this.#ctx.clock.monoMs() - this.#openedMs),
          records: this.sent.records,
          bytes: this.sent.bytes,
          skipped: this.sent.skipped,
        },
        `session closed: ${closeInWords(this.#reason, this.#nakReason)}`,
      );
    this.#resolve({ clientId: this.#clientId, agency: this.#grant?.agency.id ?? null, reason: this.#reason });
  }
}
