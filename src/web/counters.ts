// Display-specific counters, touched by the main thread only and read at scrape time. What a
// display session shares with TCP sessions (ACKs, records, bytes, skipped, sessions closed,
// refusals by NAK code) is counted in the shared per-agency metrics instead.
import { Counter, Gauge, type Registry } from 'prom-client';

export const DropReason = { SLOW_CLIENT: 'slow_client', OVERRUN: 'overrun' } as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export class WebCounters {
  sessions = 0;
  readonly dropped: Record<DropReason, number> = { slow_client: 0, overrun: 0 };
  readonly logins = { ok: 0, failed: 0 };
  historyRequests = 0;
}

export function registerWebMetrics(registry: Registry, c: WebCounters): void {
  const registers = [registry];
  new Gauge({
    name: 'scs_web_sessions',
    help: 'Open Open MCT display WebSockets',
    registers,
    collect() {
      this.set(c.sessions);
    },
  });
  new Counter({
    name: 'scs_web_points_dropped_total',
    help: 'Display points not sent: slow_client (socket buffer above display.maxBufferedBytes), overrun (ring overwrote them first)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const reason of Object.values(DropReason)) this.inc({ reason }, c.dropped[reason]);
    },
  });
  new Counter({
    name: 'scs_web_logins_total',
    help: 'Display logins, by result',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      this.inc({ result: 'ok' }, c.logins.ok);
      this.inc({ result: 'failed' }, c.logins.failed);
    },
  });
  new Counter({
    name: 'scs_web_history_requests_total',
    help: 'Display history requests served',
    registers,
    collect() {
      this.reset();
      this.inc(c.historyRequests);
    },
  });
}
