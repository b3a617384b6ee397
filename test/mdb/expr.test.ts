import { expect } from 'chai';
import { Limit } from '../../protocol/constants.ts';
import { ExpressionError } from '../../src/mdb/errors.ts';
import { compileExpression, MAX_NESTING, type Operand, type Value } from '../../src/mdb/expr.ts';
import { PacketProcessor } from '../../src/mdb/processor.ts';
import { ParamQuality } from '../../src/mdb/quality.ts';
import { Collector, db, run } from './support.ts';

const OPERANDS: ReadonlyMap<string, Operand> = new Map([
  ['A', { index: 0, type: 'number' }],
  ['B', { index: 1, type: 'number' }],
  ['S.MODE', { index: 2, type: 'string' }],
  ['FLAG', { index: 3, type: 'boolean' }],
  ['RAW', { index: 4, type: 'bytes' }],
]);
const resolve = (name: string): Operand | undefined => OPERANDS.get(name);
const VALUES: readonly unknown[] = [6, 4, 'SAFE', true, new Uint8Array(1)];

function evaluate(src: string): Value {
  return compileExpression(src, resolve).evaluate(VALUES);
}

function failure(src: string): ExpressionError {
  try {
    compileExpression(src, resolve);
  } catch (err) {
    expect(err).to.be.instanceOf(ExpressionError);
    expect((err as ExpressionError).code).to.equal('ERR_MDB_EXPRESSION');
    return err as ExpressionError;
  }
  throw new Error(`expected ${src} to fail`);
}

