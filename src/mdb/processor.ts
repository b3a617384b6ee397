// The packet processor: decommutation, calibration, limit checking, derived parameters and limit
// events, for one packet at a time, on the acquisition thread (single writer of all its state).
import type { Limit } from '../../protocol/constants.ts';
import type { EventIn, ParameterInfo } from '../acquisition/source.ts';
import {
  APID_COUNT,
  compileDecoders,
  type Decoded,
  type Decoder,
  decodeEntry,
  type SampleValue,
} from './decom.ts';
import { limitEvent } from './events.ts';
import { L_UNCHECKED, LIMITS, LimitChecker } from './limits.ts';
import type { DerivedParam, Mdb } from './model.ts';
import { ParamQuality } from './quality.ts';

/** A parameter sample: SampleIn, with raw bytes allowed as values (ParameterRecord allows them). */
export interface MdbSample {
  readonly param: number;
  readonly scet: number;
  readonly ert: number;
  readonly raw: SampleValue;
  readonly eng: SampleValue;
  readonly limit: Limit;
  readonly quality: number;
}

export interface ProcessorOutput {
  sample(s: MdbSample): void;
  event(e: EventIn): void;
}

export interface ProcessorStats {
  packets: number;
  /** Packets whose APID has no container: no sample comes from them. */
  unknownApid: number;
  samples: number;
  /** Samples by quality finding (a sample may count under several). */
  outOfPacket: number;
  invalidValue: number;
  unknownState: number;
  invalidInput: number;
  events: number;
}

export class PacketProcessor {
  readonly mdb: Mdb;
  /** Limit checking switches: per parameter, per list, global. */
  readonly limits: LimitChecker;
  readonly #decoders: readonly (Decoder | undefined)[];
  /** Latest engineering value per parameter: operands of derived parameters and limit switches. */
  readonly #values: unknown[];
  readonly #has: Uint8Array;
  /** Decommutation quality bits of each parameter's latest sample. */
  readonly #quality: Int32Array;
  readonly #derivedInputs: (Int32Array | undefined)[];
  readonly #scratch: Decoded = { raw: 0, eng: 0, quality: 0 };
  readonly #stats: ProcessorStats = {
    packets: 0,
    unknownApid: 0,
    samples: 0,
    outOfPacket: 0,
    invalidValue: 0,
    unknownState: 0,
    invalidInput: 0,
    events: 0,
  };

  constructor(mdb: Mdb) {
    const n = mdb.parameters.length;
    this.mdb = mdb;
    this.limits = new LimitChecker(mdb);
    this.#decoders = compileDecoders(mdb);
    this.#values = new Array<unknown>(n).fill(undefined);
    this.#has = new Uint8Array(n);
    this.#quality = new Int32Array(n);
    this.#derivedInputs = mdb.parameters.map((p) =>
      p.kind === 'derived' ? Int32Array.from(p.expression.inputs) : undefined,
    );
  }

  /**
   * Decommutates one packet: emits a sample per parameter of its container, then one per derived
   * parameter an input of which changed, and limit events. Never throws on bad input: a short
   * packet or an invalid value flags its samples, an unknown APID is counted. `quality` (the
   * packet's own bits, ICD §6) is carried into every sample. Returns the number of samples.
   */
  process(
    apid: number,
    packet: Uint8Array,
    scetUs: number,
    ertUs: number,
    emit: ProcessorOutput,
    quality = 0,
  ): number {
    this.#stats.packets++;
    const decoder = apid >= 0 && apid < APID_COUNT ? this.#decoders[apid] : undefined;
    if (decoder === undefined) {
      this.#stats.unknownApid++;
      return 0;
    }
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const out = this.#scratch;
    const { entries, derived } = decoder;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k]!;
      decodeEntry(e, packet, view, out);
      this.#publish(e.param, out.raw, out.eng, out.quality, quality, scetUs, ertUs, emit);
    }
    let count = entries.length;
    for (let k = 0; k < derived.length; k++) {
      if (this.#derive(derived[k]!, quality, scetUs, ertUs, emit)) count++;
    }
    return count;
  }

  /**
   * Continues from the processor this one replaces (a reload or a run-time override): the latest
   * values and qualities (operands of derived parameters and limit switches), the limit state and
   * the counters. Both must have the same parameter list (MdbControl checks it).
   */
  adopt(previous: PacketProcessor): void {
    const n = this.#values.length;
    for (let i = 0; i < n; i++) this.#values[i] = previous.#values[i];
    this.#has.set(previous.#has);
    this.#quality.set(previous.#quality);
    Object.assign(this.#stats, previous.#stats);
    this.limits.adopt(previous.limits);
  }

  /** Parameter descriptions; the array index is the parameter index. */
  dictionary(): ParameterInfo[] {
    return this.mdb.parameters.map((p) => p.info);
  }

  stats(): Readonly<ProcessorStats> {
    return { ...this.#stats };
  }

  /** Computes a derived parameter once all its inputs have a value; false if it cannot yet. */
  #derive(d: number, packetQuality: number, scet: number, ert: number, emit: ProcessorOutput): boolean {
    const inputs = this.#derivedInputs[d]!;
    let quality = 0;
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      if (this.#has[i] === 0) return false;
      if (this.#quality[i] !== 0) quality = ParamQuality.INVALID_INPUT;
    }
    const value = (this.mdb.parameters[d] as DerivedParam).expression.evaluate(this.#values);
    if (typeof value === 'number' && value - value !== 0) quality |= ParamQuality.INVALID_VALUE;
    this.#publish(d, value, value, quality, packetQuality, scet, ert, emit);
    return true;
  }

  #publish(
    param: number,
    raw: SampleValue,
    eng: SampleValue,
    quality: number,
    packetQuality: number,
    scet: number,
    ert: number,
    emit: ProcessorOutput,
  ): void {
    this.#values[param] = eng;
    this.#has[param] = 1;
    this.#quality[param] = quality;
    let limit = L_UNCHECKED;
    if (quality === 0) {
      const previous = this.limits.reported(param);
      limit = this.limits.check(param, eng, this.#values);
      if (limit !== previous) this.#limitEvent(param, previous, limit, eng, ert, emit);
    } else this.#count(quality);
    this.#stats.samples++;
    emit.sample({ param, scet, ert, raw, eng, limit: LIMITS[limit]!, quality: quality | packetQuality });
  }

  #limitEvent(
    param: number,
    previous: number,
    current: number,
    eng: SampleValue,
    ert: number,
    emit: ProcessorOutput,
  ): void {
    // Byte parameters have no limits (checked at load), so `eng` is a plain value here.
    const p = this.mdb.parameters[param]!;
    const event = limitEvent(p.name, p.unit, previous, current, eng as number | string | boolean, ert);
    if (event === null) return;
    this.#stats.events++;
    emit.event(event);
  }

  #count(quality: number): void {
    const s = this.#stats;
    if (quality & ParamQuality.OUT_OF_PACKET) s.outOfPacket++;
    if (quality & ParamQuality.INVALID_VALUE) s.invalidValue++;
    if (quality & ParamQuality.UNKNOWN_STATE) s.unknownState++;
    if (quality & ParamQuality.INVALID_INPUT) s.invalidInput++;
  }
}
