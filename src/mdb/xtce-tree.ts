// XTCE documents as a plain element tree, and the strict reading of it: every element and
// attribute the importer does not know is reported as an issue naming it, never skipped.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MdbError, MdbErrorCode, type MdbIssue } from './errors.ts';

export interface XNode {
  /** Local name (namespace prefix removed). */
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XNode[];
  /** Concatenated text content, trimmed. */
  readonly text: string;
  /** Where the element is, for messages: `/SpaceSystem[DEMO]/TelemetryMetaData/…`. */
  readonly path: string;
}

/** Elements that carry documentation only; accepted anywhere and not interpreted. */
const DOCUMENTATION = new Set(['LongDescription', 'AliasSet', 'AncillaryDataSet']);

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
});

type Raw = Record<string, unknown>;

/** Parses an XTCE document into its root element. Throws MdbError ERR_MDB_PARSE on malformed XML. */
export function parseXml(text: string, file: string): XNode {
  // Entity declarations can expand without bound ("billion laughs"); XTCE never needs them.
  if (/<!DOCTYPE/i.test(text)) {
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, [
      { path: '', rule: 'doctype', message: 'a DOCTYPE declaration is not accepted' },
    ]);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, [
      { path: '', rule: 'xml', message: `line ${line}, column ${col}: ${msg}` },
    ]);
  }
  let parsed: Raw[];
  try {
    parsed = parser.parse(text) as Raw[];
  } catch (err) {
    // What the validator lets through and the parser refuses: nesting beyond its bound (100).
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, [
      { path: '', rule: 'xml', message: (err as Error).message },
    ]);
  }
  const roots = parsed.filter((n) => !Object.keys(n).some((k) => k.startsWith('?')));
  if (roots.length !== 1) {
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, [
      { path: '', rule: 'xml', message: 'the document must have exactly one root element' },
    ]);
  }
  return toNode(roots[0]!, '');
}

function toNode(raw: Raw, parentPath: string): XNode {
  const name = Object.keys(raw).find((k) => k !== ':@')!;
  const attrs = (raw[':@'] as Record<string, string> | undefined) ?? {};
  const label = attrs.name === undefined ? name : `${name}[${attrs.name}]`;
  const path = `${parentPath}/${label}`;
  const children: XNode[] = [];
  const text: string[] = [];
  for (const c of raw[name] as Raw[]) {
    if (Object.hasOwn(c, '#text')) text.push(String(c['#text']));
    else children.push(toNode(c, path));
  }
  return { name, attrs, children, text: text.join(' ').trim(), path };
}

/** Collects issues while reading the tree, so an operator sees every problem at once. */
export class XtceReader {
  readonly issues: MdbIssue[] = [];

  /** Reports `node` as outside the supported subset. */
  unsupported(node: XNode, why = 'is not supported'): void {
    this.issues.push({ path: node.path, rule: 'xtceUnsupported', message: `<${node.name}> ${why}` });
  }

  invalid(node: XNode, message: string, attr?: string): void {
    const where = attr === undefined ? `<${node.name}>` : `<${node.name}> attribute ${attr}`;
    this.issues.push({ path: node.path, rule: 'xtceInvalid', message: `${where} ${message}` });
  }

  /**
   * Checks `node` against the attributes and child elements the importer interprets; reports
   * every other one (documentation elements are accepted). Returns the children by name.
   */
  read(node: XNode, attrs: readonly string[], children: readonly string[]): Map<string, XNode[]> {
    for (const a of Object.keys(node.attrs)) {
      if (a !== 'shortDescription' && !attrs.includes(a)) {
        this.issues.push({
          path: node.path,
          rule: 'xtceUnsupported',
          message: `<${node.name}> attribute ${a} is not supported`,
        });
      }
    }
    const out = new Map<string, XNode[]>();
    for (const c of node.children) {
      if (children.includes(c.name)) {
        const list = out.get(c.name);
        if (list === undefined) out.set(c.name, [c]);
        else list.push(c);
      } else if (!DOCUMENTATION.has(c.name)) this.unsupported(c);
    }
    return out;
  }

  /** The single child `name` (reporting duplicates), or undefined. */
  one(node: XNode, kids: Map<string, XNode[]>, name: string): XNode | undefined {
    const list = kids.get(name);
    if (list === undefined) return undefined;
    if (list.length > 1)
      this.invalid(node, `has ${list.length} <${name}> elements, at most one is supported`);
    return list[0];
  }

  /** A required attribute; reported when missing. */
  attr(node: XNode, name: string): string | undefined {
    const v = node.attrs[name];
    if (v === undefined) this.invalid(node, 'is required', name);
    return v;
  }

  /** A numeric attribute (or `fallback` when absent); reported when not a finite number. */
  number(node: XNode, name: string, fallback?: number): number | undefined {
    const v = node.attrs[name];
    if (v === undefined) {
      if (fallback === undefined) this.invalid(node, 'is required', name);
      return fallback;
    }
    const n = v.trim() === '' ? Number.NaN : Number(v);
    if (!Number.isFinite(n)) {
      this.invalid(node, `must be a number, not "${v}"`, name);
      return undefined;
    }
    return n;
  }

  /** A non-negative integer from an attribute or a text value. */
  count(node: XNode, text: string | undefined, what: string, fallback?: number): number | undefined {
    if (text === undefined) {
      if (fallback === undefined) this.invalid(node, 'is required', what);
      return fallback;
    }
    if (!/^[0-9]{1,9}$/.test(text.trim())) {
      this.invalid(node, `must be a whole number, not "${text}"`, what);
      return undefined;
    }
    return Number(text.trim());
  }

  /** An attribute from a fixed set of values (or `fallback`). */
  choice<T extends string>(node: XNode, name: string, allowed: readonly T[], fallback: T): T | undefined {
    const v = node.attrs[name];
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.issues.push({
      path: node.path,
      rule: 'xtceUnsupported',
      message: `<${node.name}> ${name}="${v}" is not supported (supported: ${allowed.join(', ')})`,
    });
    return undefined;
  }

  /** `scs.*` entries of a node's AncillaryDataSet, by name. */
  ancillary(node: XNode): Map<string, { node: XNode; text: string }> {
    const out = new Map<string, { node: XNode; text: string }>();
    for (const set of node.children) {
      if (set.name !== 'AncillaryDataSet') continue;
      for (const a of set.children) {
        const name = a.attrs.name;
        if (a.name === 'AncillaryData' && name?.startsWith('scs.')) out.set(name, { node: a, text: a.text });
      }
    }
    return out;
  }
}
