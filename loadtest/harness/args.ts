// Command line of the load-test harness (npm run loadtest -- …).
import { parseArgs } from 'node:util';
import { HarnessError, HarnessErrorCode } from './errors.ts';
import { LIMITS } from './scenario.ts';

export const USAGE = `usage: npm run loadtest -- --scenario NAME [flags]
  --scenario NAME     loadtest/scenarios/NAME.json, or a path to a .json scenario file
  --target HOST:PORT  load a running server instead of starting one (its agencies and
                      tokens must match the scenario's server.agencies)
  --procs N           client processes (default: the scenario's procs, else min(2, cores))
  --duration S        run length in seconds (default: the scenario's durationSec)
  --out DIR           where result.json and report.html go
                      (default loadtest/results/<scenario>-<timestamp>/)
  --help`;

export interface HarnessArgs {
  scenario: string;
  target: { host: string; port: number } | undefined;
  procs: number | undefined;
  durationSec: number | undefined;
  out: string | undefined;
  help: boolean;
}

function bad(message: string): never {
  throw new HarnessError(HarnessErrorCode.ERR_HARNESS_ARGS, `${message}\n${USAGE}`);
}

function positive(flag: string, text: string | undefined, max: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) {
    bad(`--${flag} must be ${integer ? 'an integer' : 'a number'} in (0, ${max}], got '${text}'`);
  }
  return n;
}

function target(text: string | undefined): HarnessArgs['target'] {
  if (text === undefined) return undefined;
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : 0;
  if (m === null || port < 1 || port > 65_535) bad(`--target must be host:port, got '${text}'`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export function parseHarnessArgs(argv: readonly string[]): HarnessArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        scenario: { type: 'string' },
        target: { type: 'string' },
        procs: { type: 'string' },
        duration: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    bad((err as Error).message);
  }
  const str = (k: string): string | undefined =>
    typeof values[k] === 'string' ? (values[k] as string) : undefined;
  const help = values.help === true;
  const scenario = str('scenario');
  if (scenario === undefined && !help) bad('--scenario is required');
  return {
    scenario: scenario ?? '',
    target: target(str('target')),
    procs: positive('procs', str('procs'), LIMITS.procs, true),
    durationSec: positive('duration', str('duration'), LIMITS.durationSec, false),
    out: str('out'),
    help,
  };
}
