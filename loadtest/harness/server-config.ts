// The configuration of the server the harness starts (no --target): loopback only, the
// scenario's agencies with their caps (tokens hashed here), the simulator at the scenario's
// frame rate with no data breaks, and no per-IP limits (every client comes from 127.0.0.1).
import { hashToken } from '../../src/config/token.ts';
import type { Scenario } from './scenario.ts';

export function serverConfig(s: Scenario, stateDir: string, totalClients: number): Record<string, unknown> {
  const srv = s.server;
  // The config demands maxClients ≤ maxSockets; 5000 is the server's default maxClients.
  const sockets = Math.max(totalClients, srv.maxClients ?? 5000) + 4096;
  const agencies = Object.fromEntries(
    Object.entries(srv.agencies).map(([id, a]) => [
      id,
      {
        tokenHash: hashToken(a.token),
        maxConnections: a.maxConnections,
        ...(a.streams ? { streams: a.streams } : {}),
        ...(a.parameters ? { parameters: a.parameters } : {}),
        ...(a.maxArchiveQueries !== undefined ? { maxArchiveQueries: a.maxArchiveQueries } : {}),
      },
    ]),
  );
  return {
    server: {
      host: '127.0.0.1',
      port: 0,
      httpHost: '127.0.0.1',
      httpPort: 0,
      stateDir,
      ...(srv.actors !== undefined ? { actors: srv.actors } : {}),
      ...(srv.maxClients !== undefined ? { maxClients: srv.maxClients } : {}),
      ...(srv.heartbeatMs !== undefined ? { heartbeatMs: srv.heartbeatMs } : {}),
      ...(srv.requestTimeoutMs !== undefined ? { requestTimeoutMs: srv.requestTimeoutMs } : {}),
      // Room for every client plus churn and hostile reconnections still closing.
      maxSockets: sockets,
      maxSocketsPerIp: sockets,
      connectRatePerIp: 1_000_000,
    },
    ...(srv.completeBufferBytes !== undefined
      ? { session: { completeBufferBytes: srv.completeBufferBytes } }
      : {}),
    ...(srv.frameRingSlots !== undefined ? { ring: { frames: { slots: srv.frameRingSlots } } } : {}),
    agencies,
    simulator: {
      enabled: true,
      frameRateHz: srv.frameRateHz,
      ...(srv.frameLength !== undefined ? { frameLength: srv.frameLength } : {}),
      dataBreaks: { everySec: 0, durationSec: 1 },
    },
    archive: { enabled: srv.archive === true },
    log: { level: 'error' },
  };
}
