// Everything a session needs from its actor thread, built once per actor.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ParameterInfo } from '../acquisition/source.ts';
import { Admission, type AdmissionBuffers } from '../admission/admission.ts';
import { AuthGate, type AuthGateBuffers } from '../admission/auth-gate.ts';
import { type QuotaBuffers, Quotas } from '../admission/quota.ts';
import { ArchiveQueries } from '../archive/query-client.ts';
import type { QueryPoolAddress } from '../archive/query-protocol.ts';
import { type AgencyAccess, compileAgencies } from '../config/access.ts';
import { validateConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { TokenVerifier } from '../config/token.ts';
import type { MetricsBuffers } from '../metrics/counters.ts';
import { ActorMetrics } from '../metrics/counters.ts';
import { ControlBlock } from '../ring/layout.ts';
import { type RingSetBuffers, RingSetReader } from '../ring/ring.ts';
import { type ValueTableBuffers, ValueTableReader } from '../ring/value-table.ts';
import type { TlsMaterial } from '../server/tls.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { RefusalLog } from './refusal-log.ts';

/** What the main thread hands every actor (piscina `workerData`). */
export interface ActorInit {
  config: Config;
  rings: RingSetBuffers;
  valueTable: ValueTableBuffers;
  admission: AdmissionBuffers;
  metrics: MetricsBuffers;
  dictionary: readonly ParameterInfo[];
  bootId: string;
  /** BroadcastChannel name on which the main thread sends ActorControl messages. */
  controlChannel: string;
  /** Clients speak TLS when set. */
  tls?: TlsMaterial;
  /** The archive query pool, when the archive is enabled. */
  archive?: QueryPoolAddress;
  /** Concurrent archive queries per agency (`maxArchiveQueries`). */
  archiveQuotas: QuotaBuffers;
  /** The process's token-check gate (per-address attempts, bounded scrypt work). */
  authGate: AuthGateBuffers;
}

export interface ActorContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reader: RingSetReader;
  readonly control: ControlBlock;
  readonly values: ValueTableReader;
  readonly admission: Admission;
  readonly metrics: ActorMetrics;
  readonly dictionary: readonly ParameterInfo[];
  readonly dictionaryIndex: ReadonlyMap<string, number>;
  readonly agencies: ReadonlyMap<string, AgencyAccess>;
  readonly tokens: TokenVerifier;
  readonly gate: AuthGate;
  /** Refused connections, logged per address and interval. */
  readonly refusals: RefusalLog;
  readonly bootId: string;
  readonly secureContext: SecureContext | undefined;
  /** TLS client certificates are requested and verified (server.tls.caFile). */
  readonly clientCertificates: boolean;
  readonly archiveEnabled: boolean;
  readonly archiveQuotas: Quotas;
  /** Opens archive queries in the query pool; undefined without an archive. */
  readonly archive: ArchiveQueries | undefined;
}

export function createActorContext(init: ActorInit, clock: Clock, logger: Logger): ActorContext {
  const reader = new RingSetReader(init.rings);
  // workerData is a structured clone: re-validate to get the frozen, null-prototype config back.
  const config = validateConfig(init.config, 'workerData');
  return {
    config,
    clock,
    logger,
    reader,
    control: new ControlBlock(init.rings.control),
    values: new ValueTableReader(init.valueTable),
    admission: new Admission(init.admission),
    metrics: ActorMetrics.claim(init.metrics, clock.nowMs()),
    dictionary: init.dictionary,
    dictionaryIndex: new Map(init.dictionary.map((p, i) => [p.name, i])),
    agencies: compileAgencies(config),
    tokens: new TokenVerifier(),
    gate: new AuthGate(init.authGate),
    refusals: new RefusalLog(logger, clock),
    bootId: init.bootId,
    secureContext: init.tls === undefined ? undefined : createSecureContext(init.tls),
    clientCertificates: init.tls?.ca !== undefined,
    archiveEnabled: init.archive !== undefined,
    archiveQuotas: new Quotas(init.archiveQuotas),
    archive: init.archive === undefined ? undefined : new ArchiveQueries(init.archive),
  };
}
