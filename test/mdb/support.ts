import type { EventIn } from '../../src/acquisition/source.ts';
import { parseMdb } from '../../src/mdb/load.ts';
import type { Mdb } from '../../src/mdb/model.ts';
import type { MdbSample, PacketProcessor, ProcessorOutput } from '../../src/mdb/processor.ts';

export const APID = 100;

/** A database with one container on APID 100 holding `entries`. */
export function db(
  parameters: Record<string, unknown>,
  entries: unknown[],
  extra: Record<string, unknown> = {},
): Mdb {
  return parseMdb(
    { name: 'TEST', version: '1', parameters, containers: { PKT: { apid: APID, entries } }, ...extra },
    'test.json',
  );
}

export class Collector implements ProcessorOutput {
  readonly samples: MdbSample[] = [];
  readonly events: EventIn[] = [];
  sample(s: MdbSample): void {
    this.samples.push(s);
  }
  event(e: EventIn): void {
    this.events.push(e);
  }
  /** The latest sample of parameter `name`. */
  last(p: PacketProcessor, name: string): MdbSample {
    const index = p.mdb.byName.get(name);
    const s = this.samples.findLast((x) => x.param === index);
    if (s === undefined) throw new Error(`no sample of ${name}`);
    return s;
  }
}

/** Processes one packet of `bytes` on APID 100 and returns its samples by parameter name. */
export function run(
  p: PacketProcessor,
  bytes: readonly number[] | Uint8Array,
  out = new Collector(),
): Map<string, MdbSample> {
  const before = out.samples.length;
  p.process(APID, Uint8Array.from(bytes), 1_000, 2_000, out);
  return new Map(out.samples.slice(before).map((s) => [p.mdb.parameters[s.param]!.name, s]));
}
