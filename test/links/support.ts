// Shared by the link tests: a recording LinkSink that tests can await on, and small helpers.
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { PacketIn } from '../../src/acquisition/source.ts';
import type { LinkSink } from '../../src/links/link.ts';
import { concat } from '../ccsds/support.ts';

export class Probe implements LinkSink {
  readonly chunks: { bytes: Uint8Array; ert: number }[] = [];
  readonly packets: PacketIn[] = [];
  readonly states: { up: boolean; reason: string }[] = [];
  /** Every sink call in order: 'data', 'packet', 'up' or 'down'. */
  readonly calls: string[] = [];
  #waiters: { cond: () => boolean; resolve: () => void }[] = [];

  data(bytes: Uint8Array, ertUs: number): void {
    this.chunks.push({ bytes: bytes.slice(), ert: ertUs });
    this.calls.push('data');
    this.#check();
  }

  packet(p: PacketIn): void {
    this.packets.push({ ...p, data: p.data.slice() });
    this.calls.push('packet');
    this.#check();
  }

  state(up: boolean, reason: string): void {
    this.states.push({ up, reason });
    this.calls.push(up ? 'up' : 'down');
    this.#check();
  }

  get bytes(): Uint8Array {
    return concat(this.chunks.map((c) => c.bytes));
  }

  get up(): boolean {
    return this.states.at(-1)?.up ?? false;
  }

  /** Resolves at the sink call that makes `cond` true (at once if it already is). */
  until(cond: () => boolean, what = 'condition'): Promise<void> {
    if (cond()) return Promise.resolve();
    return withTimeout(
      new Promise<void>((resolve) => this.#waiters.push({ cond, resolve })),
      `sink: ${what}`,
    );
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.cond()) return true;
      w.resolve();
      return false;
    });
  }
}

/** For conditions no sink call signals (counters of refused or failed connections): checked once per event-loop turn. */
export async function eventually(cond: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets pending I/O callbacks and promise continuations run. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function withTimeout<T>(p: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Deterministic pseudo-random bytes. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Splits `bytes` at random points into pieces of 1 to `max` bytes. */
export function splitRandom(bytes: Uint8Array, max: number, random: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(random() * max);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

export function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * A listening port that never completes a TCP handshake: a worker thread listens with backlog 1
 * and then blocks, so after two filler connections fill the accept queue the kernel drops every
 * further SYN. (Node accepts every connection on a running loop, and a non-routable address may
 * be intercepted by the sandbox's network.)
 */
export async function stalledListener(): Promise<{ port: number; release: () => Promise<void> }> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const s = require('node:net').createServer();
     s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(s.address().port);
       setImmediate(() => Atomics.wait(workerData, 0, 0));
     });`,
    { eval: true, workerData: gate },
  );
  const port = await withTimeout(
    new Promise<number>((resolve) => worker.once('message', resolve)),
    'stalled listener',
  );
  const fillers = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  return {
    port,
    release: async () => {
      for (const s of fillers) s.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}
