// XTCE sequence containers → native containers: entries laid out at absolute bit offsets (base
// containers' entries first, ContainerRefEntry content inline), the packet selected by the APID
// comparison of the restriction criteria. An entry SCS cannot place costs only what depends on it:
// itself, and the entries after it that are placed relative to it.
import { comparison } from './xtce-alarms.ts';
import { XtceModel } from './xtce-model.ts';
import { type Defined, qualified, resolveMember, resolveRef } from './xtce-scope.ts';
import { DOCUMENTATION, type Finding, type XNode } from './xtce-tree.ts';

interface Entry {
  readonly parameter: string;
  readonly bitOffset: number;
  readonly bits: number;
}

interface Layout {
  readonly entries: Entry[];
  /** The bit after the last entry; undefined when an entry of unknown size came before. */
  readonly end: number | undefined;
  /** Why `end` is unknown: what is placed after it is lost and listed there. */
  readonly cause?: Finding;
  readonly apid?: number;
  /** A restriction SCS cannot select packets by: the container and those deriving from it are not decoded. */
  readonly selector?: Finding;
}

const ENTRIES = [
  'ParameterRefEntry',
  'ContainerRefEntry',
  'ArrayParameterRefEntry',
  'ParameterSegmentRefEntry',
  'ContainerSegmentRefEntry',
  'StreamSegmentEntry',
  'IndirectParameterRefEntry',
];

/** Primary-header fields a telemetry restriction may name without selecting by them: version, type, secondary-header flag. */
const HEADER_FLAGS_END = 5;

export class ContainerLayouts {
  readonly #m: XtceModel;
  readonly #layouts = new Map<string, Layout | null>();
  readonly #busy = new Set<string>();

  constructor(m: XtceModel) {
    this.#m = m;
  }

  layout(c: Defined): Layout | null {
    const key = qualified(c.scope, c.node.attrs.name!);
    const known = this.#layouts.get(key);
    if (known !== undefined) return known;
    if (this.#busy.has(key)) {
      this.#m.r.invalid(c.node, 'contains or inherits from itself');
      return null;
    }
    this.#busy.add(key);
    const result = this.#layout(c);
    this.#busy.delete(key);
    this.#layouts.set(key, result);
    return result;
  }

  #container(node: XNode, scope: readonly string[], ref: string | undefined): Defined | undefined {
    if (ref === undefined) return undefined;
    const d = resolveRef(this.#m.containers, scope, ref);
    if (d === undefined) this.#m.r.invalid(node, `names an unknown container "${ref}"`, 'containerRef');
    else this.#m.referenced.add(qualified(d.scope, d.node.attrs.name!));
    return d;
  }

  #layout(c: Defined): Layout | null {
    const { r } = this.#m;
    const kids = r.read(
      c.node,
      ['name', 'abstract', 'idlePattern'],
      ['EntryList', 'BaseContainer', 'DefaultRateInStream', 'RateInStreamSet', 'BinaryEncoding'],
    );
    r.choice(c.node, 'abstract', ['true', 'false'], 'false');
    let entries: Entry[] = [];
    let end: number | undefined = 0;
    let cause: Finding | undefined;
    let apid: number | undefined;
    let selector: Finding | undefined;
    const base = r.one(c.node, kids, 'BaseContainer');
    if (base !== undefined) {
      const bk = r.read(base, ['containerRef'], ['RestrictionCriteria']);
      const parent = this.#container(base, c.scope, r.attr(base, 'containerRef'));
      const inherited = parent === undefined ? null : this.layout(parent);
      if (inherited === null) {
        XtceModel.lose(r.findings.at(-1), `container ${c.flat}`);
        return null;
      }
      ({ end, cause, apid, selector } = inherited);
      entries = [...inherited.entries];
      const criteria = r.one(base, bk, 'RestrictionCriteria');
      if (criteria !== undefined) {
        const s = this.#restriction(criteria, c.scope, entries);
        if (s.apid !== undefined) apid = s.apid;
        selector ??= s.selector;
      }
    }
    const list = r.one(c.node, kids, 'EntryList');
    // Every entry, known or not, in document order: an unknown one still takes its place.
    for (const e of list === undefined ? [] : list.children.filter((n) => !DOCUMENTATION.has(n.name))) {
      ({ end, cause } = this.#entry(c, e, entries, end, cause));
    }
    return {
      entries,
      end,
      ...(cause === undefined ? {} : { cause }),
      ...(apid === undefined ? {} : { apid }),
      ...(selector === undefined ? {} : { selector }),
    };
  }

