// Both ends of the channel between a load-test orchestrator (fanout.ts, harness/main.ts) and its
// child processes. Parent side: fork with one JSON argument, await messages by kind with a
// deadline, stop politely then SIGKILL. Child side: serve control messages, report a fatal error,
// and exit on its own when the parent goes away or its lifetime runs out, so no run can leave
// processes behind. The message types are each orchestrator's own (ipc.ts, harness/ipc.ts).
import { type ChildProcess, fork } from 'node:child_process';

export interface Kinded {
  kind: string;
}

/** Every child can be told to close, and can report a fatal error. */
export type CloseMsg = { kind: 'close' };
export type FatalMsg = { kind: 'fatal'; message: string };

/** How a parent names its failures: the area's own error codes. */
export interface ChildErrors {
  /** No message of the awaited kind within the deadline. */
  timeout(message: string): Error;
  /** The child reported a fatal error or exited. */
  failed(message: string): Error;
}

interface Waiter<Out> {
  kind: string;
  resolve: (msg: Out) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export function hasKind(value: unknown): value is Kinded {
  return (
    typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/** A forked child process sending `Out` messages and taking `In` ones. */
export class ChildProcessHandle<In extends Kinded, Out extends Kinded> {
  readonly name: string;
  readonly #proc: ChildProcess;
  readonly #errors: ChildErrors;
  readonly #inbox: Out[] = [];
  readonly #waiters: Waiter<Out>[] = [];
  readonly #exited: Promise<void>;
  #failure: Error | undefined;

  constructor(name: string, script: URL, options: unknown, errors: ChildErrors) {
    this.name = name;
    this.#errors = errors;
    this.#proc = fork(script, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#proc.on('message', (msg: unknown) => {
      if (!hasKind(msg)) return;
      if (isFatal(msg)) return this.#fail(`${name}: ${msg.message}`);
      if (this.consume(msg as Out)) return;
      const i = this.#waiters.findIndex((w) => w.kind === msg.kind);
      if (i < 0) {
        this.#inbox.push(msg as Out);
        return;
      }
      const [w] = this.#waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(msg as Out);
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

  send(msg: In | CloseMsg): void {
    if (this.#proc.connected) this.#proc.send(msg);
  }

  /** The next message of `kind`; rejects on timeout, or when the child fails or exits first. */
  next<K extends Out['kind']>(kind: K, timeoutMs: number): Promise<Extract<Out, { kind: K }>> {
    const i = this.#inbox.findIndex((m) => m.kind === kind);
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0] as Extract<Out, { kind: K }>);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(this.#errors.timeout(`${this.name}: no '${kind}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter<Out> = {
        kind,
        resolve: (m) => resolve(m as Extract<Out, { kind: K }>),
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

  /** Messages this returns true for are handled as they come and never queued for next(). */
  protected consume(_msg: Out): boolean {
    return false;
  }

  #fail(message: string): void {
    this.#failure ??= this.#errors.failed(message);
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.#failure);
    }
  }
}

function isFatal(msg: Kinded): msg is FatalMsg {
  return msg.kind === 'fatal' && typeof (msg as { message?: unknown }).message === 'string';
}

/** Stops all children, never throwing: used in `finally` blocks. */
export async function stopAll(children: readonly ({ stop(): Promise<void> } | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.stop().catch(() => undefined)));
}

/** Child side: sends one message to the parent (dropped when there is none). */
export function toParent<T extends Kinded>(msg: T): void {
  process.send?.(msg);
}

/**
 * Child side: delivers control messages that pass `accept` to `onControl`, exits when the
 * parent's channel closes, and exits with code 3 after `lifetimeMs` whatever happens. `hint`
 * says how the script is meant to be run when it is started by hand.
 */
export function serveParent<In extends Kinded>(
  lifetimeMs: number,
  hint: string,
  accept: (msg: Kinded) => msg is In,
  onControl: (msg: In) => void,
): void {
  if (process.send === undefined) {
    process.stderr.write(`${hint}\n`);
    process.exit(2);
  }
  process.on('message', (msg: unknown) => {
    if (hasKind(msg) && accept(msg)) onControl(msg);
  });
  process.on('disconnect', () => process.exit(1));
  setTimeout(() => {
    process.stderr.write(`${process.argv[1]}: lifetime of ${lifetimeMs} ms exceeded, exiting\n`);
    process.exit(3);
  }, lifetimeMs).unref();
}

/** Child side: reports an unexpected error to the parent, then exits once the message is sent. */
export function failToParent(err: unknown): void {
  const message =
    err instanceof Error ? `${err.message}${'code' in err ? ` (${String(err.code)})` : ''}` : String(err);
  process.stderr.write(`${process.argv[1]}: ${message}\n`);
  if (process.send === undefined) process.exit(1);
  process.send({ kind: 'fatal', message } satisfies FatalMsg, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref();
}
