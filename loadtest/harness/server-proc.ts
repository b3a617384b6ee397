// The SCS server under load, in its own process so the client processes never share its
// event loop: the real startServer with the configuration built by server-config.ts.
// Started by main.ts when there is no --target; talks to it over IPC.
import { type ScsServer, startServer } from '../../src/server/server.ts';
import { failToParent, type ServerProcOptions, serveParent, toParent } from './ipc.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as ServerProcOptions;
let server: ScsServer | undefined;

serveParent(opts.lifetimeMs, (msg) => {
  if (msg.kind !== 'close') return;
  // A hung shutdown still ends with the lifetime timer or the harness's SIGKILL.
  if (server === undefined) process.exit(0);
  void server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

try {
  server = await startServer({ config: opts.config });
  toParent({ kind: 'listening', port: server.port, httpPort: server.httpPort });
} catch (err) {
  failToParent(err);
}
