// The built-in spacecraft simulator, the default Source. On board: SpacecraftModel → housekeeping
// packets (laid out as the demo mission database describes) → PacketFramer → CADUs (ASM, optional
// pseudo-randomisation and Reed-Solomon). The channel: configurable impairments. On the ground:
// the same DownlinkChain a real link uses (sync, RS, frame checks, packets, mission database).
// Link up/down with scheduled data breaks. All timing goes through the injected Clock.

import { FECF_BYTES, FrameType, MAX_FRAME_LENGTH, MAX_SCID, PRIMARY_HEADER_BYTES } from '../ccsds/frame.ts';
import { PacketFramer } from '../ccsds/framer.ts';
import type { Mdb } from '../mdb/model.ts';
import { DecomMetricsWriter, LinkMetricsWriter } from '../metrics/downlink.ts';
import type { Clock } from '../util/clock.ts';
import { DecomMetrics } from './decom-metrics.ts';
import { DownlinkChain } from './downlink-chain.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { Impairments, type ImpairmentsConfig, NO_IMPAIRMENTS } from './impairments.ts';
import { type BadFrameFileSettings, LinkFiles, type LinkFilesConfig } from './link-files.ts';
import { Prng } from './prng.ts';
import { APID, fieldBytes, SIM_PACKETS, type SimPacket, toRaw, writeRaw } from './sim-dictionary.ts';
import { SpacecraftModel } from './sim-model.ts';
import type { AcquisitionSink, Source, SourceContext, SourceDefinition } from './source.ts';
import { Ticker } from './ticker.ts';

export interface SimulatorConfig {
  /** Whether the server runs the simulator; the simulator itself does not read it. */
  readonly enabled: boolean;
  readonly scid: number;
  readonly station: string;
  readonly frameRateHz: number;
  /** Transfer frame length in bytes, FECF included. */
  readonly frameLength: number;
  readonly seed: number;
  /** The link goes down for the last `durationSec` of every `everySec`; 0 in either disables breaks. */
  readonly dataBreaks: { readonly everySec: number; readonly durationSec: number };
  /** CCSDS pseudo-randomisation of the code blocks (default false). */
  readonly randomized?: boolean;
  /** Reed-Solomon (255,223) of this interleave depth; 0 or absent: no RS. */
  readonly reedSolomon?: { readonly interleave: number };
  /** Channel impairments (default none). */
  readonly impairments?: ImpairmentsConfig;
  /** Bad frames to a text file, as a link's (src/files/README.md); default none. */
  readonly badFrameFile?: BadFrameFileSettings;
  /** Contact files per VC selection, as a link's; default none. */
  readonly contactFiles?: LinkFilesConfig['contactFiles'];
  /** The server's state directory: where the files go. Required when a file is configured. */
  readonly stateDir?: string;
}

/** The simulator's link id in metrics. */
export const SIMULATOR_LINK_ID = 'simulator';

export const SIM_VCID = { HOUSEKEEPING: 0, PAYLOAD: 1, IDLE: 7 } as const;

/** Frame k of the downlink carries FRAME_SCHEDULE[k mod length]; an empty slot is an idle frame. */
export const FRAME_SCHEDULE: readonly { vcid: number; apids: readonly number[] }[] = [
  { vcid: SIM_VCID.HOUSEKEEPING, apids: [APID.EPS, APID.THERM, APID.AOCS, APID.SYS] },
  { vcid: SIM_VCID.PAYLOAD, apids: [APID.PAYLOAD] },
  { vcid: SIM_VCID.HOUSEKEEPING, apids: [APID.EPS, APID.THERM, APID.AOCS, APID.SYS] },
  { vcid: SIM_VCID.IDLE, apids: [] },
];

const MAX_FRAME_RATE_HZ = 10_000;
/**
 * A catch-up burst after a stall writes at most this share of any ring: the rest still holds what
 * readers a little behind have not read yet, so a burst does not overrun them all at once.
 */
export const CATCH_UP_RING_SHARE = 1 / 4;
const PACKET_HEADER_BYTES = 6;
/** Secondary header: spacecraft time, µs since 1970 in 8 octets (the demo mission's PKT.SCET). */
const PACKET_TIME_BYTES = 8;
/** The smallest idle packet: a header and one data octet. */
const MIN_IDLE_PACKET_BYTES = PACKET_HEADER_BYTES + 1;

