// One actor thread: hosts many sessions, one fan-out loop, and obeys the main
// thread's control channel.
import { TLSSocket } from 'node:tls';
import { BroadcastChannel } from 'node:worker_threads';
import { ByeReason } from '../../protocol/constants.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { createLogger } from '../util/logger.ts';
import { type ActorContext, type ActorInit, createActorContext } from './context.ts';
import { Fanout } from './fanout.ts';
import { type ActorControl, ActorControlKind } from './messages.ts';
import { recordClientVerdict } from './peer-certificate.ts';
import { Session, type SessionOutcome, type SessionTask } from './session.ts';

export class Actor {
  readonly ctx: ActorContext;
  readonly #fanout: Fanout;
  readonly #sessions = new Set<Session>();
  readonly #channel: BroadcastChannel;
  #shuttingDown = false;

  constructor(init: ActorInit, clock: Clock = systemClock) {
    const logger = createLogger({ level: init.config.log.level, name: 'actor' });
    this.ctx = createActorContext(init, clock, logger.child({ actor: 0 }));
    this.#fanout = new Fanout(this.ctx);
    this.#fanout.start();
    this.#channel = new BroadcastChannel(init.controlChannel);
    this.#channel.onmessage = (ev) => this.#onControl((ev as { data: ActorControl }).data);
    // The channel must not keep an idle worker alive on its own.
    this.#channel.unref();
  }

  /** Runs one session to its end (a piscina task). */
  async host(task: SessionTask): Promise<SessionOutcome> {
    // TLS ends here, in the thread that owns the socket; the session sees clear bytes.
    const socket =
      this.ctx.secureContext === undefined
        ? task.socket
        : new TLSSocket(task.socket, {
            isServer: true,
            secureContext: this.ctx.secureContext,
            // mTLS (with server.tls.caFile): a certificate is asked for, not required, as a client
            // may still prove its agency with a token; the session checks what it got.
            requestCert: this.ctx.clientCertificates,
            rejectUnauthorized: false,
          });
    if (socket instanceof TLSSocket && this.ctx.clientCertificates) recordClientVerdict(socket);
    const session = new Session(this.ctx, this.#fanout, { ...task, socket });
    this.#sessions.add(session);
    if (this.#shuttingDown) session.bye(ByeReason.SHUTDOWN);
    try {
      return await session.closed;
    } finally {
      this.#sessions.delete(session);
    }
  }

  #onControl(msg: ActorControl): void {
    switch (msg.kind) {
      case ActorControlKind.SHUTDOWN:
        this.#shuttingDown = true;
        this.ctx.refusals.flush();
        for (const s of this.#sessions) s.bye(ByeReason.SHUTDOWN);
        // Sessions whose peers do not read get destroyed before the process deadline.
        setTimeout(() => {
          for (const s of this.#sessions) s.destroy('shutdown deadline');
        }, msg.graceMs).unref();
        break;
    }
  }
}
