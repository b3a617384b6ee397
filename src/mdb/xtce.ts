// XTCE (CCSDS 660.0) import: what SCS can use of a mission's XTCE, read into the native definition,
// which then goes through the same validation and resolution as a JSON database. Nested
// SpaceSystems name their parameters `Child.Grandchild.NAME`; aggregates and arrays are their
// leaves (`POS.x`, `TEMPS[3]`). An element SCS cannot use is a finding (file, line, element path,
// what is lost); only what depends on it is left out. The file is refused only when nothing usable
// remains, or when the import is strict.
import { MdbError, MdbErrorCode, type MdbIssue } from './errors.ts';
import type { Mdb } from './model.ts';
import { ContainerLayouts } from './xtce-containers.ts';
import { XtceModel } from './xtce-model.ts';
import { importParameters } from './xtce-params.ts';
import { qualified } from './xtce-scope.ts';
import { type Finding, parseXml } from './xtce-tree.ts';

/** `parseMdb`, passed in to keep this module free of the loader (which dispatches to it). */
type ParseMdb = (doc: unknown, source: string) => Mdb;

export interface XtceOptions {
  /** Refuse the file on any finding (ERR_MDB_XTCE_UNSUPPORTED listing them all). */
  readonly strict?: boolean;
}

/** What an import used and what it left out: `scs mdb check`'s table, and the warnings logged at load. */
export interface XtceReport {
  /** One per root cause, its message naming what it costs (`left out: …`). */
  readonly findings: readonly MdbIssue[];
  readonly parameters: number;
  readonly derived: number;
  readonly containers: number;
  /** Parameters without a data encoding (ground, local, computed): in the file, never in a packet. */
  readonly ground: readonly string[];
  /** Parameters and containers left out because of a finding. */
  readonly leftOut: readonly string[];
  /** MetaCommands in CommandMetaData (not imported). */
  readonly commands: number;
}

export interface XtceImportResult {
  /** Undefined when nothing usable remains (the error says why). */
  readonly mdb?: Mdb;
  readonly error?: MdbError;
  readonly report: XtceReport;
}

function toIssue(f: Finding): MdbIssue {
  const lost =
    f.lost.length === 0
      ? ''
      : `; left out: ${f.lost.slice(0, 20).join(', ')}${f.lost.length > 20 ? ` and ${f.lost.length - 20} more` : ''}`;
  return { path: f.path, line: f.line, rule: f.rule, message: `${f.message}${lost}` };
}

/** Imports an XTCE document, reporting every finding; never throws for what it can leave out. */
export function importXtce(
  text: string,
  file: string,
  parseMdb: ParseMdb,
  opts: XtceOptions = {},
): XtceImportResult {
  const root = parseXml(text, file);
  const m = new XtceModel();
  const empty = { parameters: 0, derived: 0, containers: 0, ground: [], leftOut: [], commands: 0 };
  if (root.name !== 'SpaceSystem') {
    m.r.unsupported(root, 'is not an XTCE <SpaceSystem> root');
    const findings = m.r.findings.map(toIssue);
    return {
      error: new MdbError(MdbErrorCode.ERR_MDB_XTCE_UNSUPPORTED, file, findings),
      report: { ...empty, findings },
    };
  }
  m.collect(root, []);
  const header = root.children.find((c) => c.name === 'Header');
  if (header !== undefined) {
    // Header attributes are documentation (real files add author, comment…): none is a finding.
    m.r.read(header, Object.keys(header.attrs), ['AuthorSet', 'NoteSet', 'HistorySet']);
  }
  const imported = importParameters(m);
  // Unused types are read too: a problem in one is still a problem in the file.
  for (const t of m.types.values()) m.readTypeOnce(t);
  const layouts = new ContainerLayouts(m);
  const all = [...m.containers.values()].map((c) => ({ c, layout: layouts.layout(c) }));
  const containers: Record<string, Record<string, unknown>> = {};
  const apids = new Map<number, string>();
  for (const { c, layout } of all) {
    if (layout === null || c.node.attrs.abstract === 'true') continue;
    if (layout.selector !== undefined) {
      XtceModel.lose(layout.selector, `container ${c.flat}`);
      continue;
    }
    if (layout.apid === undefined) {
      // A concrete container that no restriction selects and nothing refers to: not a packet.
      if (!m.referenced.has(qualified(c.scope, c.node.attrs.name!))) {
        m.r.unsupported(
          c.node,
          'selects no APID (no restriction criteria on the APID): not decoded as a packet',
        );
      }
      continue;
    }
    const other = apids.get(layout.apid);
    if (other !== undefined) {
      XtceModel.lose(
        m.r.unsupported(
          c.node,
          `selects APID ${layout.apid} like "${other}": SCS decodes one container per APID`,
        ),
        `container ${c.flat}`,
      );
      continue;
    }
    const entries = layout.entries
      .filter((e) => Object.hasOwn(imported.parameters, e.parameter))
      .map((e) => ({ parameter: e.parameter, bitOffset: e.bitOffset }));
    if (entries.length === 0) {
      XtceModel.lose(m.r.unsupported(c.node, 'has no parameter SCS can decode'), `container ${c.flat}`);
      continue;
    }
    apids.set(layout.apid, c.flat);
    const def: Record<string, unknown> = { apid: layout.apid, entries };
    const description = c.node.attrs.shortDescription;
    if (description !== undefined && description !== '') def.description = description.slice(0, 1024);
    const length = packetLength(m, c.node);
    if (length !== undefined) def.length = length;
    containers[c.flat] = def;
  }
  const version = header?.attrs.version;
  const doc: Record<string, unknown> = {
    name: (root.attrs.name ?? 'XTCE').slice(0, 64) || 'XTCE',
    version: version === undefined || version === '' ? 'unversioned' : version.slice(0, 64),
    parameters: imported.parameters,
    derived: imported.derived,
    containers,
    limitLists: m.limitLists,
  };
  if (root.attrs.shortDescription !== undefined) doc.description = root.attrs.shortDescription.slice(0, 4096);
  const result = validate(doc, file, parseMdb, m);
  // In file order: an operator reads them top to bottom.
  const findings = m.r.findings.toSorted((a, b) => a.line - b.line).map(toIssue);
  const leftOut = [...new Set(m.r.findings.flatMap((f) => f.lost))];
  const report: XtceReport = {
    findings,
    parameters: Object.keys(doc.parameters as object).length,
    derived: Object.keys(doc.derived as object).length,
    containers: Object.keys(doc.containers as object).length,
    ground: imported.ground,
    leftOut,
    commands: m.commands,
  };
  if (result.mdb === undefined) return { error: result.error, report };
  if (opts.strict === true && findings.length > 0) {
    return { error: new MdbError(MdbErrorCode.ERR_MDB_XTCE_UNSUPPORTED, file, findings), report };
  }
  return { mdb: result.mdb, report };
}

