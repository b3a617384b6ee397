// The bounded CI run of the fuzzer (issue 12; `npm run fuzz` is the long run): mutated ICD-001
// client messages through the decoders and schema step, then over real connections to a real
// server. Every input is refused with a coded NAK (or admitted), nothing else; a good client
// keeps receiving data meanwhile.
import { expect } from 'chai';
import { fuzzCodec, fuzzServer } from '../../loadtest/fuzz/run.ts';
import { collectRecords, connect, frame, request, startTestServer } from '../support/server.ts';

describe('fuzz: mutated client input (issue 12, bounded CI run)', function () {
  this.timeout(120_000);
  const seed = Date.now() % 2 ** 31;

  it(`codec: 3000 mutated messages are each refused with a coded NAK or accepted (seed ${seed})`, () => {
    const r = fuzzCodec(3000, seed);
    expect(r.failures).to.deep.equal([]);
    expect(r.refused + r.requestsInvalid).to.be.greaterThan(1000);
  });

  it(`server: 100 mutated connections each end with an ICD NAK or an ACK, and a good client is undisturbed (seed ${seed})`, async () => {
    const server = await startTestServer({
      server: { requestTimeoutMs: 500, connectRatePerIp: 1_000_000, maxSocketsPerIp: 100_000 },
    });
    try {
      const good = await connect(server);
      await good.request(request());
      const r = await fuzzServer(server.port, 100, seed + 1, 8);
      expect(r.failures).to.deep.equal([]);
      expect(Object.keys(r.outcomes).some((o) => o.startsWith('NAK '))).to.equal(true);
      await server.inject([frame(1), frame(2)]);
      expect((await collectRecords(good, 2)).length).to.equal(2);
      await good.close();
    } finally {
      await server.close();
    }
  });
});
