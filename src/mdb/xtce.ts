// XTCE (CCSDS 660.0) import: the common telemetry subset read into the native definition, which
// then goes through the same validation and resolution as a JSON database. Nested SpaceSystems
// name their parameters `Child.Grandchild.NAME`; references follow XTCE's rules (absolute
// `/Root/Child/NAME`, relative `../Child/NAME`, or a bare name searched from the referring
// SpaceSystem up to the root). Every construct outside the subset is an error naming it.
import { MdbError, MdbErrorCode } from './errors.ts';
import type { Mdb } from './model.ts';
import { comparison, limitsOf, type ParamRef } from './xtce-alarms.ts';
import { parseXml, type XNode, XtceReader } from './xtce-tree.ts';
import { readType, TYPE_KINDS, type XType } from './xtce-types.ts';

/** `parseMdb`, passed in to keep this module free of the loader (which dispatches to it). */
type ParseMdb = (doc: unknown, source: string) => Mdb;

interface Defined {
  readonly node: XNode;
  /** SpaceSystem names from the root. */
  readonly scope: readonly string[];
  /** Flattened name: the SpaceSystem path below the root, then the element's name, joined by dots. */
  readonly flat: string;
}

interface Layout {
  readonly entries: { parameter: string; bitOffset: number; bits: number }[];
  readonly end: number;
  readonly apid?: number;
}

const qualified = (scope: readonly string[], name: string): string => `/${[...scope, name].join('/')}`;

class XtceImport {
  readonly r = new XtceReader();
  readonly types = new Map<string, Defined>();
  readonly params = new Map<string, Defined>();
  readonly containers = new Map<string, Defined>();
  readonly #typeCache = new Map<string, XType | null>();
  readonly #paramTypes = new Map<Defined, XType | null>();
  readonly #layouts = new Map<string, Layout | null>();
  readonly #busy = new Set<string>();
  limitLists: Record<string, string[]> = {};

  collect(node: XNode, scope: readonly string[]): void {
    const kids = this.r.read(
      node,
      ['name', 'operationalStatus'],
      ['Header', 'TelemetryMetaData', 'SpaceSystem'],
    );
    const name = this.r.attr(node, 'name') ?? '?';
    const here = [...scope, name];
    const tm = this.r.one(node, kids, 'TelemetryMetaData');
    if (tm !== undefined) {
      const t = this.r.read(tm, [], ['ParameterTypeSet', 'ParameterSet', 'ContainerSet']);
      const typeSet = this.r.one(tm, t, 'ParameterTypeSet');
      if (typeSet !== undefined) {
        for (const list of this.r.read(typeSet, [], Object.keys(TYPE_KINDS)).values()) {
          for (const n of list) this.#define(this.types, n, here);
        }
      }
      const paramSet = this.r.one(tm, t, 'ParameterSet');
      if (paramSet !== undefined)
        for (const n of this.r.read(paramSet, [], ['Parameter']).get('Parameter') ?? []) {
          this.#define(this.params, n, here);
        }
      const containerSet = this.r.one(tm, t, 'ContainerSet');
      if (containerSet !== undefined) {
        const list = this.r.read(containerSet, [], ['SequenceContainer']).get('SequenceContainer') ?? [];
        for (const n of list) this.#define(this.containers, n, here);
      }
    }
    for (const [key, a] of this.r.ancillary(node)) {
      if (!key.startsWith('scs.limitList.')) continue;
      const list = key.slice('scs.limitList.'.length);
      this.limitLists[list] = a.text.split(/\s+/).filter((s) => s !== '');
    }
    for (const child of kids.get('SpaceSystem') ?? []) this.collect(child, here);
  }

