import { expect } from 'chai';
import { AuthThrottle, MAX_FAILURES, WINDOW_MS } from '../../src/actors/auth-throttle.ts';

describe('AuthThrottle', () => {
  it('blocks an address after MAX_FAILURES failures within the window, then forgets them', () => {
    const t = new AuthThrottle();
    for (let i = 0; i < MAX_FAILURES - 1; i++) t.failed('10.0.0.1', 1000 + i);
    expect(t.blocked('10.0.0.1', 1100)).to.equal(false);
    t.failed('10.0.0.1', 1100);
    expect(t.blocked('10.0.0.1', 1200)).to.equal(true);
    expect(t.blocked('10.0.0.2', 1200)).to.equal(false);
    expect(t.blocked('10.0.0.1', 1000 + WINDOW_MS)).to.equal(false);
    t.failed('10.0.0.1', 1000 + WINDOW_MS + 1);
    expect(t.blocked('10.0.0.1', 1000 + WINDOW_MS + 2)).to.equal(false);
  });
});
