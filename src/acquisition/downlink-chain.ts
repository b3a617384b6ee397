// One link's downlink chain on the acquisition thread: link bytes → DownlinkPipeline (sync, RS,
// frame checks, VC demux, packet extraction) → frames and packets into the sink → packet length
// check against the mission database → PacketProcessor → samples and limit events into the sink.
// Also the link's state and its change-of-state events (link, sync, VC errors, CLCW); its metrics
// and its bad-input log are link-metrics-publisher.ts and bad-input-log.ts.
import { Quality, type Severity } from '../../protocol/constants.ts';
import type { Clcw } from '../ccsds/frame.ts';
import { type DownlinkConfig, DownlinkPipeline } from '../ccsds/pipeline.ts';
import { SyncState } from '../ccsds/sync.ts';
import type { PacketProcessor, ProcessorOutput } from '../mdb/processor.ts';
import type { LinkMetricsWriter } from '../metrics/downlink.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { BadInputLog } from './bad-input-log.ts';
import { type ChainCounts, LinkMetricsPublisher, type TransportCounters } from './link-metrics-publisher.ts';
import type { AcquisitionSink, DecomHandle, EventIn, FrameIn, PacketIn } from './source.ts';

export { BAD_INPUT_QUIET_MS } from './bad-input-log.ts';
export type { TransportCounters } from './link-metrics-publisher.ts';