/**
 * The native rules (schema, resolution) on what the importer produced. What they refuse about a
 * parameter leaves that parameter out (a finding each) and the rest is tried again; a database with
 * no parameter left is refused.
 */
function validate(
  doc: Record<string, unknown>,
  file: string,
  parseMdb: ParseMdb,
  m: XtceModel,
): { mdb?: Mdb; error?: MdbError } {
  for (let attempt = 0; ; attempt++) {
    const params = doc.parameters as Record<string, unknown>;
    if (Object.keys(params).length === 0 && Object.keys(doc.derived as object).length === 0) {
      const issues = [
        ...m.r.findings.map(toIssue),
        { path: '', rule: 'xtceNothingUsable', message: 'no parameter SCS can use remains' },
      ];
      return { error: new MdbError(MdbErrorCode.ERR_MDB_XTCE_UNSUPPORTED, file, issues) };
    }
    try {
      return { mdb: parseMdb(doc, file) };
    } catch (err) {
      if (!(err instanceof MdbError) || attempt >= 3) throw err;
      const culprits = new Set(err.issues.flatMap((i) => (i.parameter === undefined ? [] : [i.parameter])));
      if (culprits.size === 0) throw err;
      for (const i of err.issues) {
        if (i.parameter === undefined) continue;
        const p = [...m.params.values()].find(
          (d) =>
            i.parameter === d.flat ||
            i.parameter!.startsWith(`${d.flat}.`) ||
            i.parameter!.startsWith(`${d.flat}[`),
        );
        const node = p?.node ?? {
          name: 'Parameter',
          path: i.path,
          line: 0,
          attrs: {},
          children: [],
          text: '',
        };
        XtceModel.lose(
          m.r.invalid(node, `is refused by the database rules: ${i.message} (${i.rule})`),
          i.parameter,
        );
      }
      drop(doc, culprits);
    }
  }
}

function drop(doc: Record<string, unknown>, names: Set<string>): void {
  for (const key of ['parameters', 'derived'] as const) {
    const set = doc[key] as Record<string, unknown>;
    for (const n of names) delete set[n];
  }
  const containers = doc.containers as Record<string, { entries: { parameter: string }[] }>;
  for (const [name, c] of Object.entries(containers)) {
    c.entries = c.entries.filter((e) => !names.has(e.parameter));
    if (c.entries.length === 0) delete containers[name];
  }
  const lists = doc.limitLists as Record<string, string[]>;
  for (const [name, l] of Object.entries(lists)) {
    lists[name] = l.filter((n) => !names.has(n));
    if (lists[name]!.length === 0) delete lists[name];
  }
}

/**
 * A container's `<AncillaryData name="scs.length">`: total packet bytes, `N` or a range `MIN..MAX`
 * (either bound may be left out); the schema checks the numbers.
 */
function packetLength(
  m: XtceModel,
  node: import('./xtce-tree.ts').XNode,
): number | { min?: number; max?: number } | undefined {
  const a = m.r.ancillary(node).get('scs.length');
  if (a === undefined) return undefined;
  const exact = /^\d+$/.exec(a.text);
  if (exact !== null) return Number(a.text);
  const range = /^(\d*)\.\.(\d*)$/.exec(a.text);
  if (range === null || (range[1] === '' && range[2] === '')) {
    m.r.invalid(a.node, `scs.length "${a.text}" must be a byte count N or a range MIN..MAX: ignored`);
    return undefined;
  }
  return {
    ...(range[1] === '' ? {} : { min: Number(range[1]) }),
    ...(range[2] === '' ? {} : { max: Number(range[2]) }),
  };
}

/** Reads an XTCE document into the native model, its findings as `warnings`. Throws MdbError when nothing usable remains (or strict). */
export function parseXtce(text: string, file: string, parseMdb: ParseMdb, opts: XtceOptions = {}): Mdb {
  const { mdb, error, report } = importXtce(text, file, parseMdb, opts);
  if (mdb === undefined) throw error!;
  return Object.freeze({ ...mdb, warnings: report.findings });
}
