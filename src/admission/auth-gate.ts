// The one gate in front of every token check of the process: the TCP port (every actor
// thread), the display login and /mdb/* (main thread) share it through a SharedArrayBuffer.
//
// * Per source address, attempts are counted BEFORE the scrypt check (issue 12: 100 wrong
//   tokens sent at once were all verified, as failures were counted only after each check).
//   An attempt that proves its token is given back; a wrong one stays counted.
// * The scrypt work of the whole process is bounded: past MAX_VERIFYING checks in flight, a
//   new one is refused at once (NAK SERVER_FULL / HTTP 503) instead of queueing for seconds.
//
// Policy (docs/SECURITY.md): at most MAX_FAILURES unproven attempts per address in a window of
// WINDOW_MS that starts at its first one; past it, attempts from that address are refused
// without a check until the window ends (at most 10 s). Clients behind one NAT share an
// address, so a right token from there is refused too while a neighbour keeps failing, never
// longer than the window after the failures stop; an IPv6 address counts by its /64 (what one
// host is usually given). Clients identified by a TLS certificate check no token and are never
// throttled. Addresses are hashed into a fixed table: memory is bounded whatever the scan, and
// two addresses that share a bucket share a budget.

import type { TokenVerifier } from '../config/token.ts';

export const MAX_FAILURES = 10;
export const WINDOW_MS = 10_000;
/** Token checks (scrypt, ≈ 16 MiB and tens of ms each on the libuv pool) in flight at once. */
export const MAX_VERIFYING = 32;
const BUCKETS = 1 << 16;
/** Int32 layout: [verifying, unused, bucket × BUCKETS]; a bucket is (window start, s mod 2^16) << 16 | count. */
const HEADER = 2;

export interface AuthGateBuffers {
  sab: SharedArrayBuffer;
}

export function createAuthGate(): AuthGateBuffers {
  return { sab: new SharedArrayBuffer((HEADER + BUCKETS) * 4) };
}

export class AuthGate {
  readonly #i32: Int32Array;

  constructor(b: AuthGateBuffers = createAuthGate()) {
    this.#i32 = new Int32Array(b.sab);
  }

  /**
   * Counts one attempt from `ip` before its token is checked; false (refuse it unchecked) when
   * the address has used its budget in this window.
   */
  attempt(ip: string, nowMs: number): boolean {
    const i = HEADER + bucketOf(ip);
    const now = secondsOf(nowMs);
    for (;;) {
      const v = Atomics.load(this.#i32, i);
      const live = active(v, now);
      if (live && (v & 0xffff) >= MAX_FAILURES) return false;
      const next = live ? v + 1 : (now << 16) | 1;
      // Another thread may count an attempt of the same bucket in between: only one CAS wins.
      if (Atomics.compareExchange(this.#i32, i, v, next) === v) return true;
    }
  }

  /** The attempt proved its token (or was never checked): it does not count against `ip`. */
  refund(ip: string, nowMs: number): void {
    const i = HEADER + bucketOf(ip);
    const now = secondsOf(nowMs);
    for (;;) {
      const v = Atomics.load(this.#i32, i);
      if (!active(v, now)) return;
      if (Atomics.compareExchange(this.#i32, i, v, v - 1) === v) return;
    }
  }

  /** True while `ip` may not make another attempt (for tests and status). */
  blocked(ip: string, nowMs: number): boolean {
    const v = Atomics.load(this.#i32, HEADER + bucketOf(ip));
    return active(v, secondsOf(nowMs)) && (v & 0xffff) >= MAX_FAILURES;
  }

  /** Takes a place in the process's scrypt work; false when MAX_VERIFYING checks are in flight. */
  enterVerify(): boolean {
    for (;;) {
      const n = Atomics.load(this.#i32, 0);
      if (n >= MAX_VERIFYING) return false;
      if (Atomics.compareExchange(this.#i32, 0, n, n + 1) === n) return true;
    }
  }

  leaveVerify(): void {
    Atomics.sub(this.#i32, 0, 1);
  }

  get verifying(): number {
    return Atomics.load(this.#i32, 0);
  }
}

const secondsOf = (nowMs: number) => Math.floor(nowMs / 1000) & 0xffff;
/** A bucket counts while it holds attempts and its window (from its first attempt) has not ended. */
const active = (v: number, nowSec: number) =>
  (v & 0xffff) > 0 && ((nowSec - (v >>> 16)) & 0xffff) < WINDOW_MS / 1000;

/** The bucket of an address: IPv4 (also IPv4-mapped IPv6) whole, IPv6 by its /64. */
export function bucketOf(ip: string): number {
  return fnv1a(addressKey(ip)) & (BUCKETS - 1);
}

export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped !== null) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head, tail] = ip.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':');
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export type TokenCheck = 'ok' | 'bad' | 'throttled' | 'busy';

/**
 * One token check from `ip` through the gate. Only a check that needs a new scrypt counts an
 * attempt (a token verified before, or one being checked right now, costs none: 1 000 clients of
 * one agency connecting at once from one host are one scrypt and one attempt); it is counted
 * before the scrypt, refused unchecked past the address's budget ('throttled') or the process's
 * scrypt bound ('busy', not held against the address), and given back when the token is right.
 */
export async function checkToken(
  gate: AuthGate,
  verifier: TokenVerifier,
  ip: string,
  token: string,
  hash: string,
  nowMs: () => number,
): Promise<TokenCheck> {
  let counted = false;
  const r = await verifier.check(token, hash, gate, () => {
    counted = gate.attempt(ip, nowMs());
    return counted;
  });
  if (counted && r !== 'bad') gate.refund(ip, nowMs());
  return r;
}
