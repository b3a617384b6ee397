import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig, validateConfig } from '../../src/config/load.ts';
import {
  hashToken,
  parseTokenHash,
  TokenVerifier,
  usesDemoToken,
  verifyToken,
  verifyTokenAsync,
} from '../../src/config/token.ts';

describe('config/token', () => {
  let hash: string;
  before(() => {
    hash = hashToken('s3cret token');
  });

  it('hashes in the documented format with a fresh salt each time', () => {
    expect(hash).to.match(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    const parsed = parseTokenHash(hash)!;
    expect(parsed.salt).to.have.length(16);
    expect(parsed.hash).to.have.length(32);
    expect(hashToken('s3cret token')).to.not.equal(hash);
  });

  it('verifies the right token and refuses a wrong one', async () => {
    expect(verifyToken('s3cret token', hash)).to.equal(true);
    expect(verifyToken('s3cret token ', hash)).to.equal(false);
    expect(verifyToken('', hash)).to.equal(false);
    expect(await verifyTokenAsync('s3cret token', hash)).to.equal(true);
    expect(await verifyTokenAsync('S3cret token', hash)).to.equal(false);
  });

  it('returns false for a malformed hash instead of throwing', async () => {
    const [, , , , salt, key] = hash.split('$');
    const malformed = [
      '',
      'scrypt',
      hash.slice(0, -1),
      `${hash}$`,
      `bcrypt$16384$8$1$${salt}$${key}`,
      `scrypt$16383$8$1$${salt}$${key}`,
      `scrypt$1073741824$8$1$${salt}$${key}`,
      `scrypt$016384$8$1$${salt}$${key}`,
      `scrypt$16384$8$0$${salt}$${key}`,
      `scrypt$16384$8$1$$${key}`,
      `scrypt$16384$8$1$${salt}$not*base64`,
      `scrypt$16384$8$1$${salt}$AAAA`,
    ];
    for (const bad of malformed) {
      expect(parseTokenHash(bad), bad).to.equal(null);
      expect(verifyToken('s3cret token', bad), bad).to.equal(false);
      expect(await verifyTokenAsync('s3cret token', bad), bad).to.equal(false);
    }
    expect(verifyToken('s3cret token', 42 as unknown as string)).to.equal(false);
    expect(verifyToken(undefined as unknown as string, hash)).to.equal(false);
  });

  it('TokenVerifier runs scrypt once for a token that verified, and never caches a wrong one', async () => {
    const verifier = new TokenVerifier();
    const first = await Promise.all([
      verifier.verify('s3cret token', hash),
      verifier.verify('s3cret token', hash),
    ]);
    expect(first).to.deep.equal([true, true]);
    const start = performance.now();
    for (let i = 0; i < 200; i++) expect(await verifier.verify('s3cret token', hash)).to.equal(true);
    // 200 scrypt runs would take seconds; remembered verifications take microseconds each.
    expect(performance.now() - start).to.be.below(200);
    expect(await verifier.verify('wrong', hash)).to.equal(false);
    expect(await verifier.verify('wrong', hash)).to.equal(false);
    expect(await verifier.verify('s3cret token', 'scrypt$bad')).to.equal(false);
  });

  it('scs token hashes the token read from standard input', () => {
    const script = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const out = execFileSync(process.execPath, [script, 'token'], {
      input: 'from stdin\n',
      encoding: 'utf8',
    });
    expect(verifyToken('from stdin', out.trim())).to.equal(true);
  });

  it('lists the agencies still using their demo token', () => {
    expect(usesDemoToken(loadConfig())).to.deep.equal(['analysis', 'ops', 'science']);
    const c = validateConfig(
      { agencies: { ops: { tokenHash: hash }, lab: { tokenHash: hashToken('lab-demo') } } },
      't',
    );
    expect(usesDemoToken(c)).to.deep.equal(['lab']);
  });
});
