// What a session receives, compiled into masks over ring metadata so the fan-out
// decides per record without decoding its payload.
import { STREAMS } from '../../protocol/constants.ts';
import type { RecordMeta } from '../ring/ring.ts';
import type { ValidRequest } from './request.ts';

export class Selection {
  readonly ring: number;
  /** Sessions with equal keys receive byte-identical DATA bodies and share one encoding. */
  readonly key: string;
  readonly #vcids: Uint8Array | null;
  readonly #apids: Uint8Array | null;
  readonly #params: Uint8Array | null;
  readonly #minSeverity: number;
  /** Events: the parameter indices the agency may see (null: all); an event naming another is not its. */
  readonly #eventParams: Uint8Array | null;
  /** True when the selection takes every record of its stream (no filter narrows it). */
  readonly everything: boolean;

  constructor(
    req: ValidRequest,
    parameters: readonly number[] | undefined,
    dictionarySize: number,
    /** Events stream: the parameters the agency may see; undefined when it may see every one. */
    eventParameters?: readonly number[],
  ) {
    this.ring = STREAMS.indexOf(req.stream);
    this.#vcids = mask(req.vcids, 64);
    this.#apids = mask(req.apids, 2048);
    this.#params = parameters === undefined ? null : mask(parameters, dictionarySize);
    this.#minSeverity = req.minSeverity;
    this.#eventParams = eventParameters === undefined ? null : mask(eventParameters, dictionarySize);
    this.everything =
      this.#vcids === null &&
      this.#apids === null &&
      this.#minSeverity === 0 &&
      this.#eventParams === null &&
      (parameters === undefined || parameters.length === dictionarySize);
    this.key = [
      req.stream,
      list(req.vcids),
      list(req.apids),
      parameters === undefined ? '' : compactRanges(parameters),
      this.#minSeverity,
      eventParameters === undefined ? '*' : compactRanges(eventParameters),
    ].join('|');
  }

  matches(meta: RecordMeta): boolean {
    switch (this.ring) {
      case 0: // frames: key1 = vcid
        return this.#vcids === null || this.#vcids[meta.key1] === 1;
      case 1: // packets: key1 = vcid, key2 = apid
        return (
          (this.#vcids === null || this.#vcids[meta.key1] === 1) &&
          (this.#apids === null || this.#apids[meta.key2] === 1)
        );
      case 2: // parameters: key1 = parameter index
        return this.#params === null || this.#params[meta.key1] === 1;
      default: // events: key1 = severity index, key2 = parameter index, -1 none, -2 not in the dictionary
        return (
          meta.key1 >= this.#minSeverity &&
          (this.#eventParams === null || meta.key2 === -1 || this.#eventParams[meta.key2] === 1)
        );
    }
  }
}

function mask(values: readonly number[] | undefined, size: number): Uint8Array | null {
  if (values === undefined) return null;
  const m = new Uint8Array(size);
  for (const v of values) if (v >= 0 && v < size) m[v] = 1;
  return m;
}

const list = (values: readonly number[] | undefined) =>
  values === undefined ? '*' : [...new Set(values)].sort((a, b) => a - b).join(',');

/** "0-3,7,9-12" for an ascending index list: short group keys for large parameter sets. */
function compactRanges(sorted: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(',');
}
