// ICD rev B §6: BYE SLOW_CONSUMER reaches a `complete` client that stopped reading. At the cut
// the server drops what it had queued beyond the DATA already written, sends BYE with that
// DATA's last seq, half-closes, and destroys the socket only after the grace period (≥ 5 s),
// so a client that reads again gets every record up to `seq`, then the BYE.
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { MessageType } from '../../protocol/constants.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { frame, request, startTestServer } from '../support/server.ts';

const FRAME_BYTES = 1115;
/** The per-session buffer: at the reading rate below it takes longer than the 5 s grace to read. */
const BUFFER_BYTES = 16 * 1024 * 1024;
const DATA_BYTES = 64 * 1024;
/** The client's pause per DATA once it reads again: about 3 MiB/s. */
const READ_PAUSE_MS = 20;

describe('BYE SLOW_CONSUMER delivery (ICD rev B §6)', function () {
  this.timeout(180_000);
  let server: ScsServer;
  before(async () => {
    server = await startTestServer({
      // Cut at once past the buffer (no time allowance): the client below does not read for a while.
      session: {
        completeBufferBytes: BUFFER_BYTES,
        completeMaxBufferBytes: BUFFER_BYTES,
        completeMaxBehindMs: 0,
        maxDataBytes: DATA_BYTES,
      },
    });
  });
  after(async () => {
    await server.close();
  });

  it('a client that stops reading longer than the buffer lasts, then reads, gets every record up to the BYE seq, then the BYE', async () => {
    const slow = await ScsClient.connect({ port: server.port, highWaterMark: 4 });
    await slow.request(request({ delivery: 'complete' }));
    // Well past the buffer plus what the kernel holds on both sides of the loopback.
    const total = Math.ceil((2.5 * BUFFER_BYTES) / FRAME_BYTES);
    for (let n = 0; n < total; n += 1000) {
      await server.inject(
        Array.from({ length: Math.min(1000, total - n) }, (_, i) => frame(n + i, 0, FRAME_BYTES)),
      );
    }
    // Not reading for a while after the flood: the server cut this client meanwhile.
    await new Promise((r) => setTimeout(r, 1500));
    const seqs: number[] = [];
    const types: number[] = [];
    const messageSeqs: number[] = [];
    let bye: Record<string, unknown> | undefined;
    for (;;) {
      const m = await slow.read();
      if (m === undefined) break;
      types.push(m.type);
      messageSeqs.push(m.seq);
      if (m.type === MessageType.DATA) {
        seqs.push(...(m.body!.records as { seq: number }[]).map((r) => r.seq));
        await new Promise((r) => setTimeout(r, READ_PAUSE_MS));
      }
      if (m.type === MessageType.BYE) bye = m.body;
    }
    expect(bye, 'BYE received').to.not.equal(undefined);
    expect(bye!.reason).to.equal('SLOW_CONSUMER');
    expect(types.at(-1), 'the BYE is the last message').to.equal(MessageType.BYE);
    expect(seqs.length).to.be.above(0).and.below(total);
    expect(bye!.seq, 'BYE seq = the last record received').to.equal(seqs.at(-1));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i], `record ${i}`).to.equal(seqs[i - 1]! + 1);
    // Dropping the queue leaves no hole in the message counter (ICD §2).
    for (let i = 1; i < messageSeqs.length; i++) expect(messageSeqs[i]).to.equal(messageSeqs[i - 1]! + 1);
  });
});