const PACKETS: ReadonlyMap<number, { packet: SimPacket; bytes: number }> = new Map(
  SIM_PACKETS.map((packet) => [
    packet.apid,
    {
      packet,
      bytes: PACKET_HEADER_BYTES + PACKET_TIME_BYTES + packet.fields.reduce((n, f) => n + fieldBytes(f), 0),
    },
  ]),
);

function slotBytes(slot: (typeof FRAME_SCHEDULE)[number]): number {
  return slot.apids.reduce((n, apid) => n + PACKETS.get(apid)!.bytes, 0);
}

function invalid(what: string): never {
  throw new AcquisitionError(AcquisitionErrorCode.ERR_SIMULATOR_CONFIG, `simulator: ${what}`);
}

function framerOf(cfg: SimulatorConfig): PacketFramer {
  const interleave = cfg.reedSolomon?.interleave ?? 0;
  return new PacketFramer({
    type: FrameType.TM,
    frameLength: cfg.frameLength,
    scid: cfg.scid,
    fecf: true,
    randomize: cfg.randomized ?? false,
    ...(interleave > 0 ? { reedSolomon: { interleave } } : {}),
  });
}

function validateSimulatorConfig(cfg: SimulatorConfig): void {
  if (!Number.isInteger(cfg.scid) || cfg.scid < 0 || cfg.scid > MAX_SCID.tm)
    invalid(`scid must be 0…${MAX_SCID.tm}`);
  if (typeof cfg.station !== 'string' || cfg.station.length === 0)
    invalid('station must be a non-empty string');
  if (!(cfg.frameRateHz > 0 && cfg.frameRateHz <= MAX_FRAME_RATE_HZ)) {
    invalid(`frameRateHz must be in (0, ${MAX_FRAME_RATE_HZ}]`);
  }
  if (!Number.isFinite(cfg.seed)) invalid('seed must be a finite number');
  // One frame per tick: the slot's whole packets, then nothing or room for an idle packet.
  const len = cfg.frameLength;
  const dataField = len - PRIMARY_HEADER_BYTES - FECF_BYTES;
  const fits = (bytes: number) => dataField - bytes === 0 || dataField - bytes >= MIN_IDLE_PACKET_BYTES;
  if (!Number.isInteger(len) || len > MAX_FRAME_LENGTH || !FRAME_SCHEDULE.every((s) => fits(slotBytes(s)))) {
    const need = Math.max(...FRAME_SCHEDULE.map(slotBytes)) + PRIMARY_HEADER_BYTES + FECF_BYTES;
    invalid(
      `frameLength must be ${need} or ${need + MIN_IDLE_PACKET_BYTES}…${MAX_FRAME_LENGTH} (whole packets plus an idle packet)`,
    );
  }
  try {
    framerOf(cfg);
  } catch (err) {
    invalid(
      `frameLength ${len} does not suit reedSolomon.interleave ${cfg.reedSolomon?.interleave}: ${(err as Error).message}`,
    );
  }
  const { everySec, durationSec } = cfg.dataBreaks;
  if (!(everySec >= 0 && durationSec >= 0 && Number.isFinite(everySec) && Number.isFinite(durationSec))) {
    invalid('dataBreaks.everySec and dataBreaks.durationSec must be ≥ 0');
  }
  if (everySec > 0 && durationSec >= everySec) invalid('dataBreaks.durationSec must be less than everySec');
  const imp = cfg.impairments ?? NO_IMPAIRMENTS;
  if (!(imp.bitErrorRate >= 0 && imp.bitErrorRate <= 0.5)) invalid('impairments.bitErrorRate must be 0…0.5');
  if (!(imp.frameDropRate >= 0 && imp.frameDropRate < 1))
    invalid('impairments.frameDropRate must be in [0, 1)');
  const inv = imp.polarityInversion;
  if (!(Number.isInteger(inv.everyFrames) && Number.isInteger(inv.frames) && inv.frames >= 0)) {
    invalid('impairments.polarityInversion needs whole numbers of frames');
  }
  if (inv.everyFrames > 0 && inv.frames >= inv.everyFrames) {
    invalid('impairments.polarityInversion.frames must be less than everyFrames');
  }
  if (filesOf(cfg) !== null && cfg.stateDir === undefined) {
    invalid('badFrameFile and contactFiles need the server to pass its stateDir');
  }
}

/** The simulator's files, or null when none is configured. */
function filesOf(cfg: SimulatorConfig): LinkFilesConfig | null {
  const badFrameFile = cfg.badFrameFile ?? { enabled: false, maxFileBytes: 0, keepFiles: 0 };
  const contactFiles = cfg.contactFiles ?? [];
  return badFrameFile.enabled || contactFiles.length > 0 ? { badFrameFile, contactFiles } : null;
}

