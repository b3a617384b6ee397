// The built-in spacecraft simulator, the default Source: downlinks CCSDS transfer frames
// carrying housekeeping packets from SpacecraftModel, emits each frame, packet and
// parameter sample, ground-side limit and mode-change events, and link up/down with
// scheduled data breaks. All timing goes through the injected Clock.
import { Limit, Quality, type Severity } from '../../protocol/constants.ts';
import type { Clock } from '../util/clock.ts';
import {
  FRAME_HEADER_BYTES,
  finishFrame,
  fitsFrame,
  MAX_FRAME_BYTES,
  MAX_SCID,
  PACKET_HEADER_BYTES,
  PACKET_TIME_BYTES,
  writePacketHeader,
} from './ccsds.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { Prng } from './prng.ts';
import {
  APID,
  fieldBytes,
  limitOfField,
  SIM_DICTIONARY,
  SIM_FIELDS,
  SIM_PACKETS,
  type SimField,
  type SimPacket,
  toEng,
  toRaw,
  writeRaw,
} from './sim-dictionary.ts';
import { SpacecraftModel } from './sim-model.ts';
import type { AcquisitionSink, Source, SourceDefinition } from './source.ts';
import { Ticker } from './ticker.ts';

export interface SimulatorConfig {
  /** Whether the server runs the simulator; the simulator itself does not read it. */
  readonly enabled: boolean;
  readonly scid: number;
  readonly station: string;
  readonly frameRateHz: number;
  /** Transfer frame length in bytes, FECF included. */
  readonly frameLength: number;
  readonly seed: number;
  /** The link goes down for the last `durationSec` of every `everySec`; 0 in either disables breaks. */
  readonly dataBreaks: { readonly everySec: number; readonly durationSec: number };
}

const SIM_VCID = { HOUSEKEEPING: 0, PAYLOAD: 1, IDLE: 7 } as const;

/** Frame k of the downlink carries FRAME_SCHEDULE[k mod length]; an empty slot is an idle frame. */
export const FRAME_SCHEDULE: readonly { vcid: number; apids: readonly number[] }[] = [
  { vcid: SIM_VCID.HOUSEKEEPING, apids: [APID.EPS, APID.THERM, APID.AOCS, APID.SYS] },
  { vcid: SIM_VCID.PAYLOAD, apids: [APID.PAYLOAD] },
  { vcid: SIM_VCID.HOUSEKEEPING, apids: [APID.EPS, APID.THERM, APID.AOCS, APID.SYS] },
  { vcid: SIM_VCID.IDLE, apids: [] },
];

const MAX_FRAME_RATE_HZ = 10_000;
/** Consecutive samples a new limit state must hold before it is reported as an event (no chatter). */
const LIMIT_PERSISTENCE = 3;

interface PacketLayout {
  readonly packet: SimPacket;
  /** Index in SIM_FIELDS of the packet's first field. */
  readonly firstParam: number;
  readonly bytes: number;
}

const LAYOUTS: ReadonlyMap<number, PacketLayout> = (() => {
  const m = new Map<number, PacketLayout>();
  let firstParam = 0;
  for (const packet of SIM_PACKETS) {
    const body = packet.fields.reduce((n, f) => n + fieldBytes(f), 0);
    m.set(packet.apid, { packet, firstParam, bytes: PACKET_HEADER_BYTES + PACKET_TIME_BYTES + body });
    firstParam += packet.fields.length;
  }
  return m;
})();

function slotBytes(slot: (typeof FRAME_SCHEDULE)[number]): number {
  return slot.apids.reduce((n, apid) => n + LAYOUTS.get(apid)!.bytes, 0);
}

function invalid(what: string): never {
  throw new AcquisitionError(AcquisitionErrorCode.ERR_SIMULATOR_CONFIG, `simulator: ${what}`);
}