describe('mdb/expr', () => {
  it('evaluates arithmetic, comparison, logic, functions and conditionals with the usual precedence', () => {
    const cases: [string, Value][] = [
      ['A + B * 2', 14],
      ['(A + B) * 2', 20],
      ['A - B - 1', 1],
      ['A / B % 1', 0.5],
      ['-2 ** 2', -4],
      ['2 ** 3 ** 2', 512],
      ['A > B && B >= 4', true],
      ['A < B || !FLAG', false],
      ['S.MODE == "SAFE" ? A : B', 6],
      ['FLAG ? (A > 5 ? "hot" : "warm") : "off"', 'hot'],
      ['max(A, B, 10) + min(A, B)', 14],
      ['sqrt(abs(-16)) + ln(1) + log10(1000)', 7],
      ['round(deg(atan2(1, 1)))', 45],
      ['hypot(3, 4) == 5', true],
      ['clamp(A, 0, 5) + pi() * 0', 5],
      ['1.5e2 + .5', 150.5],
      ['A != B', true],
      ['true == FLAG', true],
    ];
    for (const [src, want] of cases) expect(evaluate(src), src).to.equal(want);
  });

  it('lists its inputs once, in index order', () => {
    expect(compileExpression('B + A * B', resolve).inputs).to.deep.equal([0, 1]);
  });

  it('rejects bad expressions with the position of the fault', () => {
    const cases: [string, number, RegExp][] = [
      ['A +', 3, /expected a value, found end of expression/],
      ['A + C', 4, /unknown parameter "C"/],
      ['(A + B', 6, /expected '\)'/],
      ['A # B', 2, /unexpected character "#"/],
      ['A + "x"', 2, /'\+' needs number operands, not string/],
      ['FLAG ? A : "x"', 9, /both branches must have one type/],
      ['A ? 1 : 2', 2, /'\?' needs boolean operands/],
      ['S.MODE == 1', 7, /cannot compare string with number/],
      ['foo(A)', 0, /unknown function "foo"/],
      ['sqrt(A, B)', 0, /takes 1 arguments, not 2/],
      ['constructor(A)', 0, /unknown function "constructor"/],
      ['A B', 2, /unexpected "B"/],
      ['RAW + 1', 0, /holds raw bytes/],
      ['"open', 0, /unterminated string/],
    ];
    for (const [src, position, message] of cases) {
      const err = failure(src);
      expect(err.position, src).to.equal(position);
      expect(err.message, src).to.match(message);
      expect(err.message, src).to.match(new RegExp(`^column ${position + 1}: `));
    }
  });

  it('refuses nesting deeper than MAX_NESTING at its position, instead of overflowing the stack', () => {
    // Each of these would have thrown a RangeError (stack overflow) at 2000 levels.
    const deep: [string, RegExp][] = [
      [`${'('.repeat(2000)}A${')'.repeat(2000)}`, /^\(+$/],
      [`${'-'.repeat(4000)}A`, /^-+$/],
      [`${'abs('.repeat(800)}A${')'.repeat(800)}`, /^(abs\()+$/],
      [`A${'**A'.repeat(1300)}`, /^A(\*\*A)*\*\*$/],
    ];
    for (const [src, before] of deep) {
      const err = failure(src);
      expect(err.message, src.slice(0, 20)).to.match(
        new RegExp(`nested more than ${MAX_NESTING} levels deep`),
      );
      expect(src.slice(0, err.position), src.slice(0, 20)).to.match(before);
    }
    // Moderate nesting and long flat chains stay fine (a flat chain is a loop, not recursion).
    expect(evaluate(`${'('.repeat(40)}A${')'.repeat(40)}`)).to.equal(6);
    expect(evaluate(`A${' + A'.repeat(1000)}`)).to.equal(6006);
  });

  it('reaches nothing but parameters: globals and prototype members are unknown names', () => {
    for (const name of ['process', 'globalThis', '__proto__', 'toString']) {
      expect(failure(`${name} + 1`).message).to.match(/unknown parameter/);
    }
  });

  it('computes derived parameters in dependency order when an input changes, with limits', () => {
    const p = new PacketProcessor(
      db(
        {
          V: {
            encoding: { type: 'uint', bits: 8 },
            calibration: { type: 'polynomial', coefficients: [0, 0.5] },
          },
          I: { encoding: { type: 'uint', bits: 8 } },
          OTHER: { encoding: { type: 'uint', bits: 8 } },
        },
        [
          { parameter: 'V', bitOffset: 0 },
          { parameter: 'I', bitOffset: 8 },
        ],
        {
          containers: {
            PKT: {
              apid: 100,
              entries: [
                { parameter: 'V', bitOffset: 0 },
                { parameter: 'I', bitOffset: 8 },
              ],
            },
            AUX: { apid: 101, entries: [{ parameter: 'OTHER', bitOffset: 0 }] },
          },
          derived: {
            HIGH: { expression: 'POWER > 100', limits: { alarmStates: ['true'] } },
            POWER: { unit: 'W', expression: 'V * I', limits: { warning: { high: 100 } } },
            RATIO: { expression: 'V / I' },
          },
        },
      ),
    );
    const out = new Collector();
    const s = run(p, [40, 6], out);
    expect(s.get('POWER')).to.include({ raw: 120, eng: 120, limit: Limit.WARN_HIGH, quality: 0 });
    expect(s.get('HIGH')).to.include({ eng: true, limit: Limit.STATE_ALARM });
    expect(s.get('RATIO')!.eng).to.be.closeTo(20 / 6, 1e-12);
    expect(
      p
        .dictionary()
        .slice(3)
        .map((i) => [i.name, i.type, i.unit]),
    ).to.deep.equal([
      ['HIGH', 'bool', undefined],
      ['POWER', 'float', 'W'],
      ['RATIO', 'float', undefined],
    ]);
    // POWER is computed before HIGH, its user, although HIGH comes first in the document.
    const order = out.samples.slice(2).map((x) => p.mdb.parameters[x.param]!.name);
    expect(order.indexOf('POWER')).to.be.lessThan(order.indexOf('HIGH'));
    // A packet that changes none of the inputs recomputes nothing.
    expect(p.process(101, Uint8Array.of(1), 0, 0, out)).to.equal(1);
    const zero = run(p, [40, 0], out);
    expect(zero.get('RATIO')).to.include({
      eng: Number.POSITIVE_INFINITY,
      quality: ParamQuality.INVALID_VALUE,
    });
    expect(zero.get('RATIO')!.limit).to.equal(Limit.UNCHECKED);
    const short = run(p, [40], out);
    expect(short.get('POWER')!.quality).to.equal(ParamQuality.INVALID_INPUT | ParamQuality.INVALID_VALUE);
    expect(out.events.map((e) => `${e.parameter}/${e.type}`)).to.deep.equal([
      'POWER/LIMIT_VIOLATION',
      'HIGH/STATE_ALARM',
      'POWER/RETURN_TO_NOMINAL',
      'HIGH/RETURN_TO_NOMINAL',
    ]);
  });

  it('waits for every input before computing a derived parameter', () => {
    const p = new PacketProcessor(
      db(
        { A: { encoding: { type: 'uint', bits: 8 } }, B: { encoding: { type: 'uint', bits: 8 } } },
        [{ parameter: 'A', bitOffset: 0 }],
        {
          containers: {
            PA: { apid: 100, entries: [{ parameter: 'A', bitOffset: 0 }] },
            PB: { apid: 101, entries: [{ parameter: 'B', bitOffset: 0 }] },
          },
          derived: { SUM: { expression: 'A + B' } },
        },
      ),
    );
    const out = new Collector();
    expect(p.process(100, Uint8Array.of(1), 0, 0, out)).to.equal(1);
    expect(p.process(101, Uint8Array.of(2), 0, 0, out)).to.equal(2);
    expect(out.last(p, 'SUM').eng).to.equal(3);
  });
});
