// A synthetic Source for benchmarks and tests: 'rate' emits a frame (with one packet in it
// and one parameter sample) per tick, 'saturate' writes frames as fast as the thread can,
// 'inject' emits nothing (records arrive through the acquisition worker's inject message).
import { Quality } from '../../protocol/constants.ts';
import { FECF_BYTES, FrameType, MAX_VCID, PRIMARY_HEADER_BYTES } from '../ccsds/frame.ts';
import { PacketFramer } from '../ccsds/framer.ts';
import type { Clock } from '../util/clock.ts';
import { AcquisitionError, AcquisitionErrorCode } from './errors.ts';
import { limitOfField, SIM_DICTIONARY, SIM_FIELDS, toEng, toRaw } from './sim-dictionary.ts';
import type { AcquisitionSink, Source, SourceDefinition } from './source.ts';
import { Ticker } from './ticker.ts';

export interface TestSourceOptions {
  mode: 'inject' | 'saturate' | 'rate';
  /** Frames per second in 'rate' mode (required there). */
  rateHz?: number;
  /** Default 1115. */
  frameLength?: number;
  /** Frames per commit in 'saturate' mode; default 64. */
  batch?: number;
  /** Frames cycle over these virtual channels; default [0]. */
  vcids?: number[];
}

const TEST_SCID = 1;
const TEST_STATION = 'TEST';
export const TEST_APID = 200;
const PACKET_HEADER_BYTES = 6;
/** The test packet: primary header, time, and the frame's number as a 64-bit counter. */
const TEST_PACKET_BYTES = PACKET_HEADER_BYTES + 8 + 8;
/** The smallest idle packet that fills the rest of a frame: a header and one octet. */
const MIN_IDLE_PACKET_BYTES = PACKET_HEADER_BYTES + 1;
const MAX_FRAME_BYTES = 65_536;

/** Whether one test packet, then nothing or an idle packet, fills a frame's data field exactly. */
function fitsFrame(frameLength: number): boolean {
  const rest = frameLength - PRIMARY_HEADER_BYTES - FECF_BYTES - TEST_PACKET_BYTES;
  return rest === 0 || rest >= MIN_IDLE_PACKET_BYTES;
}

function invalid(what: string): never {
  throw new AcquisitionError(AcquisitionErrorCode.ERR_TEST_SOURCE_OPTIONS, `test source: ${what}`);
}

export function defineTestSource(opts: TestSourceOptions): SourceDefinition {
  const frameLength = opts.frameLength ?? 1115;
  const batch = opts.batch ?? 64;
  const vcids = opts.vcids ?? [0];
  if (!['inject', 'saturate', 'rate'].includes(opts.mode)) invalid(`unknown mode ${String(opts.mode)}`);
  if (
    opts.mode === 'rate' &&
    !(opts.rateHz !== undefined && opts.rateHz > 0 && Number.isFinite(opts.rateHz))
  ) {
    invalid('rate mode needs rateHz > 0');
  }
  if (!Number.isInteger(frameLength) || frameLength > MAX_FRAME_BYTES || !fitsFrame(frameLength)) {
    invalid(`frameLength ${frameLength} cannot carry a ${TEST_PACKET_BYTES}-byte packet and an idle packet`);
  }
  if (!Number.isInteger(batch) || batch < 1) invalid('batch must be a positive integer');
  if (vcids.length === 0 || vcids.some((v) => !Number.isInteger(v) || v < 0 || v > MAX_VCID.tm)) {
    invalid(`vcids must be a non-empty list of 0…${MAX_VCID.tm}`);
  }
  const options = { mode: opts.mode, rateHz: opts.rateHz ?? 0, frameLength, batch, vcids };
  return { dictionary: SIM_DICTIONARY, create: (clock) => new TestSource(options, clock) };
}

class TestSource implements Source {
  readonly name: string;
  readonly #opts: Required<TestSourceOptions>;
  readonly #clock: Clock;
  readonly #framer: PacketFramer;
  readonly #vcfc = new Array<number>(MAX_VCID.tm + 1).fill(0);
  #n = 0;
  #sink: AcquisitionSink | undefined;
  #ticker: Ticker | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #stopped = false;
  readonly #prebuilt = new Map<number, Uint8Array[]>();

