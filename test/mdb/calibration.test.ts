import { expect } from 'chai';
import { numericCalibrator } from '../../src/mdb/calibration.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { db, run } from './support.ts';

interface Table {
  readonly calibration: Record<string, unknown>;
  /** [raw, engineering] rows: reference values from the sensor's own table or formula. */
  readonly rows: readonly (readonly [number, number])[];
}

// Type K thermocouple, mV → °C (IEC 60584 reference table), knots every 100 °C.
const TYPE_K: readonly (readonly [number, number])[] = [
  [0, 0],
  [4.096, 100],
  [8.138, 200],
  [12.209, 300],
  [16.397, 400],
  [20.644, 500],
];
const sine = (deg: number): number => 100 + 100 * Math.sin((deg * Math.PI) / 180);

const TABLES: Readonly<Record<string, Table>> = {
  // PT1000 (IEC 60751, Callendar–Van Dusen above 0 °C): °C → Ω.
  polynomial: {
    calibration: { type: 'polynomial', coefficients: [1000, 3.9083, -5.775e-4] },
    rows: [
      [0, 1000.0],
      [50, 1194.0],
      [100, 1385.06],
      [200, 1758.56],
      [300, 2120.52],
      [400, 2470.92],
    ],
  },
  linearSpline: {
    calibration: { type: 'spline', points: TYPE_K },
    rows: [...TYPE_K, [6.138, 150], [10.153, 250], [14.293, 350], [18.516, 450]],
  },
  cubicSpline: {
    calibration: {
      type: 'spline',
      order: 3,
      points: [0, 30, 60, 90, 120, 150, 180].map((d) => [d, sine(d)]),
    },
    rows: [15, 30, 45, 75, 100, 135, 165].map((d) => [d, sine(d)]),
  },
  // A gain-switched channel: counts below 2048 at 0.01 V/count, above at 0.1 V/count.
  piecewiseLinear: {
    calibration: {
      type: 'piecewiseLinear',
      segments: [
        { from: 0, to: 2047, slope: 0.01, offset: 0 },
        { from: 2048, to: 4095, slope: 0.1, offset: -184.32 },
      ],
    },
    rows: [
      [0, 0],
      [1000, 10],
      [2047, 20.47],
      [2048, 20.48],
      [3000, 115.68],
      [4095, 225.18],
    ],
  },
  // Detector power µW → dBm: 10·log10(P / 1 mW).
  logarithmic: {
    calibration: { type: 'logarithmic', coefficients: [-30, 10 / Math.LN10] },
    rows: [
      [1, -30],
      [10, -20],
      [100, -10],
      [1000, 0],
      [2000, 3.01],
      [5000, 6.99],
    ],
  },
  // Cold-cathode gauge, V → mbar: p = 10^(1.667·U − 11.33) (the gauge's datasheet formula).
  exponential: {
    calibration: { type: 'exponential', a: 10 ** -11.33, b: 1.667 * Math.LN10 },
    rows: [
      [2, 1.009e-8],
      [3.5, 3.19e-6],
      [5, 1.012e-3],
      [7, 2.19],
      [8.6, 1014],
    ],
  },
  // Black-body exitance, K → W/m²: σ·T⁴.
  power: {
    calibration: { type: 'power', a: 5.670374e-8, b: 4 },
    rows: [
      [250, 221.5],
      [300, 459.3],
      [400, 1451.6],
      [1000, 56704],
    ],
  },
};

/** Runs `rows` raw values through a float64 parameter with `calibration`, end to end. */
function engineering(calibration: Record<string, unknown>, raws: readonly number[]): number[] {
  const parameters = Object.fromEntries(
    raws.map((_, i) => [`P${i}`, { encoding: { type: 'float', bits: 64 }, calibration }]),
  );
  const entries = raws.map((_, i) => ({ parameter: `P${i}`, bitOffset: i * 64 }));
  const p = new PacketProcessor(db(parameters, entries));
  const bytes = new Uint8Array(raws.length * 8);
  const view = new DataView(bytes.buffer);
  for (const [i, r] of raws.entries()) view.setFloat64(i * 8, r);
  const out = run(p, bytes);
  return raws.map((_, i) => {
    const s = out.get(`P${i}`)!;
    expect(s.quality).to.equal(0);
    return s.eng as number;
  });
}

