// The two systems under test, each as separate processes on 127.0.0.1: SCS as `scs serve` with a
// bench configuration (one `tcp-server` link for the publisher, TM frames with FECF, simulator
// and archive off, one agency), and nats-server (the Debian package).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { hashToken } from '../../src/config/token.ts';
import { BenchError, BenchErrorCode } from '../errors.ts';
import { freePort, startNatsBroker, stopProcess } from '../nats-broker.ts';

export interface SystemUnderTest {
  system: 'scs' | 'nats';
  /** Where subscribers connect. */
  clientPort: number;
  /** Where the publisher connects (SCS: the link; NATS: the same port). */
  publishPort: number;
  /** SCS: the ops HTTP port (/metrics). */
  httpPort: number;
  pid: number;
  stop(): Promise<void>;
}

export interface ScsBenchOptions {
  agency: string;
  token: string;
  maxConnections: number;
  frameLength: number;
  actors: number;
  /** Merged over the bench configuration's `session` (e.g. buffer sizes under study). */
  session?: Record<string, number>;
  /** Slots of the frames and packets rings (the actors' jitter allowance: slots / frame rate). */
  ringSlots: number;
  /** The server's CPU profile directory (node --cpu-prof), when profiling. */
  cpuProfDir?: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The servers have no IPC channel to notice the orchestrator's end by: kill them when it exits
// (main.ts turns SIGINT and SIGTERM into an exit).
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
function track(pid: number | undefined): () => void {
  if (pid === undefined) return () => undefined;
  running.add(pid);
  return () => running.delete(pid);
}

export async function startScs(o: ScsBenchOptions): Promise<SystemUnderTest> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scs-bench-e2e-'));
  const [port, httpPort, linkPort] = [await freePort(), await freePort(), await freePort()];
  const config = {
    server: {
      host: '127.0.0.1',
      port,
      httpHost: '127.0.0.1',
      httpPort,
      actors: o.actors,
      maxClients: o.maxConnections,
      maxSockets: o.maxConnections + 64,
      maxSocketsPerIp: o.maxConnections + 64,
      connectRatePerIp: 1_000_000,
      stateDir: path.join(dir, 'state'),
    },
    ...(o.session ? { session: o.session } : {}),
    ring: {
      frames: { slots: o.ringSlots, slotBytes: 2048 },
      packets: { slots: o.ringSlots, slotBytes: 2048 },
    },
    agencies: {
      [o.agency]: { tokenHash: hashToken(o.token), maxConnections: o.maxConnections, streams: ['frames'] },
    },
    simulator: { enabled: false },
    links: [
      {
        id: 'bench',
        station: 'BENCH',
        transport: { kind: 'tcp-server', host: '127.0.0.1', port: linkPort, allowFrom: ['127.0.0.1/32'] },
        frame: { type: 'tm', length: o.frameLength, scid: 42, fecf: true },
      },
    ],
    // NATS core keeps nothing either; recording has its own bench (npm run bench:archive).
    archive: { enabled: false },
    log: { level: 'warn' },
  };
  const file = path.join(dir, 'bench.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const prof = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  const proc = spawn(process.execPath, [...prof, path.join(root, 'src/cli.ts'), 'serve', '--config', file], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const untrack = track(proc.pid);
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (process.env.BENCH_E2E_VERBOSE) process.stderr.write(chunk);
  });
  const stop = async () => {
    await stopProcess(proc, 8000);
    untrack();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && proc.exitCode === null) {
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      if (res.ok)
        return { system: 'scs', clientPort: port, publishPort: linkPort, httpPort, pid: proc.pid!, stop };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new BenchError(BenchErrorCode.ERR_BENCH_CHILD, `scs serve did not become ready: ${stderr.trim()}`);
}

export async function startNats(): Promise<SystemUnderTest> {
  const broker = await startNatsBroker();
  const untrack = track(broker.pid);
  return {
    system: 'nats',
    clientPort: broker.port,
    publishPort: broker.port,
    httpPort: 0,
    pid: broker.pid,
    stop: async () => {
      await broker.stop();
      untrack();
    },
  };
}

/** One counter family from the SCS /metrics text, summed over its label sets. */
export async function scrapeCounter(httpPort: number, name: string): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const rest = line.slice(name.length);
      if (rest[0] !== ' ' && rest[0] !== '{') continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
    }
    return sum;
  } catch {
    return Number.NaN;
  }
}
