// Micro-benchmark of the acquisition thread's record encoders (src/acquisition/record-codec.ts),
// one thread: ICD §6 parameter samples and events encoded per CPU-second of this thread
// (process.threadCpuUsage, so a loaded machine does not halve the figure), against pack() of the
// same record as an object. A checksum of the encoded lengths keeps the work from being elided.
// Run: node loadtest/bench-encode.ts [records per run]
import { cpus } from 'node:os';
import { pack } from '../protocol/msgpack.ts';
import { RecordEncoder, type SampleFields } from '../src/acquisition/record-codec.ts';
import type { EventIn } from '../src/acquisition/source.ts';

const RECORDS = Number(process.argv[2] ?? 2_000_000);
const VARIANTS = 1024;

/** Housekeeping-like samples: mostly calibrated floats with a unit, some states and counters. */
const samples = Array.from({ length: VARIANTS }, (_, i): { name: string; unit?: string; s: SampleFields } => {
  const ert = 1_763_700_000_000_000 + i * 1000;
  const kind = i % 10;
  if (kind < 7) {
    const raw = (i * 2654435761) % 65536;
    return {
      name: `EPS.P${i % 60}_VOLTAGE`,
      unit: 'V',
      s: { scet: ert - 250_000, ert, raw, eng: raw * 0.0152587890625, limit: 'OK', quality: 0 },
    };
  }
  if (kind < 9) {
    return {
      name: `AOCS.MODE_${i % 8}`,
      s: {
        scet: ert - 250_000,
        ert,
        raw: i % 4,
        eng: ['SAFE', 'SUN', 'NADIR', 'SLEW'][i % 4]!,
        limit: 'OK',
        quality: 0,
      },
    };
  }
  return {
    name: 'OBC.UPTIME',
    unit: 's',
    s: { scet: ert, ert, raw: i, eng: i, limit: 'UNCHECKED', quality: 0 },
  };
});

const events = Array.from(
  { length: VARIANTS },
  (_, i): EventIn => ({
    time: 1_763_700_000_000_000 + i * 1000,
    severity: i % 2 === 0 ? 'WARNING' : 'INFO',
    source: 'mdb',
    type: i % 2 === 0 ? 'LIMIT_VIOLATION' : 'RETURN_TO_NOMINAL',
    message: `THERM.BATT_T ${i % 2 === 0 ? 'WARN_HIGH' : 'back within limits (was WARN_HIGH)'}: ${30 + (i % 7)} degC`,
    parameter: 'THERM.BATT_T',
    value: 30 + (i % 7),
  }),
);

interface Result {
  perCpuSecond: number;
  perSecond: number;
  checksum: number;
}

function measure(encode: (i: number) => Uint8Array): Result {
  let checksum = 0;
  const cpu0 = process.threadCpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < RECORDS; i++) checksum += encode(i).length;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.threadCpuUsage(cpu0);
  return { perCpuSecond: RECORDS / ((cpu.user + cpu.system) / 1e6), perSecond: RECORDS / elapsed, checksum };
}

const enc = new RecordEncoder();
const cases: Record<string, (i: number) => Uint8Array> = {
  'sample, RecordEncoder': (i) => {
    const v = samples[i % VARIANTS]!;
    return enc.sample(i, v.name, v.unit, v.s);
  },
  'sample, pack()': (i) => {
    const v = samples[i % VARIANTS]!;
    const { scet, ert, raw, eng, limit, quality } = v.s;
    return pack(
      v.unit === undefined
        ? { seq: i, name: v.name, scet, ert, raw, eng, limit, quality }
        : { seq: i, name: v.name, scet, ert, raw, eng, unit: v.unit, limit, quality },
    );
  },
  'event, RecordEncoder': (i) => enc.event(i, events[i % VARIANTS]!),
  'event, pack()': (i) => pack({ seq: i, ...events[i % VARIANTS]! }),
};

// Both sides of each comparison must write the same bytes, or the comparison means nothing.
for (let i = 0; i < VARIANTS; i++) {
  for (const kind of ['sample', 'event']) {
    const mine = Buffer.from(cases[`${kind}, RecordEncoder`]!(i));
    if (!mine.equals(cases[`${kind}, pack()`]!(i)))
      throw new Error(`${kind} ${i}: RecordEncoder differs from pack()`);
  }
}
console.log(
  `encode bench: ${RECORDS} records per case, node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}`,
);
for (const encode of Object.values(cases)) measure((i) => encode(i % 50_000)); // warm-up: let the JIT settle
for (const [name, encode] of Object.entries(cases)) {
  const runs = [measure(encode), measure(encode), measure(encode)].sort(
    (a, b) => a.perCpuSecond - b.perCpuSecond,
  );
  const median = runs[1]!;
  console.log(
    `${name.padEnd(22)} ${(median.perCpuSecond / 1e6).toFixed(2)} M records per CPU-second ` +
      `(${(median.perSecond / 1e6).toFixed(2)} M/s wall-clock; checksum ${median.checksum})`,
  );
}
