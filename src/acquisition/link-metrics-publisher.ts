// Copies one downlink chain's counters into its block of the shared metrics buffer, throttled.
import type { DownlinkPipeline } from '../ccsds/pipeline.ts';
import { LINK_FIELDS, type LinkField, type LinkMetricsWriter, VC_SLOTS } from '../metrics/downlink.ts';
import type { Clock } from '../util/clock.ts';

/** Metrics are copied to the shared buffer at most this often (and at every link state change). */
const PUBLISH_MS = 200;
const RATE_WINDOW_MS = 1000;

/** Link fields that are gauges or counted as they happen, not totals copied from the chain. */
const NOT_COPIED = ['up', 'syncLocked', 'linkUps', 'linkDowns'] as const;
type CopiedTotal = Exclude<LinkField, (typeof NOT_COPIED)[number]>;
const TOTALS = LINK_FIELDS.filter((f): f is CopiedTotal => !(NOT_COPIED as readonly string[]).includes(f));

/** Counters of the link's transport (src/links LinkStats), totals since the link started. */
export interface TransportCounters {
  connectFailures: number;
  refused: number;
  replaced: number;
  skippedBytes: number;
}

/** What the chain counts itself, besides the pipeline's counters. */
export interface ChainCounts {
  bytes: number;
  /** Blocks delivered as such (the synchroniser counts those it finds in a stream). */
  blocks: number;
  /** Packets the link delivered as packets (a packet-file replay), not extracted from frames. */
  replayedPackets: number;
  lengthMismatches: number;
  transport: TransportCounters;
}

interface VcBase {
  frames: number;
  badFrames: number;
  rsCorrectedSymbols: number;
  sequenceErrors: number;
}

export class LinkMetricsPublisher {
  readonly #m: LinkMetricsWriter;
  readonly #clock: Clock;
  readonly #pipeline: DownlinkPipeline;
  readonly #counts: Readonly<ChainCounts>;
  #publishedAt = -Infinity;
  #rateAt: number;
  readonly #rateFrames: number[] = [];
  readonly #base = new Map<CopiedTotal, number>();
  readonly #vcBase: VcBase[] = [];

  /** `counts` is the chain's own object, read at each publication. */
  constructor(m: LinkMetricsWriter, clock: Clock, pipeline: DownlinkPipeline, counts: Readonly<ChainCounts>) {
    this.#m = m;
    this.#clock = clock;
    this.#pipeline = pipeline;
    this.#counts = counts;
    // A restarted acquisition thread adds to the totals its predecessor left: counters never go back.
    for (const f of TOTALS) this.#base.set(f, m.get(f));
    for (let v = 0; v < VC_SLOTS; v++) {
      this.#vcBase.push({
        frames: m.getVc(v, 'frames'),
        badFrames: m.getVc(v, 'badFrames'),
        rsCorrectedSymbols: m.getVc(v, 'rsCorrectedSymbols'),
        sequenceErrors: m.getVc(v, 'sequenceErrors'),
      });
    }
    this.#rateAt = clock.monoMs();
  }

  /** A link state change, counted as it happens. */
  linkChanged(up: boolean): void {
    this.#m.add(up ? 'linkUps' : 'linkDowns', 1);
  }

  /** Copies the counters to the shared metrics buffer (at most every PUBLISH_MS unless forced). */
  publish(up: boolean, syncLocked: boolean, force: boolean): void {
    const m = this.#m;
    const now = this.#clock.monoMs();
    if (!force && now - this.#publishedAt < PUBLISH_MS) return;
    this.#publishedAt = now;
    const s = this.#pipeline.stats();
    const c = s.counters;
    const own = this.#counts;
    const totals: Record<CopiedTotal, number> = {
      bytes: own.bytes,
      blocks: own.blocks + s.syncCounters.blocks,
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
      packets: s.packets.packets + own.replayedPackets,
      idlePackets: s.packets.idlePackets,
      incompletePackets: s.packets.incompletePackets,
      packetHeaderErrors: s.packets.headerErrors,
      packetSequenceErrors: s.packets.sequenceErrors,
      lengthMismatches: own.lengthMismatches,
      connectFailures: own.transport.connectFailures,
      connectionsRefused: own.transport.refused,
      connectionsReplaced: own.transport.replaced,
      skippedBytes: own.transport.skippedBytes,
    };
    for (const f of TOTALS) m.set(f, this.#base.get(f)! + totals[f]);
    m.set('up', up ? 1 : 0);
    m.set('syncLocked', syncLocked ? 1 : 0);
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
}
