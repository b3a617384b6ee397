import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Config } from './schema.ts';

/** Cost parameters of new hashes (about 16 MiB and a few tens of milliseconds per verification). */
const COST = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Largest scrypt working set (128·N·r bytes) a stored hash may ask for. */
const MAX_MEMORY = 64 * 1024 * 1024;
/** Passed to node:crypto, which refuses work above `maxmem`; the extra covers the 128·r·p block buffer. */
const MAXMEM = 2 * MAX_MEMORY;

export interface ScryptHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Hashes an agency token: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`. */
export function hashToken(token: string): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(token, salt, KEY_BYTES, { ...COST, maxmem: MAXMEM });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Parses a stored hash; null when it is not one `hashToken` could have produced or verify safely. */
export function parseTokenHash(text: string): ScryptHash | null {
  const parts = text.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(parseCount);
  const salt = decodeBase64(parts[4]!);
  const hash = decodeBase64(parts[5]!);
  if (N === undefined || r === undefined || p === undefined || salt === null || hash === null) return null;
  if (N < 2 || (N & (N - 1)) !== 0 || 128 * N * r > MAX_MEMORY || p > 16) return null;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { N, r, p, salt, hash };
}

/** True when `token` matches `hash`. False for a malformed hash; never throws. Blocks for one scrypt. */
export function verifyToken(token: string, hash: string): boolean {
  const parsed = typeof hash === 'string' ? parseTokenHash(hash) : null;
  if (parsed === null || typeof token !== 'string') return false;
  try {
    const key = scryptSync(token, parsed.salt, parsed.hash.length, options(parsed));
    return timingSafeEqual(key, parsed.hash);
  } catch {
    return false;
  }
}

/**
 * As `verifyToken`, but scrypt runs on the libuv thread pool so the caller's event loop keeps
 * serving its other sessions meanwhile. Never rejects.
 */
export function verifyTokenAsync(token: string, hash: string): Promise<boolean> {
  const parsed = typeof hash === 'string' ? parseTokenHash(hash) : null;
  if (parsed === null || typeof token !== 'string') return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(token, parsed.salt, parsed.hash.length, options(parsed), (err, key) => {
      resolve(err === null && timingSafeEqual(key, parsed.hash));
    });
  });
}

/** A bound on the scrypt checks in flight (src/admission/auth-gate.ts). */
export interface ScryptQueue {
  enterVerify(): boolean;
  leaveVerify(): void;
}

/**
 * Remembers tokens that verified, per stored hash. The libuv pool has 4 threads per process,
 * shared by every actor thread: without this, thousands of clients of one agency connecting at
 * once would queue for tens of seconds behind one scrypt each. Only an HMAC (random per-instance
 * key) of a successful token is kept; wrong tokens always pay the full scrypt. Concurrent checks
 * of the same token share one scrypt.
 */
export class TokenVerifier {
  readonly #key = randomBytes(32);
  readonly #verified = new Map<string, Buffer>();
  readonly #pending = new Map<string, Promise<'ok' | 'bad'>>();

  verify(token: string, hash: string): Promise<boolean> {
    return this.check(token, hash).then((r) => r === 'ok');
  }

  /**
   * As verify(); with a `queue`, a check that needs a new scrypt first takes a place in it and is
   * answered 'busy' at once when there is none (the process's scrypt work stays bounded).
   */
  check(
    token: string,
    hash: string,
    queue?: ScryptQueue,
    /** Asked only when a new scrypt is needed (not for a known token or one being checked): false refuses it. */
    admit?: () => boolean,
  ): Promise<'ok' | 'bad' | 'busy' | 'throttled'> {
    if (typeof token !== 'string' || typeof hash !== 'string') return Promise.resolve('bad');
    const digest = createHmac('sha256', this.#key).update(token).digest();
    const known = this.#verified.get(hash);
    if (known !== undefined && timingSafeEqual(known, digest)) return Promise.resolve('ok');
    const pendingKey = `${hash}\0${digest.toString('base64')}`;
    const pending = this.#pending.get(pendingKey);
    if (pending !== undefined) return pending;
    if (admit !== undefined && !admit()) return Promise.resolve('throttled');
    if (queue !== undefined && !queue.enterVerify()) return Promise.resolve('busy');
    const check = verifyTokenAsync(token, hash).then((ok): 'ok' | 'bad' => {
      queue?.leaveVerify();
      this.#pending.delete(pendingKey);
      if (ok) this.#verified.set(hash, digest);
      return ok ? 'ok' : 'bad';
    });
    this.#pending.set(pendingKey, check);
    return check;
  }
}

/** Ids of agencies whose token is still the shipped demo token `<id>-demo`. */
export function usesDemoToken(config: Pick<Config, 'agencies'>): string[] {
  return Object.keys(config.agencies)
    .sort()
    .filter((id) => verifyToken(`${id}-demo`, config.agencies[id]!.tokenHash));
}

function options(h: ScryptHash): { N: number; r: number; p: number; maxmem: number } {
  return { N: h.N, r: h.r, p: h.p, maxmem: MAXMEM };
}

function parseCount(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 2 ** 30 ? n : undefined;
}

function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Only the canonical encoding: Buffer.from silently ignores stray padding and trailing bits.
  return bytes.toString('base64') === text ? bytes : null;
}