  /** Places one entry; returns where the next one starts (undefined: unknown, and why). */
  #entry(
    c: Defined,
    e: XNode,
    entries: Entry[],
    end: number | undefined,
    cause: Finding | undefined,
  ): { end: number | undefined; cause: Finding | undefined } {
    const { r } = this.#m;
    const m = this.#m;
    if (e.name !== 'ParameterRefEntry' && e.name !== 'ContainerRefEntry') {
      const f = ENTRIES.includes(e.name)
        ? r.unsupported(e, 'is not supported: what follows it has no fixed place')
        : r.invalid(e, 'is not an XTCE entry: what follows it has no fixed place');
      return { end: undefined, cause: f };
    }
    const ek = r.read(
      e,
      ['parameterRef', 'containerRef'],
      ['LocationInContainerInBits', 'IncludeCondition', 'RepeatEntry', 'DimensionList', 'TimeAssociation'],
    );
    // Where the entry starts.
    let start = end;
    let startCause = cause;
    const loc = r.one(e, ek, 'LocationInContainerInBits');
    if (loc !== undefined) {
      const lk = r.read(loc, ['referenceLocation'], ['FixedValue', 'DynamicValue']);
      const from = r.choice(loc, 'referenceLocation', ['containerStart', 'previousEntry'], 'previousEntry');
      const v = r.one(loc, lk, 'FixedValue');
      const offset = v === undefined ? undefined : r.count(v, v.text, 'FixedValue');
      if (from === undefined || offset === undefined) {
        start = undefined;
        startCause = r.findings.at(-1);
        if (v === undefined)
          startCause = r.unsupported(
            loc,
            'without a <FixedValue> is not supported: the entry has no fixed place',
          );
      } else start = from === 'containerStart' ? offset : end === undefined ? undefined : end + offset;
    }
    const condition = r.one(e, ek, 'IncludeCondition');
    const repeat = r.one(e, ek, 'RepeatEntry');
    // What the entry holds: the leaves of a parameter, or another container's content.
    let items: Entry[] = [];
    let size: number | undefined = 0;
    let sizeCause: Finding | undefined;
    if (e.name === 'ContainerRefEntry') {
      const d = this.#container(e, c.scope, r.attr(e, 'containerRef'));
      const inner = d === undefined ? null : this.layout(d);
      if (inner === null) return { end: undefined, cause: r.findings.at(-1) };
      items = inner.entries;
      size = inner.end;
      sizeCause = inner.cause;
    } else {
      const ref = r.attr(e, 'parameterRef');
      const hit = ref === undefined ? undefined : resolveMember(m.params, c.scope, ref);
      const prefix = hit === undefined ? '' : `${hit.param.flat}${hit.suffix}`;
      const leaves =
        hit === undefined
          ? []
          : m
              .leaves(hit.param)
              .filter(
                (l) =>
                  hit.suffix === '' ||
                  l.name === prefix ||
                  l.name.startsWith(`${prefix}.`) ||
                  l.name.startsWith(`${prefix}[`),
              );
      if (leaves.length === 0) {
        const f =
          ref === undefined
            ? r.findings.at(-1)
            : r.invalid(e, `names an unknown parameter "${ref}"`, 'parameterRef');
        return { end: undefined, cause: f };
      }
      let at = 0;
      for (const leaf of leaves) {
        const bits = leaf.type.bits ?? leaf.type.encoding?.bits;
        if (bits === undefined) {
          size = undefined;
          sizeCause =
            leaf.type.unusable ??
            r.invalid(e, `"${leaf.name}" has no data encoding: nothing after it has a fixed place`);
          break;
        }
        if (leaf.type.encoding !== undefined && leaf.type.unusable === undefined) {
          items.push({ parameter: leaf.name, bitOffset: at, bits });
        }
        at += bits;
      }
      if (size !== undefined) size = at;
    }
    const lost = (f: Finding | undefined) => {
      for (const i of items) XtceModel.lose(f, `${i.parameter} in ${c.flat}`);
    };
    if (condition !== undefined || repeat !== undefined) {
      const f = r.unsupported(
        (condition ?? repeat)!,
        'is not supported: the entry is left out, and what follows it has no fixed place',
      );
      lost(f);
      return { end: undefined, cause: f };
    }
    if (start === undefined) {
      lost(startCause);
      return { end: undefined, cause: startCause };
    }
    for (const i of items)
      entries.push({ parameter: i.parameter, bitOffset: start + i.bitOffset, bits: i.bits });
    return size === undefined
      ? { end: undefined, cause: sizeCause }
      : { end: start + size, cause: undefined };
  }

  /** The APID a restriction selects, or the finding that says SCS cannot select packets by it. */
  #restriction(
    criteria: XNode,
    scope: readonly string[],
    entries: readonly Entry[],
  ): { apid?: number; selector?: Finding } {
    const { r } = this.#m;
    const ck = r.read(criteria, [], ['Comparison', 'ComparisonList', 'BooleanExpression', 'CustomAlgorithm']);
    const other = r.one(criteria, ck, 'BooleanExpression') ?? r.one(criteria, ck, 'CustomAlgorithm');
    if (other !== undefined)
      return { selector: r.unsupported(other, 'is not supported: packets are selected by APID comparisons') };
    const list = r.one(criteria, ck, 'ComparisonList');
    const comparisons =
      list === undefined
        ? (ck.get('Comparison') ?? [])
        : (r.read(list, [], ['Comparison']).get('Comparison') ?? []);
    let apid: number | undefined;
    for (const node of comparisons) {
      const cmp = comparison(r, criteria, new Map([['Comparison', [node]]]), (n, ref) =>
        this.#m.paramRef(n, ref, scope),
      );
      if (cmp === undefined) return { selector: r.findings.at(-1)! };
      const field = entries.find((e) => e.parameter === cmp.ref.name);
      if (field === undefined) {
        return {
          selector: r.unsupported(
            node,
            `on "${cmp.ref.name}" is not supported: it is not at a fixed place in the base containers`,
          ),
        };
      }
      const raw = this.#raw(cmp.ref.name, cmp.value, cmp.calibrated);
      if (field.bitOffset === 5 && field.bits === 11) {
        if (raw === undefined || !Number.isInteger(raw) || raw < 0 || raw > 2047) {
          return { selector: r.invalid(node, 'must be an APID (0–2047)', 'value') };
        }
        apid = raw;
      } else if (field.bitOffset + field.bits > HEADER_FLAGS_END) {
        return {
          selector: r.unsupported(
            node,
            `on "${cmp.ref.name}" (bits ${field.bitOffset}–${field.bitOffset + field.bits - 1}) is not supported: SCS selects a packet's container by its APID alone`,
          ),
        };
      }
    }
    return apid === undefined ? {} : { apid };
  }

  /** The raw value a comparison stands for: a state's or boolean's value, or the number itself. */
  #raw(name: string, value: number | string | boolean, calibrated: boolean): number | undefined {
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (!calibrated) return undefined;
    const cal = this.#m.leafNamed(name)?.type.calibration;
    if (cal?.type !== 'enumeration') return undefined;
    const hit = Object.entries(cal.states).find(([, label]) => label === value);
    return hit === undefined ? undefined : Number(hit[0]);
  }
}
