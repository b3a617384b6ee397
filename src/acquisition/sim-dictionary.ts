// The simulated spacecraft's on-board packet layouts: which parameters each housekeeping packet
// carries and how each is encoded (raw counts and their linear calibration), as the demo mission
// database (src/mdb/demo-mission.json) describes them for the ground. The test source also uses
// this list as its dictionary.
import { Limit } from '../../protocol/constants.ts';
import { limitOf } from './limits.ts';
import type { SpacecraftModel } from './sim-model.ts';
import type { ParameterInfo } from './source.ts';

export type Encoding = 'u8' | 'i16' | 'u16' | 'u32' | 'str8';

const ENCODING_BYTES: Readonly<Record<Encoding, number>> = { u8: 1, i16: 2, u16: 2, u32: 4, str8: 8 };
const ENCODING_RANGE: Readonly<Record<Exclude<Encoding, 'str8'>, readonly [number, number]>> = {
  u8: [0, 0xff],
  i16: [-0x8000, 0x7fff],
  u16: [0, 0xffff],
  u32: [0, 0xffff_ffff],
};

type Value = number | string | boolean;
type Limits = NonNullable<ParameterInfo['limits']>;

export interface SimField {
  readonly info: ParameterInfo;
  readonly encoding: Encoding;
  /** Linear calibration of float parameters: eng = raw × scale, rounded to `decimals` places. */
  readonly scale: number;
  readonly decimals: number;
  /** States that put a state parameter in STATE_ALARM; state parameters without are UNCHECKED. */
  readonly alarmStates?: readonly string[];
  readonly read: (m: SpacecraftModel) => Value;
}

export interface SimPacket {
  readonly apid: number;
  readonly fields: readonly SimField[];
}

function float(
  name: string,
  unit: string,
  description: string,
  encoding: 'i16' | 'u16',
  scale: number,
  read: (m: SpacecraftModel) => number,
  limits?: Limits,
): SimField {
  const decimals = Math.max(0, Math.ceil(-Math.log10(scale) - 1e-9));
  const info: ParameterInfo = { name, unit, type: 'float', description };
  if (limits !== undefined) info.limits = limits;
  return { info, encoding, scale, decimals, read };
}

function int(
  name: string,
  unit: string | undefined,
  description: string,
  read: (m: SpacecraftModel) => number,
): SimField {
  const info: ParameterInfo = { name, type: 'int', description };
  if (unit !== undefined) info.unit = unit;
  return { info, encoding: 'u32', scale: 1, decimals: 0, read };
}

function state(
  name: string,
  description: string,
  states: readonly string[],
  read: (m: SpacecraftModel) => string,
  alarm?: { alarmStates: readonly string[] },
): SimField {
  return {
    info: { name, type: 'state', states, description },
    encoding: 'u8',
    scale: 1,
    decimals: 0,
    read,
    ...alarm,
  };
}

function bool(name: string, description: string, read: (m: SpacecraftModel) => boolean): SimField {
  return { info: { name, type: 'bool', description }, encoding: 'u8', scale: 1, decimals: 0, read };
}

const T_LIMITS = (warnLow: number, warnHigh: number, alarmLow: number, alarmHigh: number): Limits => ({
  warnLow,
  warnHigh,
  alarmLow,
  alarmHigh,
});
const RW_LIMITS = T_LIMITS(-4500, 4500, -5500, 5500);
const RATE_LIMITS = T_LIMITS(-0.5, 0.5, -1, 1);

export const APID = { EPS: 100, THERM: 101, AOCS: 102, SYS: 103, PAYLOAD: 110 } as const;

