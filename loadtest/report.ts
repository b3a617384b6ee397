// Output of the fan-out benchmark: the table, the SCS/NATS ratios, the verdicts on the
// targets of the issue, and the JSON result file.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine.ts';
import type { Measurement } from './scenarios.ts';

/** Saturation with 100 clients must deliver at least this many times NATS's figure. */
export const SATURATION_TARGET_RATIO = 2;
const SATURATION_TARGET_N = 100;
const OPERATIONAL_TARGET_N = 1000;

export interface Failure {
  system: 'scs' | 'nats';
  scenario: string;
  n: number;
  code: string;
  message: string;
}

export interface Ratio {
  n: number;
  scsRecordsPerSec: number;
  natsMessagesPerSec: number;
  ratio: number;
}

export interface Verdict {
  target: string;
  status: 'met' | 'missed' | 'not measured';
  detail: string;
}

const fixed = (v: number, digits: number) => v.toFixed(digits);
const count = (v: number) => Math.round(v).toLocaleString('en-US');

const COLUMNS: [string, (m: Measurement) => string][] = [
  ['scenario', (m) => (m.scenario === 'a' ? 'a operational' : 'b saturation')],
  ['system', (m) => m.system],
  ['N', (m) => String(m.n)],
  ['admitted', (m) => String(m.admitted)],
  ['records/s', (m) => count(m.recordsPerSec)],
  ['MB/s', (m) => fixed(m.payloadMBps, 1)],
  ['wire MB/s', (m) => fixed(m.wireMBps, 1)],
  ['p50 ms', (m) => fixed(m.latencyMs.p50, 2)],
  ['p99 ms', (m) => fixed(m.latencyMs.p99, 2)],
  ['max ms', (m) => fixed(m.latencyMs.max, 2)],
  ['lost', (m) => count(m.lost)],
  ['skipped', (m) => count(m.skipped)],
  [
    'CPU srv/cli/pub %',
    (m) => ['server', 'clients', 'publisher'].map((k) => fixed(m.cpuPct[k] ?? 0, 0)).join('/'),
  ],
];

export function formatTable(rows: readonly Measurement[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((m) => COLUMNS.map(([, f]) => f(m)))];
  const widths = COLUMNS.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells
    .map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '))
    .join('\n');
}

/** Anomalies worth a line under the table: refused or dropped sessions, CRC or framing errors. */
export function formatNotes(rows: readonly Measurement[]): string[] {
  const notes: string[] = [];
  for (const m of rows) {
    const tag = `${m.system} ${m.scenario} N=${m.n}`;
    if (Object.keys(m.refused).length > 0) notes.push(`${tag}: not admitted ${JSON.stringify(m.refused)}`);
    if (Object.keys(m.ended).length > 0)
      notes.push(`${tag}: sessions ended early ${JSON.stringify(m.ended)}`);
    if (m.crcErrors > 0) notes.push(`${tag}: ${m.crcErrors} CRC errors in ${m.crcChecked} checked frames`);
    if (m.malformed > 0 || m.messageGaps > 0 || m.disorder > 0) {
      notes.push(
        `${tag}: ${m.malformed} malformed bodies, ${m.messageGaps} message gaps, ${m.disorder} out-of-order records`,
      );
    }
  }
  return notes;
}

export function ratios(rows: readonly Measurement[]): Ratio[] {
  const out: Ratio[] = [];
  for (const scs of rows.filter((m) => m.system === 'scs' && m.scenario === 'b')) {
    const nats = rows.find((m) => m.system === 'nats' && m.n === scs.n);
    if (nats === undefined || nats.recordsPerSec === 0) continue;
    out.push({
      n: scs.n,
      scsRecordsPerSec: scs.recordsPerSec,
      natsMessagesPerSec: nats.recordsPerSec,
      ratio: scs.recordsPerSec / nats.recordsPerSec,
    });
  }
  return out;
}

export function verdicts(rows: readonly Measurement[], ratioList: readonly Ratio[]): Verdict[] {
  const sat = ratioList.find((r) => r.n === SATURATION_TARGET_N);
  const op = rows.find((m) => m.system === 'scs' && m.scenario === 'a' && m.n === OPERATIONAL_TARGET_N);
  const opClean =
    op !== undefined &&
    op.admitted === op.n &&
    op.open === op.n &&
    op.lost === 0 &&
    op.skipped === 0 &&
    op.crcErrors === 0 &&
    op.malformed === 0 &&
    op.messageGaps === 0;
  return [
    {
      target: `saturation N=${SATURATION_TARGET_N}: SCS ≥ ${SATURATION_TARGET_RATIO}× NATS`,
      status: sat === undefined ? 'not measured' : sat.ratio >= SATURATION_TARGET_RATIO ? 'met' : 'missed',
      detail: sat === undefined ? '' : `ratio ${sat.ratio.toFixed(2)}`,
    },
    {
      target: `operational N=${OPERATIONAL_TARGET_N}: zero loss`,
      status: op === undefined ? 'not measured' : opClean ? 'met' : 'missed',
      detail:
        op === undefined
          ? ''
          : `admitted ${op.admitted}/${op.n}, open ${op.open}, lost ${op.lost}, skipped ${op.skipped}, CRC errors ${op.crcErrors}`,
    },
  ];
}

export function writeResult(file: string, result: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

export function formatMachine(m: MachineInfo): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.kernel}; load average ${m.loadAverage.join(' ')}`;
}
