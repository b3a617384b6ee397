// parseArgs with a hint: an unknown option's error names the nearest option the command has
// ("unknown option '--cout' (did you mean --count?)"). The error keeps parseArgs' code
// (ERR_PARSE_ARGS_UNKNOWN_OPTION), so it is still a usage error (exit 2).
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Edit distance (insert, delete, substitute, swap two neighbours), for words of option length. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known option nearest to `given` (without dashes), when near enough to be a typo. */
export function nearestOption(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    // An abbreviation counts as a little more than one typo: '--form' is '--from' before '--format'.
    const d = Math.min(distance(given, name), name.startsWith(given) ? 1.5 : Number.POSITIVE_INFINITY);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(given.length / 3)) ? best : undefined;
}

export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw err;
    const given = /Unknown option '(-{1,2})([^'=]+)/.exec(e.message);
    if (given === null) throw err;
    const [, dashes, name] = given;
    const near = nearestOption(name!, Object.keys(config.options ?? {}));
    e.message = `unknown option '${dashes}${name}'${near === undefined ? '' : ` (did you mean --${near}?)`}`;
    throw e;
  }
}
