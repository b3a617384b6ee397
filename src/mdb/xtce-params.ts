// XTCE parameters → native parameter definitions: one per leaf with a usable encoding, derived ones
// (`scs.expression`), and ground parameters (no encoding: listed, no value from packets). A leaf
// whose type is unusable is left out and listed on the finding that says why.
import { NAME_PATTERN } from './schema.ts';
import { limitsOf } from './xtce-alarms.ts';
import { type Leaf, XtceModel } from './xtce-model.ts';
import type { Defined } from './xtce-scope.ts';

const NAME = new RegExp(NAME_PATTERN);

export interface ImportedParameters {
  parameters: Record<string, Record<string, unknown>>;
  derived: Record<string, Record<string, unknown>>;
  /** Parameters without a data encoding (ground, local or computed): known, but no packet carries them. */
  ground: string[];
}

const PROPERTIES = ['dataSource', 'readOnly', 'persistence'];
const PROPERTY_CHILDREN = ['SystemName', 'PhysicalAddressSet', 'TimeAssociation', 'ValidityCondition'];

export function importParameters(m: XtceModel): ImportedParameters {
  const out: ImportedParameters = { parameters: {}, derived: {}, ground: [] };
  const { r } = m;
  for (const p of m.params.values()) {
    const kids = r.read(p.node, ['name', 'parameterTypeRef', 'initialValue'], ['ParameterProperties']);
    for (const props of kids.get('ParameterProperties') ?? []) {
      const pk = r.read(props, PROPERTIES, PROPERTY_CHILDREN);
      for (const v of pk.get('ValidityCondition') ?? []) {
        r.unsupported(v, 'is not supported: the parameter’s samples are not flagged by it');
      }
    }
    for (const leaf of m.leaves(p)) importLeaf(m, p, leaf, out);
  }
  return out;
}

function importLeaf(m: XtceModel, p: Defined, leaf: Leaf, out: ImportedParameters): void {
  const { r } = m;
  const { type, name } = leaf;
  if (type.unusable !== undefined) {
    XtceModel.lose(type.unusable, name);
    return;
  }
  if (!NAME.test(name)) {
    XtceModel.lose(
      r.invalid(p.node, `gives the name "${name}", which is not an SCS parameter name: left out`),
      name,
    );
    return;
  }
  const def: Record<string, unknown> = {};
  const description = p.node.attrs.shortDescription;
  if (description !== undefined && description !== '') def.description = description.slice(0, 1024);
  if (type.unit !== undefined) def.unit = type.unit;
  // Alarm problems cost the limits, not the parameter: its values are still good.
  const before = r.findings.length;
  let limits = limitsOf(r, type, name, (node, ref) => m.paramRef(node, ref, p.scope));
  const problems = r.findings.slice(before).filter((f) => f.rule !== 'xtceIgnored');
  if (problems.length > 0) {
    limits = undefined;
    for (const f of problems) XtceModel.lose(f, `${name} (limits)`);
  }
  const expression = r.ancillary(p.node).get('scs.expression');
  if (expression !== undefined) {
    if (type.encoding !== undefined) {
      r.invalid(
        p.node,
        'is derived (scs.expression) but its type has a data encoding: the expression is used',
      );
    }
    out.derived[name] = { ...def, expression: expression.text, ...(limits === undefined ? {} : { limits }) };
    return;
  }
  if (type.encoding === undefined) {
    out.ground.push(name);
    return;
  }
  def.encoding = type.encoding;
  if (type.calibration !== undefined) def.calibration = type.calibration;
  if (limits !== undefined) def.limits = limits;
  out.parameters[name] = def;
}
