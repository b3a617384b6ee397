// `scs status`: the server's state from its ops endpoint (/metrics, /healthz), as tables
// or one JSON object.
import http from 'node:http';
import { NakCode, STREAMS } from '../../protocol/constants.ts';
import { CliError, CliErrorCode, ExitCode } from './errors.ts';
import { type CliIo, errorLine, isUsageError, usage, wholeNumber } from './io.ts';
import { parseOptions } from './options.ts';
import { parsePrometheus, type Sample } from './prometheus.ts';
import { type Loss, renderLosses, summarizeLosses } from './status-losses.ts';

export const help = `Usage: scs status [--host H] [--port N] [--timeout MS] [--json]

Reads the server's ops endpoint (GET /metrics and /healthz) and prints its health,
its downlink links (state, sync lock, frames, bad frames, packets, bytes, per-VC frame
rates), sessions per agency, ACK and NAK counts, records and bytes sent, skipped records,
ring heads, actor lag and records dropped before distribution (too large for their ring), and
every record dropped, purged or lost (losses).

  --host H        ops HTTP host (default 127.0.0.1)
  --port N        ops HTTP port (default 7301)
  --timeout MS    longest wait for an answer (default 5000)
  --json          one JSON object instead of tables
  --help          this text

Exit codes: 0 healthy, 1 unhealthy or a bad answer, 2 usage, 4 endpoint unreachable.`;

export interface AgencyStatus {
  sessions: number;
  acks: number;
  records: number;
  bytes: number;
  skipped: number;
  slowConsumerCloses: number;
}

export interface VcStatus {
  frames: number;
  badFrames: number;
  /** Frames per second over the last second or more. */
  frameRate: number;
}

export interface LinkStatus {
  link: string;
  station: string;
  up: boolean;
  syncLocked: boolean;
  bytes: number;
  frames: number;
  badFrames: number;
  packets: number;
  downs: number;
  /** By VC id, only the VCs that have carried frames. */
  vcs: Record<string, VcStatus>;
}

export interface ServerStatus {
  endpoint: string;
  health: { ok: boolean; detail: Record<string, unknown> } | undefined;
  /** Downlink links in the order of their first series; empty when none is configured. */
  links: LinkStatus[];
  agencies: Record<string, AgencyStatus>;
  naks: Record<string, number>;
  streams: Record<string, StreamStatus>;
  connections: { accepted: number; rejected: Record<string, number> } | undefined;
  /** Every dropped, purged or lost series that is not 0 (status-losses.ts). */
  losses: Loss[];
}

export interface StreamStatus {
  ringHead: number;
  actorLag: number;
  /** scs_records_dropped_total summed over reasons: acquired but neither distributed nor archived. */
  dropped: number;
}

const AGENCY_METRICS: readonly [string, keyof AgencyStatus][] = [
  ['scs_connections', 'sessions'],
  ['scs_acks_total', 'acks'],
  ['scs_records_sent_total', 'records'],
  ['scs_bytes_sent_total', 'bytes'],
  ['scs_skipped_records_total', 'skipped'],
  ['scs_slow_consumer_closes_total', 'slowConsumerCloses'],
];

const LINK_METRICS: Readonly<Record<string, 'up' | 'syncLocked' | keyof LinkCounts>> = {
  scs_link_up: 'up',
  scs_link_sync_locked: 'syncLocked',
  scs_link_bytes_total: 'bytes',
  scs_link_frames_total: 'frames',
  scs_link_bad_frames_total: 'badFrames',
  scs_link_packets_total: 'packets',
  scs_link_downs_total: 'downs',
};
type LinkCounts = Pick<LinkStatus, 'bytes' | 'frames' | 'badFrames' | 'packets' | 'downs'>;

const VC_METRICS: Readonly<Record<string, keyof VcStatus>> = {
  scs_vc_frames_total: 'frames',
  scs_vc_bad_frames_total: 'badFrames',
  scs_vc_frame_rate: 'frameRate',
};

