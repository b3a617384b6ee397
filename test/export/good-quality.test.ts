// Issue 11 item 6: one definition of good data. Frames from a link with a frame error control
// field all carry quality bit 3 (informational): `--good` (export, fetch, standing orders) must
// keep them, and drop only records with an error bit; the display says good/bad by the same rule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { isGoodQuality, Quality } from '../../protocol/constants.ts';
import { pack } from '../../protocol/msgpack.ts';
import { ArchiveReader } from '../../src/archive/query.ts';
import { ArchiveStore } from '../../src/archive/store.ts';
import { archiveRecords } from '../../src/export/archive-source.ts';
import type { ExportSpec } from '../../src/export/spec.ts';
import { ParamQuality } from '../../src/mdb/quality.ts';
import { decodePoint } from '../../src/web/point.ts';
import { frameOf, parameterOf, T0 } from './fixture.ts';

const ECF = Quality.FRAME_ECF_PRESENT;
/** Frame qualities by seq: good ones (0, ECF, ECF + inverted) and bad ones (CRC, VC sequence, header). */
const FRAME_QUALITY = [
  0,
  ECF,
  ECF | Quality.BITS_REVERSED,
  ECF | Quality.FRAME_CRC_ERROR,
  ECF | Quality.VC_SEQUENCE_ERROR,
  Quality.FRAME_HEADER_ERROR,
];
const PARAM_QUALITY = [ECF, ECF | ParamQuality.INVALID_VALUE, ECF | Quality.INCOMPLETE_PACKET, 0];

describe('one definition of good quality (issue 11 item 6)', () => {
  let dir: string;
  let reader: ArchiveReader;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scs-good-'));
    const store = new ArchiveStore(join(dir, 'archive.sqlite'));
    store.begin();
    FRAME_QUALITY.forEach((quality, i) => {
      const f = { ...frameOf(i + 1), quality };
      store.append(0, { seq: f.seq, ert: f.ert, scet: 0, key1: f.vcid, key2: -1, quality }, pack(f));
    });
    PARAM_QUALITY.forEach((quality, i) => {
      const s = { ...parameterOf(i + 1), quality };
      store.append(2, { seq: s.seq, ert: s.ert, scet: s.scet, key1: 0, key2: 0, quality }, pack(s));
    });
    store.commit();
    store.close();
    reader = new ArchiveReader(join(dir, 'archive.sqlite'));
  });
  after(() => {
    reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exported = async (stream: 'frames' | 'parameters') => {
    const spec: ExportSpec = {
      stream,
      from: T0,
      to: T0 + 1_000_000_000,
      timeBy: 'ert',
      filter: { goodOnly: true },
      format: 'jsonl',
    };
    const seqs: number[] = [];
    for await (const r of archiveRecords(reader, spec)) seqs.push((r as { seq: number }).seq);
    return seqs;
  };

  it('keeps frames whose only bits are informational (3: error control present, 8: bits reversed)', async () => {
    expect(await exported('frames')).to.deep.equal([1, 2, 3]);
    expect(await exported('parameters')).to.deep.equal([1, 4]);
  });

  it('is the display’s verdict too', () => {
    expect(FRAME_QUALITY.map(isGoodQuality)).to.deep.equal([true, true, true, false, false, false]);
    const point = (quality: number) =>
      decodePoint(pack({ ...parameterOf(1), eng: 1.5, quality }), undefined)?.quality;
    expect(PARAM_QUALITY.map(point)).to.deep.equal(['good', 'bad', 'bad', 'good']);
  });
});