export const SIM_PACKETS: readonly SimPacket[] = [
  {
    apid: APID.EPS,
    fields: [
      float('EPS.BUS_V', 'V', 'Main bus voltage', 'u16', 0.001, (m) => m.busV, T_LIMITS(27, 29.5, 26, 30.5)),
      float('EPS.BUS_I', 'A', 'Main bus load current', 'u16', 0.001, (m) => m.busI, {
        warnHigh: 9,
        alarmHigh: 11,
      }),
      float('EPS.SA_V', 'V', 'Solar array voltage', 'u16', 0.001, (m) => m.saV, {
        warnHigh: 36,
        alarmHigh: 38,
      }),
      float('EPS.SA_I', 'A', 'Solar array current', 'u16', 0.001, (m) => m.saI, { alarmHigh: 14 }),
      float('EPS.BATT_V', 'V', 'Battery voltage', 'u16', 0.001, (m) => m.battV, T_LIMITS(27, 29.8, 26, 30.2)),
      float(
        'EPS.BATT_I',
        'A',
        'Battery current (charge > 0)',
        'i16',
        0.001,
        (m) => m.battI,
        T_LIMITS(-12, 6.5, -16, 8),
      ),
      float('EPS.BATT_SOC', '%', 'Battery state of charge', 'u16', 0.01, (m) => m.soc, {
        warnLow: 70,
        alarmLow: 50,
      }),
      bool('EPS.SA_DEPLOYED', 'Solar array deployed', (m) => m.saDeployed),
      state('EPS.PCDU_MODE', 'Power distribution mode', ['NOMINAL', 'SAFE', 'LOAD_SHED'], (m) => m.pcduMode, {
        alarmStates: ['LOAD_SHED'],
      }),
      bool('EPS.PL_POWER_ON', 'Payload power switch', (m) => m.plMode !== 'OFF'),
    ],
  },
  {
    apid: APID.THERM,
    fields: [
      float(
        'THERM.BATT_T',
        'degC',
        'Battery temperature',
        'i16',
        0.01,
        (m) => m.battT,
        T_LIMITS(5, 30, 0, 38),
      ),
      float(
        'THERM.OBC_T',
        'degC',
        'On-board computer temperature',
        'i16',
        0.01,
        (m) => m.obcT,
        T_LIMITS(-10, 50, -20, 60),
      ),
      float(
        'THERM.RW_T',
        'degC',
        'Reaction wheel assembly temperature',
        'i16',
        0.01,
        (m) => m.rwT,
        T_LIMITS(-10, 50, -20, 60),
      ),
      float(
        'THERM.SA_T',
        'degC',
        'Solar array temperature',
        'i16',
        0.01,
        (m) => m.saT,
        T_LIMITS(-90, 110, -100, 120),
      ),
      float('THERM.PL_DET_T', 'degC', 'Payload detector temperature', 'i16', 0.01, (m) => m.plDetT, {
        warnHigh: -30,
        alarmHigh: -15,
      }),
      float(
        'THERM.TX_T',
        'degC',
        'Transmitter temperature',
        'i16',
        0.01,
        (m) => m.txT,
        T_LIMITS(0, 45, -10, 55),
      ),
      float(
        'THERM.PROP_T',
        'degC',
        'Propellant tank temperature',
        'i16',
        0.01,
        (m) => m.propT,
        T_LIMITS(10, 40, 5, 50),
      ),
      bool('THERM.HTR_BATT_ON', 'Battery heater on', (m) => m.htrBatt),
      bool('THERM.HTR_PROP_ON', 'Propellant tank heater on', (m) => m.htrProp),
      float('THERM.HTR_POWER', 'W', 'Total heater power', 'u16', 0.01, (m) => m.htrPower),
    ],
  },
  {
    apid: APID.AOCS,
    fields: [
      state('AOCS.MODE', 'Attitude control mode', ['SAFE', 'NOMINAL', 'SCIENCE'], (m) => m.aocsMode, {
        alarmStates: ['SAFE'],
      }),
      float('AOCS.RW1_SPEED', 'rpm', 'Reaction wheel 1 speed', 'i16', 0.5, (m) => m.rw[0]!, RW_LIMITS),
      float('AOCS.RW2_SPEED', 'rpm', 'Reaction wheel 2 speed', 'i16', 0.5, (m) => m.rw[1]!, RW_LIMITS),
      float('AOCS.RW3_SPEED', 'rpm', 'Reaction wheel 3 speed', 'i16', 0.5, (m) => m.rw[2]!, RW_LIMITS),
      float('AOCS.RW4_SPEED', 'rpm', 'Reaction wheel 4 speed', 'i16', 0.5, (m) => m.rw[3]!, RW_LIMITS),
      float('AOCS.RATE_X', 'deg/s', 'Body rate about X', 'i16', 0.0001, (m) => m.rate[0]!, RATE_LIMITS),
      float('AOCS.RATE_Y', 'deg/s', 'Body rate about Y', 'i16', 0.0001, (m) => m.rate[1]!, RATE_LIMITS),
      float('AOCS.RATE_Z', 'deg/s', 'Body rate about Z', 'i16', 0.0001, (m) => m.rate[2]!, RATE_LIMITS),
      float('AOCS.SUN_ANGLE', 'deg', 'Sun angle off the array normal', 'u16', 0.01, (m) => m.sunAngle, {
        warnHigh: 70,
        alarmHigh: 80,
      }),
      float('AOCS.ATT_ERR', 'deg', 'Attitude error', 'u16', 0.001, (m) => m.attErr, {
        warnHigh: 0.5,
        alarmHigh: 1,
      }),
      bool('AOCS.STR_VALID', 'Star tracker solution valid', (m) => m.strValid),
      bool('AOCS.DESAT_ACTIVE', 'Wheel desaturation in progress', (m) => m.desat),
    ],
  },
  {
    apid: APID.SYS,
    fields: [
      state('OBC.MODE', 'On-board software mode', ['SAFE', 'NOMINAL'], (m) => m.obcMode, {
        alarmStates: ['SAFE'],
      }),
      float('OBC.CPU_LOAD', '%', 'Processor load', 'u16', 0.1, (m) => m.cpuLoad, {
        warnHigh: 85,
        alarmHigh: 95,
      }),
      int('OBC.UPTIME', 's', 'Time since the last boot', (m) => m.uptime),
      int('OBC.TC_COUNT', undefined, 'Telecommands accepted since boot', (m) => m.tcCount),
      {
        info: { name: 'OBC.SW_VERSION', type: 'string', description: 'On-board software version' },
        encoding: 'str8',
        scale: 1,
        decimals: 0,
        read: (m) => m.swVersion,
      },
      float('COMMS.RX_AGC', 'dBm', 'Receiver signal level', 'i16', 0.01, (m) => m.rxAgc, {
        warnLow: -110,
        alarmLow: -118,
      }),
      bool('COMMS.TX_ON', 'Transmitter on', (m) => m.txOn),
      int('COMMS.BIT_RATE', 'bit/s', 'Downlink bit rate', (m) => m.bitRate),
    ],
  },
  {
    apid: APID.PAYLOAD,
    fields: [
      state('PL.MODE', 'Payload mode', ['OFF', 'STANDBY', 'OBSERVING'], (m) => m.plMode),
      int('PL.DET_COUNTS', 'counts/s', 'Detector count rate', (m) => m.detCounts),
      float('PL.HV_V', 'V', 'Detector high voltage', 'u16', 0.1, (m) => m.hvV, {
        warnHigh: 1300,
        alarmHigh: 1350,
      }),
      int('PL.IMAGE_COUNT', undefined, 'Images taken since boot', (m) => m.imageCount),
    ],
  },
];

