// The display's files: Open MCT's distribution (node_modules/openmct/dist, unmodified) under
// /display/openmct/, and the display's own page, login form and plugin (src/web/public) under
// /display/. Only files listed at start-up are served, so no request path reaches the disk.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebError, WebErrorCode } from './errors.ts';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

export interface Asset {
  contentType: string;
  body: Buffer;
}

function list(root: string, skip: (rel: string) => boolean): Map<string, Asset> {
  const out = new Map<string, Asset>();
  let entries: string[];
  try {
    entries = readdirSync(root, { recursive: true, encoding: 'utf8' });
  } catch (err) {
    throw new WebError(WebErrorCode.ERR_WEB_ASSETS, `${root}: cannot list the display's files`, {
      cause: err,
    });
  }
  for (const entry of entries) {
    const rel = entry.split(sep).join('/');
    const type = TYPES[extname(rel)];
    if (type === undefined || skip(rel)) continue;
    // Read once: Open MCT is ~6 MB, and the files never change while the server runs.
    out.set(rel, { contentType: type, body: readFileSync(join(root, entry)) });
  }
  return out;
}

function openMctDist(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('openmct/package.json'))), 'dist');
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** The display's assets by URL path. */
export function loadAssets(dist = openMctDist(), own = PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  // Its own example index.html and type declarations are not part of the display.
  const openmct = list(dist, (rel) => rel.startsWith('src/') || rel === 'index.html');
  if (!openmct.has('openmct.js')) {
    throw new WebError(
      WebErrorCode.ERR_WEB_ASSETS,
      `${dist}: no openmct.js (is the openmct package installed?)`,
    );
  }
  for (const [rel, a] of openmct) assets.set(`/display/openmct/${rel}`, a);
  for (const [rel, a] of list(own, () => false)) assets.set(`/display/${rel}`, a);
  if (!assets.has('/display/index.html')) {
    throw new WebError(WebErrorCode.ERR_WEB_ASSETS, `${relative(process.cwd(), own)}: no index.html`);
  }
  return assets;
}
