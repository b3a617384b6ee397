import { expect } from 'chai';
import { startNatsBroker } from '../../loadtest/nats-broker.ts';

describe('loadtest nats-broker', () => {
  it('fails with ERR_BENCH_NATS when nats-server cannot be started', async () => {
    const err = await startNatsBroker('/nonexistent/nats-server').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.have.property('code', 'ERR_BENCH_NATS');
    expect(String(err)).to.contain('ENOENT');
  });
});
