// Real servers for the downlink tests: started from a configuration object, with a client per
// stream and a /metrics scrape.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stream } from '../../protocol/constants.ts';
import { type ScsServer, startServer } from '../../src/server/server.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { connect, request, testAgencies } from '../support/server.ts';

/** A server on free ports with `extra` merged into its configuration; `stateDir` a fresh one unless given. */
export async function startWith(extra: Record<string, unknown>, stateDir?: string): Promise<ScsServer> {
  return startServer({
    config: {
      server: {
        port: 0,
        httpPort: 0,
        host: '127.0.0.1',
        actors: 1,
        stateDir: stateDir ?? mkdtempSync(join(tmpdir(), 'scs-downlink-')),
      },
      agencies: testAgencies(),
      archive: { enabled: false },
      log: { level: 'silent' },
      ...extra,
    },
    logger: silentLogger(),
  });
}

export async function subscribe(server: ScsServer, stream: Stream) {
  const c = await connect(server);
  await c.request(request({ stream }));
  return c;
}

export async function scrape(server: ScsServer): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
  return res.text();
}

/** The value of the first sample of `name` whose labels contain `labels`; NaN when none. */
export function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}
