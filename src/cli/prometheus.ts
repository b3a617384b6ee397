// A reader of the Prometheus text exposition format (version 0.0.4), enough for `scs status`:
// samples with labels; comments, HELP and TYPE lines skipped.
import { CliError, CliErrorCode } from './errors.ts';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

/** Like Prometheus (Go's ParseFloat), special values in any case: prom-client writes `Nan`. */
function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`bad value '${text}'`);
  return n;
}

/** Parses `{a="x",b="y"}` from `start` (at the brace); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): [Record<string, string>, number] {
  // No prototype: a label named `__proto__` is an ordinary key.
  const labels = Object.create(null) as Record<string, string>;
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return [labels, i + 1];
    const name = NAME.exec(line.slice(i))?.[0];
    if (name === undefined || line[i + name.length] !== '=' || line[i + name.length + 1] !== '"') {
      throw new Error('bad label');
    }
    i += name.length + 2;
    let v = '';
    while (line[i] !== '"') {
      if (i >= line.length) throw new Error('unterminated label value');
      if (line[i] === '\\') {
        i++;
        v += ESCAPES[line[i] ?? ''] ?? `\\${line[i] ?? ''}`;
      } else {
        v += line[i];
      }
      i++;
    }
    labels[name] = v;
    i++;
  }
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const name = NAME.exec(line)?.[0];
      if (name === undefined) throw new Error('no metric name');
      let labels: Record<string, string> = {};
      let i = name.length;
      if (line[i] === '{') [labels, i] = parseLabels(line, i);
      // After the value an optional timestamp may follow; it is not needed here.
      const value = parseValue(line.slice(i).trim().split(/\s+/)[0] ?? '');
      samples.push({ name, labels, value });
    } catch (err) {
      throw new CliError(CliErrorCode.BAD_ANSWER, `metrics line ${n + 1}: ${(err as Error).message}`);
    }
  }
  return samples;
}
