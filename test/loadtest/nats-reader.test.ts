import { expect } from 'chai';
import fc from 'fast-check';
import { HEAD_BYTES, NatsReader, type NatsSink } from '../../loadtest/nats-reader.ts';

function payload(seq: number, size: number): Buffer {
  const p = Buffer.alloc(size, 0x5a);
  if (size >= HEAD_BYTES) {
    p.writeDoubleBE(seq, 0);
    p.writeDoubleBE(seq * 1000, 8);
  }
  return p;
}

describe('loadtest NatsReader', () => {
  it('parses MSG, PING and PONG lines and payload heads cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ size: fc.integer({ min: 0, max: 3000 }), reply: fc.boolean(), ping: fc.boolean() }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        fc.array(fc.nat(), { maxLength: 40 }),
        (msgs, rawCuts) => {
          const parts: Buffer[] = [Buffer.from('INFO {"server_id":"x","max_payload":1048576}\r\n+OK\r\n')];
          msgs.forEach((m, seq) => {
            const line = m.reply
              ? `MSG bench.frames 1 _INBOX.abc ${m.size}\r\n`
              : `MSG bench.frames 1 ${m.size}\r\n`;
            parts.push(Buffer.from(line), payload(seq, m.size), Buffer.from('\r\n'));
            if (m.ping) parts.push(Buffer.from('PING\r\n'));
          });
          parts.push(Buffer.from('PONG\r\n'));
          const stream = Buffer.concat(parts);
          const seen: [number, number][] = [];
          let pings = 0;
          let pongs = 0;
          const errors: string[] = [];
          const sink: NatsSink = {
            message: (head, size) => seen.push([size >= HEAD_BYTES ? head.readDoubleBE(0) : -1, size]),
            ping: () => pings++,
            pong: () => pongs++,
            error: (text) => errors.push(text),
          };
          const reader = new NatsReader(sink);
          let at = 0;
          for (const cut of [...new Set(rawCuts.map((c) => c % stream.length))]
            .sort((a, b) => a - b)
            .concat(stream.length)) {
            if (cut <= at) continue;
            reader.feed(stream, at, cut);
            at = cut;
          }
          expect(errors).to.deep.equal([]);
          expect(seen).to.deep.equal(msgs.map((m, seq) => [m.size >= HEAD_BYTES ? seq : -1, m.size]));
          expect(pings).to.equal(msgs.filter((m) => m.ping).length);
          expect(pongs).to.equal(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports -ERR and ignores what follows', () => {
    const errors: string[] = [];
    let messages = 0;
    const reader = new NatsReader({
      message: () => messages++,
      ping: () => undefined,
      pong: () => undefined,
      error: (text) => errors.push(text),
    });
    const stream = Buffer.from("-ERR 'Slow Consumer'\r\nMSG a 1 2\r\nhi\r\n");
    reader.feed(stream, 0, stream.length);
    expect(errors).to.deep.equal(["-ERR 'Slow Consumer'"]);
    expect(messages).to.equal(0);
  });
});
