// The names an XTCE tree defines (types, parameters, containers) and XTCE's reference rules:
// absolute `/Root/Child/NAME`, relative `../Child/NAME`, or a bare name searched from the referring
// SpaceSystem up to the root.
import type { XNode } from './xtce-tree.ts';

export interface Defined {
  readonly node: XNode;
  /** SpaceSystem names from the root. */
  readonly scope: readonly string[];
  /** Flattened name: the SpaceSystem path below the root, then the element's name, joined by dots. */
  readonly flat: string;
}

export const qualified = (scope: readonly string[], name: string): string => `/${[...scope, name].join('/')}`;

/** XTCE name resolution in one of the maps: absolute path, relative path, or a bare name searched upwards. */
export function resolveRef(
  map: Map<string, Defined>,
  from: readonly string[],
  ref: string,
): Defined | undefined {
  if (ref.startsWith('/')) return map.get(ref);
  const parts = ref.split('/');
  if (parts.length > 1) {
    // Relative to the referring SpaceSystem, else (as Yamcs does, and files rely on) to each of its ancestors.
    const dotted = parts[0] === '..' || parts[0] === '.';
    for (let n = from.length; n >= (dotted ? from.length : 1); n--) {
      const path = from.slice(0, n);
      for (const p of parts.slice(0, -1)) {
        if (p === '..') path.pop();
        else if (p !== '.') path.push(p);
      }
      const hit = map.get(qualified(path, parts.at(-1)!));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  for (let n = from.length; n >= 1; n--) {
    const hit = map.get(qualified(from.slice(0, n), ref));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/**
 * A reference to a parameter or to a member of one: `PKT_ID/APID` or `PKT_ID.APID` (XTCE 1.2 member
 * paths), resolved to the parameter and the member suffix of its flattened leaf name (`.APID`).
 */
export function resolveMember(
  map: Map<string, Defined>,
  from: readonly string[],
  ref: string,
): { param: Defined; suffix: string } | undefined {
  const whole = resolveRef(map, from, ref);
  if (whole !== undefined) return { param: whole, suffix: '' };
  for (const sep of ['/', '.']) {
    const parts = ref.split(sep);
    for (let k = parts.length - 1; k >= 1; k--) {
      const head = sep === '/' ? parts.slice(0, k).join('/') : `${parts.slice(0, k).join('.')}`;
      const p = resolveRef(map, from, head);
      if (p !== undefined)
        return {
          param: p,
          suffix: parts
            .slice(k)
            .map((m) => `.${m}`)
            .join(''),
        };
    }
  }
  return undefined;
}
