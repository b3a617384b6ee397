// The records of an export read straight from an archive file (read-only, page by page, so a
// long export holds no read transaction and never holds back the recorder's checkpoints).

import { unpack } from '../../protocol/msgpack.ts';
import type { AnyRecord } from '../../protocol/types.ts';
import type { ArchiveReader } from '../archive/query.ts';
import { archiveFilter, checkSpec, type ExportSpec, recordFilter } from './spec.ts';

/** The archived records of `spec`, decoded, in time order on its axis (ties by seq). */
export function* archiveRecords(
  reader: ArchiveReader,
  spec: ExportSpec,
  pageSize = 1000,
): Generator<AnyRecord> {
  checkSpec(spec);
  const keep = recordFilter(spec);
  const cursor = reader.open(
    { stream: spec.stream, from: spec.from, to: spec.to, timeBy: spec.timeBy, filter: archiveFilter(spec) },
    pageSize,
  );
  for (const rows of cursor) {
    for (const row of rows) {
      const record = unpack(row.payload) as AnyRecord;
      if (keep === null || keep(record)) yield record;
    }
  }
}
