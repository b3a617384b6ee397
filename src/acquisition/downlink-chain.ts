// One link's downlink chain on the acquisition thread: link bytes → DownlinkPipeline (sync, RS,
// frame checks, VC demux, packet extraction) → frames and packets into the sink → packet length
// check against the mission database → PacketProcessor → samples and limit events into the sink.
// Also the link's state, its change-of-state events (link, sync, VC errors) and its metrics.
import { Quality, type Severity } from '../../protocol/constants.ts';
import type { Clcw } from '../ccsds/frame.ts';
import { type DownlinkConfig, DownlinkPipeline } from '../ccsds/pipeline.ts';
import { SyncState } from '../ccsds/sync.ts';
import { endByte } from '../mdb/bits.ts';
import type { PacketProcessor, ProcessorOutput } from '../mdb/processor.ts';
import type { LinkField, LinkMetricsWriter } from '../metrics/downlink.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import type { AcquisitionSink, DecomHandle, EventIn, FrameIn, PacketIn } from './source.ts';

/** Consecutive good frames after which a VC's error episode is reported over. */
export const VC_CLEAN_FRAMES = 20;
/**
 * Bad input (garbage bytes, bad frames, undecodable file bytes) less than this long after the
 * previous is the same burst: one log line when a burst begins and one when it is over.
 */
export const BAD_INPUT_QUIET_MS = 2000;
/** Metrics are copied to the shared buffer at most this often (and at every link state change). */
const PUBLISH_MS = 200;
const RATE_WINDOW_MS = 1000;
const FRAME_ERRORS = Quality.FRAME_CRC_ERROR | Quality.FRAME_HEADER_ERROR | Quality.VC_SEQUENCE_ERROR;

/** Counters of the link's transport (src/links LinkStats), totals since the link started. */
export interface TransportCounters {
  connectFailures: number;
  refused: number;
  replaced: number;
  skippedBytes: number;
}

/** Where bad frames and a contact's packets are kept besides the rings (src/files). */
export interface FrameArchive {
  badFrame?(f: FrameIn): void;
  packet?(p: PacketIn): void;
}

export interface DownlinkChainOptions {
  linkId: string;
  config: DownlinkConfig;
  sink: AcquisitionSink;
  decom: DecomHandle | null;
  metrics: LinkMetricsWriter | null;
  clock: Clock;
  files?: FrameArchive;
  /** Where bursts of bad input are logged (once per burst). */
  log?: Pick<Logger, 'warn' | 'info'>;
}

/** A burst of bad input: when it began and was last seen, and the counts before it began. */
interface BadInputBurst {
  sinceMs: number;
  lastMs: number;
  garbageBytes: number;
  badFrames: number;
  skippedBytes: number;
}

interface VcEpisode {
  /** Inside an error episode. */
  erroring: boolean;
  clean: number;
  badFrames: number;
  sequenceErrors: number;
}

