// The `losses` line of `scs status`: every counter of records dropped, purged or lost (the rows of
// docs/ARCHITECTURE.md's failure table that lose data), each series that is not 0, so a loss is
// never only in /metrics.
import type { Sample } from './prometheus.ts';

/** What each counter counts, as `scs status` names it. */
export const LOSS_METRICS: Readonly<Record<string, string>> = {
  scs_records_dropped_total: 'records dropped (not carried by a ring)',
  scs_archive_records_lost_total: 'records never archived (recorder overrun)',
  scs_archive_deleted_total: 'records deleted by archive retention',
  scs_archive_duplicates_skipped_total: 'records not archived (seq not above the archive)',
  scs_skipped_records_total: 'records skipped for slow latest clients',
  scs_web_points_dropped_total: 'display points dropped',
  scs_link_skipped_bytes_total: 'file replay bytes skipped',
  scs_link_idle_frames_total: 'idle frames dropped',
  scs_link_idle_packets_total: 'idle packets dropped',
  scs_link_unselected_frames_total: 'frames of unselected VCs dropped',
};

export interface Loss {
  metric: string;
  labels: Record<string, string>;
  value: number;
}

export function summarizeLosses(samples: readonly Sample[]): Loss[] {
  return samples
    .filter((s) => Object.hasOwn(LOSS_METRICS, s.name) && s.value > 0)
    .map((s) => ({ metric: s.name, labels: { ...s.labels }, value: s.value }));
}

/** `losses: none`, or each series as `what {label=value} n`. */
export function renderLosses(losses: readonly Loss[]): string {
  if (losses.length === 0) return 'losses: none';
  const items = losses.map((l) => {
    const labels = Object.entries(l.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `  ${LOSS_METRICS[l.metric]}${labels ? ` (${labels})` : ''}: ${l.value}  [${l.metric}]`;
  });
  return ['losses:', ...items].join('\n');
}
