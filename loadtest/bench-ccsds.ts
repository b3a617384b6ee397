// Throughput of the CCSDS downlink chain on one core: frame sync + (de-randomiser + RS decoding) +
// FECF + VC demultiplexing + packet extraction, fed 64 KiB chunks of TM CADUs (1115-byte frames,
// RS interleave 5 when coded) carrying packets on 3 VCs.
// Prints the median pass rate. Run: node loadtest/bench-ccsds.ts [MB of CADUs per case, default 64]
import { Prng } from '../src/acquisition/prng.ts';
import { FrameType } from '../src/ccsds/frame.ts';
import { PacketFramer } from '../src/ccsds/framer.ts';
import { DownlinkPipeline } from '../src/ccsds/pipeline.ts';

const MEGABYTES = Number(process.argv[2] ?? 64);
const CHUNK = 64 * 1024;
const FRAME_LENGTH = 1115;
/** Distinct CADUs built once and fed repeatedly (a fresh pipeline per pass keeps counts continuous). */
const STREAM_BYTES = 4 * 1024 * 1024;

interface Case {
  name: string;
  coded: boolean;
  packetBytes: [number, number];
  /** Symbol errors per codeword injected into every frame (coded cases only). */
  errors?: number;
}

function packet(apid: number, ssc: number, total: number): Uint8Array {
  const p = new Uint8Array(total);
  p[0] = 0x08 | (apid >>> 8);
  p[1] = apid & 0xff;
  p[2] = 0xc0 | ((ssc >>> 8) & 0x3f);
  p[3] = ssc & 0xff;
  p[4] = (total - 7) >>> 8;
  p[5] = (total - 7) & 0xff;
  return p;
}

function buildStream(c: Case): { stream: Uint8Array; packets: number } {
  const framer = new PacketFramer({
    type: FrameType.TM,
    frameLength: FRAME_LENGTH,
    scid: 0x2a5,
    fecf: true,
    clcw: 0x01000000,
    randomize: c.coded,
    reedSolomon: c.coded ? { interleave: 5 } : undefined,
  });
  const prng = new Prng(1);
  const cadus: Uint8Array[] = [];
  let bytes = 0;
  let packets = 0;
  const ssc = [0, 0, 0];
  while (bytes < STREAM_BYTES) {
    const vc = Math.floor(prng.next() * 3);
    const [lo, hi] = c.packetBytes;
    const total = lo + Math.floor(prng.next() * (hi - lo + 1));
    packets++;
    for (const o of framer.packet(vc, packet(0x100 + vc, ssc[vc]!++, total))) {
      if (c.errors) {
        for (let k = 0; k < c.errors; k++) {
          for (let j = 0; j < 5; j++) o.cadu[4 + (k * 15 + 3) * 5 + j]! ^= 0x5a;
        }
      }
      cadus.push(o.cadu);
      bytes += o.cadu.length;
    }
  }
  const stream = new Uint8Array(bytes);
  let at = 0;
  for (const c of cadus) {
    stream.set(c, at);
    at += c.length;
  }
  return { stream, packets };
}

function run(c: Case): void {
  const { stream } = buildStream(c);
  const passes = Math.max(1, Math.round((MEGABYTES * 1024 * 1024) / stream.length));
  let frames = 0;
  let packets = 0;
  let bad = 0;
  const output = {
    frame: (f: { quality: number }) => {
      frames++;
      if (f.quality & 0b1000100) bad++;
    },
    packet: () => {
      packets++;
    },
  };
  const config = {
    station: 'BENCH',
    frame: { type: FrameType.TM, frameLength: FRAME_LENGTH, fecf: true, scid: 0x2a5 },
    randomized: c.coded,
    reedSolomon: c.coded ? { interleave: 5 } : undefined,
  };
  let corrected = 0;
  // The median pass: the machine may be shared, and one slow pass should not make the figure.
  const rates: number[] = [];
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) {
    const t0 = process.hrtime.bigint();
    const pipeline = new DownlinkPipeline(config, output);
    for (let at = 0; at < stream.length; at += CHUNK) pipeline.push(stream.subarray(at, at + CHUNK), 0);
    corrected += pipeline.stats().counters.rsCorrectedSymbols;
    rates.push(stream.length / 1e6 / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rates.sort((a, b) => a - b);
  const median = rates[rates.length >> 1]!;
  if (bad > 0) throw new Error(`${c.name}: ${bad} bad frames`);
  console.log(
    `${c.name.padEnd(44)} ${median.toFixed(1).padStart(7)} MB/s  ${(frames / seconds / 1e3).toFixed(1).padStart(7)} kframes/s  ${(packets / seconds / 1e3).toFixed(1).padStart(8)} kpackets/s${corrected ? `  ${corrected} symbols corrected` : ''}`,
  );
}

console.log(
  `ccsds bench: ${MEGABYTES} MB of CADUs per case, ${CHUNK / 1024} KiB chunks, ${FRAME_LENGTH}-byte TM frames, FECF, 3 VCs`,
);
for (const c of [
  { name: 'no RS, packets 200..2000 B', coded: false, packetBytes: [200, 2000] },
  { name: 'no RS, packets 64..256 B', coded: false, packetBytes: [64, 256] },
  { name: 'RS I=5 + randomiser, no errors', coded: true, packetBytes: [200, 2000] },
  { name: 'RS I=5 + randomiser, 8 symbol errors/codeword', coded: true, packetBytes: [200, 2000], errors: 8 },
] satisfies Case[]) {
  run(c);
}
