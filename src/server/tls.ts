// TLS material for the client port (ICD §1: "optionally TLS"). Read and checked on the
// main thread at start-up, so a bad file stops the server with a message naming it; the
// actors, which own the sockets, terminate TLS themselves.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError, ConfigErrorCode } from '../config/errors.ts';
import type { TlsConfig } from '../config/schema.ts';

/** PEM text, as structured-cloneable strings for the actors' workerData. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** Client certificates are requested and verified against it (mTLS). */
  ca?: string;
  crl?: string;
}

function read(field: keyof TlsConfig, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      ConfigErrorCode.NOT_FOUND,
      file,
      [
        {
          path: `/server/tls/${field}`,
          rule: (err as NodeJS.ErrnoException).code ?? 'EIO',
          message: `cannot read ${file}`,
        },
      ],
      { cause: err },
    );
  }
}

export function loadTls(tls: TlsConfig | undefined): TlsMaterial | undefined {
  if (tls === undefined) return undefined;
  const material: TlsMaterial = { cert: read('certFile', tls.certFile), key: read('keyFile', tls.keyFile) };
  if (tls.caFile !== undefined) material.ca = read('caFile', tls.caFile);
  if (tls.crlFile !== undefined) material.crl = read('crlFile', tls.crlFile);
  try {
    createSecureContext(material);
  } catch (err) {
    throw new ConfigError(
      ConfigErrorCode.INVALID,
      tls.certFile,
      [
        {
          path: '/server/tls',
          rule: 'tls',
          message: `certificate or key unusable: ${(err as Error).message}`,
        },
      ],
      { cause: err },
    );
  }
  return material;
}
