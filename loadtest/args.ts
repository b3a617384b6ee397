// Command line of the fan-out benchmark (loadtest/fanout.ts).
import { parseArgs } from 'node:util';
import { BenchError, BenchErrorCode } from './errors.ts';

export const USAGE = `usage: npm run bench:fanout -- [flags]
  --only a|b|nats     a: SCS at --rate-hz (operational); b: SCS saturated and the NATS
                      baseline side by side; nats: the NATS baseline alone (default: a and b)
  --n LIST            client counts, e.g. 10,100 (default a: 10,100,1000; b and nats: 1,10,100)
  --duration S        measurement window in seconds (default a: 10, b: 5)
  --warmup S          seconds between the last admission and the window (default 1)
  --procs K           client processes per scenario (default 1 below 10 clients, else 2)
  --crc-every K       clients check the CRC of every K-th frame; 1 = all, 0 = none (default 16)
  --actors K          SCS actor threads (default 2)
  --batch K           frames per commit of the saturating test source (default: the source's)
  --rate-hz R         frame rate of scenario a (default 100)
  --frame-length B    transfer frame length in bytes (default 1115)
  --window K          NATS: messages the publisher may be ahead of the slowest subscriber (default 2048)
  --out FILE          JSON result (default loadtest/results/fanout-<timestamp>.json)`;

export interface BenchArgs {
  scenarios: { a: boolean; b: boolean; nats: boolean };
  nA: number[];
  nB: number[];
  durationA: number;
  durationB: number;
  warmupSec: number;
  procs: number | undefined;
  crcEvery: number;
  actors: number;
  batch: number | undefined;
  rateHz: number;
  frameLength: number;
  natsWindow: number;
  out: string | undefined;
  help: boolean;
}

function bad(message: string): never {
  throw new BenchError(BenchErrorCode.ERR_BENCH_ARGS, `${message}\n${USAGE}`);
}

function num(name: string, text: string | undefined, fallback: number, min: number, integer = true): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
    bad(`--${name}: bad value '${text}'`);
  return v;
}

function list(text: string): number[] {
  const values = text.split(',').map((t) => Number(t.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1 || v > 100_000)) {
    bad(`--n: bad list '${text}'`);
  }
  return values;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const only = v.only;
  if (only !== undefined && !['a', 'b', 'nats'].includes(only))
    bad(`--only: expected a, b or nats, got '${only}'`);
  const n = v.n === undefined ? undefined : list(v.n);
  const duration = v.duration === undefined ? undefined : num('duration', v.duration, 0, 0.5, false);
  return {
    scenarios: {
      a: only === undefined || only === 'a',
      b: only === undefined || only === 'b',
      nats: only === undefined || only === 'b' || only === 'nats',
    },
    nA: n ?? [10, 100, 1000],
    nB: n ?? [1, 10, 100],
    durationA: duration ?? 10,
    durationB: duration ?? 5,
    warmupSec: num('warmup', v.warmup, 1, 0, false),
    procs: v.procs === undefined ? undefined : num('procs', v.procs, 1, 1),
    crcEvery: num('crc-every', v['crc-every'], 16, 0),
    actors: num('actors', v.actors, 2, 1),
    batch: v.batch === undefined ? undefined : num('batch', v.batch, 64, 1),
    rateHz: num('rate-hz', v['rate-hz'], 100, 0.001, false),
    frameLength: num('frame-length', v['frame-length'], 1115, 16),
    natsWindow: num('window', v.window, 2048, 1),
    out: v.out,
    help: v.help === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      only: { type: 'string' },
      n: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      procs: { type: 'string' },
      'crc-every': { type: 'string' },
      actors: { type: 'string' },
      batch: { type: 'string' },
      'rate-hz': { type: 'string' },
      'frame-length': { type: 'string' },
      window: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
