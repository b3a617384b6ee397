// The process's token-check gate (issue 12): attempts counted before scrypt, per address
// across threads, a bounded scrypt queue, a right token given back.
import { expect } from 'chai';
import {
  AuthGate,
  addressKey,
  checkToken,
  createAuthGate,
  MAX_FAILURES,
  MAX_VERIFYING,
  WINDOW_MS,
} from '../../src/admission/auth-gate.ts';
import { TokenVerifier } from '../../src/config/token.ts';
import { testHash } from '../support/server.ts';

describe('AuthGate (issue 12)', () => {
  it('counts attempts before they are checked: the 11th at once is refused unchecked', () => {
    const gate = new AuthGate();
    const admitted = Array.from({ length: 100 }, () => gate.attempt('10.0.0.1', 1000)).filter(Boolean);
    expect(admitted).to.have.length(MAX_FAILURES);
    expect(gate.blocked('10.0.0.1', 1000)).to.equal(true);
    expect(gate.attempt('10.0.0.2', 1000), 'another address').to.equal(true);
    // The window ends: the address may try again.
    expect(gate.attempt('10.0.0.1', 1000 + WINDOW_MS)).to.equal(true);
  });

  it('gives back an attempt that proved its token', () => {
    const gate = new AuthGate();
    for (let i = 0; i < 100; i++) {
      expect(gate.attempt('10.0.0.1', 1000)).to.equal(true);
      gate.refund('10.0.0.1', 1000);
    }
  });

  it('counts an IPv6 address by its /64 and an IPv4-mapped one as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).to.equal(addressKey('2001:db8:1:2::ffff'));
    expect(addressKey('2001:db8:1:3::1')).to.not.equal(addressKey('2001:db8:1:2::1'));
    expect(addressKey('2001:0db8:0001:0002:0:0:0:1')).to.equal(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:10.1.2.3')).to.equal('10.1.2.3');
    expect(addressKey('::1')).to.equal('0:0:0:0');
  });

  it('two gates over one buffer (as each actor builds one) share one budget', () => {
    const buffers = createAuthGate();
    const a = new AuthGate(buffers);
    const b = new AuthGate(structuredClone(buffers)); // a SharedArrayBuffer clones to the same memory
    for (let i = 0; i < MAX_FAILURES / 2; i++) a.attempt('10.0.0.9', 5);
    for (let i = 0; i < MAX_FAILURES / 2; i++) b.attempt('10.0.0.9', 5);
    expect(a.attempt('10.0.0.9', 5)).to.equal(false);
    expect(b.attempt('10.0.0.9', 5)).to.equal(false);
  });

  it('50 checks of one right token at once from one address: one scrypt, one attempt, all ok', async () => {
    const gate = new AuthGate();
    const verifier = new TokenVerifier();
    const hash = testHash('many-clients');
    const results = await Promise.all(
      Array.from({ length: 50 }, () => checkToken(gate, verifier, '10.3.0.1', 'many-clients', hash, () => 0)),
    );
    expect(results.every((r) => r === 'ok')).to.equal(true);
    expect(gate.blocked('10.3.0.1', 0)).to.equal(false);
  });

  it('bounds the scrypt checks in flight: past MAX_VERIFYING a new check is busy at once', async () => {
    const gate = new AuthGate();
    const verifier = new TokenVerifier();
    const hash = testHash('gate-secret');
    // Distinct addresses, so only the queue bound applies.
    const checks = Array.from({ length: MAX_VERIFYING + 8 }, (_, i) =>
      checkToken(gate, verifier, `10.1.${i >> 8}.${i & 255}`, `wrong-${i}`, hash, () => 0),
    );
    expect(gate.verifying).to.equal(MAX_VERIFYING);
    const results = await Promise.all(checks);
    expect(results.filter((r) => r === 'busy')).to.have.length(8);
    expect(results.filter((r) => r === 'bad')).to.have.length(MAX_VERIFYING);
    expect(gate.verifying).to.equal(0);
    // A busy answer is not held against the address.
    expect(gate.blocked('10.1.0.39', 0)).to.equal(false);
    // A known right token needs no scrypt: never busy.
    expect(await checkToken(gate, verifier, '10.2.0.1', 'gate-secret', hash, () => 0)).to.equal('ok');
  });
});
