// The `downlink` source: real links (src/links), each with its station, feeding its own
// DownlinkChain. The sink's link flag (DATA_BREAK for clients) is up while any link is up.
import { createLink, type Link } from '../links/link.ts';
import type { Mdb } from '../mdb/model.ts';
import { DecomMetricsWriter, LinkMetricsWriter } from '../metrics/downlink.ts';
import type { Clock } from '../util/clock.ts';
import { DecomMetrics } from './decom-metrics.ts';
import { DownlinkChain } from './downlink-chain.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { checkLink } from './link-check.ts';
import { type DownlinkLinkConfig, toDownlinkConfig } from './link-config.ts';
import { LinkFiles } from './link-files.ts';
import type { AcquisitionSink, EventIn, Source, SourceContext, SourceDefinition } from './source.ts';

export interface DownlinkSourceConfig {
  readonly links: readonly DownlinkLinkConfig[];
  /** Relative file paths of the links (bad-frame files, contact files) are resolved against it. */
  readonly stateDir: string;
}

/** Decommutation totals are copied to the metrics buffer at most this often. */
const DECOM_PUBLISH_MS = 500;
/** Counters are also published on this period, so a quiet link's last counts reach /metrics. */
const PUBLISH_PERIOD_MS = 1000;
/** Processing failures of one link less than this apart are one burst: logged and raised once. */
const FAILURE_QUIET_MS = 10_000;

/** Checks every link's pipeline configuration now, so a bad one stops the server at start. */
function validate(cfg: DownlinkSourceConfig): void {
  if (cfg.links.length === 0) {
    throw new AcquisitionError(
      AcquisitionErrorCode.ERR_LINK_CONFIG,
      'the downlink source needs at least one link',
    );
  }
  const ids = new Set<string>();
  cfg.links.forEach((link, i) => {
    if (ids.has(link.id)) {
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_LINK_CONFIG,
        `links/${i}/id: ${link.id} is used twice`,
      );
    }
    ids.add(link.id);
    try {
      checkLink(link);
    } catch (err) {
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_LINK_CONFIG,
        `links/${i} (${link.id}): ${(err as Error).message}`,
        { cause: err },
      );
    }
  });
}

export function defineDownlinkSource(cfg: DownlinkSourceConfig, mdb: Mdb | null): SourceDefinition {
  validate(cfg);
  return {
    dictionary: mdb === null ? [] : mdb.parameters.map((p) => p.info),
    create: (clock, context) => new DownlinkSource(cfg, clock, context),
  };
}

class DownlinkSource implements Source {
  readonly name = 'downlink';
  readonly #cfg: DownlinkSourceConfig;
  readonly #clock: Clock;
  readonly #context: SourceContext;
  readonly #links: Link[] = [];
  readonly #chains: DownlinkChain[] = [];
  readonly #files: LinkFiles[] = [];
  readonly #decomMetrics: DecomMetrics | null;
  #decomAt = Number.NEGATIVE_INFINITY;
  #timer: unknown = null;
  #started = false;
  #stopped = false;
  /** A commit is scheduled for the end of this event-loop turn (#commitSoon). */
  #commitPending = false;

  constructor(cfg: DownlinkSourceConfig, clock: Clock, context: SourceContext) {
    this.#cfg = cfg;
    this.#clock = clock;
    this.#context = context;
    this.#decomMetrics = context.metrics ? new DecomMetrics(new DecomMetricsWriter(context.metrics)) : null;
  }