function validateSimulatorConfig(cfg: SimulatorConfig): void {
  if (!Number.isInteger(cfg.scid) || cfg.scid < 0 || cfg.scid > MAX_SCID)
    invalid(`scid must be 0…${MAX_SCID}`);
  if (typeof cfg.station !== 'string' || cfg.station.length === 0)
    invalid('station must be a non-empty string');
  if (!(cfg.frameRateHz > 0 && cfg.frameRateHz <= MAX_FRAME_RATE_HZ)) {
    invalid(`frameRateHz must be in (0, ${MAX_FRAME_RATE_HZ}]`);
  }
  if (!Number.isFinite(cfg.seed)) invalid('seed must be a finite number');
  const len = cfg.frameLength;
  const tooSmall = FRAME_SCHEDULE.some((slot) => !fitsFrame(len, slotBytes(slot)));
  if (!Number.isInteger(len) || len > MAX_FRAME_BYTES || tooSmall) {
    const need = Math.max(...FRAME_SCHEDULE.map(slotBytes)) + FRAME_HEADER_BYTES + 2;
    invalid(
      `frameLength must be ${need} or ${need + 7}…${MAX_FRAME_BYTES} (whole packets plus an idle packet)`,
    );
  }
  const { everySec, durationSec } = cfg.dataBreaks;
  if (!(everySec >= 0 && durationSec >= 0 && Number.isFinite(everySec) && Number.isFinite(durationSec))) {
    invalid('dataBreaks.everySec and dataBreaks.durationSec must be ≥ 0');
  }
  if (everySec > 0 && durationSec >= everySec) invalid('dataBreaks.durationSec must be less than everySec');
}

export function defineSimulator(cfg: SimulatorConfig): SourceDefinition {
  validateSimulatorConfig(cfg);
  return { dictionary: SIM_DICTIONARY, create: (clock) => new Simulator(cfg, clock) };
}

interface LimitTrack {
  reported: Limit;
  candidate: Limit;
  count: number;
}

