// Builds dist/: the JavaScript that the packed package runs (npm pack runs it as `prepack`).
//
// Why: Node refuses to strip types from files under node_modules
// (ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING), and an installed package lives there. So the
// package ships src/, workers/ and protocol/ with their types stripped by Node's own stripper
// (`mode: 'strip'` blanks the types in place, so line and column numbers stay those of the .ts
// files) and relative '.ts' specifiers (imports and `new URL('./x.ts', import.meta.url)` worker
// entries) renamed '.js'. The files the code reads next to itself are copied alongside. There
// is no transpiling: the source is erasable-syntax TypeScript, so what runs is the same code.
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'dist');
const CODE_DIRS = ['src', 'workers', 'protocol'];
/** Files the code reads at run time, relative to itself (import.meta.url / dirname). */
const ASSETS = [
  'config/default.json',
  'src/mdb/demo-mission.json',
  'src/mdb/demo-mission.xml',
  'src/web/public',
];

/** A quoted relative specifier ending in .ts: './a.ts', "../b/c.ts", `./d.ts`. */
const RELATIVE_TS = /(['"`])(\.{1,2}\/[^'"`\n]*?)\.ts\1/g;

export function toJs(source: string): string {
  return stripTypeScriptTypes(source, { mode: 'strip' }).replace(RELATIVE_TS, '$1$2.js$1');
}

function* tsFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

export function build(out = OUT): number {
  rmSync(out, { recursive: true, force: true });
  let files = 0;
  for (const dir of CODE_DIRS) {
    for (const file of tsFiles(join(ROOT, dir))) {
      const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, toJs(readFileSync(file, 'utf8')));
      files++;
    }
  }
  for (const asset of ASSETS) cpSync(join(ROOT, asset), join(out, asset), { recursive: true });
  return files;
}

if (import.meta.main) {
  process.removeAllListeners('warning'); // stripTypeScriptTypes is "experimental": not news here
  console.log(`dist/: ${build()} files`);
}