export class DownlinkChain {
  readonly linkId: string;
  readonly station: string;
  readonly pipeline: DownlinkPipeline;
  readonly #sink: AcquisitionSink;
  readonly #decom: DecomHandle | null;
  readonly #metrics: LinkMetricsWriter | null;
  readonly #clock: Clock;
  readonly #files: FrameArchive | undefined;
  readonly #log: Pick<Logger, 'warn' | 'info'> | null;
  #burst: BadInputBurst | null = null;
  /** Bad input counts as of the last look: a change is new bad input. */
  readonly #seen = { garbageBytes: 0, badFrames: 0, skippedBytes: 0 };
  readonly #episodes: (VcEpisode | undefined)[] = [];
  /** The CLCW flags last reported per VC the CLCW is about (-1: none yet). */
  readonly #clcwFlags = new Int8Array(64).fill(-1);
  readonly #decomOut: ProcessorOutput;
  /** Smallest packet length per APID that holds every parameter of its container. */
  #minLength: Int32Array = new Int32Array(0);
  #lengthsOf: PacketProcessor | null = null;
  #lengthMismatches = 0;
  #transport: TransportCounters = { connectFailures: 0, refused: 0, replaced: 0, skippedBytes: 0 };
  #bytes = 0;
  #blocks = 0;
  #up = false;
  /** Input is a byte stream with frame synchronisation (not blocks). */
  #stream = false;
  #sync: SyncState = SyncState.SEARCH;
  #publishedAt = -Infinity;
  #rateAt = 0;
  readonly #rateFrames: number[] = [];
  readonly #base: Map<LinkField, number>;
  readonly #vcBase: {
    frames: number;
    badFrames: number;
    rsCorrectedSymbols: number;
    sequenceErrors: number;
  }[];

  constructor(opts: DownlinkChainOptions) {
    this.linkId = opts.linkId;
    this.station = opts.config.station;
    this.#sink = opts.sink;
    this.#decom = opts.decom;
    this.#metrics = opts.metrics;
    this.#clock = opts.clock;
    this.#files = opts.files;
    this.#log = opts.log ?? null;
    this.pipeline = new DownlinkPipeline(opts.config, {
      frame: (f) => this.#frame(f),
      packet: (p) => this.packet(p),
      clcw: (c, f) => this.#followClcw(c, f),
    });
    const sink = this.#sink;
    this.#decomOut = { sample: (s) => sink.sample(s), event: (e) => sink.event(e) };
    // A restarted acquisition thread adds to the totals its predecessor left: counters never go back.
    const m = this.#metrics;
    this.#base = new Map();
    this.#vcBase = [];
    if (m !== null) {
      for (const f of TOTALS) this.#base.set(f, m.get(f));
      for (let v = 0; v < 64; v++) {
        this.#vcBase.push({
          frames: m.getVc(v, 'frames'),
          badFrames: m.getVc(v, 'badFrames'),
          rsCorrectedSymbols: m.getVc(v, 'rsCorrectedSymbols'),
          sequenceErrors: m.getVc(v, 'sequenceErrors'),
        });
      }
    }
    this.#rateAt = this.#clock.monoMs();
  }

  get up(): boolean {
    return this.#up;
  }

  /** CADU byte stream (link delivery 'stream'). */
  push(bytes: Uint8Array, ertUs: number): void {
    this.#bytes += bytes.length;
    this.#stream = true;
    this.pipeline.push(bytes, ertUs);
    this.#followSync();
    this.#followInput();
    this.publish();
  }

  /** One code block without its marker (link delivery 'block'). */
  pushBlock(block: Uint8Array, ertUs: number): void {
    this.#bytes += block.length;
    this.#blocks++;
    this.#stream = false;
    this.pipeline.pushBlock(block, ertUs);
    this.#followInput();
    this.publish();
  }

  /** An annotated packet (from the pipeline, or straight from a packet-file replay). */
  packet(p: PacketIn): void {
    const processor = this.#decom?.processor ?? null;
    if (processor !== null) {
      const min = this.#minLengthOf(processor, p.apid);
      if (p.data.length < min && (p.quality & Quality.LENGTH_MISMATCH) === 0) {
        p.quality |= Quality.LENGTH_MISMATCH;
        this.#lengthMismatches++;
      }
    }
    this.#sink.packet(p);
    this.#files?.packet?.(p);
    processor?.process(p.apid, p.data, p.scet, p.ert, this.#decomOut, p.quality);
  }

  /** The link's state changed: an event, and on loss the packets in progress are cut. */
  setState(up: boolean, reason: string): void {
    if (up === this.#up) return;
    this.#up = up;
    if (!up) {
      // The synchroniser starts over: the next lock is news, its loss with the link is not.
      this.pipeline.flush();
      this.#sync = SyncState.SEARCH;
      this.#followInput();
      this.#endBurst('link down');
    }
    this.#metrics?.add(up ? 'linkUps' : 'linkDowns', 1);
    const [severity, type, what] = up
      ? (['INFO', 'LINK_UP', 'Acquisition of signal'] as const)
      : (['WARNING', 'LINK_DOWN', 'Loss of signal'] as const);
    this.#event(severity, type, `${what} at ${this.station} (link ${this.linkId}): ${reason}`);
    this.publish(true);
  }

  /** The transport's own counters, published with the chain's. */
  setTransport(t: TransportCounters): void {
    this.#transport = t;
    this.#followInput();
  }

  /** Copies the counters to the shared metrics buffer (at most every PUBLISH_MS unless forced). */
  publish(force = false): void {
    const m = this.#metrics;
    if (m === null) return;
    const now = this.#clock.monoMs();
    if (!force && now - this.#publishedAt < PUBLISH_MS) return;
    this.#publishedAt = now;
    const s = this.pipeline.stats();
    const c = s.counters;
    const totals: Record<(typeof TOTALS)[number], number> = {
      bytes: this.#bytes,
      blocks: this.#blocks + s.syncCounters.blocks,
      frames: c.frames,
      badFrames: c.badFrames,
      crcErrors: c.crcErrors,
      headerErrors: c.headerErrors,
      rsCorrectedSymbols: c.rsCorrectedSymbols,
      rsUncorrectableFrames: c.rsUncorrectableFrames,
      idleFrames: c.idleFrames,
      unselectedFrames: c.unselectedFrames,
      vcSequenceErrors: c.vcSequenceErrors,
      invertedFrames: c.invertedFrames,
      garbageBytes: s.syncCounters.garbageBytes,
      lockLosses: s.syncCounters.lockLosses,
      packets: s.packets.packets,
      idlePackets: s.packets.idlePackets,
      incompletePackets: s.packets.incompletePackets,
      packetHeaderErrors: s.packets.headerErrors,
      packetSequenceErrors: s.packets.sequenceErrors,
      lengthMismatches: this.#lengthMismatches,
      connectFailures: this.#transport.connectFailures,
      connectionsRefused: this.#transport.refused,
      connectionsReplaced: this.#transport.replaced,
      skippedBytes: this.#transport.skippedBytes,
    };
    for (const f of TOTALS) m.set(f, this.#base.get(f)! + totals[f]);
    m.set('up', this.#up ? 1 : 0);
    m.set('syncLocked', this.#sync === SyncState.LOCK ? 1 : 0);
    const rate = now - this.#rateAt >= RATE_WINDOW_MS;
    for (const vc of s.vcs) {
      const b = this.#vcBase[vc.vcid]!;
      m.setVc(vc.vcid, 'frames', b.frames + vc.frames);
      m.setVc(vc.vcid, 'badFrames', b.badFrames + vc.badFrames);
      m.setVc(vc.vcid, 'rsCorrectedSymbols', b.rsCorrectedSymbols + vc.rsCorrections);
      m.setVc(vc.vcid, 'sequenceErrors', b.sequenceErrors + vc.sequenceErrors);
      if (rate) {
        const before = this.#rateFrames[vc.vcid] ?? 0;
        m.setVc(vc.vcid, 'frameRate', ((vc.frames - before) * 1000) / (now - this.#rateAt));
        this.#rateFrames[vc.vcid] = vc.frames;
      }
    }
    if (rate) this.#rateAt = now;
  }

  /** A lock is reported before the first frame it delivers; a loss once the chunk is through. */
  #followSync(): void {
    if (!this.#stream) return;
    const sync = this.pipeline.syncState;
    if (sync === this.#sync) return;
    this.#sync = sync;
    if (sync === SyncState.LOCK) this.#event('INFO', 'SYNC_LOCK', `Frame sync locked at ${this.station}`);
    else this.#event('WARNING', 'SYNC_LOSS', `Frame sync lost at ${this.station}: searching`);
  }

  /**
   * Bad input is logged once per burst, not per byte or frame: a warning when it begins, a summary
   * when BAD_INPUT_QUIET_MS pass without more (checked at the next delivery or publication).
   */
  #followInput(): void {
    if (this.#log === null) return;
    const now = this.#clock.monoMs();
    const seen = this.#seen;
    const garbageBytes = this.pipeline.syncCounters.garbageBytes;
    const badFrames = this.pipeline.counters.badFrames;
    const skippedBytes = this.#transport.skippedBytes;
    if (
      garbageBytes === seen.garbageBytes &&
      badFrames === seen.badFrames &&
      skippedBytes === seen.skippedBytes
    ) {
      if (this.#burst !== null && now - this.#burst.lastMs >= BAD_INPUT_QUIET_MS)
        this.#endBurst('input clean');
      return;
    }
    if (this.#burst === null) {
      this.#burst = { sinceMs: now, lastMs: now, ...seen };
      this.#log.warn(
        {
          link: this.linkId,
          station: this.station,
          garbageBytes: garbageBytes - seen.garbageBytes,
          badFrames: badFrames - seen.badFrames,
          skippedBytes: skippedBytes - seen.skippedBytes,
        },
        `bad input on link ${this.linkId} (${this.station}): burst began`,
      );
    }
    this.#burst.lastMs = now;
    seen.garbageBytes = garbageBytes;
    seen.badFrames = badFrames;
    seen.skippedBytes = skippedBytes;
  }

  #endBurst(why: string): void {
    const b = this.#burst;
    if (b === null || this.#log === null) return;
    this.#burst = null;
    const seen = this.#seen;
    this.#log.info(
      {
        link: this.linkId,
        station: this.station,
        garbageBytes: seen.garbageBytes - b.garbageBytes,
        badFrames: seen.badFrames - b.badFrames,
        skippedBytes: seen.skippedBytes - b.skippedBytes,
        durationMs: b.lastMs - b.sinceMs,
      },
      `bad input on link ${this.linkId} (${this.station}): burst over (${why})`,
    );
  }

  /**
   * The uplink's state as the spacecraft reports it in each CLCW: an event when its flags change
   * (not per frame: the report value moves with every accepted telecommand).
   */
  #followClcw(c: Clcw, f: FrameIn): void {
    const flags =
      (c.noRfAvailable ? 1 : 0) |
      (c.noBitLock ? 2 : 0) |
      (c.lockout ? 4 : 0) |
      (c.wait ? 8 : 0) |
      (c.retransmit ? 16 : 0);
    if (this.#clcwFlags[c.vcid] === flags) return;
    this.#clcwFlags[c.vcid] = flags;
    const names = CLCW_FLAGS.filter((_, i) => (flags & (1 << i)) !== 0);
    this.#event(
      (flags & 7) !== 0 ? 'WARNING' : 'INFO',
      'CLCW',
      `CLCW of uplink VC ${c.vcid} at ${this.station}: ${names.length === 0 ? 'nominal' : names.join(', ')} (report value ${c.reportValue})`,
      f.ert,
    );
  }

  #frame(f: FrameIn): void {
    this.#followSync();
    this.#sink.frame(f);
    const bad = (f.quality & (Quality.FRAME_CRC_ERROR | Quality.FRAME_HEADER_ERROR)) !== 0;
    if (bad) this.#files?.badFrame?.(f);
    this.#followVc(f, bad);
  }

  /** Error episodes per VC: one event when errors begin, one when VC_CLEAN_FRAMES good frames follow. */
  #followVc(f: FrameIn, bad: boolean): void {
    let e = this.#episodes[f.vcid];
    if (e === undefined) {
      e = { erroring: false, clean: 0, badFrames: 0, sequenceErrors: 0 };
      this.#episodes[f.vcid] = e;
    }
    if ((f.quality & FRAME_ERRORS) !== 0) {
      if (bad) e.badFrames++;
      else e.sequenceErrors++;
      e.clean = 0;
      if (!e.erroring) {
        e.erroring = true;
        const what = bad ? 'bad frame' : 'frame count gap';
        this.#event('WARNING', 'VC_ERRORS', `VC ${f.vcid} at ${this.station}: errors began (${what})`, f.ert);
      }
      return;
    }
    if (!e.erroring || ++e.clean < VC_CLEAN_FRAMES) return;
    this.#event(
      'INFO',
      'VC_NOMINAL',
      `VC ${f.vcid} at ${this.station}: ${VC_CLEAN_FRAMES} good frames after ${e.badFrames} bad frames and ${e.sequenceErrors} count gaps`,
      f.ert,
    );
    e.erroring = false;
    e.clean = 0;
    e.badFrames = 0;
    e.sequenceErrors = 0;
  }

  #minLengthOf(processor: PacketProcessor, apid: number): number {
    if (processor !== this.#lengthsOf) {
      // Recomputed when a reload brings another processor.
      const min = new Int32Array(0x800);
      for (const c of processor.mdb.containers) {
        for (const e of c.entries) min[c.apid] = Math.max(min[c.apid]!, endByte(e.fields));
      }
      this.#minLength = min;
      this.#lengthsOf = processor;
    }
    return this.#minLength[apid] ?? 0;
  }

  #event(severity: Severity, type: string, message: string, time = this.#sink.nowUs()): void {
    const e: EventIn = { time, severity, source: this.station, type, message };
    this.#sink.event(e);
  }
}

const CLCW_FLAGS = ['no RF available', 'no bit lock', 'lockout', 'wait', 'retransmit'] as const;

const TOTALS = [
  'bytes',
  'blocks',
  'frames',
  'badFrames',
  'crcErrors',
  'headerErrors',
  'rsCorrectedSymbols',
  'rsUncorrectableFrames',
  'idleFrames',
  'unselectedFrames',
  'vcSequenceErrors',
  'invertedFrames',
  'garbageBytes',
  'lockLosses',
  'packets',
  'idlePackets',
  'incompletePackets',
  'packetHeaderErrors',
  'packetSequenceErrors',
  'lengthMismatches',
  'connectFailures',
  'connectionsRefused',
  'connectionsReplaced',
  'skippedBytes',
] as const satisfies readonly LinkField[];
