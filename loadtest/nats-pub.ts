// NATS baseline publisher process (the `nats` npm client): publishes fixed-size messages as
// fast as the subscribers take them. Each payload starts with its seq and publish time
// (float64 BE, µs). Flow control: subscribers acknowledge their progress on `ackSubject`, and
// at most `window` messages are ever ahead of the slowest subscriber. Without it nats-server
// would buffer for the slow readers until it cuts them off as slow consumers (64 MiB each), and
// the publisher's own socket queue would grow without bound.
// Started by fanout.ts with its options as one JSON argument; talks to it over IPC (ipc.ts).
import { setImmediate as nextTurn } from 'node:timers/promises';
import { connect } from 'nats';
import { systemClock } from '../src/util/clock.ts';
import { failToParent, serveParent, toParent } from './ipc.ts';

export interface NatsPubOptions {
  port: number;
  subject: string;
  ackSubject: string;
  subscribers: number;
  messageBytes: number;
  window: number;
  /** Messages published per event-loop turn (nats.js writes them out as one batch). */
  batch: number;
  lifetimeMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as NatsPubOptions;
const acked = new Float64Array(opts.subscribers);
let minAcked = 0;
let published = 0;
let running = false;
let wake: (() => void) | undefined;

function onAck(text: string): void {
  const space = text.indexOf(' ');
  const id = Number(text.slice(0, space));
  const count = Number(text.slice(space + 1));
  if (!(id >= 0 && id < acked.length) || !(count > acked[id]!)) return;
  const was = acked[id]!;
  acked[id] = count;
  if (was !== minAcked) return;
  let min = Number.POSITIVE_INFINITY;
  for (const a of acked) if (a < min) min = a;
  minAcked = min;
  wake?.();
}

async function publishLoop(nc: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const size = opts.messageBytes;
  while (running) {
    const room = minAcked + opts.window - published;
    if (room <= 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
      continue;
    }
    const n = Math.min(room, opts.batch);
    // nats.js keeps references to published payloads until it writes them: a fresh block per batch.
    const block = Buffer.allocUnsafe(n * size);
    const t = systemClock.nowUs();
    for (let i = 0; i < n; i++) {
      block.writeDoubleBE(published + i, i * size);
      block.writeDoubleBE(t, i * size + 8);
      nc.publish(opts.subject, block.subarray(i * size, (i + 1) * size));
    }
    published += n;
    await nextTurn();
  }
}

try {
  const nc = await connect({ servers: `127.0.0.1:${opts.port}`, name: 'bench-pub', reconnect: false });
  const decoder = new TextDecoder();
  nc.subscribe(opts.ackSubject, { callback: (_err, msg) => onAck(decoder.decode(msg.data)) });
  await nc.flush();
  serveParent(opts.lifetimeMs, (msg) => {
    if (msg.kind === 'go' && !running) {
      running = true;
      publishLoop(nc).catch(failToParent);
    } else if (msg.kind === 'close') {
      running = false;
      setTimeout(() => process.exit(0), 2000).unref();
      void nc.close().finally(() => process.exit(0));
    }
  });
  toParent({ kind: 'ready', admitted: 1, refused: {} });
} catch (err) {
  failToParent(err);
}
