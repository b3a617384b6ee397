// The XTCE tree's definitions, collected SpaceSystem by SpaceSystem, and their types resolved once
// (each problem reported once, at its root cause). Parameters of aggregate and array types are
// their leaves: `POS.x`, `TEMPS[3]`.
import type { ParamRef } from './xtce-alarms.ts';
import { type Defined, qualified, resolveMember, resolveRef } from './xtce-scope.ts';
import { type Finding, type XNode, XtceReader } from './xtce-tree.ts';
import { readType, TYPE_KINDS, UNSUPPORTED_TYPES, type XType } from './xtce-types.ts';

/** One leaf of a parameter: the parameter itself, or a member/element of an aggregate/array. */
export interface Leaf {
  readonly name: string;
  readonly type: XType;
}

/** Elements under TelemetryMetaData that SCS does not use, with what that costs. */
const TM_UNUSED: Readonly<Record<string, string>> = {
  StreamSet: 'is not used: SCS receives packets through its own links',
  AlgorithmSet: 'is not supported: its algorithms are not run (their output parameters get no value)',
  MessageSet: 'is not supported: packets are selected by their containers’ restrictions',
};

export class XtceModel {
  readonly r = new XtceReader();
  readonly types = new Map<string, Defined>();
  readonly params = new Map<string, Defined>();
  readonly containers = new Map<string, Defined>();
  /** Containers named by a ContainerRefEntry or a BaseContainer: parts of packets, not packets. */
  readonly referenced = new Set<string>();
  readonly #typeCache = new Map<string, XType | null>();
  readonly #busy = new Set<string>();
  readonly #paramTypes = new Map<Defined, XType | null>();
  limitLists: Record<string, string[]> = {};
  commands = 0;

  collect(node: XNode, scope: readonly string[]): void {
    const kids = this.r.read(
      node,
      ['name', 'operationalStatus', 'base'],
      ['Header', 'TelemetryMetaData', 'CommandMetaData', 'SpaceSystem', 'ServiceSet'],
    );
    const name = this.r.attr(node, 'name') ?? '?';
    const here = [...scope, name];
    for (const cmd of kids.get('CommandMetaData') ?? []) this.#commands(cmd);
    for (const tm of kids.get('TelemetryMetaData') ?? []) {
      const t = this.r.read(
        tm,
        [],
        ['ParameterTypeSet', 'ParameterSet', 'ContainerSet', ...Object.keys(TM_UNUSED)],
      );
      for (const [el, why] of Object.entries(TM_UNUSED)) {
        const n = t.get(el)?.[0];
        if (n !== undefined) this.r.unsupported(n, why);
      }
      for (const typeSet of t.get('ParameterTypeSet') ?? []) {
        const known = [...Object.keys(TYPE_KINDS), ...UNSUPPORTED_TYPES];
        for (const list of this.r.read(typeSet, [], known).values()) {
          for (const n of list) this.#define(this.types, n, here);
        }
      }
      for (const paramSet of t.get('ParameterSet') ?? []) {
        for (const n of this.r.read(paramSet, [], ['Parameter']).get('Parameter') ?? [])
          this.#define(this.params, n, here);
      }
      for (const containerSet of t.get('ContainerSet') ?? []) {
        const list = this.r.read(containerSet, [], ['SequenceContainer']).get('SequenceContainer') ?? [];
        for (const n of list) this.#define(this.containers, n, here);
      }
    }
    for (const [key, a] of this.r.ancillary(node)) {
      if (!key.startsWith('scs.limitList.')) continue;
      this.limitLists[key.slice('scs.limitList.'.length)] = a.text.split(/\s+/).filter((s) => s !== '');
    }
    for (const child of kids.get('SpaceSystem') ?? []) this.collect(child, here);
  }

