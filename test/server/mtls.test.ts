// Agency identity by TLS client certificate (mTLS, ICD §5, issue 12), with a CA, server and
// client certificates and a CRL made by openssl in the test: a verified certificate whose
// subject CN or SAN an agency lists is that agency, with no token; an expired, revoked or
// foreign certificate is refused even with the right token; a client without a certificate
// still proves its agency with its token.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { expect } from 'chai';
import { ScsClient } from '../../protocol/client.ts';
import { NakCode } from '../../protocol/constants.ts';
import type { NakError } from '../../protocol/errors.ts';
import type { ScsServer } from '../../src/server/server.ts';
import { request, startTestServer, testAgencies } from '../support/server.ts';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA with openssl's `ca` database, so it can sign with chosen dates and revoke. */
function makePki(): { dir: string; sign: (name: string, cn: string, extra?: string[]) => void } {
  const dir = mkdtempSync(join(tmpdir(), 'scs-mtls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 2
default_crl_days = 2
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ gamma_ext ]
subjectAltName = URI:spiffe://scs/agency/gamma
[ server_ext ]
subjectAltName = DNS:localhost
`,
  );
  ssl('req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=scs-test-ca');
  const sign = (name: string, cn: string, extra: string[] = []) => {
    ssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ssl(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      ...extra,
    );
  };
  sign('server', 'localhost', ['-extensions', 'server_ext']);
  sign('beta', 'beta-client');
  sign('gamma', 'some-host', ['-extensions', 'gamma_ext']);
  sign('expired', 'beta-client', ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z']);
  sign('revoked', 'beta-client');
  ssl('ca', '-config', 'ca.cnf', '-revoke', 'revoked.crt');
  ssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'ca.crl');
  // A certificate of another CA, with a CN an agency lists.
  ssl(
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'foreign.key',
    '-out',
    'foreign.crt',
    '-days',
    '2',
    '-subj',
    '/CN=beta-client',
  );
  return { dir, sign };
}

describe('mTLS: agency identity by TLS client certificate (issue 12)', function () {
  this.timeout(60_000);
  let pki: ReturnType<typeof makePki>;
  let server: ScsServer;
  const file = (name: string) => join(pki.dir, name);

  before(async () => {
    pki = makePki();
    const agencies = testAgencies() as Record<string, Record<string, unknown>>;
    agencies.beta!.certificates = { cn: ['beta-client'] };
    agencies.gamma!.certificates = { san: ['URI:spiffe://scs/agency/gamma'] };
    server = await startTestServer({
      agencies,
      server: {
        tls: {
          certFile: file('server.crt'),
          keyFile: file('server.key'),
          caFile: file('ca.crt'),
          crlFile: file('ca.crl'),
        },
      },
    });
  });
  after(() => server.close());

  async function session(cert: string | undefined): Promise<ScsClient> {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      ca: readFileSync(file('ca.crt')),
      ...(cert === undefined
        ? {}
        : { cert: readFileSync(file(`${cert}.crt`)), key: readFileSync(file(`${cert}.key`)) }),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    return new ScsClient(socket);
  }

  async function outcome(cert: string | undefined, body: Record<string, unknown>): Promise<string> {
    const c = await session(cert);
    try {
      const ack = await c.request(request(body));
      return `ACK ${ack.agency}`;
    } catch (err) {
      const e = err as NakError;
      return `${e.code}: ${e.reason}`;
    } finally {
      c.destroy();
    }
  }

  const noToken = (agency: string) => ({ agency, token: undefined, stream: 'events' });

  it('a verified certificate with a listed subject CN is the agency: no token needed', async () => {
    expect(await outcome('beta', noToken('beta'))).to.equal('ACK beta');
  });

  it('a listed SAN identifies the agency too', async () => {
    expect(await outcome('gamma', noToken('gamma'))).to.equal('ACK gamma');
  });

  it('a certificate identifies only its own agency', async () => {
    expect(await outcome('beta', noToken('alpha'))).to.equal(`${NakCode.AUTH_FAILED}: token: required`);
    // With another agency's right token, that agency is admitted as usual.
    expect(await outcome('beta', { agency: 'alpha', token: 'alpha-secret' })).to.equal('ACK alpha');
  });

  it('refuses an expired, a revoked or a foreign certificate, even with the right token', async () => {
    const withToken = { agency: 'beta', token: 'beta-secret', stream: 'events' };
    expect(await outcome('expired', withToken)).to.equal(
      `${NakCode.AUTH_FAILED}: client certificate refused: CERT_HAS_EXPIRED`,
    );
    expect(await outcome('revoked', withToken)).to.equal(
      `${NakCode.AUTH_FAILED}: client certificate refused: CERT_REVOKED`,
    );
    expect(await outcome('foreign', noToken('beta'))).to.match(
      new RegExp(`^${NakCode.AUTH_FAILED}: client certificate refused: `),
    );
  });

  it('a client without a certificate proves its agency with its token', async () => {
    expect(await outcome(undefined, { agency: 'beta', token: 'beta-secret', stream: 'events' })).to.equal(
      'ACK beta',
    );
    expect(await outcome(undefined, noToken('beta'))).to.equal(`${NakCode.AUTH_FAILED}: token: required`);
  });
});
