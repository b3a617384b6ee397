// `scs mdb check FILE`: what of a mission database imports, what is left out and why, as a
// table (or --json). Exit 0: everything imports; 1: partly (findings); 2: nothing usable, or
// the file cannot be read or parsed (and usage errors).
import { parseArgs } from 'node:util';
import { MdbError } from '../mdb/errors.ts';
import { parseMdb, parseMdbText, readMdbText } from '../mdb/load.ts';
import { importXtce, type XtceReport } from '../mdb/xtce.ts';
import { type CliIo, errorLine, writeOut } from './io.ts';

export const help = `Usage: scs mdb check FILE [--strict] [--json]

Reads a mission database (XTCE when FILE ends in .xml, the native JSON format otherwise) the way
scs serve does and reports what imports and what is left out and why: one row per finding, with
its line, rule, element and message (which names what it costs).

  --strict   refuse on any finding, as a strict import would
  --json     one JSON object: the counts and the findings

Exit codes: 0 everything imports, 1 partly (see the findings), 2 nothing usable, the file
cannot be read or parsed, or a usage error.`;

const EXIT = { ALL: 0, PARTLY: 1, NOTHING: 2 } as const;

function table(file: string, report: XtceReport, ok: boolean): string {
  const lines = [
    `${file}: ${ok ? (report.findings.length === 0 ? 'imports entirely' : 'imports partly') : 'refused'}`,
    `  parameters ${report.parameters}, derived ${report.derived}, containers ${report.containers}, ` +
      `ground (no encoding) ${report.ground.length}, left out ${report.leftOut.length}, commands not imported ${report.commands}`,
  ];
  if (report.findings.length > 0) {
    const rows = report.findings.map((f) => [
      String(f.line ?? ''),
      f.rule,
      f.path.split('/').at(-1) ?? '',
      f.message,
    ]);
    const width = [4, 15, 0].map((w, i) => Math.max(w, ...rows.map((r) => r[i]!.length)));
    const head = ['LINE', 'RULE', 'ELEMENT', 'FINDING'];
    for (const r of [head, ...rows]) {
      lines.push(
        `  ${r[0]!.padStart(width[0]!)}  ${r[1]!.padEnd(width[1]!)}  ${r[2]!.padEnd(width[2]!)}  ${r[3]}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    errorLine(io, 'mdb', (err as Error).message);
    return EXIT.NOTHING;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'check' || positionals.length !== 2) {
    errorLine(io, 'mdb', 'usage: scs mdb check FILE [--strict] [--json] (see scs mdb --help)');
    return EXIT.NOTHING;
  }
  const file = positionals[1]!;
  try {
    const text = readMdbText(file);
    if (!file.toLowerCase().endsWith('.xml')) {
      parseMdbText(text);
      await writeOut(
        io.stdout,
        values.json ? `${JSON.stringify({ file, ok: true, findings: [] })}\n` : `${file}: imports entirely\n`,
      );
      return EXIT.ALL;
    }
    const { mdb, error, report } = importXtce(text.text, file, parseMdb, { strict: values.strict === true });
    const ok = mdb !== undefined;
    if (values.json) await writeOut(io.stdout, `${JSON.stringify({ file, ok, ...report })}\n`);
    else await writeOut(io.stdout, table(file, report, ok));
    if (!ok) {
      if (error !== undefined && !values.json)
        errorLine(io, 'mdb', error.issues.at(-1)?.message ?? error.message);
      return EXIT.NOTHING;
    }
    return report.findings.length === 0 ? EXIT.ALL : EXIT.PARTLY;
  } catch (err) {
    if (!(err instanceof MdbError)) throw err;
    errorLine(io, 'mdb', err.message);
    return EXIT.NOTHING;
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    options: { strict: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
}
