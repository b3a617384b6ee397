// The SCS server under load, in its own process so the client processes never share its
// event loop: the real startServer with the configuration built by server-config.ts.
// Started by main.ts when there is no --target; talks to it over IPC.
import { runServerChild } from '../server-child.ts';
import type { ServerProcOptions } from './ipc.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as ServerProcOptions;

await runServerChild(
  opts.lifetimeMs,
  'this script is a child of loadtest/harness/main.ts; run `npm run loadtest`',
  { config: opts.config },
);
