// The end-to-end bench's publisher process: one TCP connection, either into an SCS `tcp-server`
// link (the CADU byte stream a ground-station front end sends) or to nats-server (one
// `PUB <subject> <frame length>` per transfer frame). The same frames and the same pacing for
// both: frame k of a step is written when due, t0 + k/rate, in as few writes as the timer gives
// (1 ms ticks); nothing is copied per frame (the pool is sent in place, see frames.ts).
// A connection that does not take the bytes (more than MAX_QUEUED waiting) holds the publisher
// back; how far behind its schedule it fell is reported (a downlink cannot wait: that is a fail).
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../../src/util/clock.ts';
import { buildFramePool, POOL_FRAMES } from './frames.ts';
import { failToParent, type PublisherIn, serveParent, toParent } from './messages.ts';

export interface PublisherOptions {
  system: 'scs' | 'nats';
  port: number;
  frameLength: number;
  /** NATS subject. */
  subject: string;
  lifetimeMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as PublisherOptions;
/** Bytes the publisher lets wait in its socket before it stops writing (it is then behind). */
const MAX_QUEUED = 4 * 1024 * 1024;
/** Frames written at most per turn, so one turn never holds the loop long. */
const MAX_BURST = 4096;

const pool = buildFramePool(opts.frameLength);
/** Per frame on the wire: the CADU (SCS) or `PUB … \r\n` + frame + `\r\n` (NATS). */
const { wire, unit } = (() => {
  if (opts.system === 'scs') return { wire: pool.bytes, unit: pool.caduBytes };
  const head = Buffer.from(`PUB ${opts.subject} ${opts.frameLength}\r\n`, 'latin1');
  const u = head.length + opts.frameLength + 2;
  const b = Buffer.allocUnsafe(u * POOL_FRAMES);
  for (let i = 0; i < POOL_FRAMES; i++) {
    const at = i * u;
    head.copy(b, at);
    // The transfer frame without its sync marker: the payload SCS clients get as `data`.
    pool.bytes.copy(b, at + head.length, i * pool.caduBytes + 4, (i + 1) * pool.caduBytes);
    b[at + u - 2] = 0x0d;
    b[at + u - 1] = 0x0a;
  }
  return { wire: b, unit: u };
})();

let poolPos = 0;

function writeFrames(socket: net.Socket, n: number): void {
  while (n > 0) {
    const take = Math.min(n, POOL_FRAMES - poolPos);
    socket.write(wire.subarray(poolPos * unit, (poolPos + take) * unit));
    poolPos = (poolPos + take) % POOL_FRAMES;
    n -= take;
  }
}

async function connectOnce(): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port: opts.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', (err) => failToParent(err));
  socket.on('close', () => failToParent(new Error('publisher connection closed by the server')));
  if (opts.system === 'nats') {
    socket.on('data', (chunk: Buffer) => {
      // PING from the server needs a PONG or it drops the connection; everything else is ignored.
      if (chunk.includes('PING\r\n')) socket.write('PONG\r\n');
    });
    socket.write('CONNECT {"verbose":false,"pedantic":false,"name":"bench-e2e-pub"}\r\n');
  } else {
    socket.resume();
  }
  return socket;
}

async function run(socket: net.Socket, msg: PublisherIn): Promise<void> {
  let sent = 0;
  let maxBehind = 0;
  let blocked = false;
  const rateUs = msg.rate / 1e6;
  const wait = msg.t0Us - systemClock.nowUs();
  if (wait > 0) await sleep(wait / 1000);
  const t0 = systemClock.nowUs();
  const endUs = msg.flood ? t0 + msg.floodMs * 1000 : Number.POSITIVE_INFINITY;
  for (;;) {
    const now = systemClock.nowUs();
    if (msg.flood) {
      if (now >= endUs) break;
      if (socket.writableLength < MAX_QUEUED) {
        const n = Math.min(MAX_BURST, Math.ceil((MAX_QUEUED - socket.writableLength) / unit));
        writeFrames(socket, n);
        sent += n;
      }
      await new Promise((r) => setImmediate(r));
      continue;
    }
    const due = Math.min(msg.frames, Math.floor((now - msg.t0Us) * rateUs) + 1);
    if (due > sent && socket.writableLength >= MAX_QUEUED) blocked = true;
    if (due > sent && socket.writableLength < MAX_QUEUED) {
      const n = Math.min(due - sent, MAX_BURST);
      writeFrames(socket, n);
      sent += n;
    }
    if (due - sent > maxBehind) maxBehind = due - sent;
    if (sent >= msg.frames) break;
    // Behind schedule: the next turn at once; otherwise wait for the next frame's due time.
    if (due > sent) await new Promise((r) => setImmediate(r));
    else await sleep(Math.max(1, Math.min(5, sent / rateUs / 1000 - (now - msg.t0Us) / 1000)));
  }
  const wallSec = (systemClock.nowUs() - (msg.flood ? t0 : msg.t0Us)) / 1e6;
  toParent({ kind: 'done', sent, wallSec, maxBehind, blocked });
}

toParent({ kind: 'loaded' });
try {
  const socket = await connectOnce();
  let busy = false;
  serveParent<PublisherIn | { kind: 'close' }>(opts.lifetimeMs, ['run', 'close'], (msg) => {
    if (msg.kind === 'close') {
      socket.destroy();
      process.exit(0);
    }
    if (busy) return failToParent(new Error('run while running'));
    busy = true;
    run(socket, msg).then(
      () => {
        busy = false;
      },
      (err: unknown) => failToParent(err),
    );
  });
  toParent({ kind: 'ready', admitted: 1, refused: {} });
} catch (err) {
  failToParent(err);
}
