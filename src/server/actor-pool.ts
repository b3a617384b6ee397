// The actor threads, hosted and supervised by piscina: each accepted socket becomes a
// long-running task on the least-busy actor. A thread that dies is replaced by
// piscina; only its own tasks (sessions) reject.
import type { Socket } from 'node:net';
import { BroadcastChannel, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ActorInit } from '../actors/context.ts';
import { type ActorControl, ActorControlKind } from '../actors/messages.ts';
import type { SessionOutcome, SessionTask } from '../actors/session.ts';

type RunOptions = NonNullable<Parameters<Piscina['run']>[1]>;

const ACTOR_ENTRY = new URL('../../workers/actor.ts', import.meta.url).pathname;

export class ActorPool {
  readonly #pool: Piscina<SessionTask, SessionOutcome>;
  readonly #channel: BroadcastChannel;
  readonly #running = new Set<Promise<unknown>>();
  readonly #actors: number;
  #created = 0;

  constructor(init: ActorInit, actors: number, maxSessions: number) {
    this.#pool = new Piscina({
      filename: ACTOR_ENTRY,
      workerData: init,
      minThreads: actors,
      maxThreads: actors,
      // Sessions are long-lived async tasks; an actor hosts as many as the socket ceiling allows.
      concurrentTasksPerWorker: maxSessions,
      idleTimeout: Number.POSITIVE_INFINITY,
      atomics: 'disabled',
    });
    this.#channel = new BroadcastChannel(init.controlChannel);
    this.#actors = actors;
    // piscina creates `actors` threads at start and one more for each that dies.
    this.#pool.on('workerCreate', () => {
      this.#created++;
    });
  }

  /** Actor threads started to replace one that ended. */
  get restarts(): number {
    return Math.max(0, this.#created - this.#actors);
  }

  get threads(): number {
    return this.#pool.threads.length;
  }

  /** The actor threads, for supervision tooling and fault-injection tests. */
  workers(): readonly Worker[] {
    return this.#pool.threads;
  }

  /** Moves the (paused) socket to an actor; settles when the session ends or its actor dies. */
  host(socket: Socket, task: Omit<SessionTask, 'socket'>): Promise<SessionOutcome> {
    const p = this.#pool.run(
      { ...task, socket },
      // A net.Socket is transferable since Node 24.21; piscina's types predate that.
      { transferList: [socket] as unknown as RunOptions['transferList'] },
    );
    this.#running.add(p);
    const done = () => this.#running.delete(p);
    p.then(done, done);
    return p;
  }

  /** Asks every actor to say BYE SHUTDOWN and close; resolves when all sessions ended or the deadline passed. */
  async drain(graceMs: number): Promise<void> {
    const msg: ActorControl = { kind: ActorControlKind.SHUTDOWN, graceMs };
    this.#channel.postMessage(msg);
    const all = Promise.allSettled([...this.#running]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, graceMs + 200);
    });
    await Promise.race([all, deadline]);
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    this.#channel.close();
    await this.#pool.destroy();
  }
}
