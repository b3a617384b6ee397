// The SCS server under test, in its own process so its CPU is measured apart from the
// clients': a test source ('rate' or 'saturate' frames), one bench agency sized for the
// scenario, loopback only, warn-level logs. Started by fanout.ts; talks to it over IPC.
import { hashToken } from '../src/config/token.ts';
import { runServerChild } from './server-child.ts';

export interface BenchServerOptions {
  mode: 'rate' | 'saturate';
  rateHz: number;
  frameLength: number;
  /** Frames per commit in saturate mode; the source's default when absent. */
  batch?: number;
  actors: number;
  agency: string;
  token: string;
  maxConnections: number;
  lifetimeMs: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as BenchServerOptions;
await runServerChild(
  opts.lifetimeMs,
  'this script is a child of loadtest/fanout.ts; run `npm run bench:fanout`',
  {
    config: {
      server: {
        host: '127.0.0.1',
        port: 0,
        httpHost: '127.0.0.1',
        httpPort: 0,
        actors: opts.actors,
        maxClients: opts.maxConnections,
        maxSockets: opts.maxConnections + 64,
        // Every bench client connects from 127.0.0.1 within a second or two.
        connectRatePerIp: 1_000_000,
      },
      agencies: {
        [opts.agency]: {
          tokenHash: hashToken(opts.token),
          maxConnections: opts.maxConnections,
          streams: ['frames'],
        },
      },
      log: { level: 'warn' },
      // Distribution is measured alone; the archive has its own bench (npm run bench:archive).
      archive: { enabled: false },
    },
    source: {
      kind: 'test',
      options: {
        mode: opts.mode,
        frameLength: opts.frameLength,
        ...(opts.mode === 'rate' ? { rateHz: opts.rateHz } : {}),
        ...(opts.batch === undefined ? {} : { batch: opts.batch }),
      },
    },
  },
);
