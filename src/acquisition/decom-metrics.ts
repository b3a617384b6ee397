// The decommutation totals in the downlink metrics buffer. A processor that replaces another (a
// reload) adopts its counts, so the totals run on; a restarted acquisition thread starts from zero,
// so the totals its predecessor left are kept as a base and the exported counters never go back.
import type { PacketProcessor, ProcessorStats } from '../mdb/processor.ts';
import { DECOM_FIELDS, type DecomMetricsWriter } from '../metrics/downlink.ts';

export class DecomMetrics {
  readonly #writer: DecomMetricsWriter;
  readonly #base: Record<keyof ProcessorStats, number>;

  constructor(writer: DecomMetricsWriter) {
    this.#writer = writer;
    this.#base = Object.fromEntries(DECOM_FIELDS.map((f) => [f, writer.get(f)])) as Record<
      keyof ProcessorStats,
      number
    >;
  }

  publish(processor: PacketProcessor): void {
    const stats = processor.stats();
    for (const f of DECOM_FIELDS) this.#writer.set(f, this.#base[f] + stats[f]);
  }
}