/** Every field in dictionary order: a field's index here is its parameter index. */
export const SIM_FIELDS: readonly SimField[] = SIM_PACKETS.flatMap((p) => p.fields);
export const SIM_DICTIONARY: readonly ParameterInfo[] = SIM_FIELDS.map((f) => f.info);

export function fieldBytes(field: SimField): number {
  return ENCODING_BYTES[field.encoding];
}

/** The on-board raw value of an engineering value: counts, a state index, 0/1, or text. */
export function toRaw(field: SimField, value: Value): number | string {
  if (field.encoding === 'str8') return String(value).slice(0, ENCODING_BYTES.str8);
  let n: number;
  if (typeof value === 'boolean') n = value ? 1 : 0;
  else if (typeof value === 'string') n = field.info.states?.indexOf(value) ?? -1;
  else n = Math.round(value / field.scale);
  const [lo, hi] = ENCODING_RANGE[field.encoding];
  return Math.min(Math.max(n, lo), hi);
}

/** The calibrated value of a raw value. */
export function toEng(field: SimField, raw: number | string): Value {
  if (typeof raw === 'string') return raw;
  switch (field.info.type) {
    case 'bool':
      return raw !== 0;
    case 'state':
      return field.info.states?.[raw] ?? String(raw);
    case 'int':
      return raw;
    default: {
      const p = 10 ** field.decimals;
      return Math.round(raw * field.scale * p) / p;
    }
  }
}

export function limitOfField(field: SimField, eng: Value): Limit {
  if (field.info.type !== 'state') return limitOf(field.info, eng);
  if (field.alarmStates === undefined) return Limit.UNCHECKED;
  return typeof eng === 'string' && field.alarmStates.includes(eng) ? Limit.STATE_ALARM : Limit.OK;
}

/** Writes a raw value at offset in its encoding; returns the bytes written. */
export function writeRaw(view: DataView, offset: number, field: SimField, raw: number | string): number {
  switch (field.encoding) {
    case 'u8':
      view.setUint8(offset, Number(raw));
      return 1;
    case 'i16':
      view.setInt16(offset, Number(raw));
      return 2;
    case 'u16':
      view.setUint16(offset, Number(raw));
      return 2;
    case 'u32':
      view.setUint32(offset, Number(raw));
      return 4;
    case 'str8': {
      const text = String(raw);
      for (let i = 0; i < 8; i++) view.setUint8(offset + i, i < text.length ? text.charCodeAt(i) & 0x7f : 0);
      return 8;
    }
  }
}
