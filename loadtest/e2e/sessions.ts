// Session costs of `scs serve` (issue 15 targets), run by `npm run bench:e2e -- --sessions`:
// the time of 1000 handshakes (connect → REQUEST → ACK, 64 at a time, from one client
// process), and the server's memory per idle session (its RSS before and with 10,000 idle
// `frames` sessions open, the link up and silent). The clients are in this process: they only
// connect, request and wait.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageType } from '../../protocol/constants.ts';
import { encodeMessage } from '../../protocol/encode.ts';
import { systemClock } from '../../src/util/clock.ts';
import { AGENCY } from './runner.ts';
import { startScs } from './systems.ts';

const TOKEN = 'bench-e2e-token';

export interface SessionFigures {
  handshakes: number;
  handshakeSec: number;
  idleSessions: number;
  rssBeforeMiB: number;
  rssWithMiB: number;
  perSessionKB: number;
}

function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Opens one session; resolves with the socket once the ACK (type 0x02) arrives. */
function session(port: number, i: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let seen = Buffer.alloc(0);
    socket.once('connect', () => {
      socket.write(
        encodeMessage(MessageType.REQUEST, 0, systemClock.nowUs(), {
          agency: AGENCY,
          token: TOKEN,
          client: `idle-${i}`,
          stream: 'frames',
          mode: 'realtime',
          delivery: 'complete',
        }),
      );
    });
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (seen.length < 6) return;
      socket.off('data', onData);
      if (seen[5] === MessageType.ACK) resolve(socket);
      else
        reject(
          new Error(
            `session ${i}: message type ${seen[5]} instead of ACK: ${seen.subarray(24).toString('latin1')}`,
          ),
        );
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

async function open(port: number, from: number, count: number, lanes: number): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) {
        const i = from + next++;
        out.push(await session(port, i));
      }
    }),
  );
  return out;
}

export async function measureSessions(
  handshakes: number,
  idle: number,
  frameLength: number,
): Promise<SessionFigures> {
  const sut = await startScs({
    agency: AGENCY,
    token: TOKEN,
    maxConnections: handshakes + idle,
    frameLength,
    actors: 2,
    ringSlots: 16_384,
  });
  const sockets: net.Socket[] = [];
  try {
    // The link up (and silent), as in operations between passes.
    const link = net.connect({ host: '127.0.0.1', port: sut.publishPort });
    sockets.push(link);
    await sleep(500);
    // One session at a time first, until each actor has proved the token once (scrypt, tens of
    // ms): the auth gate counts attempts from one address before their check, so 64 first
    // attempts at once would be throttled as if they were guesses (src/admission/auth-gate.ts).
    for (const s of await open(sut.clientPort, -8, 8, 1)) s.destroy();
    const t0 = performance.now();
    const first = await open(sut.clientPort, 0, handshakes, 64);
    const handshakeSec = (performance.now() - t0) / 1000;
    for (const s of first) s.destroy();
    await sleep(2000);
    const before = rssBytes(sut.pid);
    sockets.push(...(await open(sut.clientPort, handshakes, idle, 64)));
    await sleep(3000); // a heartbeat period: every session has done its first HEARTBEAT
    const withSessions = rssBytes(sut.pid);
    return {
      handshakes,
      handshakeSec,
      idleSessions: idle,
      rssBeforeMiB: before / 2 ** 20,
      rssWithMiB: withSessions / 2 ** 20,
      perSessionKB: (withSessions - before) / idle / 1024,
    };
  } finally {
    for (const s of sockets) s.destroy();
    await sut.stop();
  }
}
