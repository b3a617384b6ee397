// --target: one connection to the server before any client process starts, so a wrong address
// is one clear line (exit 2) rather than a run whose every client fails.
import net from 'node:net';
import { HarnessError, HarnessErrorCode } from './errors.ts';

const PROBE_TIMEOUT_MS = 5000;

export function probeTarget(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new HarnessError(HarnessErrorCode.ERR_HARNESS_CONNECT, `cannot connect to ${host}:${port}: ${why}`),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once('connect', () => {
      // Closed before any byte: the server counts a connection that never sent a REQUEST.
      socket.destroy();
      resolve();
    });
  });
}
