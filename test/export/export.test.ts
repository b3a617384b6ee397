import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { ArchiveReader } from '../../src/archive/query.ts';
import { archiveRecords } from '../../src/export/archive-source.ts';
import { csvHeader, csvRow } from '../../src/export/csv.ts';
import { ExportError } from '../../src/export/errors.ts';
import { exportFileName, runExport } from '../../src/export/run.ts';
import { checkSpec, type ExportSpec } from '../../src/export/spec.ts';
import { decodePacketFile } from '../../src/files/packet-file.ts';
import { buildArchive, N, packetOf, parameterOf, T0 } from './fixture.ts';

const spec = (s: Partial<ExportSpec>): ExportSpec => ({
  stream: 'packets',
  from: T0,
  to: T0 + 1_000_000_000,
  timeBy: 'ert',
  filter: {},
  format: 'packets',
  ...s,
});

const seqs = (from: number, to: number, keep: (seq: number) => boolean) => {
  const out: number[] = [];
  for (let s = from; s <= to; s++) if (keep(s)) out.push(s);
  return out;
};

describe('export: archive to files', () => {
  let archive: ReturnType<typeof buildArchive>;
  let reader: ArchiveReader;
  before(() => {
    archive = buildArchive();
    reader = new ArchiveReader(archive.path);
  });
  after(() => {
    reader.close();
    archive.remove();
  });

  it('writes packets of a VC selection to vc<ids>_yyyymmddhhmmss, filtered by apid, station and quality', async () => {
    const s = spec({
      from: T0 + 20_000,
      to: T0 + 200_000,
      filter: { vcids: [2, 0], apids: [100, 101, 102], stations: ['KIR'], goodOnly: true },
    });
    const result = await runExport(archiveRecords(reader, s, 16), s, { kind: 'dir', path: archive.dir });
    const file = join(archive.dir, 'vc0-2_20260102030405');
    expect(result.files).to.deep.equal([file]);
    const want = seqs(20, 199, (q) => q % 3 !== 1 && q % 4 !== 3 && q % 2 === 0 && q % 10 !== 0);
    const got = decodePacketFile(readFileSync(file));
    expect(got.map((p) => p.ssc)).to.deep.equal(want);
    expect(result).to.include({ records: want.length, bytes: readFileSync(file).length });
    const p = packetOf(want[0]!);
    expect({ ...got[0], data: [...got[0]!.data] }).to.deep.equal({
      ert: p.ert,
      scet: p.scet,
      station: p.station,
      scid: p.scid,
      vcid: p.vcid,
      apid: p.apid,
      ssc: p.ssc,
      quality: p.quality,
      data: [...p.data],
    });
    expect(readdirSync(archive.dir).some((f) => f.endsWith('.part'))).to.equal(false);
  });

  it('writes parameters by scet as CSV with globs, quoting and ISO times', async () => {
    const s = spec({
      stream: 'parameters',
      format: 'csv',
      timeBy: 'scet',
      filter: { parameters: ['EPS.*'] },
    });
    const result = await runExport(archiveRecords(reader, s), s, { kind: 'dir', path: archive.dir });
    expect(result.files).to.deep.equal([join(archive.dir, 'parameters_20260102030405.csv')]);
    const lines = readFileSync(result.files[0]!, 'utf8').split('\r\n');
    expect(lines[0]).to.equal('seq,name,scet,scet_iso,ert,ert_iso,raw,eng,unit,limit,quality');
    const want = seqs(1, N, (q) => q % 3 !== 2);
    expect(lines.length - 2).to.equal(want.length);
    expect(lines[1]).to.equal(csvRow('parameters', parameterOf(want[0]!)).trimEnd());
    // seq 1: a state text with a quote and a comma
    expect(lines[1]).to.equal(
      `1,EPS.BUS_I,${T0 + 990},2026-01-02T03:04:05.000990Z,${T0 + 1000},2026-01-02T03:04:05.001000Z,1,"STATE ""1"", ok",,OK,0`,
    );
  });

  it('writes events as JSON Lines to a stream, with minimum severity', async () => {
    const s = spec({ stream: 'events', format: 'jsonl', filter: { severity: 'ALARM' }, to: T0 + 10_000 });
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const result = await runExport(archiveRecords(reader, s), s, { kind: 'stream', stream: out });
    expect(result.files).to.deep.equal([]);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; severity: string });
    expect(lines.map((l) => l.seq)).to.deep.equal([2, 3, 6, 7]);
    expect(lines.map((l) => l.severity)).to.deep.equal(['ALARM', 'CRITICAL', 'ALARM', 'CRITICAL']);
  });

  it('an empty range still writes a CSV header and reports 0 records', async () => {
    const s = spec({ stream: 'frames', format: 'csv', from: T0 + 10_000_000, to: T0 + 20_000_000 });
    const file = join(archive.dir, 'empty.csv');
    const result = await runExport(archiveRecords(reader, s), s, { kind: 'file', path: file });
    expect(result.records).to.equal(0);
    expect(readFileSync(file, 'utf8')).to.equal(csvHeader('frames'));
  });

  it('reports progress with the last record time', async () => {
    const s = spec({ stream: 'parameters', format: 'jsonl' });
    const seen: number[] = [];
    const result = await runExport(
      archiveRecords(reader, s),
      s,
      { kind: 'file', path: join(archive.dir, 'p.jsonl') },
      {
        onProgress: (p) => seen.push(p.time),
      },
    );
    expect(result.records).to.equal(N);
    expect(seen.at(-1)).to.equal(T0 + N * 1000);
  });

  it('an aborted export leaves no file', async () => {
    const s = spec({ stream: 'parameters', format: 'jsonl' });
    const file = join(archive.dir, 'aborted.jsonl');
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    let err: unknown;
    try {
      await runExport(archiveRecords(reader, s), s, { kind: 'file', path: file }, { signal: ac.signal });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal('stop');
    expect(existsSync(file) || existsSync(`${file}.part`)).to.equal(false);
  });

  it('an unwritable output is ERR_EXPORT_OUTPUT', async () => {
    const s = spec({});
    let err: unknown;
    try {
      await runExport([], s, { kind: 'file', path: join(archive.dir, 'no', 'such', 'dir', 'f') });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ExportError).with.property('code', 'ERR_EXPORT_OUTPUT');
  });

  it('refuses impossible exports with ERR_EXPORT_SPEC', () => {
    const bad: Partial<ExportSpec>[] = [
      { stream: 'parameters', format: 'packets' },
      { stream: 'events', timeBy: 'scet', format: 'csv' },
      { from: 10, to: 10 },
      { filter: { parameters: ['X'] } },
      { filter: { vcids: [64] } },
      { stream: 'events', format: 'csv', filter: { goodOnly: true } },
    ];
    for (const b of bad) {
      expect(() => checkSpec(spec(b)), JSON.stringify(b))
        .to.throw(ExportError)
        .with.property('code', 'ERR_EXPORT_SPEC');
    }
    expect(exportFileName(spec({ stream: 'events', format: 'jsonl' }))).to.equal(
      'events_20260102030405.jsonl',
    );
  });
});
