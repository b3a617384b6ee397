// An actor's context built in-process from real shared buffers, for tests of the
// session layer without threads.
import { STREAMS } from '../../protocol/constants.ts';
import { SIM_DICTIONARY } from '../../src/acquisition/sim-dictionary.ts';
import { type ActorContext, createActorContext } from '../../src/actors/context.ts';
import { createAdmission } from '../../src/admission/admission.ts';
import { createAuthGate } from '../../src/admission/auth-gate.ts';
import { createQuotas } from '../../src/admission/quota.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createMetrics } from '../../src/metrics/counters.ts';
import { createRingSet, type RingSetBuffers } from '../../src/ring/ring.ts';
import { createValueTable } from '../../src/ring/value-table.ts';
import { systemClock } from '../../src/util/clock.ts';
import { silentLogger } from '../../src/util/logger.ts';
import { testAgencies } from './server.ts';

export interface TestActor extends ActorContext {
  readonly rings: RingSetBuffers;
}

/** One actor's context built in-process from real shared buffers. */
export function actorContext(overrides: Record<string, unknown> = {}): TestActor {
  const config = loadConfig({
    object: { agencies: testAgencies(), simulator: { enabled: false }, ...overrides },
  });
  const rings = createRingSet(STREAMS.map((s) => config.ring[s]));
  const ctx = createActorContext(
    {
      config,
      rings,
      valueTable: createValueTable(SIM_DICTIONARY.length, config.ring.parameters.slotBytes),
      admission: createAdmission(
        Object.keys(config.agencies).map(() => 10),
        100,
        16,
      ),
      metrics: createMetrics(2, Object.keys(config.agencies).length),
      dictionary: SIM_DICTIONARY,
      bootId: 'test',
      controlChannel: 'unused',
      archiveQuotas: createQuotas(
        Object.keys(config.agencies).map(() => 2),
        16,
      ),
      authGate: createAuthGate(),
    },
    systemClock,
    silentLogger(),
  );
  return { ...ctx, rings };
}
