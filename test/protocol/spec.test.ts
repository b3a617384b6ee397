// protocol/SPEC.md's worked examples must be what the code produces and accepts.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { MessageType } from '../../protocol/constants.ts';
import { decodeBody, FrameDecoder } from '../../protocol/decoder.ts';
import { encodeMessage } from '../../protocol/encode.ts';

const spec = readFileSync(new URL('../../protocol/SPEC.md', import.meta.url), 'utf8');
const EXAMPLE = /^### (\w+) \(0x([0-9a-f]{2})\).*?```json\n(.*?)\n```\s*```hex\n(.*?)\n```/gms;
const examples = [...spec.matchAll(EXAMPLE)].map(([, name, type, json, hex]) => ({
  name: name!,
  type: Number.parseInt(type!, 16),
  body: JSON.parse(json!) as unknown,
  bytes: Buffer.from(hex!.replace(/\s+/g, ''), 'hex'),
}));

describe('protocol/SPEC.md examples', () => {
  it('has the REQUEST, ACK, DATA and HEARTBEAT examples', () => {
    expect(examples.map((e) => [e.name, e.type])).to.deep.equal([
      ['REQUEST', MessageType.REQUEST],
      ['ACK', MessageType.ACK],
      ['DATA', MessageType.DATA],
      ['HEARTBEAT', MessageType.HEARTBEAT],
    ]);
  });

  for (const e of examples) {
    it(`${e.name}: decodes with a valid CRC to the JSON shown, and re-encodes byte for byte`, () => {
      const frames = new FrameDecoder({ maxBody: 65_536 }).push(e.bytes);
      expect(frames).to.have.length(1);
      const frame = frames[0]!;
      expect(frame.type).to.equal(e.type);
      expect(decodeBody(frame)).to.deep.equal(e.body);
      expect(encodeMessage(frame.type, frame.seq, frame.time, e.body).equals(e.bytes)).to.equal(true);
    });
  }
});