/**
 * The most ticks one wake-up runs after a stall: 1 s of frames, and no more than
 * CATCH_UP_RING_SHARE of any ring (`ringSlots`) at `perTick` records per tick (both in STREAMS
 * order); at least 1. The older due ticks are skipped.
 */
export function catchUpLimit(
  rateHz: number,
  ringSlots: readonly number[] | undefined,
  perTick: readonly number[],
): number {
  let limit = Math.ceil(rateHz);
  for (const [r, slots] of (ringSlots ?? []).entries()) {
    const records = perTick[r] ?? 0;
    if (records > 0) limit = Math.min(limit, Math.floor((slots * CATCH_UP_RING_SHARE) / records));
  }
  return Math.max(1, limit);
}

/** Most records one tick writes per ring (STREAMS order): a frame, its packets, their samples; events not bounded. */
function recordsPerTick(mdb: Mdb | null): number[] {
  const entries = new Map(mdb?.containers.map((c) => [c.apid, c.entries.length]));
  const derived = mdb === null ? 0 : mdb.derivedOrder.length;
  const samples = (apids: readonly number[]) => apids.reduce((n, a) => n + (entries.get(a) ?? 0), 0);
  return [
    1,
    Math.max(...FRAME_SCHEDULE.map((s) => s.apids.length)),
    Math.max(...FRAME_SCHEDULE.map((s) => (s.apids.length === 0 ? 0 : samples(s.apids) + derived))),
    0,
  ];
}

export function defineSimulator(cfg: SimulatorConfig, mdb: Mdb | null): SourceDefinition {
  validateSimulatorConfig(cfg);
  if (mdb === null) {
    throw new AcquisitionError(AcquisitionErrorCode.ERR_NO_MDB, 'the simulator needs a mission database');
  }
  return {
    dictionary: mdb.parameters.map((p) => p.info),
    create: (clock, context) => new Simulator(cfg, clock, context),
  };
}

class Simulator implements Source {
  readonly name = 'simulator';
  readonly #cfg: SimulatorConfig;
  readonly #clock: Clock;
  readonly #context: SourceContext;
  readonly #model: SpacecraftModel;
  readonly #ticker: Ticker;
  readonly #framer: PacketFramer;
  readonly #impairments: Impairments;
  readonly #ssc = new Map<number, number>();
  readonly #decomMetrics: DecomMetrics | null;
  #chain: DownlinkChain | undefined;
  #files: LinkFiles | null = null;
  #sink: AcquisitionSink | undefined;
  #stopped = false;
  #linkUp = false;
  #startUs = 0;

