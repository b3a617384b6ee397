// npm run fuzz -- [--inputs N] [--connections M] [--seed S]
// Mutation fuzzer of ICD-001 client input (issue 12): N mutated messages through the server's
// decoders and schema step in-process, then M mutated messages over real TCP connections to a
// real server (one actor per core, the test source), with a good client admitted throughout.
// Prints the outcome counts and exits 1 on any input that was not refused with a coded NAK.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScsClient } from '../protocol/client.ts';
import { MessageType } from '../protocol/constants.ts';
import { hashToken } from '../src/config/token.ts';
import { startServer } from '../src/server/server.ts';
import { silentLogger } from '../src/util/logger.ts';
import { fuzzCodec, fuzzServer } from './fuzz/run.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const inputs = arg('inputs', 200_000);
const connections = arg('connections', 2_000);
const seed = arg('seed', Date.now() % 2 ** 31);
const mib = (n: number) => (n / 2 ** 20).toFixed(1);

const t0 = performance.now();
const codec = fuzzCodec(inputs, seed);
const codecS = (performance.now() - t0) / 1000;
console.log(
  `codec: ${codec.inputs} mutated inputs (seed ${seed}) in ${codecS.toFixed(1)} s: ${codec.frames} frames, ` +
    `${codec.refused} refused with a coded NAK, ${codec.requestsInvalid} INVALID_REQUEST, ${codec.requestsValid} valid; ` +
    `${codec.failures.length} failures`,
);
for (const f of codec.failures) console.log(`  FAIL ${f}`);

const agencies = Object.fromEntries(
  ['alpha', 'beta'].map((id) => [
    id,
    {
      tokenHash: hashToken(`${id}-secret`),
      maxConnections: 1000,
      parameters: id === 'beta' ? ['EPS.*'] : ['*'],
    },
  ]),
);
const server = await startServer({
  config: {
    server: {
      port: 0,
      httpPort: 0,
      host: '127.0.0.1',
      actors: 2,
      stateDir: mkdtempSync(join(tmpdir(), 'scs-fuzz-')),
      requestTimeoutMs: 500,
      connectRatePerIp: 1_000_000,
      maxSocketsPerIp: 100_000,
    },
    agencies,
    simulator: { enabled: false },
    archive: { enabled: false },
    log: { level: 'silent' },
  },
  source: { kind: 'test', options: { mode: 'rate', rateHz: 50 } },
  logger: silentLogger(),
});
const good = await ScsClient.connect({ port: server.port });
await good.request({
  agency: 'alpha',
  token: 'alpha-secret',
  client: 'good',
  stream: 'frames',
  mode: 'realtime',
});
let goodRecords = 0;
void (async () => {
  for await (const m of good.messages())
    if (m.type === MessageType.DATA) goodRecords += (m.body!.records as unknown[]).length;
})();
const rss0 = process.memoryUsage().rss;
const t1 = performance.now();
const before = goodRecords;
const net = await fuzzServer(server.port, connections, seed + 1);
const netS = (performance.now() - t1) / 1000;
const rss1 = process.memoryUsage().rss;
console.log(
  `server: ${net.connections} mutated connections in ${netS.toFixed(1)} s: ${JSON.stringify(net.outcomes)}; ` +
    `${net.failures.length} failures; good client received ${goodRecords - before} records meanwhile; ` +
    `RSS (fuzzer and server, one process) ${mib(rss0)} → ${mib(rss1)} MiB`,
);
for (const f of net.failures) console.log(`  FAIL ${f}`);
await good.close();
await server.close();
process.exit(codec.failures.length + net.failures.length === 0 && goodRecords > before ? 0 : 1);
