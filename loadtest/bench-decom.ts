// Decommutation benchmark, one thread: parameter samples/s through extraction, calibration and
// limit checking, with a database of ≥ 1000 parameters in 20 packet types. The output sink
// keeps a running sum of each sample's limit index and eng type so no work can be elided.
// Besides wall-clock rates it reports samples per CPU-second of this thread
// (process.threadCpuUsage): on a shared, loaded machine that is the per-core figure.
// Run: node loadtest/bench-decom.ts [seconds per run]
import { cpus } from 'node:os';
import type { EventIn } from '../src/acquisition/source.ts';
import { parseMdb } from '../src/mdb/load.ts';
import { type MdbSample, PacketProcessor, type ProcessorOutput } from '../src/mdb/processor.ts';

const SECONDS = Number(process.argv[2] ?? 3);
const APIDS = 20;
const PER_PACKET = 60;

type Kind = 'poly1' | 'poly3' | 'int16' | 'bits12' | 'float32' | 'spline' | 'state' | 'raw32';

/** The mix of one packet's parameters: mostly linear-calibrated counts with limits, like housekeeping. */
const MIX: readonly Kind[] = [
  ...Array<Kind>(30).fill('poly1'),
  ...Array<Kind>(6).fill('poly3'),
  ...Array<Kind>(6).fill('int16'),
  ...Array<Kind>(6).fill('bits12'),
  ...Array<Kind>(4).fill('float32'),
  ...Array<Kind>(2).fill('spline'),
  ...Array<Kind>(4).fill('state'),
  ...Array<Kind>(2).fill('raw32'),
];

const LIMITS = { warning: { low: 50, high: 950 }, alarm: { low: 20, high: 990 } };

function parameter(kind: Kind): { def: Record<string, unknown>; bits: number } {
  switch (kind) {
    case 'poly1':
      return {
        bits: 16,
        def: {
          encoding: { type: 'uint', bits: 16 },
          calibration: { type: 'polynomial', coefficients: [0, 1000 / 65535] },
          limits: LIMITS,
        },
      };
    case 'poly3':
      return {
        bits: 16,
        def: {
          encoding: { type: 'uint', bits: 16 },
          calibration: { type: 'polynomial', coefficients: [0, 0.01, 1e-7, 1e-12] },
          limits: LIMITS,
        },
      };
    case 'int16':
      return {
        bits: 16,
        def: {
          encoding: { type: 'int', bits: 16, byteOrder: 'little' },
          calibration: { type: 'polynomial', coefficients: [500, 0.015] },
          limits: LIMITS,
        },
      };
    case 'bits12':
      return {
        bits: 12,
        def: {
          encoding: { type: 'uint', bits: 12 },
          calibration: { type: 'polynomial', coefficients: [0, 0.25] },
          limits: LIMITS,
        },
      };
    case 'float32':
      return {
        bits: 32,
        def: { encoding: { type: 'float', bits: 32 }, limits: { warning: { low: -1e30, high: 1e30 } } },
      };
    case 'spline':
      return {
        bits: 16,
        def: {
          encoding: { type: 'uint', bits: 16 },
          calibration: {
            type: 'spline',
            order: 3,
            points: [
              [0, 0],
              [10000, 150],
              [30000, 400],
              [65535, 1000],
            ],
          },
          limits: LIMITS,
        },
      };
    case 'state':
      return {
        bits: 8,
        def: {
          encoding: { type: 'uint', bits: 8 },
          calibration: {
            type: 'enumeration',
            states: { '0': 'OFF', '1': 'ON', '2': 'SAFE' },
            default: 'OTHER',
          },
          limits: { alarmStates: ['SAFE'] },
        },
      };
    case 'raw32':
      return { bits: 32, def: { encoding: { type: 'uint', bits: 32 } } };
  }
}

function database() {
  const parameters: Record<string, unknown> = {};
  const containers: Record<string, unknown> = {};
  const sizes: number[] = [];
  for (let a = 0; a < APIDS; a++) {
    const entries: unknown[] = [];
    let bit = 14 * 8;
    MIX.forEach((kind, i) => {
      const name = `P${a}.${kind.toUpperCase()}_${i}`;
      const { def, bits } = parameter(kind);
      parameters[name] = def;
      entries.push({ parameter: name, bitOffset: bit });
      bit += bits;
    });
    containers[`HK${a}`] = { apid: 100 + a, entries };
    sizes.push(Math.ceil(bit / 8));
  }
  return { doc: { name: 'BENCH', version: '1', parameters, containers }, sizes };
}

class Sink implements ProcessorOutput {
  checksum = 0;
  events = 0;
  sample(s: MdbSample): void {
    this.checksum += s.limit.length + (typeof s.eng === 'number' ? 1 : 2);
  }
  event(_e: EventIn): void {
    this.events++;
  }
}

const { doc, sizes } = database();
const mdb = parseMdb(doc, 'bench');
const processor = new PacketProcessor(mdb);
// Pseudo-random packet contents, a few hundred variants per APID, made once: the benchmark
// measures decommutation, not packet generation.
const VARIANTS = 256;
let seed = 12345;
const packets = sizes.map((size) =>
  Array.from({ length: VARIANTS }, () =>
    Uint8Array.from({ length: size }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    }),
  ),
);

interface Round {
  samples: number;
  packets: number;
  elapsed: number;
  /** CPU seconds of this thread (user + system) during the round. */
  cpu: number;
}

function round(seconds: number, sink: Sink): Round {
  let samples = 0;
  let count = 0;
  const cpu0 = process.threadCpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 1000; k++) {
      const a = count % APIDS;
      const v = ((count / APIDS) % VARIANTS) | 0;
      samples += processor.process(100 + a, packets[a]![v]!, 1e15, 1e15 + count, sink);
      count++;
    }
    now = process.hrtime.bigint();
  }
  const cpu = process.threadCpuUsage(cpu0);
  return { samples, packets: count, elapsed: Number(now - start) / 1e9, cpu: (cpu.user + cpu.system) / 1e6 };
}

console.log(
  `decom bench: ${mdb.parameters.length} parameters in ${APIDS} packet types (${PER_PACKET} each, ${sizes[0]} bytes), ` +
    `node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}`,
);
const sink = new Sink();
round(1, sink); // warm-up: let the JIT settle
const rates: number[] = [];
const cpuRates: number[] = [];
for (let r = 0; r < 3; r++) {
  const { samples, packets: n, elapsed, cpu } = round(SECONDS, sink);
  rates.push(samples / elapsed);
  cpuRates.push(samples / cpu);
  console.log(
    `run ${r + 1}: ${(samples / elapsed / 1e6).toFixed(2)} M samples/s, ${(n / elapsed / 1e3).toFixed(1)} k packets/s ` +
      `(${samples} samples in ${elapsed.toFixed(2)} s); ${(samples / cpu / 1e6).toFixed(2)} M samples per CPU-second ` +
      `(${cpu.toFixed(2)} s CPU)`,
  );
}
const stats = processor.stats();
console.log(
  `median ${(rates.sort((a, b) => a - b)[1]! / 1e6).toFixed(2)} M samples/s wall-clock, ` +
    `${(cpuRates.sort((a, b) => a - b)[1]! / 1e6).toFixed(2)} M samples per CPU-second of the thread; ` +
    `${stats.events} limit events, ${stats.invalidValue + stats.unknownState} flagged samples, checksum ${sink.checksum}`,
);
