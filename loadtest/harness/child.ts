// Harness side of a child process: fork with one JSON argument, await its messages by kind
// with a deadline, follow its ticks, and stop it (politely, then SIGKILL).
import { type ChildProcess, fork } from 'node:child_process';
import { HarnessError, HarnessErrorCode } from './errors.ts';
import { type FromChild, type FromChildKind, isFromChild, type Tick, type ToChild } from './ipc.ts';

interface Waiter {
  kind: FromChildKind;
  resolve: (msg: FromChild) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class Child {
  readonly name: string;
  readonly #proc: ChildProcess;
  readonly #inbox: FromChild[] = [];
  readonly #waiters: Waiter[] = [];
  readonly #exited: Promise<void>;
  #failure: HarnessError | undefined;
  /** Called with every tick (ticks are not queued for next()). */
  onTick: (tick: Tick) => void = () => undefined;

  constructor(name: string, script: URL, options: unknown) {
    this.name = name;
    this.#proc = fork(script, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#proc.on('message', (msg: unknown) => {
      if (!isFromChild(msg)) return;
      if (msg.kind === 'fatal') return this.#fail(`${name}: ${msg.message}`);
      if (msg.kind === 'tick') return this.onTick(msg.tick);
      const i = this.#waiters.findIndex((w) => w.kind === msg.kind);
      if (i < 0) {
        this.#inbox.push(msg);
        return;
      }
      const [w] = this.#waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(msg);
    });
    this.#exited = new Promise((resolve) => {
      this.#proc.on('exit', (code, signal) => {
        this.#fail(`${name} exited (${signal ?? `code ${code}`})`);
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#proc.pid ?? -1;
  }

  send(msg: ToChild): void {
    if (this.#proc.connected) this.#proc.send(msg);
  }

  /** The next message of `kind`; rejects on timeout, or when the child fails or exits first. */
  next<K extends FromChildKind>(kind: K, timeoutMs: number): Promise<Extract<FromChild, { kind: K }>> {
    const i = this.#inbox.findIndex((m) => m.kind === kind);
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0] as Extract<FromChild, { kind: K }>);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(
          new HarnessError(
            HarnessErrorCode.ERR_HARNESS_TIMEOUT,
            `${this.name}: no '${kind}' within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        kind,
        resolve: (m) => resolve(m as Extract<FromChild, { kind: K }>),
        reject,
        timer,
      };
      this.#waiters.push(waiter);
    });
  }

  /** Sends `close`, waits up to `graceMs` for the exit, then kills. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    this.send({ kind: 'close' });
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  #fail(message: string): void {
    this.#failure ??= new HarnessError(HarnessErrorCode.ERR_HARNESS_CHILD, message);
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.#failure);
    }
  }
}

/** Stops all children, never throwing: used in `finally` blocks. */
export async function stopAll(children: readonly (Child | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.stop().catch(() => undefined)));
}