  start(sink: AcquisitionSink): void {
    if (this.#started || this.#stopped) {
      throw new AcquisitionError(AcquisitionErrorCode.ERR_SOURCE_STATE, 'downlink: already started');
    }
    this.#started = true;
    const { decom, metrics, log } = this.#context;
    // The transports' counters reach the chains on this period, for /metrics and for the bad-input
    // log (a damaged packet file's skipped bytes are counted by its link, not by the chain).
    this.#timer = this.#clock.setInterval(() => {
      this.#chains.forEach((c, i) => {
        c.setTransport(this.#links[i]!.stats());
        c.publish(true);
      });
      this.#decomAt = Number.NEGATIVE_INFINITY;
      this.#commit(sink);
    }, PUBLISH_PERIOD_MS);
    sink.setLink(false);
    // File writers report drops from their own callbacks: commit those events at once.
    const onEvent = (e: EventIn) => {
      sink.event(e);
      sink.commit();
    };
    for (const cfg of this.#cfg.links) {
      const files = new LinkFiles(cfg.id, cfg, this.#cfg.stateDir, this.#clock, onEvent);
      this.#files.push(files);
      const chain = new DownlinkChain({
        linkId: cfg.id,
        config: toDownlinkConfig(cfg),
        sink,
        decom,
        metrics: metrics?.links.some((l) => l.id === cfg.id) ? new LinkMetricsWriter(metrics, cfg.id) : null,
        clock: this.#clock,
        log,
        files: files.archive,
      });
      const link = createLink(cfg.id, cfg.station, cfg.transport, this.#clock);
      this.#chains.push(chain);
      this.#links.push(link);
      const stream = link.delivery === 'stream';
      const guard = this.#guard(cfg, chain, sink);
      // Deliveries are committed at the end of the event-loop turn they arrive in: one read
      // alone (a quiet link) is committed at once, a burst of reads (a backlogged socket gives
      // up to 32 reads of 64 KiB in one turn) once, so readers are woken once per burst, not
      // per read (the doorbell's notify was a fifth of the thread's time at high frame rates).
      link.start({
        data: (bytes, ertUs) =>
          guard(() => {
            if (stream) chain.push(bytes, ertUs);
            else chain.pushBlock(bytes, ertUs);
            this.#commitSoon(sink);
          }),
        packet: (p) =>
          guard(() => {
            chain.replayedPacket(p);
            this.#commitSoon(sink);
          }),
        ...(this.#context.recorderPace === undefined ? {} : { paced: this.#context.recorderPace }),
        state: (up, reason) =>
          guard(() => {
            log.info({ link: cfg.id, station: cfg.station, up, reason }, up ? 'link up' : 'link down');
            chain.setState(up, reason);
            files.state(up);
            sink.setLink(this.#chains.some((c) => c.up));
            this.#commit(sink);
          }),
      });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearInterval(this.#timer);
    await Promise.all(this.#links.map((l) => l.stop()));
    for (const c of this.#chains) c.publish(true);
    await Promise.all(this.#files.map((f) => f.close()));
  }

  /**
   * Runs a link's delivery so that a failure while processing it cannot end the acquisition thread
   * (the link's socket callbacks would otherwise throw out of the event loop, and a front end
   * resending the same bytes would crash it again and again): the chain starts over (sync search,
   * packets in progress cut), the failure is logged and raised as an ALARM once per burst, and the
   * other links go on.
   */
  #guard(cfg: DownlinkLinkConfig, chain: DownlinkChain, sink: AcquisitionSink): (run: () => void) => void {
    const log = this.#context.log;
    let burst: { count: number; lastMs: number } | null = null;
    return (run) => {
      try {
        run();
        if (burst !== null && this.#clock.monoMs() - burst.lastMs >= FAILURE_QUIET_MS) {
          log.info({ link: cfg.id, failures: burst.count }, `link ${cfg.id}: processing recovered`);
          burst = null;
        }
      } catch (err) {
        const now = this.#clock.monoMs();
        if (burst !== null) {
          burst.count++;
          burst.lastMs = now;
        } else {
          burst = { count: 1, lastMs: now };
          log.error({ link: cfg.id, station: cfg.station, err }, `link ${cfg.id}: processing failed`);
        }
        try {
          chain.pipeline.flush();
          if (burst.count === 1) {
            sink.event({
              time: sink.nowUs(),
              severity: 'ALARM',
              source: cfg.station,
              type: 'LINK_PROCESSING_ERROR',
              message: `Link ${cfg.id} at ${cfg.station}: processing failed (${(err as Error).message}); frame sync restarted`,
            });
          }
          sink.commit();
        } catch (again) {
          log.error({ link: cfg.id, err: again }, `link ${cfg.id}: recovery failed`);
        }
      }
    };
  }

  #commitSoon(sink: AcquisitionSink): void {
    if (this.#commitPending) return;
    this.#commitPending = true;
    setImmediate(() => {
      this.#commitPending = false;
      this.#commit(sink);
    });
  }

  #commit(sink: AcquisitionSink): void {
    sink.commit();
    const decom = this.#context.decom;
    const now = this.#clock.monoMs();
    if (decom === null || this.#decomMetrics === null || now - this.#decomAt < DECOM_PUBLISH_MS) return;
    this.#decomAt = now;
    this.#decomMetrics.publish(decom.processor);
  }
}