  constructor(cfg: SimulatorConfig, clock: Clock, context: SourceContext) {
    this.#cfg = cfg;
    this.#clock = clock;
    this.#context = context;
    this.#model = new SpacecraftModel(new Prng(cfg.seed), Math.round(cfg.frameRateHz * cfg.frameLength * 8));
    // Sized with the database at start; a reload may change its containers a little, not the bound's purpose.
    const maxCatchUp = catchUpLimit(
      cfg.frameRateHz,
      context.ringSlots,
      recordsPerTick(context.decom?.processor.mdb ?? null),
    );
    this.#ticker = new Ticker(
      clock,
      cfg.frameRateHz,
      (first, count, skipped) => this.#onTicks(first, count, skipped),
      maxCatchUp,
    );
    this.#framer = framerOf(cfg);
    // Its own stream of numbers: turning impairments on does not change the spacecraft's telemetry.
    this.#impairments = new Impairments(cfg.impairments ?? NO_IMPAIRMENTS, cfg.seed ^ 0x5eed);
    this.#decomMetrics = context.metrics ? new DecomMetrics(new DecomMetricsWriter(context.metrics)) : null;
  }

  start(sink: AcquisitionSink): void {
    if (this.#sink !== undefined || this.#stopped) {
      throw new AcquisitionError(AcquisitionErrorCode.ERR_SOURCE_STATE, 'simulator: already started');
    }
    const { decom, metrics, log } = this.#context;
    if (decom === null) {
      throw new AcquisitionError(AcquisitionErrorCode.ERR_NO_MDB, 'the simulator needs a mission database');
    }
    const cfg = this.#cfg;
    const interleave = cfg.reedSolomon?.interleave ?? 0;
    const files = filesOf(cfg);
    if (files !== null) {
      // The writers report drops and write errors from their own callbacks: commit those at once.
      this.#files = new LinkFiles(SIMULATOR_LINK_ID, files, cfg.stateDir!, this.#clock, (e) => {
        sink.event(e);
        sink.commit();
      });
    }
    this.#chain = new DownlinkChain({
      linkId: SIMULATOR_LINK_ID,
      config: {
        station: cfg.station,
        frame: { type: FrameType.TM, frameLength: cfg.frameLength, fecf: true, scid: cfg.scid },
        randomized: cfg.randomized ?? false,
        ...(interleave > 0 ? { reedSolomon: { interleave } } : {}),
        time: new Map(
          SIM_PACKETS.map((p) => [p.apid, { counter: { octets: PACKET_TIME_BYTES, unitUs: 1 }, epochUs: 0 }]),
        ),
      },
      sink,
      decom,
      metrics: metrics?.links.some((l) => l.id === SIMULATOR_LINK_ID)
        ? new LinkMetricsWriter(metrics, SIMULATOR_LINK_ID)
        : null,
      clock: this.#clock,
      log,
      ...(this.#files === null ? {} : { files: this.#files.archive }),
    });
    this.#sink = sink;
    this.#startUs = this.#clock.nowUs();
    this.#setLink(sink, true);
    sink.commit();
    this.#ticker.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ticker.stop();
    await this.#files?.close();
  }

  #onTicks(first: number, count: number, skipped: number): void {
    if (skipped > 0) {
      // The thread was held up (GC, a blocked event loop): the oldest frames are a gap, as a real
      // link's would be, rather than a burst larger than the rings can give readers.
      this.#context.log.warn(
        { skipped, totalSkipped: this.#ticker.skipped, caughtUp: count },
        'simulator fell behind: frames skipped',
      );
    }
    const sink = this.#sink!;
    for (let n = first; n < first + count; n++) this.#tick(sink, n);
    sink.commit();
    const decom = this.#context.decom;
    if (decom !== null) this.#decomMetrics?.publish(decom.processor);
  }

  #tick(sink: AcquisitionSink, n: number): void {
    const t = n / this.#cfg.frameRateHz;
    const { everySec, durationSec } = this.#cfg.dataBreaks;
    const breaks = everySec > 0 && durationSec > 0;
    const passLength = everySec - durationSec;
    const inPass = !breaks || t % everySec < passLength;
    this.#model.step(t, breaks ? Math.min(1, (t % everySec) / passLength) : undefined, inPass);
    if (inPass !== this.#linkUp) this.#setLink(sink, inPass);
    if (!inPass) return;
    const slot = FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!;
    const scet = this.#startUs + Math.round((n * 1e6) / this.#cfg.frameRateHz);
    const framer = this.#framer;
    const framed =
      slot.apids.length === 0
        ? [framer.idleFrame(SIM_VCID.IDLE)]
        : [
            ...slot.apids.flatMap((apid) => framer.packet(slot.vcid, this.#packet(apid, scet))),
            ...framer.flush(slot.vcid),
          ];
    const ert = sink.nowUs();
    for (const f of framed) {
      const cadu = this.#impairments.apply(f.cadu);
      if (cadu !== null) this.#chain!.push(cadu, ert);
    }
  }

  /** A housekeeping packet as the spacecraft builds it: header, time, the fields' raw values. */
  #packet(apid: number, scetUs: number): Uint8Array {
    const { packet, bytes } = PACKETS.get(apid)!;
    const out = new Uint8Array(bytes);
    const view = new DataView(out.buffer);
    const ssc = this.#ssc.get(apid) ?? 0;
    this.#ssc.set(apid, (ssc + 1) & 0x3fff);
    // Version 0, telemetry, secondary header present; unsegmented; length = data octets − 1.
    view.setUint16(0, (1 << 11) | apid);
    view.setUint16(2, (0b11 << 14) | ssc);
    view.setUint16(4, bytes - PACKET_HEADER_BYTES - 1);
    view.setBigUint64(PACKET_HEADER_BYTES, BigInt(scetUs));
    let at = PACKET_HEADER_BYTES + PACKET_TIME_BYTES;
    for (const field of packet.fields) at += writeRaw(view, at, field, toRaw(field, field.read(this.#model)));
    return out;
  }

  #setLink(sink: AcquisitionSink, up: boolean): void {
    this.#linkUp = up;
    sink.setLink(up);
    this.#chain!.setState(up, up ? 'pass begins' : 'data break');
    this.#files?.state(up);
  }
}