class Simulator implements Source {
  readonly name = 'simulator';
  readonly #cfg: SimulatorConfig;
  readonly #clock: Clock;
  readonly #model: SpacecraftModel;
  readonly #ticker: Ticker;
  readonly #frame: Uint8Array;
  readonly #view: DataView;
  readonly #raw: (number | string)[] = new Array(SIM_FIELDS.length).fill(0);
  readonly #limits: LimitTrack[] = SIM_FIELDS.map(() => ({
    reported: Limit.OK,
    candidate: Limit.OK,
    count: 0,
  }));
  readonly #states: (string | undefined)[] = new Array(SIM_FIELDS.length).fill(undefined);
  readonly #vcfc = new Array<number>(8).fill(0);
  readonly #ssc = new Map<number, number>();
  #mcfc = 0;
  #sink: AcquisitionSink | undefined;
  #stopped = false;
  #linkUp = false;
  #startUs = 0;

  constructor(cfg: SimulatorConfig, clock: Clock) {
    this.#cfg = cfg;
    this.#clock = clock;
    this.#model = new SpacecraftModel(new Prng(cfg.seed), Math.round(cfg.frameRateHz * cfg.frameLength * 8));
    this.#ticker = new Ticker(clock, cfg.frameRateHz, (first, count) => this.#onTicks(first, count));
    this.#frame = new Uint8Array(cfg.frameLength);
    this.#view = new DataView(this.#frame.buffer);
  }

  start(sink: AcquisitionSink): void {
    if (this.#sink !== undefined || this.#stopped) {
      throw new AcquisitionError(AcquisitionErrorCode.ERR_SOURCE_STATE, 'simulator: already started');
    }
    this.#sink = sink;
    this.#startUs = this.#clock.nowUs();
    this.#setLink(sink, true);
    sink.commit();
    this.#ticker.start();
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#ticker.stop();
    return Promise.resolve();
  }

  #onTicks(first: number, count: number): void {
    const sink = this.#sink!;
    for (let n = first; n < first + count; n++) this.#tick(sink, n);
    sink.commit();
  }

  #tick(sink: AcquisitionSink, n: number): void {
    const t = n / this.#cfg.frameRateHz;
    const { everySec, durationSec } = this.#cfg.dataBreaks;
    const breaks = everySec > 0 && durationSec > 0;
    const passLength = everySec - durationSec;
    const inPass = !breaks || t % everySec < passLength;
    this.#model.step(t, breaks ? Math.min(1, (t % everySec) / passLength) : undefined, inPass);
    if (inPass !== this.#linkUp) this.#setLink(sink, inPass);
    if (!inPass) return;
    const slot = FRAME_SCHEDULE[n % FRAME_SCHEDULE.length]!;
    const scet = this.#startUs + Math.round((n * 1e6) / this.#cfg.frameRateHz);
    this.#emitFrame(sink, slot.vcid, slot.apids, scet);
  }

  #emitFrame(sink: AcquisitionSink, vcid: number, apids: readonly number[], scet: number): void {
    const { scid, station } = this.#cfg;
    const ert = sink.nowUs();
    const view = this.#view;
    const spans: { apid: number; ssc: number; start: number; bytes: number }[] = [];
    let off = FRAME_HEADER_BYTES;
    for (const apid of apids) {
      const layout = LAYOUTS.get(apid)!;
      const ssc = this.#ssc.get(apid) ?? 0;
      this.#ssc.set(apid, (ssc + 1) & 0x3fff);
      writePacketHeader(view, off, apid, ssc, layout.bytes, true);
      view.setBigUint64(off + PACKET_HEADER_BYTES, BigInt(scet));
      let p = off + PACKET_HEADER_BYTES + PACKET_TIME_BYTES;
      layout.packet.fields.forEach((field, i) => {
        const raw = toRaw(field, field.read(this.#model));
        this.#raw[layout.firstParam + i] = raw;
        p += writeRaw(view, p, field, raw);
      });
      spans.push({ apid, ssc, start: off, bytes: layout.bytes });
      off = p;
    }
    const vcfc = this.#vcfc[vcid]!;
    this.#vcfc[vcid] = (vcfc + 1) & 0xff;
    finishFrame(this.#frame, { scid, vcid, mcfc: this.#mcfc, vcfc }, off - FRAME_HEADER_BYTES);
    this.#mcfc = (this.#mcfc + 1) & 0xff;
    // The sink encodes (copies) every record before returning, so one frame buffer is reused.
    sink.frame({ ert, station, scid, vcid, vcfc, quality: Quality.FRAME_ECF_PRESENT, data: this.#frame });
    for (const { apid, ssc, start, bytes } of spans) {
      const data = this.#frame.subarray(start, start + bytes);
      sink.packet({ ert, scet, station, scid, vcid, apid, ssc, quality: 0, data });
    }
    for (const apid of apids) {
      const layout = LAYOUTS.get(apid)!;
      layout.packet.fields.forEach((field, i) => {
        const param = layout.firstParam + i;
        const eng = toEng(field, this.#raw[param]!);
        const limit = limitOfField(field, eng);
        sink.sample({ param, scet, ert, raw: this.#raw[param]!, eng, limit, quality: 0 });
        this.#checkMode(sink, param, field, eng, ert);
        this.#checkLimit(sink, param, field, eng, limit, ert);
      });
    }
  }

  #setLink(sink: AcquisitionSink, up: boolean): void {
    this.#linkUp = up;
    sink.setLink(up);
    const station = this.#cfg.station;
    const [severity, type, message] = up
      ? (['INFO', 'LINK_UP', `Acquisition of signal at ${station}`] as const)
      : (['WARNING', 'LINK_DOWN', `Loss of signal at ${station}`] as const);
    sink.event({ time: sink.nowUs(), severity, source: station, type, message });
  }

  #checkMode(sink: AcquisitionSink, param: number, field: SimField, eng: unknown, time: number): void {
    if (field.info.type !== 'state' || typeof eng !== 'string') return;
    const previous = this.#states[param];
    this.#states[param] = eng;
    if (previous === undefined || previous === eng) return;
    const name = field.info.name;
    const severity: Severity = field.criticalStates?.includes(eng) ? 'CRITICAL' : 'INFO';
    const source = name.slice(0, name.indexOf('.'));
    sink.event({
      time,
      severity,
      source,
      type: 'MODE_CHANGE',
      message: `${name} ${previous} → ${eng}`,
      parameter: name,
      value: eng,
    });
  }

  #checkLimit(
    sink: AcquisitionSink,
    param: number,
    field: SimField,
    eng: number | string | boolean,
    limit: Limit,
    time: number,
  ): void {
    const track = this.#limits[param]!;
    if (limit === Limit.UNCHECKED || limit === track.reported) {
      track.count = 0;
      return;
    }
    if (limit === track.candidate && track.count > 0) track.count++;
    else {
      track.candidate = limit;
      track.count = 1;
    }
    if (track.count < LIMIT_PERSISTENCE) return;
    track.reported = limit;
    track.count = 0;
    const name = field.info.name;
    const shown = `${eng}${field.info.unit !== undefined ? ` ${field.info.unit}` : ''}`;
    const severity: Severity =
      limit === Limit.OK
        ? 'INFO'
        : limit === Limit.WARN_LOW || limit === Limit.WARN_HIGH
          ? 'WARNING'
          : 'ALARM';
    const [type, message] =
      limit === Limit.OK
        ? ['LIMIT_RETURN', `${name} back within limits (${shown})`]
        : ['LIMIT_VIOLATION', `${name} ${limit} (${shown})`];
    sink.event({ time, severity, source: 'LIMITS', type, message, parameter: name, value: eng });
  }
}
