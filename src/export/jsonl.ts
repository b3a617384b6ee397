// JSON Lines: one record per line, the ICD §6 map as JSON, bytes (`data`, binary values) as base64
// (the same shape as `scs tail --json`).
import type { AnyRecord } from '../../protocol/types.ts';

export function jsonlRow(record: AnyRecord): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) {
    out[k] =
      v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
  }
  return `${JSON.stringify(out)}\n`;
}