  constructor(opts: Required<TestSourceOptions>, clock: Clock) {
    this.name = `test-${opts.mode}`;
    this.#opts = opts;
    this.#clock = clock;
    this.#framer = new PacketFramer({
      type: FrameType.TM,
      frameLength: opts.frameLength,
      scid: TEST_SCID,
      fecf: true,
    });
  }

  start(sink: AcquisitionSink): void {
    if (this.#sink !== undefined || this.#stopped) {
      throw new AcquisitionError(AcquisitionErrorCode.ERR_SOURCE_STATE, `${this.name}: already started`);
    }
    this.#sink = sink;
    sink.setLink(true);
    if (this.#opts.mode === 'rate') {
      this.#ticker = new Ticker(this.#clock, this.#opts.rateHz, (_first, count) => {
        for (let i = 0; i < count; i++) this.#emit(sink);
        sink.commit();
      });
      this.#ticker.start();
    } else if (this.#opts.mode === 'saturate') {
      this.#pump();
    }
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#ticker?.stop();
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    return Promise.resolve();
  }

  // One batch per turn of the event loop: setImmediate lets the worker's message handlers
  // (inject, link, stop) run between batches while the rings are kept full.
  #pump(): void {
    if (this.#stopped) return;
    const sink = this.#sink!;
    for (let i = 0; i < this.#opts.batch; i++) this.#replay(sink);
    sink.commit();
    this.#immediate = setImmediate(() => this.#pump());
  }

  /** The next frame's number, virtual channel (cycling over `vcids`) and VC frame count. */
  #nextFrame(): { n: number; vcid: number; vcfc: number } {
    const n = this.#n++;
    const vcids = this.#opts.vcids;
    const vcid = vcids[n % vcids.length]!;
    const vcfc = this.#vcfc[vcid]!;
    this.#vcfc[vcid] = (vcfc + 1) & 0xff;
    return { n, vcid, vcfc };
  }

  /** One frame holding `packet` on `vcid`: the framer counts its VC frames as #nextFrame does. */
  #frameOf(vcid: number, packet: Uint8Array): Uint8Array {
    const framed = [...this.#framer.packet(vcid, packet), ...this.#framer.flush(vcid)];
    return framed[0]!.frame;
  }

  /**
   * Saturation measures distribution, not frame building: the frames of every (vcid, vcfc)
   * are built once, in vcfc order (so the framer's count agrees), and replayed; records still
   * get their own seq and ERT.
   */
  #replay(sink: AcquisitionSink): void {
    const { vcid, vcfc } = this.#nextFrame();
    let frames = this.#prebuilt.get(vcid);
    if (frames === undefined) {
      frames = [];
      this.#prebuilt.set(vcid, frames);
    }
    let data = frames[vcfc];
    if (data === undefined) {
      data = this.#frameOf(vcid, testPacket(vcfc, 0, 0));
      frames[vcfc] = data;
    }
    sink.frame({
      ert: sink.nowUs(),
      station: TEST_STATION,
      scid: TEST_SCID,
      vcid,
      vcfc,
      quality: Quality.FRAME_ECF_PRESENT,
      data,
    });
  }

  #emit(sink: AcquisitionSink): void {
    const { n, vcid, vcfc } = this.#nextFrame();
    const ert = sink.nowUs();
    const ssc = n & 0x3fff;
    const data = testPacket(ssc, ert, n);
    const common = { ert, station: TEST_STATION, scid: TEST_SCID, vcid };
    sink.frame({ ...common, vcfc, quality: Quality.FRAME_ECF_PRESENT, data: this.#frameOf(vcid, data) });
    sink.packet({ ...common, scet: ert, apid: TEST_APID, ssc, quality: 0, data });
    const param = n % SIM_FIELDS.length;
    const field = SIM_FIELDS[param]!;
    const states = field.info.states;
    const value =
      field.info.type === 'bool' ? n % 2 === 0 : states !== undefined ? states[n % states.length]! : n;
    const raw = toRaw(field, value);
    const eng = toEng(field, raw);
    sink.sample({ param, scet: ert, ert, raw, eng, limit: limitOfField(field, eng), quality: 0 });
  }
}

/** The test packet: secondary header flag, unsegmented, then `timeUs` and `counter` (64 bits each). */
function testPacket(ssc: number, timeUs: number, counter: number): Uint8Array {
  const packet = new Uint8Array(TEST_PACKET_BYTES);
  const view = new DataView(packet.buffer);
  view.setUint16(0, (1 << 11) | TEST_APID);
  view.setUint16(2, (0b11 << 14) | ssc);
  view.setUint16(4, TEST_PACKET_BYTES - PACKET_HEADER_BYTES - 1);
  view.setBigUint64(PACKET_HEADER_BYTES, BigInt(timeUs));
  view.setBigUint64(PACKET_HEADER_BYTES + 8, BigInt(counter));
  return packet;
}
