// Command line of the end-to-end benchmark (loadtest/e2e/main.ts).
import { parseArgs } from 'node:util';
import { BenchError, BenchErrorCode } from '../errors.ts';

export const USAGE = `usage: npm run bench:e2e -- [flags]
  --quick             short run: N = 1, 10; 2 s steps; one bisection; 2 s saturation
  --n LIST            client counts (default 1,10,100)
  --systems LIST      scs,nats (default both, SCS first for each N)
  --rates LIST        the fixed-rate ladder, frames/s (default 5000,10000,20000,40000,80000,160000,320000)
  --bisect K          bisection steps between the last passing and first failing rate (default 3)
  --step S            seconds each rate is sent (default 4)
  --drain S           seconds after the last frame's due time for every client to have it (default 2)
  --saturation S      seconds of the flooding publisher per system and N (default 4; 0 = skip)
  --procs K           most client processes per N (default 10: one process per client up to
                      N = 10; N = 100 in 10 processes of 10 sessions, see docs/PERFORMANCE.md)
  --actors K          SCS actor threads (default 2)
  --frame-length B    TM transfer frame length (default 1115)
  --session K=V,...   SCS session settings under study (e.g. completeBufferBytes=67108864)
  --ring-slots K      SCS frames and packets ring slots, a power of two (default 131072: 0.4 s
                      at 320 k frames/s, as the SPEC says to size rings for the peak rate)
  --cpu-prof DIR      write the SCS server's CPU profile (node --cpu-prof) into DIR
  --sessions          instead of the ladder: 1000 handshakes timed, then RSS with 10,000 idle sessions
  --out FILE          JSON result (default loadtest/results/e2e-<timestamp>.json)`;

export interface E2eArgs {
  quick: boolean;
  n: number[];
  systems: ('scs' | 'nats')[];
  rates: number[];
  bisect: number;
  stepSec: number;
  drainSec: number;
  saturationSec: number;
  procs: number;
  actors: number;
  frameLength: number;
  session: Record<string, number> | undefined;
  ringSlots: number;
  cpuProf: string | undefined;
  sessions: boolean;
  out: string | undefined;
  help: boolean;
}

function bad(message: string): never {
  throw new BenchError(BenchErrorCode.ERR_BENCH_ARGS, `${message}\n${USAGE}`);
}

function num(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || v < min) bad(`--${name}: bad value '${text}'`);
  return v;
}

function ints(name: string, text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const values = text.split(',').map((t) => Number(t.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1))
    bad(`--${name}: bad list '${text}'`);
  return values;
}

function session(text: string | undefined): Record<string, number> | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!k || !Number.isFinite(n)) bad(`--session: bad entry '${part}'`);
    out[k] = n;
  }
  return out;
}

export function parseE2eArgs(argv: readonly string[]): E2eArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  const quick = v.quick === true;
  const systems = (v.systems ?? 'scs,nats').split(',').map((s) => s.trim());
  if (systems.some((s) => s !== 'scs' && s !== 'nats')) bad(`--systems: expected scs and/or nats`);
  return {
    quick,
    n: ints('n', v.n, quick ? [1, 10] : [1, 10, 100]),
    systems: systems as ('scs' | 'nats')[],
    rates: ints('rates', v.rates, [5000, 10000, 20000, 40000, 80000, 160000, 320000]).sort((a, b) => a - b),
    bisect: num('bisect', v.bisect, quick ? 1 : 3, 0),
    stepSec: num('step', v.step, quick ? 2 : 4, 0.5),
    drainSec: num('drain', v.drain, 2, 0.1),
    saturationSec: num('saturation', v.saturation, quick ? 2 : 4, 0),
    procs: num('procs', v.procs, 10, 1),
    actors: num('actors', v.actors, 2, 1),
    frameLength: num('frame-length', v['frame-length'], 1115, 64),
    session: session(v.session),
    ringSlots: num('ring-slots', v['ring-slots'], 131_072, 2),
    cpuProf: v['cpu-prof'],
    sessions: v.sessions === true,
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
      quick: { type: 'boolean' },
      n: { type: 'string' },
      systems: { type: 'string' },
      rates: { type: 'string' },
      bisect: { type: 'string' },
      step: { type: 'string' },
      drain: { type: 'string' },
      saturation: { type: 'string' },
      procs: { type: 'string' },
      actors: { type: 'string' },
      'frame-length': { type: 'string' },
      session: { type: 'string' },
      'ring-slots': { type: 'string' },
      'cpu-prof': { type: 'string' },
      sessions: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
