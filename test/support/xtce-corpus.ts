// Where the real XTCE corpus lives. The files are public data from other projects' repositories
// (test/fixtures/xtce-real/SOURCES.md lists each with repository, path, commit and licence). They
// are not committed here: this workplace keeps data brought from public repositories in the
// steering repository's shared/ folder, which sits beside every clone (../shared) and CI's.
// SCS_XTCE_CORPUS points elsewhere. Tests that need the corpus skip, saying so, when it is absent.
import { existsSync } from 'node:fs';

const ROOT = new URL('../../', import.meta.url).pathname;

export const SOURCES = `${ROOT}test/fixtures/xtce-real/SOURCES.md`;

/** The corpus folder (with a trailing slash), or undefined when it is not on this machine. */
export function corpusDir(): string | undefined {
  const candidates = [process.env.SCS_XTCE_CORPUS, `${ROOT}../shared/fixtures/xtce-real`];
  for (const c of candidates) {
    if (c && existsSync(`${c}/ctim.xml`)) return c.endsWith('/') ? c : `${c}/`;
  }
  return undefined;
}
