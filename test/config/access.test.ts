import { expect } from 'chai';
import fc from 'fast-check';
import { compileAgencies, globToRegExp } from '../../src/config/access.ts';
import { validateConfig } from '../../src/config/load.ts';
import { hashToken } from '../../src/config/token.ts';

describe('config/access', () => {
  let hash: string;
  before(() => {
    hash = hashToken('t');
  });

  const compile = (agencies: Record<string, Record<string, unknown>>) => {
    const withHash = Object.fromEntries(
      Object.entries(agencies).map(([id, a]) => [id, { tokenHash: hash, ...a }]),
    );
    return compileAgencies(validateConfig({ agencies: withHash }, 'test'));
  };

  it('numbers agencies 0..n-1 in sorted id order and copies their limits', () => {
    const map = compile({ zeta: { maxConnections: 7 }, alpha: {}, Mid: { maxArchiveQueries: 0 } });
    expect([...map.keys()]).to.deep.equal(['Mid', 'alpha', 'zeta']);
    expect([...map.values()].map((a) => a.index)).to.deep.equal([0, 1, 2]);
    const zeta = map.get('zeta')!;
    expect(zeta).to.include({ id: 'zeta', maxConnections: 7, maxArchiveQueries: 2, tokenHash: hash });
    expect(map.get('Mid')!.maxArchiveQueries).to.equal(0);
    expect(Object.isFrozen(zeta)).to.equal(true);
  });

  it('keeps the allowed streams', () => {
    const a = compile({ a: { streams: ['events', 'parameters'] } }).get('a')!;
    expect(a.streams.has('events')).to.equal(true);
    expect(a.streams.has('frames')).to.equal(false);
  });

  it('allows and denies IPv4 addresses by CIDR', () => {
    const a = compile({ a: { allowFrom: ['10.0.0.0/8', '192.0.2.7'] } }).get('a')!;
    expect(a.allowsAddress('10.255.1.2')).to.equal(true);
    expect(a.allowsAddress('192.0.2.7')).to.equal(true);
    expect(a.allowsAddress('192.0.2.8')).to.equal(false);
    expect(a.allowsAddress('11.0.0.1')).to.equal(false);
    expect(a.allowsAddress('2001:db8::1')).to.equal(false);
    expect(a.allowsAddress('not-an-ip')).to.equal(false);
    expect(a.allowsAddress('')).to.equal(false);
  });

  it('matches IPv4-mapped IPv6 addresses against IPv4 blocks', () => {
    const a = compile({ a: { allowFrom: ['127.0.0.0/8'] } }).get('a')!;
    expect(a.allowsAddress('::ffff:127.0.0.1')).to.equal(true);
    expect(a.allowsAddress('::ffff:7f00:1')).to.equal(true);
    expect(a.allowsAddress('::ffff:128.0.0.1')).to.equal(false);
    expect(a.allowsAddress('::1')).to.equal(false);
  });

  it('allows and denies IPv6 addresses by CIDR', () => {
    const a = compile({ a: { allowFrom: ['2001:db8:abcd::/48', '::1'] } }).get('a')!;
    expect(a.allowsAddress('2001:db8:abcd:12::5')).to.equal(true);
    expect(a.allowsAddress('2001:db8:abce::5')).to.equal(false);
    expect(a.allowsAddress('::1')).to.equal(true);
    expect(a.allowsAddress('127.0.0.1')).to.equal(false);
  });

  it('lets the default allow-list in from everywhere', () => {
    const a = compile({ a: {} }).get('a')!;
    for (const ip of ['127.0.0.1', '203.0.113.9', '::1', '2001:db8::1', '::ffff:10.1.2.3']) {
      expect(a.allowsAddress(ip), ip).to.equal(true);
    }
  });

  it('matches parameter names against the agency globs', () => {
    const a = compile({ a: { parameters: ['AOCS.*', 'PWR.BAT*.V', 'TCS.T1'] } }).get('a')!;
    expect(a.parameterAllowed('AOCS.RW1.SPEED')).to.equal(true);
    expect(a.parameterAllowed('PWR.BAT2.V')).to.equal(true);
    expect(a.parameterAllowed('PWR.BAT2.I')).to.equal(false);
    expect(a.parameterAllowed('TCS.T1')).to.equal(true);
    expect(a.parameterAllowed('TCS.T10')).to.equal(false);
    expect(a.parameterAllowed('XAOCS.RW1')).to.equal(false);
    expect(
      compile({ a: { parameters: [] } })
        .get('a')!
        .parameterAllowed('TCS.T1'),
    ).to.equal(false);
    expect(compile({ a: {} }).get('a')!.parameterAllowed('anything.at.all')).to.equal(true);
  });

  describe('globToRegExp', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['*', 'a.b.c', true],
      ['A.*', 'A.', true],
      ['A.*', 'AB', false],
      ['*.V', 'PWR.BAT.V', true],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['*ab*b', 'abb', true],
      ['*ab*b', 'ab', false],
      ['a**b', 'ab', true],
      ['x*y*z', 'x-yy-z', true],
      ['x*y*z', 'xzy', false],
      ['a+b(c)[d]$^|?', 'a+b(c)[d]$^|?', true],
      ['a.c', 'abc', false],
      ['1*0', '1110', true],
    ];
    for (const [glob, name, expected] of cases) {
      it(`${JSON.stringify(glob)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(name)}`, () => {
        expect(globToRegExp(glob).test(name)).to.equal(expected);
      });
    }

    it('agrees with a reference matcher on random globs and names', () => {
      // Dynamic programming over (glob position, name position): obviously correct, quadratic.
      const reference = (glob: string, name: string): boolean => {
        let row = [true, ...Array<boolean>(name.length).fill(false)];
        for (const g of glob) {
          const next = [g === '*' && row[0]!];
          for (let j = 1; j <= name.length; j++) {
            next[j] = g === '*' ? row[j]! || next[j - 1]! : row[j - 1]! && name[j - 1] === g;
          }
          row = next;
        }
        return row[name.length]!;
      };
      const glob = fc.string({ unit: fc.constantFrom('a', 'b', '.', '*'), maxLength: 8 });
      const name = fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 10 });
      fc.assert(
        fc.property(glob, name, (g, n) => globToRegExp(g).test(n) === reference(g, n)),
        { numRuns: 5000 },
      );
    });

    it('runs in linear time on a pathological glob', () => {
      const re = globToRegExp(`${'*a'.repeat(30)}*b`);
      const start = performance.now();
      expect(re.test('a'.repeat(10_000))).to.equal(false);
      expect(performance.now() - start).to.be.below(200);
    });
  });
});
