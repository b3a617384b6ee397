// Entry of the acquisition area for the main thread: which source a spec names, and its
// dictionary (the main thread needs it before the acquisition thread starts).
import { fileURLToPath } from 'node:url';
import type { Mdb } from '../mdb/model.ts';
import { type DownlinkSourceConfig, defineDownlinkSource } from './downlink-source.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { defineSimulator, type SimulatorConfig } from './simulator.ts';
import type { ParameterInfo, SourceDefinition } from './source.ts';
import { defineTestSource, type TestSourceOptions } from './test-source.ts';

/** The demo mission database (the simulator's spacecraft), loaded when `mdb.file` is not set. */
export const DEMO_MISSION_FILE = fileURLToPath(new URL('../mdb/demo-mission.json', import.meta.url));

export type SourceSpec =
  | { kind: 'simulator'; config: SimulatorConfig }
  | { kind: 'downlink'; config: DownlinkSourceConfig }
  | { kind: 'test'; options: TestSourceOptions };

/** `mdb`: the mission database the simulator and the downlink decommutate with; the test source has its own dictionary. */
export function defineSource(spec: SourceSpec, mdb: Mdb | null): SourceDefinition {
  switch (spec.kind) {
    case 'simulator':
      return defineSimulator(spec.config, mdb);
    case 'downlink':
      return defineDownlinkSource(spec.config, mdb);
    case 'test':
      return defineTestSource(spec.options);
    default:
      throw new AcquisitionError(
        AcquisitionErrorCode.ERR_SOURCE_SPEC,
        `unknown source kind ${String((spec as { kind: unknown }).kind)}`,
      );
  }
}

/** The parameter dictionary of a source (index = parameter index), without starting it. */
export function sourceDictionary(spec: SourceSpec, mdb: Mdb | null): readonly ParameterInfo[] {
  return defineSource(spec, mdb).dictionary;
}