/** The scs_link_* and scs_vc_* series, by their `link` label. */
function summarizeLinks(samples: Sample[]): LinkStatus[] {
  const links = new Map<string, LinkStatus>();
  const linkOf = (labels: Record<string, string>): LinkStatus | undefined => {
    const id = labels.link;
    if (id === undefined) return undefined;
    let l = links.get(id);
    if (l === undefined) {
      l = {
        link: id,
        station: labels.station ?? '',
        up: false,
        syncLocked: false,
        bytes: 0,
        frames: 0,
        badFrames: 0,
        packets: 0,
        downs: 0,
        vcs: dict(),
      };
      links.set(id, l);
    }
    return l;
  };
  for (const { name, labels, value } of samples) {
    const field = LINK_METRICS[name];
    const vcField = VC_METRICS[name];
    if (field !== undefined) {
      const l = linkOf(labels);
      if (l === undefined) continue;
      if (field === 'up' || field === 'syncLocked') l[field] = value === 1;
      else l[field] = value;
    } else if (vcField !== undefined && labels.vcid !== undefined) {
      const l = linkOf(labels);
      if (l === undefined) continue;
      l.vcs[labels.vcid] ??= { frames: 0, badFrames: 0, frameRate: 0 };
      l.vcs[labels.vcid]![vcField] = value;
    }
  }
  return [...links.values()];
}

/**
 * A record keyed by label values from the scraped text: no prototype, so a value such as
 * `__proto__` or `constructor` (both valid agency ids) is an ordinary key, never Object's own.
 */
function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function summarize(endpoint: string, samples: Sample[], health: ServerStatus['health']): ServerStatus {
  const agencies = dict<AgencyStatus>();
  const naks = Object.assign(dict<number>(), Object.fromEntries(Object.values(NakCode).map((c) => [c, 0])));
  const streams: ServerStatus['streams'] = Object.assign(
    dict<StreamStatus>(),
    Object.fromEntries(STREAMS.map((s) => [s, { ringHead: 0, actorLag: 0, dropped: 0 }])),
  );
  let connections: ServerStatus['connections'];
  for (const { name, labels, value } of samples) {
    const field = AGENCY_METRICS.find(([metric]) => metric === name)?.[1];
    if (field !== undefined && labels.agency !== undefined) {
      agencies[labels.agency] ??= {
        sessions: 0,
        acks: 0,
        records: 0,
        bytes: 0,
        skipped: 0,
        slowConsumerCloses: 0,
      };
      agencies[labels.agency]![field] = value;
    } else if (name === 'scs_naks_total' && labels.code !== undefined) {
      naks[labels.code] = value;
    } else if (
      (name === 'scs_ring_head' || name === 'scs_actor_lag_records') &&
      labels.stream !== undefined
    ) {
      streams[labels.stream] ??= { ringHead: 0, actorLag: 0, dropped: 0 };
      streams[labels.stream]![name === 'scs_ring_head' ? 'ringHead' : 'actorLag'] = value;
    } else if (name === 'scs_records_dropped_total' && labels.stream !== undefined) {
      streams[labels.stream] ??= { ringHead: 0, actorLag: 0, dropped: 0 };
      streams[labels.stream]!.dropped += value;
    } else if (name === 'scs_accepted_connections_total') {
      connections ??= { accepted: 0, rejected: dict() };
      connections.accepted = value;
    } else if (name === 'scs_rejected_connections_total' && labels.reason !== undefined) {
      connections ??= { accepted: 0, rejected: dict() };
      connections.rejected[labels.reason] = value;
    }
  }
  if (Object.keys(agencies).length === 0) {
    throw new CliError(
      CliErrorCode.BAD_ANSWER,
      `${endpoint}/metrics has no SCS metrics (is it an SCS ops port?)`,
    );
  }
  const losses = summarizeLosses(samples);
  return { endpoint, health, links: summarizeLinks(samples), agencies, naks, streams, connections, losses };
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

/** The first `names` columns left-aligned (names), the others right-aligned (numbers). */
function table(head: string[], rows: string[][], names = 1): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < names ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export function render(s: ServerStatus): string {
  const h = s.health;
  const detail = h
    ? Object.entries(h.detail)
        // Lists (links) have their own section below.
        .filter(([, v]) => typeof v !== 'object' || v === null)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')
    : '';
  const healthText = h === undefined ? 'health unknown' : `${h.ok ? 'healthy' : 'UNHEALTHY'} (${detail})`;
  const agencies = Object.entries(s.agencies).map(([name, a]) => [
    name,
    String(a.sessions),
    String(a.acks),
    String(a.records),
    bytes(a.bytes),
    String(a.skipped),
    String(a.slowConsumerCloses),
  ]);
  const naks = Object.entries(s.naks).filter(([, n]) => n > 0);
  const streams = Object.entries(s.streams).map(([name, st]) => [
    name,
    String(st.ringHead),
    String(st.actorLag),
    st.dropped > 0 ? `DROPPED ${st.dropped}` : '0',
  ]);
  const links =
    s.links.length === 0
      ? 'links: none configured'
      : table(
          ['link', 'station', 'state', 'sync', 'frames', 'bad', 'packets', 'bytes', 'downs', 'VC frames/s'],
          s.links.map((l) => [
            l.link,
            l.station,
            l.up ? 'up' : 'DOWN',
            l.syncLocked ? 'locked' : 'search',
            String(l.frames),
            String(l.badFrames),
            String(l.packets),
            bytes(l.bytes),
            String(l.downs),
            Object.entries(l.vcs)
              .map(([vc, v]) => `${vc}:${Number(v.frameRate.toFixed(1))}`)
              .join(' ') || '-',
          ]),
          4,
        );
  const lines = [
    `server ${s.endpoint}  ${healthText}`,
    '',
    links,
    '',
    table(['agency', 'sessions', 'acks', 'records', 'bytes', 'skipped', 'slow-closes'], agencies),
    '',
    `NAKs: ${naks.length === 0 ? 'none' : naks.map(([code, n]) => `${code} ${n}`).join(', ')}`,
    '',
    table(['stream', 'ring head', 'actor lag', 'dropped'], streams),
  ];
  const c = s.connections;
  if (c !== undefined) {
    const rejected = Object.entries(c.rejected).map(([reason, n]) => `${reason} ${n}`);
    lines.push('', `connections: accepted ${c.accepted}, rejected ${rejected.join(', ') || '0'}`);
  }
  lines.push('', renderLosses(s.losses));
  return `${lines.join('\n')}\n`;
}

interface Answer {
  status: number;
  text: string;
}

/** GET with node:http (fetch refuses the ports on the WHATWG "bad port" list). */
function get(url: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const unreachable = (message: string) => new CliError(CliErrorCode.UNREACHABLE, `${url}: ${message}`);
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', (err) => reject(unreachable(err.message)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(unreachable(err.message)));
  });
}

