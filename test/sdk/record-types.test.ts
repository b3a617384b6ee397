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
    session.on('connect', () => void server.inject([flag, blob]));
    const got: ParameterRecord[] = [];
    for await (const r of session.request({
      stream: 'parameters',
      mode: 'realtime',
      filter: { parameters: ['OBC.CPU_LOAD'] },
    })) {
      got.push(r);
      if (got.length === 2) break;
    }
    expect(got[0]!.eng).to.equal(true);
    expect(got[0]!.raw).to.equal(false);
    expect(got[1]!.eng).to.be.instanceOf(Uint8Array);
    expect([...(got[1]!.eng as Uint8Array)]).to.deep.equal([0xde, 0xad]);
    expect([...(got[1]!.raw as Uint8Array)]).to.deep.equal([0xbe, 0xef]);
    await session.close();
  });
});
