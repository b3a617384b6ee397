// The TLS client certificate of a session (mTLS, ICD §5: "unless TLS client certificates identify
// the agency"): what the handshake verified against server.tls.caFile (and its CRL), and the
// names an agency's `certificates` are matched against.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export interface PeerCertificate {
  /** Chains to the configured CA, in its validity period, not revoked. */
  readonly verified: boolean;
  /** Why not (OpenSSL's code, e.g. CERT_HAS_EXPIRED, CERT_REVOKED). */
  readonly error: string | undefined;
  readonly cn: string | undefined;
  /** `DNS:…`, `URI:…`, `email:…`, `IP Address:…` as Node spells them. */
  readonly sans: readonly string[];
}

/**
 * Records the handshake's verdict on the client certificate in `authorized` /
 * `authorizationError`. A tls.Server does this for its sockets (onServerSocketSecure in Node's
 * _tls_wrap.js); a TLSSocket built around a socket handed to this thread does not, so the same
 * step is taken here, from the same internal handle call.
 */
export function recordClientVerdict(socket: TLSSocket): void {
  socket.once('secure', () => {
    const handle = (socket as unknown as { _handle?: { verifyError?: () => { code?: string } | null } })
      ._handle;
    const error = handle?.verifyError?.() ?? null;
    if (error === null) socket.authorized = true;
    else socket.authorizationError = (error.code ?? 'UNVERIFIED') as unknown as Error;
  });
}

/** The client's certificate, or undefined when the socket is not TLS or the client sent none. */
export function peerCertificate(socket: Socket): PeerCertificate | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || cert === undefined || Object.keys(cert).length === 0) return undefined;
  const cn = cert.subject?.CN;
  return {
    verified: socket.authorized,
    error: socket.authorized ? undefined : String(socket.authorizationError ?? 'unverified'),
    cn: Array.isArray(cn) ? cn[0] : cn,
    sans: (cert.subjectaltname ?? '')
      .split(', ')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}
