import net from 'node:net';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { NakCode } from '../../protocol/constants.ts';
import { NakError } from '../../protocol/errors.ts';
import type { ActorContext } from '../../src/actors/context.ts';
import { Fanout } from '../../src/actors/fanout.ts';
import { Session } from '../../src/actors/session.ts';
import type { TokenVerifier } from '../../src/config/token.ts';
import { actorContext } from '../support/actor.ts';
import { request } from '../support/server.ts';

describe('NAK INTERNAL', () => {
  it('an internal failure during the checks answers NAK INTERNAL and closes only that session', async () => {
    const real = actorContext();
    // Fault injection: the credential store fails as a broken dependency would.
    const broken: ActorContext = {
      ...real,
      tokens: {
        verify: () => Promise.reject(new Error('credential store unavailable')),
      } as unknown as TokenVerifier,
    };
    const fanout = new Fanout(real);
    let slot = 0;
    const server = net.createServer((socket) => {
      const ctx = slot === 0 ? broken : real;
      new Session(ctx, fanout, { socket, slot: slot++, remoteAddress: '127.0.0.1', remotePort: 0 });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const failing = await ScsClient.connect({ port });
      const err = await failing.request(request()).catch((e: NakError) => e);
      expect(err).to.be.instanceOf(NakError);
      expect((err as NakError).code).to.equal(NakCode.INTERNAL);
      expect((err as NakError).reason).to.not.contain('credential store');
      expect(await failing.read()).to.equal(undefined);
      const fine = await ScsClient.connect({ port });
      expect((await fine.request(request())).agency).to.equal('alpha');
      await fine.close();
    } finally {
      server.close();
      await fanout.stop();
    }
  });
});
