import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Quality } from '../../protocol/constants.ts';
import type { EventIn, FrameIn } from '../../src/acquisition/source.ts';
import {
  BadFrameFile,
  type BadFrameFileConfig,
  formatBadFrame,
  qualityNames,
} from '../../src/files/bad-frame-file.ts';
import { FakeClock } from '../../src/util/clock.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scs-badframes-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function frame(vcfc: number, quality: number, length = 32): FrameIn {
  const data = new Uint8Array(length);
  for (let i = 0; i < length; i++) data[i] = (i * 31 + vcfc) & 0xff;
  return { ert: 1_763_712_000_123_456 + vcfc, station: 'GS1', scid: 42, vcid: 3, vcfc, quality, data };
}

function config(over: Partial<BadFrameFileConfig> = {}): BadFrameFileConfig {
  return {
    path: join(dir, 'bad-frames.log'),
    maxFileBytes: 1 << 20,
    keepFiles: 2,
    maxQueueBytes: 1 << 20,
    ...over,
  };
}

const CRC = Quality.FRAME_CRC_ERROR | Quality.FRAME_ECF_PRESENT;

describe('files: bad-frame file', () => {
  it('formats one readable line per frame: UTC ert in µs, annotation, quality names, hex', () => {
    const f: FrameIn = {
      ert: 1_763_712_000_000_007,
      station: 'GS1',
      scid: 42,
      vcid: 3,
      vcfc: 1234,
      quality: Quality.FRAME_CRC_ERROR | Quality.FRAME_ECF_PRESENT | Quality.BITS_REVERSED,
      data: Uint8Array.of(0x0a, 0xbc, 0xff, 0x00),
    };
    expect(formatBadFrame(f)).to.equal(
      '2025-11-21T08:00:00.000007Z station=GS1 scid=42 vcid=3 vcfc=1234 quality=0x010c ' +
        'FRAME_CRC_ERROR|FRAME_ECF_PRESENT|BITS_REVERSED length=4 data=0abcff00\n',
    );
    expect(qualityNames(0)).to.equal('-');
    expect(qualityNames(1 << 12)).to.equal('0x1000');
  });

  it('appends bad frames only (not good ones, nor ones with just "FECF present")', async () => {
    const events: EventIn[] = [];
    const file = new BadFrameFile(config(), new FakeClock(), (e) => events.push(e));
    const bad = [frame(1, CRC), frame(2, Quality.FRAME_HEADER_ERROR), frame(5, Quality.VC_SEQUENCE_ERROR)];
    file.frame(frame(0, 0));
    file.frame(bad[0]!);
    file.frame(frame(3, Quality.FRAME_ECF_PRESENT));
    file.frame(bad[1]!);
    file.frame(bad[2]!);
    await file.close();
    const text = await readFile(config().path, 'utf8');
    expect(text).to.equal(bad.map(formatBadFrame).join(''));
    const hex = text.split('\n')[0]!.split(' data=')[1]!;
    expect(Uint8Array.from(Buffer.from(hex, 'hex'))).to.deep.equal(bad[0]!.data);
    expect(file.stats()).to.include({ frames: 3, dropped: 0, writeErrors: 0, queuedBytes: 0 });
    expect(events).to.deep.equal([]);
  });

  it('rotates by size, keeping keepFiles rotated files, none over maxFileBytes', async () => {
    // Three-digit vcfcs: every line has the same length.
    const line = formatBadFrame(frame(100, CRC)).length;
    const cfg = config({ maxFileBytes: line * 3, keepFiles: 2 });
    const file = new BadFrameFile(cfg, new FakeClock(), () => {});
    // Three batches (the queue writes what is queued when it gets to it).
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 4; i++) file.frame(frame(100 + batch * 4 + i, CRC));
      await file.idle();
    }
    await file.close();
    expect((await readdir(dir)).sort()).to.deep.equal([
      'bad-frames.log',
      'bad-frames.log.1',
      'bad-frames.log.2',
    ]);
    for (const name of ['bad-frames.log', 'bad-frames.log.1', 'bad-frames.log.2']) {
      expect((await stat(join(dir, name))).size).to.be.at.most(cfg.maxFileBytes);
    }
    const vcfcs = async (name: string) =>
      (await readFile(join(dir, name), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => Number(/vcfc=(\d+)/.exec(l)![1]) - 100);
    // 12 frames, 3 per file: the oldest two files rotated out.
    expect(await vcfcs('bad-frames.log.2')).to.deep.equal([3, 4, 5]);
    expect(await vcfcs('bad-frames.log.1')).to.deep.equal([6, 7, 8]);
    expect(await vcfcs('bad-frames.log')).to.deep.equal([9, 10, 11]);
    expect(file.stats().rotations).to.equal(3);
  });

  it('drops and counts when the queue is full, with one event at each edge of the burst', async () => {
    const events: EventIn[] = [];
    const line = formatBadFrame(frame(100, CRC)).length;
    const clock = new FakeClock(5000);
    const file = new BadFrameFile(config({ maxQueueBytes: line * 10 }), clock, (e) => events.push(e));
    for (let i = 0; i < 25; i++) file.frame(frame(100 + i, CRC));
    expect(file.stats()).to.include({ frames: 10, dropped: 15, droppedBytes: 15 * line });
    await file.close();
    expect(events.map((e) => [e.type, e.severity, e.source, e.time])).to.deep.equal([
      ['FILE_QUEUE_FULL', 'WARNING', 'bad-frame-file', 5_000_000],
      ['FILE_QUEUE_RESUMED', 'WARNING', 'bad-frame-file', 5_000_000],
    ]);
    expect(events[1]!.message).to.match(/15 dropped/);
    const lines = (await readFile(config().path, 'utf8')).trim().split('\n');
    expect(lines).to.have.length(10);
  });

  it('a failing disk never throws to the caller: one ALARM per run of failed writes, one INFO when it recovers', async () => {
    const events: EventIn[] = [];
    const path = join(dir, 'later', 'bad.log');
    const file = new BadFrameFile(config({ path }), new FakeClock(), (e) => events.push(e));
    for (let batch = 0; batch < 3; batch++) {
      file.frame(frame(batch, CRC));
      await file.idle();
    }
    expect(file.stats()).to.include({ writeErrors: 3, frames: 3 });
    expect(events.map((e) => [e.type, e.severity])).to.deep.equal([['FILE_WRITE_ERROR', 'ALARM']]);
    expect(events[0]!.message).to.match(/ENOENT/);
    await mkdir(join(dir, 'later'));
    file.frame(frame(7, CRC));
    await file.close();
    expect(events.map((e) => e.type)).to.deep.equal(['FILE_WRITE_ERROR', 'FILE_WRITE_RECOVERED']);
    expect(events[1]!.message).to.match(/3 batches lost/);
    expect(await readFile(path, 'utf8')).to.equal(formatBadFrame(frame(7, CRC)));
  });
});
