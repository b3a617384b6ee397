// Real servers for the downlink tests: started from a configuration object, with a client per
// stream and a /metrics scrape.
import type { Stream } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { connect, request, startConfiguredServer } from '../support/server.ts';

/** A server on free ports with `extra` merged into its configuration; `stateDir` a fresh one unless given. */
export function startWith(extra: Record<string, unknown>, stateDir?: string): Promise<ScsServer> {
  return startConfiguredServer(stateDir === undefined ? extra : { ...extra, server: { stateDir } });
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
