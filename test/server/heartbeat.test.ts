import { expect } from 'chai';
import { HeartbeatState, MessageType } from '../../protocol/constants.ts';
import { HeartbeatTimer, heartbeatState } from '../../src/actors/heartbeat.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { FakeClock } from '../../src/util/clock.ts';
import { connect, frame, nextOfType, request, startTestServer } from '../support/server.ts';

describe('heartbeats (ICD §7)', () => {
  describe('HeartbeatTimer with a fake clock', () => {
    it('fires after a period without DATA and again every period while none flows', () => {
      const clock = new FakeClock(0);
      const fired: number[] = [];
      const t = new HeartbeatTimer(clock, 2000, () => fired.push(clock.nowMs()));
      t.start();
      clock.advance(1999);
      expect(fired).to.deep.equal([]);
      clock.advance(1);
      expect(fired).to.deep.equal([2000]);
      clock.advance(4000);
      expect(fired).to.deep.equal([2000, 4000, 6000]);
      t.stop();
    });

    it('is pushed back by every DATA, and never fires while DATA flows faster than the period', () => {
      const clock = new FakeClock(0);
      const fired: number[] = [];
      const t = new HeartbeatTimer(clock, 2000, () => fired.push(clock.nowMs()));
      t.start();
      for (let i = 0; i < 10; i++) {
        clock.advance(1500);
        t.dataSent();
      }
      expect(fired).to.deep.equal([]);
      clock.advance(2000);
      expect(fired).to.deep.equal([17_000]);
      t.stop();
      clock.advance(10_000);
      expect(fired).to.have.length(1);
    });
  });

  describe('heartbeatState', () => {
    const base = { nowUs: 10_000_000, lastAcquisitionUs: 9_500_000, heartbeatMs: 2000, archiveEnded: false };
    it('DATA_BREAK when the link is down', () => {
      expect(heartbeatState({ ...base, linkUp: false })).to.equal(HeartbeatState.DATA_BREAK);
    });
    it('DATA_BREAK when the link is up but silent for a period', () => {
      expect(heartbeatState({ ...base, linkUp: true, lastAcquisitionUs: 7_000_000 })).to.equal(
        HeartbeatState.DATA_BREAK,
      );
    });
    it('BUFFER_WAIT when data flows but none matches the session', () => {
      expect(heartbeatState({ ...base, linkUp: true })).to.equal(HeartbeatState.BUFFER_WAIT);
    });
    it('IDLE after an archive request ended', () => {
      expect(heartbeatState({ ...base, linkUp: true, archiveEnded: true })).to.equal(HeartbeatState.IDLE);
    });
  });

  describe('end to end, in real time', function () {
    this.timeout(15_000);
    let server: ScsServer;
    before(async () => {
      server = await startTestServer({ server: { heartbeatMs: 300 } });
    });
    after(async () => {
      await server.close();
    });

    it('sends HEARTBEAT every heartbeatMs without DATA: BUFFER_WAIT while other data flows, DATA_BREAK when the link drops', async () => {
      const c = await connect(server);
      const ack = await c.request(request({ filter: { vcids: [5] } }));
      expect(ack.heartbeatMs).to.equal(300);
      await server.inject([frame(1, 5)]);
      const data = await nextOfType(c, MessageType.DATA);
      const lastErt = (data.body!.records as { ert: number }[])[0]!.ert;
      // Keep other VCs flowing so the link is "up and not silent".
      const feeder = setInterval(() => void server.inject([frame(2, 1)]), 50);
      try {
        const t0 = Date.now();
        const hb1 = await nextOfType(c, MessageType.HEARTBEAT);
        const hb2 = await nextOfType(c, MessageType.HEARTBEAT);
        const gap = Date.now() - t0;
        expect(hb1.body).to.deep.equal({ state: 'BUFFER_WAIT', lastDataTime: lastErt, linkUp: true });
        expect(hb2.body!.state).to.equal('BUFFER_WAIT');
        expect(gap).to.be.within(450, 1500);
        expect(hb2.time - hb1.time).to.be.within(250_000, 500_000);
      } finally {
        clearInterval(feeder);
      }
      server.setLink(false);
      let hb = await nextOfType(c, MessageType.HEARTBEAT);
      for (let i = 0; i < 3 && hb.body!.state !== 'DATA_BREAK'; i++)
        hb = await nextOfType(c, MessageType.HEARTBEAT);
      expect(hb.body).to.deep.include({ state: 'DATA_BREAK', linkUp: false });
      server.setLink(true);
      await c.close();
    });
  });
});