function readHealth(answer: Answer): ServerStatus['health'] {
  // 503 is a valid answer here (unhealthy), with the same body.
  let body: { ok?: unknown; detail?: unknown } | undefined;
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    return undefined;
  }
  if (typeof body?.ok !== 'boolean') return undefined;
  const detail =
    typeof body.detail === 'object' && body.detail !== null ? (body.detail as Record<string, unknown>) : {};
  return { ok: body.ok, detail };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values: v } = parseOptions({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (v.help) {
      io.stdout.write(`${help}\n`);
      return ExitCode.OK;
    }
    const host = v.host ?? '127.0.0.1';
    if (host.includes('/')) throw usage(`--host must be a host name or address, got '${host}'`);
    const port = v.port === undefined ? 7301 : wholeNumber('port', v.port, 1, 65_535);
    const timeoutMs = v.timeout === undefined ? 5000 : wholeNumber('timeout', v.timeout, 1);
    const endpoint = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const base = `http://${endpoint}`;
    const metrics = await get(`${base}/metrics`, timeoutMs);
    if (metrics.status !== 200) {
      throw new CliError(CliErrorCode.BAD_ANSWER, `${base}/metrics answered HTTP ${metrics.status}`);
    }
    const samples = parsePrometheus(metrics.text);
    const status = summarize(endpoint, samples, readHealth(await get(`${base}/healthz`, timeoutMs)));
    io.stdout.write(v.json ? `${JSON.stringify(status)}\n` : render(status));
    return status.health?.ok === false ? ExitCode.FAILURE : ExitCode.OK;
  } catch (err) {
    errorLine(io, 'status', (err as Error).message);
    if (isUsageError(err)) return ExitCode.USAGE;
    if (err instanceof CliError && err.code === CliErrorCode.UNREACHABLE) return ExitCode.LOST;
    return ExitCode.FAILURE;
  }
}