/** Consecutive good frames after which a VC's error episode is reported over. */
export const VC_CLEAN_FRAMES = 20;
const FRAME_ERRORS = Quality.FRAME_CRC_ERROR | Quality.FRAME_HEADER_ERROR | Quality.VC_SEQUENCE_ERROR;

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
  readonly #metrics: LinkMetricsPublisher | null;
  readonly #files: FrameArchive | undefined;
  readonly #badInput: BadInputLog | null;
  readonly #episodes: (VcEpisode | undefined)[] = [];
  /** The CLCW flags last reported per VC the CLCW is about (-1: none yet). */
  readonly #clcwFlags = new Int8Array(64).fill(-1);
  readonly #decomOut: ProcessorOutput;
  /** Packet lengths per APID that match its container (ContainerModel.length); none for others. */
  #minLength = new Float64Array(0);
  #maxLength = new Float64Array(0);
  #lengthsOf: PacketProcessor | null = null;
  readonly #counts: ChainCounts = {
    bytes: 0,
    blocks: 0,
    replayedPackets: 0,
    lengthMismatches: 0,
    transport: { connectFailures: 0, refused: 0, replaced: 0, skippedBytes: 0 },
  };
  #up = false;
  /** Input is a byte stream with frame synchronisation (not blocks). */
  #stream = false;
  #sync: SyncState = SyncState.SEARCH;
  /** Link and sync changes are logged too (operators read logs; clients read the events). */
  readonly #log: Pick<Logger, 'warn' | 'info'> | undefined;

  constructor(opts: DownlinkChainOptions) {
    this.#log = opts.log;
    this.linkId = opts.linkId;
    this.station = opts.config.station;
    this.#sink = opts.sink;
    this.#decom = opts.decom;
    this.#files = opts.files;
    this.#badInput =
      opts.log === undefined ? null : new BadInputLog(opts.log, opts.clock, opts.linkId, this.station);
    this.pipeline = new DownlinkPipeline(opts.config, {
      frame: (f) => this.#frame(f),
      packet: (p) => this.packet(p),
      clcw: (c, f) => this.#followClcw(c, f),
    });
    const sink = this.#sink;
    this.#decomOut = { sample: (s) => sink.sample(s), event: (e) => sink.event(e) };
    this.#metrics =
      opts.metrics === null
        ? null
        : new LinkMetricsPublisher(opts.metrics, opts.clock, this.pipeline, this.#counts);
  }

  get up(): boolean {
    return this.#up;
  }

  /** CADU byte stream (link delivery 'stream'). */
  push(bytes: Uint8Array, ertUs: number): void {
    this.#counts.bytes += bytes.length;
    this.#stream = true;
    this.pipeline.push(bytes, ertUs);
    this.#followSync();
    this.#followInput();
    this.publish();
  }

  /** One code block without its marker (link delivery 'block'). */
  pushBlock(block: Uint8Array, ertUs: number): void {
    this.#counts.bytes += block.length;
    this.#counts.blocks++;
    this.#stream = false;
    this.pipeline.pushBlock(block, ertUs);
    this.#followInput();
    this.publish();
  }

  /** A packet straight from the link (a packet-file replay): counted as the link's bytes and packets. */
  replayedPacket(p: PacketIn): void {
    this.#counts.bytes += p.data.length;
    this.#counts.replayedPackets++;
    this.packet(p);
    this.publish();
  }

  /** An annotated packet (from the pipeline, or straight from a packet-file replay). */
  packet(p: PacketIn): void {
    const processor = this.#decom?.processor ?? null;
    if (processor !== null) {
      if (
        !this.#lengthMatches(processor, p.apid, p.data.length) &&
        (p.quality & Quality.LENGTH_MISMATCH) === 0
      ) {
        p.quality |= Quality.LENGTH_MISMATCH;
        this.#counts.lengthMismatches++;
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
      this.#badInput?.end('link down');
    }
    this.#metrics?.linkChanged(up);
    const [severity, type, what] = up
      ? (['INFO', 'LINK_UP', 'Acquisition of signal'] as const)
      : (['WARNING', 'LINK_DOWN', 'Loss of signal'] as const);
    this.#event(severity, type, `${what} at ${this.station} (link ${this.linkId}): ${reason}`);
    const fields = { link: this.linkId, station: this.station, reason };
    if (up) this.#log?.info(fields, `acquisition of signal (AOS) on link ${this.linkId}`);
    else this.#log?.warn(fields, `loss of signal (LOS) on link ${this.linkId}: ${reason}`);
    this.publish(true);
  }

  /** The transport's own counters, published with the chain's. */
  setTransport(t: TransportCounters): void {
    this.#counts.transport = t;
    this.#followInput();
  }

  /** Copies the counters to the shared metrics buffer (throttled unless forced). */
  publish(force = false): void {
    this.#metrics?.publish(this.#up, this.#sync === SyncState.LOCK, force);
  }

  /** A lock is reported before the first frame it delivers; a loss once the chunk is through. */
  #followSync(): void {
    if (!this.#stream) return;
    const sync = this.pipeline.syncState;
    if (sync === this.#sync) return;
    this.#sync = sync;
    const fields = { link: this.linkId, station: this.station };
    if (sync === SyncState.LOCK) {
      this.#event('INFO', 'SYNC_LOCK', `Frame sync locked at ${this.station}`);
      this.#log?.info(fields, `frame sync locked on link ${this.linkId}`);
    } else {
      this.#event('WARNING', 'SYNC_LOSS', `Frame sync lost at ${this.station}: searching`);
      this.#log?.warn(fields, `frame sync lost on link ${this.linkId}: searching`);
    }
  }

  /** Bad input is logged once per burst, not per byte or frame. */
  #followInput(): void {
    this.#badInput?.follow(
      this.pipeline.syncCounters.garbageBytes,
      this.pipeline.counters.badFrames,
      this.#counts.transport.skippedBytes,
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

  /** Whether a packet of `bytes` has a length its container allows (any, for an APID without one). */
  #lengthMatches(processor: PacketProcessor, apid: number, bytes: number): boolean {
    if (processor !== this.#lengthsOf) {
      // Recomputed when a reload brings another processor.
      const min = new Float64Array(0x800);
      const max = new Float64Array(0x800).fill(Infinity);
      for (const c of processor.mdb.containers) {
        min[c.apid] = c.length.min;
        max[c.apid] = c.length.max;
      }
      this.#minLength = min;
      this.#maxLength = max;
      this.#lengthsOf = processor;
    }
    return bytes >= (this.#minLength[apid] ?? 0) && bytes <= (this.#maxLength[apid] ?? Infinity);
  }

  #event(severity: Severity, type: string, message: string, time = this.#sink.nowUs()): void {
    const e: EventIn = { time, severity, source: this.station, type, message };
    this.#sink.event(e);
  }
}

const CLCW_FLAGS = ['no RF available', 'no bit lock', 'lockout', 'wait', 'retransmit'] as const;
