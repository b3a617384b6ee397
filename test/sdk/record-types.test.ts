// ICD rev B §6: a parameter's `eng` and `raw` may be booleans or bytes besides numbers and texts;
// the server sends them as msgpack booleans and bin, and the SDK's typed records say so.
import { expect } from 'chai';
import { connect, type ParameterRecord, type RecordOf } from '../../src/sdk/index.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { sample, startTestServer } from '../support/server.ts';

// Compile-time: the typed record takes every kind rev B allows (tsc checks this file).
const kinds: RecordOf<'parameters'>['eng'][] = [1.5, 'ON', true, new Uint8Array([1])];
const raws: ParameterRecord['raw'][] = [7, 'x', false, new Uint8Array([2])];

describe('SDK typed parameter records (ICD rev B §6)', function () {
  this.timeout(60_000);
  let server: ScsServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('delivers eng and raw as booleans and as bytes, typed as such', async () => {
    expect(kinds).to.have.length(4);
    expect(raws).to.have.length(4);
    const session = await connect({
      servers: [{ port: server.port }],
      agency: 'alpha',
      token: 'alpha-secret',
    });
    const flag = sample(33, 0);
    Object.assign(flag.rec, { eng: true, raw: false });
    const blob = sample(33, 0);
    Object.assign(blob.rec, { eng: new Uint8Array([0xde, 0xad]), raw: new Uint8Array([0xbe, 0xef]) });
    // Injected again until both arrive: a first injection may land before the session's read
    // position, leaving only the newest value in its snapshot.
    let timer: NodeJS.Timeout | undefined;
    session.on('connect', () => {
      void server.inject([flag, blob]);
      timer = setInterval(() => void server.inject([flag, blob]), 500);
    });
    const got: ParameterRecord[] = [];
    for await (const r of session.request({
      stream: 'parameters',
      mode: 'realtime',
      filter: { parameters: ['OBC.CPU_LOAD'] },
    })) {
      got.push(r);
      if (got.at(-1)!.eng instanceof Uint8Array && got.some((g) => g.eng === true)) break;
    }
    // The injection races the session's first DATA (the value snapshot), which may already hold
    // the newest value: find the two injected records by kind, in acquisition order.
    clearInterval(timer);
    const at = got.findIndex((g) => g.eng === true);
    expect(at, JSON.stringify(got.map((g) => g.seq))).to.be.at.least(0);
    expect(got[at]!.raw).to.equal(false);
    const bytes = got[at + 1]!;
    expect(bytes.eng).to.be.instanceOf(Uint8Array);
    expect([...(bytes.eng as Uint8Array)]).to.deep.equal([0xde, 0xad]);
    expect([...(bytes.raw as Uint8Array)]).to.deep.equal([0xbe, 0xef]);
    await session.close();
  });
});