  /** The command part: counted for the one finding that says it is not imported. */
  #commands(node: XNode): void {
    for (const set of node.children) {
      if (set.name === 'MetaCommandSet')
        this.commands += set.children.filter((c) => c.name === 'MetaCommand').length;
    }
    this.r.unsupported(node, 'is not imported: SCS decodes telemetry, its commands are not in the model');
  }

  #define(map: Map<string, Defined>, node: XNode, scope: readonly string[]): void {
    const name = this.r.attr(node, 'name');
    if (name === undefined) return;
    const key = qualified(scope, name);
    if (map.has(key)) {
      this.r.invalid(node, `"${name}" is defined twice in this SpaceSystem: the first is used`);
      return;
    }
    map.set(key, { node, scope, flat: [...scope.slice(1), name].join('.') });
  }

  /** A type, read once (its problems reported once); a type referring to itself is unusable. */
  readTypeOnce(t: Defined): XType | undefined {
    const key = qualified(t.scope, t.node.attrs.name!);
    if (this.#typeCache.has(key)) return this.#typeCache.get(key) ?? undefined;
    if (this.#busy.has(key)) {
      return { kind: 'aggregate', unusable: this.r.invalid(t.node, 'contains itself') };
    }
    this.#busy.add(key);
    const type = readType(this.r, t.node, (from, ref, attr) => {
      const d = resolveRef(this.types, t.scope, ref);
      if (d === undefined) {
        this.r.invalid(from, `names an unknown type "${ref}"`, attr);
        return undefined;
      }
      return this.readTypeOnce(d);
    });
    this.#busy.delete(key);
    this.#typeCache.set(key, type ?? null);
    return type;
  }

  /** A parameter's type, resolved once; undefined when the reference is broken (reported). */
  typeOf(p: Defined): XType | undefined {
    if (this.#paramTypes.has(p)) return this.#paramTypes.get(p) ?? undefined;
    const ref = this.r.attr(p.node, 'parameterTypeRef');
    const t = ref === undefined ? undefined : resolveRef(this.types, p.scope, ref);
    let type: XType | undefined;
    if (ref !== undefined && t === undefined) {
      // A broken reference is the parameter's own root cause: it is left out, listed there.
      const f = this.r.invalid(p.node, `names an unknown type "${ref}"`, 'parameterTypeRef');
      type = { kind: 'integer', unusable: f };
    } else if (t !== undefined) type = this.readTypeOnce(t);
    this.#paramTypes.set(p, type ?? null);
    return type;
  }

  /** The leaves of a parameter, in wire order. */
  leaves(p: Defined): Leaf[] {
    const type = this.typeOf(p);
    if (type === undefined) return [];
    const out: Leaf[] = [];
    const walk = (name: string, t: XType): void => {
      if (t.members === undefined || t.unusable !== undefined) out.push({ name, type: t });
      else for (const m of t.members) walk(`${name}${m.suffix}`, m.type);
    };
    walk(p.flat, type);
    return out;
  }

  #leafMap: Map<string, Leaf> | undefined;

  /** A leaf by its flattened name (the map is built once, after collection). */
  leafNamed(name: string): Leaf | undefined {
    if (this.#leafMap === undefined) {
      this.#leafMap = new Map();
      for (const p of this.params.values()) for (const l of this.leaves(p)) this.#leafMap.set(l.name, l);
    }
    return this.#leafMap.get(name);
  }

  /** Resolves a parameter (or member) reference to its leaf; undefined when it does not exist (reported). */
  leafRef(node: XNode, ref: string, scope: readonly string[], attr = 'parameterRef'): Leaf | undefined {
    const hit = resolveMember(this.params, scope, ref);
    const leaf =
      hit === undefined
        ? undefined
        : this.leaves(hit.param).find((l) => l.name === `${hit.param.flat}${hit.suffix}`);
    if (leaf === undefined) this.r.invalid(node, `names an unknown parameter "${ref}"`, attr);
    return leaf;
  }

  /** A reference as the alarm and restriction readers see it: the leaf name and how its values compare. */
  paramRef = (node: XNode, ref: string, scope: readonly string[]): ParamRef | undefined => {
    const leaf = this.leafRef(node, ref, scope);
    if (leaf === undefined) return undefined;
    const t = leaf.type;
    const kind =
      t.kind === 'time'
        ? 'float'
        : t.kind === 'boolean' && t.calibration?.type === 'enumeration'
          ? 'enumerated'
          : t.kind;
    return { name: leaf.name, kind };
  };

  /** Adds a left-out element to the finding that caused it. */
  static lose(cause: Finding | undefined, what: string): void {
    if (cause !== undefined && !cause.lost.includes(what)) cause.lost.push(what);
  }
}
