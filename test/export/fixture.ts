// A small archive file with every stream, written through the real store, whose records a test
// can recompute: packets alternate stations and VCs, parameters cycle through three names.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEVERITIES } from '../../protocol/constants.ts';
import { pack } from '../../protocol/msgpack.ts';
import type { EventRecord, FrameRecord, PacketRecord, ParameterRecord } from '../../protocol/types.ts';
import { ArchiveStore } from '../../src/archive/store.ts';

/** 2026-01-02T03:04:05Z */
export const T0 = Date.UTC(2026, 0, 2, 3, 4, 5) * 1000;
export const N = 300;
export const NAMES = ['EPS.BATT_V', 'EPS.BUS_I', 'AOCS.RATE_X'] as const;

export function packetOf(seq: number): PacketRecord {
  return {
    seq,
    ert: T0 + seq * 1000,
    scet: T0 - 500_000 + seq * 1000,
    station: seq % 2 === 0 ? 'KIR' : 'MAS',
    scid: 42,
    vcid: seq % 3,
    apid: 100 + (seq % 4),
    ssc: seq & 0x3fff,
    quality: seq % 10 === 0 ? 2 : 0,
    data: Uint8Array.from({ length: 10 + (seq % 7) }, (_, i) => (seq + i) & 0xff),
  };
}

export function parameterOf(seq: number): ParameterRecord {
  return {
    seq,
    name: NAMES[seq % 3]!,
    scet: T0 + seq * 1000 - 10,
    ert: T0 + seq * 1000,
    raw: seq,
    eng: seq % 3 === 1 ? `STATE "${seq}", ok` : seq / 2,
    ...(seq % 3 === 0 ? { unit: 'V' } : {}),
    limit: 'OK',
    quality: seq % 5 === 0 ? 1 : 0,
  };
}

export function eventOf(seq: number): EventRecord {
  return {
    seq,
    time: T0 + seq * 1000,
    severity: SEVERITIES[seq % 4]!,
    source: 'test',
    type: 'T',
    message: `event ${seq}`,
  };
}

export function frameOf(seq: number): FrameRecord {
  return {
    seq,
    ert: T0 + seq * 1000,
    station: 'KIR',
    scid: 42,
    vcid: seq % 2,
    vcfc: seq,
    quality: 0,
    data: new Uint8Array(20),
  };
}

export function buildArchive(): { dir: string; path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'scs-export-'));
  const path = join(dir, 'archive.sqlite');
  const store = new ArchiveStore(path);
  store.begin();
  for (let seq = 1; seq <= N; seq++) {
    const f = frameOf(seq);
    store.append(0, { seq, ert: f.ert, scet: 0, key1: f.vcid, key2: -1, quality: 0 }, pack(f));
    const p = packetOf(seq);
    store.append(
      1,
      { seq, ert: p.ert, scet: p.scet, key1: p.vcid, key2: p.apid, quality: p.quality },
      pack(p),
    );
    const s = parameterOf(seq);
    store.append(2, { seq, ert: s.ert, scet: s.scet, key1: seq % 3, key2: 0, quality: s.quality }, pack(s));
    const e = eventOf(seq);
    store.append(3, { seq, ert: e.time, scet: 0, key1: seq % 4, key2: -1, quality: 0 }, pack(e));
  }
  store.commit();
  store.close();
  return { dir, path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
