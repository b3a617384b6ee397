// The body of a load-test server process (bench-server.ts, harness/server-proc.ts): the real
// startServer in its own process, so its CPU and event loop are apart from the clients'.
// Answers `listening` with its ports, and closes on the parent's `close`.
import { type ScsServer, type StartOptions, startServer } from '../src/server/server.ts';
import { failToParent, type Kinded, serveParent, toParent } from './child-process.ts';

const isClose = (msg: Kinded): msg is { kind: 'close' } => msg.kind === 'close';

export async function runServerChild(lifetimeMs: number, hint: string, start: StartOptions): Promise<void> {
  let server: ScsServer | undefined;
  serveParent(lifetimeMs, hint, isClose, () => {
    // A hung shutdown still ends with the lifetime timer or the parent's SIGKILL.
    if (server === undefined) process.exit(0);
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  try {
    server = await startServer(start);
    toParent({ kind: 'listening', port: server.port, httpPort: server.httpPort });
  } catch (err) {
    failToParent(err);
  }
}
