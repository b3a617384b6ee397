// Runs a nats-server for the baseline: loopback only, on a free port, stopped by the caller.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError, BenchErrorCode } from './errors.ts';

export interface NatsBroker {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 5000;

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function accepts(port: number): Promise<boolean> {
  const socket = net.connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

export async function stopProcess(proc: ChildProcess, graceMs = 3000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function startNatsBroker(binary = 'nats-server'): Promise<NatsBroker> {
  const port = await freePort();
  const proc = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let spawnError: Error | undefined;
  proc.on('error', (err) => {
    spawnError = err;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError !== undefined || proc.exitCode !== null) break;
    if (await accepts(port)) return { port, pid: proc.pid ?? -1, stop: () => stopProcess(proc) };
    await sleep(50);
  }
  if (spawnError === undefined) await stopProcess(proc);
  const why = spawnError?.message ?? (stderr.trim() || `not listening on 127.0.0.1:${port}`);
  throw new BenchError(BenchErrorCode.ERR_BENCH_NATS, `${binary}: ${why}`);
}
