// `scs status` on a server with a real downlink link: a tcp-client link to a front end that
// pushes CADUs; the links section comes from the scs_link_* and scs_vc_* series.
import { createServer, type Server, type Socket } from 'node:net';
import { expect } from 'chai';
import { FrameType } from '../../src/ccsds/frame.ts';
import { PacketFramer } from '../../src/ccsds/framer.ts';
import { run, type ServerStatus } from '../../src/cli/status.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { makePacket } from '../ccsds/support.ts';
import { startConfiguredServer } from '../support/server.ts';
import { capture, lines } from './capture.ts';

describe('scs status: links', () => {
  let frontEnd: Server;
  let server: ScsServer;
  let socket: Socket;

  before(async () => {
    frontEnd = createServer();
    const peer = new Promise<Socket>((resolve) => frontEnd.once('connection', resolve));
    await new Promise<void>((resolve) => frontEnd.listen(0, '127.0.0.1', resolve));
    const port = (frontEnd.address() as { port: number }).port;
    server = await startConfiguredServer({
      simulator: { enabled: false },
      links: [
        {
          id: 'gs1',
          station: 'GS1',
          transport: { kind: 'tcp-client', host: '127.0.0.1', port },
          frame: { type: 'tm', length: 223, scid: 42 },
          badFrameFile: { enabled: false },
        },
      ],
    });
    socket = await peer;
    const framer = new PacketFramer({ type: FrameType.TM, frameLength: 223, scid: 42, fecf: true });
    // One frame per packet on VC 0, three on VC 1.
    const cadus = [0, 1, 1, 1].flatMap((vcid, ssc) => [
      ...framer.packet(vcid, makePacket(100, ssc, 20)).map((o) => o.cadu),
      ...framer.flush(vcid).map((o) => o.cadu),
    ]);
    socket.write(Buffer.concat(cadus));
  });

  after(async () => {
    await server.close();
    socket.destroy();
    await new Promise((resolve) => frontEnd.close(resolve));
  });

  it('shows each link with its state, lock, frames, packets and per-VC counts, as JSON and as a table', async () => {
    // The acquisition thread publishes its counters at least once a second.
    let s: ServerStatus | undefined;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
      const c = capture();
      expect(await run(['--port', String(server.httpPort), '--json'], c.io), c.err.join('')).to.equal(0);
      s = JSON.parse(c.out.join('')) as ServerStatus;
      if (s.links[0]?.frames === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s!.links).to.have.length(1);
    const l = s!.links[0]!;
    expect(l).to.include({
      link: 'gs1',
      station: 'GS1',
      up: true,
      syncLocked: true,
      frames: 4,
      badFrames: 0,
    });
    expect(l.packets).to.equal(4);
    expect(l.bytes).to.equal(4 * (4 + 223));
    expect(l.vcs['0']).to.include({ frames: 1, badFrames: 0 });
    expect(l.vcs['1']).to.include({ frames: 3, badFrames: 0 });

    const t = capture();
    expect(await run(['--port', String(server.httpPort)], t.io)).to.equal(0);
    const out = lines(t.out);
    expect(out[1]).to.match(
      /^link\s+station\s+state\s+sync\s+frames\s+bad\s+packets\s+bytes\s+downs\s+VC frames\/s$/,
    );
    expect(out[2]).to.match(/^gs1\s+GS1\s+up\s+locked\s+4\s+0\s+4\s+908 B\s+0\s+0:[\d.]+ 1:[\d.]+$/);
  });
});
