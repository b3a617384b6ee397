// scs_archive_* totals of the archive recorder, read from its shared counters when scraped.
import { Counter, type Registry } from 'prom-client';
import { STREAMS } from '../../protocol/constants.ts';
import type { ArchiveCounter, ArchiveCounters } from '../archive/counters.ts';

const METRICS: readonly [string, string, ArchiveCounter][] = [
  ['scs_archive_records_total', 'Records committed to the archive', 'records'],
  [
    'scs_archive_records_lost_total',
    'Records the archive recorder never archived: a link outran it and the ring overwrote them',
    'lost',
  ],
  ['scs_archive_deleted_total', 'Records deleted by archive retention (age or size)', 'deleted'],
  [
    'scs_archive_duplicates_skipped_total',
    'Records not archived because their seq was not above the archive’s last',
    'duplicates',
  ],
];

export function registerArchiveMetrics(registry: Registry, counters: ArchiveCounters): void {
  for (const [name, help, counter] of METRICS) {
    new Counter({
      name,
      help,
      labelNames: ['stream'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [i, stream] of STREAMS.entries()) this.inc({ stream }, counters.get(counter, i));
      },
    });
  }
}
