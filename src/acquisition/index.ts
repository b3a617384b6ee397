// Entry of the acquisition area for the main thread: which source a spec names, and its
// dictionary (the main thread needs it before the acquisition thread starts).
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { defineSimulator, type SimulatorConfig } from './simulator.ts';
import type { ParameterInfo, SourceDefinition } from './source.ts';
import { defineTestSource, type TestSourceOptions } from './test-source.ts';

export type SourceSpec =
  | { kind: 'simulator'; config: SimulatorConfig }
  | { kind: 'test'; options: TestSourceOptions };

export function defineSource(spec: SourceSpec): SourceDefinition {
  switch (spec.kind) {
    case 'simulator':
      return defineSimulator(spec.config);
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
export function sourceDictionary(spec: SourceSpec): readonly ParameterInfo[] {
  return defineSource(spec).dictionary;
}