  #define(map: Map<string, Defined>, node: XNode, scope: readonly string[]): void {
    const name = this.r.attr(node, 'name');
    if (name === undefined) return;
    const key = qualified(scope, name);
    if (map.has(key)) this.r.invalid(node, `"${name}" is defined twice in this SpaceSystem`);
    map.set(key, { node, scope, flat: [...scope.slice(1), name].join('.') });
  }

  /** XTCE name resolution: absolute path, relative path, or a bare name searched upwards. */
  resolve(map: Map<string, Defined>, from: readonly string[], ref: string): Defined | undefined {
    if (ref.startsWith('/')) return map.get(ref);
    const parts = ref.split('/');
    if (parts.length > 1) {
      const path = [...from];
      for (const p of parts.slice(0, -1)) {
        if (p === '..') path.pop();
        else if (p !== '.') path.push(p);
      }
      return map.get(qualified(path, parts.at(-1)!));
    }
    for (let n = from.length; n >= 1; n--) {
      const hit = map.get(qualified(from.slice(0, n), ref));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** A type, read once (its problems reported once). */
  readTypeOnce(t: Defined): XType | undefined {
    const key = qualified(t.scope, t.node.attrs.name!);
    if (!this.#typeCache.has(key)) this.#typeCache.set(key, readType(this.r, t.node) ?? null);
    return this.#typeCache.get(key) ?? undefined;
  }

  /** A parameter's type, resolved once (its problems reported once). */
  typeOf(p: Defined): XType | undefined {
    if (this.#paramTypes.has(p)) return this.#paramTypes.get(p) ?? undefined;
    const ref = this.r.attr(p.node, 'parameterTypeRef');
    const t = ref === undefined ? undefined : this.resolve(this.types, p.scope, ref);
    if (ref !== undefined && t === undefined) {
      this.r.invalid(p.node, `names an unknown type "${ref}"`, 'parameterTypeRef');
    }
    const type = t === undefined ? undefined : this.readTypeOnce(t);
    this.#paramTypes.set(p, type ?? null);
    return type;
  }

  paramRef = (node: XNode, ref: string, scope: readonly string[]): ParamRef | undefined => {
    const p = this.resolve(this.params, scope, ref);
    if (p === undefined) {
      this.r.invalid(node, `names an unknown parameter "${ref}"`, 'parameterRef');
      return undefined;
    }
    return { name: p.flat, kind: this.typeOf(p)?.kind };
  };

  parameters(): { parameters: Record<string, unknown>; derived: Record<string, unknown> } {
    const parameters: Record<string, unknown> = {};
    const derived: Record<string, unknown> = {};
    for (const p of this.params.values()) {
      this.r.read(p.node, ['name', 'parameterTypeRef'], ['ParameterProperties']);
      for (const props of p.node.children.filter((c) => c.name === 'ParameterProperties')) {
        this.r.read(props, ['dataSource', 'readOnly'], []);
      }
      const type = this.typeOf(p);
      if (type === undefined) continue;
      const def: Record<string, unknown> = {};
      const description = p.node.attrs.shortDescription;
      if (description !== undefined) def.description = description;
      if (type.unit !== undefined) def.unit = type.unit;
      const limits = limitsOf(this.r, type, p.flat, (node, ref) => this.paramRef(node, ref, p.scope));
      const expression = this.r.ancillary(p.node).get('scs.expression');
      if (expression !== undefined) {
        if (type.encoding !== undefined)
          this.r.invalid(p.node, 'is derived (scs.expression): its type must have no data encoding');
        derived[p.flat] = {
          ...def,
          expression: expression.text,
          ...(limits === undefined ? {} : { limits }),
        };
        continue;
      }
      if (type.encoding === undefined) {
        this.r.invalid(p.node, 'has a type without a data encoding and no scs.expression');
        continue;
      }
      def.encoding = type.encoding;
      if (type.calibration !== undefined) def.calibration = type.calibration;
      if (limits !== undefined) def.limits = limits;
      parameters[p.flat] = def;
    }
    return { parameters, derived };
  }

  /** A container's entries with absolute bit offsets, its base's first; null when it cannot be laid out. */
  layout(c: Defined): Layout | null {
    const key = qualified(c.scope, c.node.attrs.name!);
    const known = this.#layouts.get(key);
    if (known !== undefined) return known;
    if (this.#busy.has(key)) {
      this.r.invalid(c.node, 'inherits from itself');
      return null;
    }
    this.#busy.add(key);
    const result = this.#layout(c);
    this.#busy.delete(key);
    this.#layouts.set(key, result);
    return result;
  }

  #layout(c: Defined): Layout | null {
    const kids = this.r.read(c.node, ['name', 'abstract'], ['EntryList', 'BaseContainer']);
    this.r.choice(c.node, 'abstract', ['true', 'false'], 'false');
    let entries: Layout['entries'] = [];
    let end = 0;
    let apid: number | undefined;
    const base = this.r.one(c.node, kids, 'BaseContainer');
    if (base !== undefined) {
      const bk = this.r.read(base, ['containerRef'], ['RestrictionCriteria']);
      const ref = this.r.attr(base, 'containerRef');
      const parent = ref === undefined ? undefined : this.resolve(this.containers, c.scope, ref);
      if (ref !== undefined && parent === undefined)
        this.r.invalid(base, `names an unknown container "${ref}"`);
      const inherited = parent === undefined ? null : this.layout(parent);
      if (inherited === null) return null;
      entries = [...inherited.entries];
      end = inherited.end;
      apid = inherited.apid;
      const criteria = this.r.one(base, bk, 'RestrictionCriteria');
      if (criteria !== undefined) apid = this.#apid(criteria, c.scope, entries) ?? apid;
    }
    const list = this.r.one(c.node, kids, 'EntryList');
    for (const e of list === undefined
      ? []
      : (this.r.read(list, [], ['ParameterRefEntry']).get('ParameterRefEntry') ?? [])) {
      const ek = this.r.read(e, ['parameterRef'], ['LocationInContainerInBits']);
      const ref = this.r.attr(e, 'parameterRef');
      const p = ref === undefined ? undefined : this.resolve(this.params, c.scope, ref);
      if (p === undefined) {
        if (ref !== undefined) this.r.invalid(e, `names an unknown parameter "${ref}"`, 'parameterRef');
        continue;
      }
      const bits = this.typeOf(p)?.encoding?.bits;
      if (bits === undefined) {
        this.r.invalid(e, `"${ref}" has no data encoding: it cannot be in a container`);
        continue;
      }
      let start = end;
      const loc = this.r.one(e, ek, 'LocationInContainerInBits');
      if (loc !== undefined) {
        const lk = this.r.read(loc, ['referenceLocation'], ['FixedValue']);
        const from = this.r.choice(
          loc,
          'referenceLocation',
          ['containerStart', 'previousEntry'],
          'previousEntry',
        );
        const v = this.r.one(loc, lk, 'FixedValue');
        const offset = v === undefined ? 0 : (this.r.count(v, v.text, 'FixedValue') ?? 0);
        start = from === 'containerStart' ? offset : end + offset;
      }
      entries.push({ parameter: p.flat, bitOffset: start, bits });
      end = start + bits;
    }
    return { entries, end, ...(apid === undefined ? {} : { apid }) };
  }

  /** The APID a restriction selects: one equality on the primary header's APID field (bits 5–15). */
  #apid(criteria: XNode, scope: readonly string[], entries: Layout['entries']): number | undefined {
    const ck = this.r.read(criteria, [], ['Comparison', 'ComparisonList']);
    let holder = criteria;
    let kids = ck;
    const list = this.r.one(criteria, ck, 'ComparisonList');
    if (list !== undefined) {
      holder = list;
      kids = this.r.read(list, [], ['Comparison']);
    }
    const cmp = comparison(this.r, holder, kids, (node, ref) => this.paramRef(node, ref, scope));
    if (cmp === undefined) return undefined;
    const field = entries.find((e) => e.parameter === cmp.ref.name);
    if (field === undefined || field.bitOffset !== 5 || field.bits !== 11) {
      this.r.unsupported(
        cmp.node,
        `on "${cmp.ref.name}" is not supported: only the APID (bits 5–15 of the base container) selects a packet`,
      );
      return undefined;
    }
    const apid = cmp.value;
    if (typeof apid !== 'number' || !Number.isInteger(apid) || apid < 0 || apid > 2047) {
      this.r.invalid(cmp.node, 'must be an APID (0–2047)', 'value');
      return undefined;
    }
    return apid;
  }

  /**
   * A container's `<AncillaryData name="scs.length">`: total packet bytes, `N` or a range `MIN..MAX`
   * (either bound may be left out); the schema checks the numbers.
   */
  #packetLength(node: XNode): number | { min?: number; max?: number } | undefined {
    const a = this.r.ancillary(node).get('scs.length');
    if (a === undefined) return undefined;
    const exact = /^\d+$/.exec(a.text);
    if (exact !== null) return Number(a.text);
    const range = /^(\d*)\.\.(\d*)$/.exec(a.text);
    if (range === null || (range[1] === '' && range[2] === '')) {
      this.r.invalid(a.node, `scs.length "${a.text}" must be a byte count N or a range MIN..MAX`);
      return undefined;
    }
    return {
      ...(range[1] === '' ? {} : { min: Number(range[1]) }),
      ...(range[2] === '' ? {} : { max: Number(range[2]) }),
    };
  }

  containerDefs(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.containers.values()) {
      const layout = this.layout(c);
      if (layout === null || c.node.attrs.abstract === 'true') continue;
      if (layout.apid === undefined) {
        this.r.invalid(
          c.node,
          'is concrete but no restriction criteria select its APID (make it abstract="true")',
        );
        continue;
      }
      const def: Record<string, unknown> = {};
      if (c.node.attrs.shortDescription !== undefined) def.description = c.node.attrs.shortDescription;
      def.apid = layout.apid;
      const length = this.#packetLength(c.node);
      if (length !== undefined) def.length = length;
      def.entries = layout.entries.map((e) => ({ parameter: e.parameter, bitOffset: e.bitOffset }));
      out[c.flat] = def;
    }
    return out;
  }
}

