// The container rules (unique APIDs, entries and their locations, packet length) and ContainerModels.
import { endByte } from './bits.ts';
import type { ContainerModel, EntryModel } from './model.ts';
import { type Context, issue, pointer } from './resolve-context.ts';
import type { EncodingDef, FieldDef, PacketLengthDef } from './schema.ts';

function locationRules(
  ctx: Context,
  at: string,
  name: string,
  enc: EncodingDef,
  fields: readonly FieldDef[],
): void {
  const aligned = fields.every((f) => f.bitOffset % 8 === 0);
  if (fields.length > 1) {
    if (enc.type !== 'uint' && enc.type !== 'int') {
      issue(ctx, `${at}/fields`, name, 'concatenation', 'only uint and int parameters can be concatenated');
    }
    const total = fields.reduce((n, f) => n + f.bits, 0);
    if (total !== enc.bits) {
      issue(
        ctx,
        `${at}/fields`,
        name,
        'fieldBits',
        `field widths add up to ${total}, the encoding has ${enc.bits}`,
      );
    }
    if (enc.byteOrder === 'little') {
      issue(ctx, `${at}/fields`, name, 'byteOrder', 'concatenated fields are read big-endian');
    }
  } else if (!aligned && (enc.type === 'string' || enc.type === 'bytes' || enc.byteOrder === 'little')) {
    const what = enc.byteOrder === 'little' ? 'a little-endian value' : `a ${enc.type} parameter`;
    issue(ctx, `${at}/bitOffset`, name, 'byteAligned', `${what} must start on a byte boundary`);
  }
}

/** Every container with its entries resolved to parameter indices, checked. */
export function containerModels(ctx: Context): ContainerModel[] {
  const apids = new Map<number, string>();
  const out: ContainerModel[] = [];
  for (const [cname, c] of Object.entries(ctx.def.containers)) {
    const other = apids.get(c.apid);
    if (other !== undefined) {
      issue(
        ctx,
        pointer('containers', cname, 'apid'),
        undefined,
        'uniqueApid',
        `APID ${c.apid} is also "${other}"`,
      );
    }
    apids.set(c.apid, cname);
    const entries: EntryModel[] = [];
    c.entries.forEach((e, i) => {
      const at = pointer('containers', cname, 'entries', i);
      const param = e.parameter;
      const pdef = Object.hasOwn(ctx.def.parameters, param) ? ctx.def.parameters[param] : undefined;
      if (pdef === undefined) {
        const why = Object.hasOwn(ctx.def.derived, param) ? 'is a derived parameter' : 'is not defined';
        issue(ctx, `${at}/parameter`, param, 'unknownParameter', `"${param}" ${why}`);
        return;
      }
      if ((e.bitOffset === undefined) === (e.fields === undefined)) {
        issue(ctx, at, param, 'location', 'must have either bitOffset or fields');
        return;
      }
      const fields = e.fields ?? [{ bitOffset: e.bitOffset!, bits: pdef.encoding.bits }];
      locationRules(ctx, at, param, pdef.encoding, fields);
      entries.push({ param: ctx.byName.get(param)!, fields });
    });
    const length = packetLength(ctx, cname, c.length, entries);
    out.push({ name: cname, apid: c.apid, entries, length });
  }
  return out;
}

/** A container's packet length range: as declared, else from its first byte to its entries' end. */
function packetLength(
  ctx: Context,
  cname: string,
  def: PacketLengthDef | undefined,
  entries: readonly EntryModel[],
): ContainerModel['length'] {
  const extent = entries.reduce((n, e) => Math.max(n, endByte(e.fields)), 0);
  if (def === undefined) return { min: extent, max: Infinity };
  const at = pointer('containers', cname, 'length');
  // A range without a lower bound still needs the entries: shorter packets lose parameters.
  const min = typeof def === 'number' ? def : (def.min ?? extent);
  const max = typeof def === 'number' ? def : (def.max ?? Infinity);
  if (typeof def !== 'number' && min > max && def.min !== undefined) {
    issue(ctx, at, undefined, 'lengthRange', `min ${min} is above max ${max}`);
  }
  if (max < extent) {
    issue(ctx, at, undefined, 'lengthExtent', `the entries end at byte ${extent}, beyond the length ${max}`);
  }
  return { min, max };
}