describe('mdb/calibration', () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(`${name} reproduces its calibration table to ±1 %`, () => {
      const eng = engineering(
        table.calibration,
        table.rows.map((r) => r[0]),
      );
      table.rows.forEach(([raw, expected], i) => {
        const tolerance = Math.max(Math.abs(expected) * 0.01, 1e-9);
        expect(eng[i], `raw ${raw}`).to.be.closeTo(expected, tolerance);
      });
    });
  }

  it('the cubic spline is cubic: a linear one misses the same table by more than 1 %', () => {
    const points = [0, 30, 60, 90, 120, 150, 180].map((d) => [d, sine(d)] as const);
    const linear = numericCalibrator({ type: 'spline', order: 1, extrapolate: false, points });
    expect(Math.abs(linear(45) - sine(45)) / sine(45)).to.be.greaterThan(0.01);
  });

  it('splines and piecewise segments give NaN outside their range unless told to extrapolate', () => {
    const points = [
      [0, 0],
      [10, 100],
    ] as const;
    expect(numericCalibrator({ type: 'spline', order: 1, extrapolate: false, points })(11)).to.be.NaN;
    expect(numericCalibrator({ type: 'spline', order: 1, extrapolate: true, points })(11)).to.be.closeTo(
      110,
      1e-9,
    );
    expect(numericCalibrator({ type: 'spline', order: 3, extrapolate: true, points })(-1)).to.be.closeTo(
      -10,
      1e-9,
    );
    const seg = numericCalibrator({
      type: 'piecewiseLinear',
      segments: [{ from: 0, to: 1, slope: 1, offset: 0 }],
    });
    expect(seg(2)).to.be.NaN;
  });

  it('converts discrete states and booleans', () => {
    const p = new PacketProcessor(
      db(
        {
          MODE: {
            encoding: { type: 'uint', bits: 4 },
            calibration: {
              type: 'enumeration',
              states: { '0': 'OFF', '1': 'STANDBY', '9': 'ON' },
              default: 'OTHER',
            },
          },
          SIGNED: {
            encoding: { type: 'int', bits: 4 },
            calibration: { type: 'enumeration', states: { '-1': 'REVERSE', '1': 'FORWARD' } },
          },
          FLAG: { encoding: { type: 'uint', bits: 8 }, calibration: { type: 'boolean' } },
        },
        [
          { parameter: 'MODE', bitOffset: 0 },
          { parameter: 'SIGNED', bitOffset: 4 },
          { parameter: 'FLAG', bitOffset: 8 },
        ],
      ),
    );
    const a = run(p, [0x9f, 0x02]);
    expect(a.get('MODE')).to.include({ raw: 9, eng: 'ON', quality: 0 });
    expect(a.get('SIGNED')).to.include({ raw: -1, eng: 'REVERSE', quality: 0 });
    expect(a.get('FLAG')).to.include({ raw: 2, eng: true });
    const b = run(p, [0x51, 0x00]);
    expect(b.get('MODE')).to.include({ raw: 5, eng: 'OTHER', quality: 0 });
    expect(b.get('SIGNED')).to.include({ raw: 1, eng: 'FORWARD' });
    expect(b.get('FLAG')).to.include({ raw: 0, eng: false });
    expect(p.dictionary()[0]).to.deep.include({ type: 'state', states: ['OFF', 'STANDBY', 'ON', 'OTHER'] });
    expect(p.dictionary()[2]!.type).to.equal('bool');
  });
});