/** Reads an XTCE document into the native model. Throws MdbError (ERR_MDB_PARSE, ERR_MDB_XTCE_UNSUPPORTED, ERR_MDB_INVALID). */
export function parseXtce(text: string, file: string, parseMdb: ParseMdb): Mdb {
  const root = parseXml(text, file);
  const x = new XtceImport();
  if (root.name !== 'SpaceSystem') {
    x.r.unsupported(root, 'is not an XTCE <SpaceSystem> root');
    throw new MdbError(MdbErrorCode.ERR_MDB_XTCE_UNSUPPORTED, file, x.r.issues);
  }
  x.collect(root, []);
  const header = root.children.find((c) => c.name === 'Header');
  if (header !== undefined)
    x.r.read(
      header,
      ['version', 'date', 'classification', 'classificationInstructions', 'validationStatus'],
      ['AuthorSet', 'NoteSet', 'HistorySet'],
    );
  const version = header?.attrs.version;
  if (version === undefined) x.r.invalid(header ?? root, 'needs a <Header version="…">');
  const { parameters, derived } = x.parameters();
  // Unused types are read too: a problem in one is still a problem in the file.
  for (const t of x.types.values()) x.readTypeOnce(t);
  const containers = x.containerDefs();
  const issues = x.r.issues;
  if (issues.length > 0) {
    const unsupported = issues.some((i) => i.rule === 'xtceUnsupported');
    throw new MdbError(
      unsupported ? MdbErrorCode.ERR_MDB_XTCE_UNSUPPORTED : MdbErrorCode.ERR_MDB_INVALID,
      file,
      issues,
    );
  }
  const doc: Record<string, unknown> = {
    name: root.attrs.name,
    version,
    parameters,
    derived,
    containers,
    limitLists: x.limitLists,
  };
  if (root.attrs.shortDescription !== undefined) doc.description = root.attrs.shortDescription;
  return parseMdb(doc, file);
}
