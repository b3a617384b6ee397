// XTCE documents as a plain element tree with line numbers, and the lenient reading of it: every
// element or attribute the importer does not use is a finding (file, line, element path, what is
// lost), never a silent skip; only what truly depends on an unusable element is left out.
import { MdbError, MdbErrorCode } from './errors.ts';
import { parseXmlText, type XmlElement, XmlSyntaxError } from './xml.ts';

export interface XNode {
  /** Local name (namespace prefix removed). */
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XNode[];
  /** Concatenated text content, trimmed. */
  readonly text: string;
  /** Where the element is, for messages: `/SpaceSystem[DEMO]/TelemetryMetaData/…`. */
  readonly path: string;
  /** 1-based line of the element's start tag. */
  readonly line: number;
}

/** Elements that carry documentation only; accepted anywhere and not interpreted. */
export const DOCUMENTATION = new Set(['LongDescription', 'AliasSet', 'AncillaryDataSet']);
/** XML Schema instance attributes (`xsi:schemaLocation`, `xsi:nil`…): about the document, not telemetry. */
const XSI = new Set(['schemaLocation', 'noNamespaceSchemaLocation', 'nil']);

/** Parses an XTCE document into its root element. Throws MdbError ERR_MDB_PARSE on malformed XML. */
export function parseXml(text: string, file: string): XNode {
  // Entity declarations can expand without bound ("billion laughs"); XTCE never needs them.
  if (/<!DOCTYPE/i.test(text)) {
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, [
      { path: '', rule: 'doctype', message: 'a DOCTYPE declaration is not accepted' },
    ]);
  }
  let root: XmlElement;
  try {
    root = parseXmlText(text);
  } catch (err) {
    if (!(err instanceof XmlSyntaxError)) throw err;
    throw new MdbError(MdbErrorCode.ERR_MDB_PARSE, file, [
      { path: '', rule: 'xml', message: err.message, line: err.line },
    ]);
  }
  return toNode(root, '');
}

function toNode(el: XmlElement, parentPath: string): XNode {
  const { name, attrs } = el;
  const label = attrs.name === undefined ? name : `${name}[${attrs.name}]`;
  const path = `${parentPath}/${label}`;
  const children = el.children.map((c) => toNode(c, path));
  return { name, attrs, children, text: el.text, path, line: el.line };
}

/**
 * One thing the importer cannot use. `lost` lists the parameters and containers left out because
 * of it (filled in as they are found, so one root cause is one message, not one per dependant).
 */
export interface Finding {
  readonly path: string;
  readonly line: number;
  /** `xtceUnsupported` (exists in XTCE, not in SCS), `xtceIgnored` (no telemetry meaning lost), `xtceInvalid`. */
  readonly rule: string;
  readonly message: string;
  readonly lost: string[];
}

/** Collects findings while reading the tree, so an operator sees every problem at once. */
export class XtceReader {
  readonly findings: Finding[] = [];

  #add(node: XNode, rule: string, message: string): Finding {
    const f: Finding = { path: node.path, line: node.line, rule, message, lost: [] };
    this.findings.push(f);
    return f;
  }

  /** `node` exists in XTCE but SCS cannot use it; `what` says what that costs. */
  unsupported(node: XNode, what = 'is not supported'): Finding {
    return this.#add(node, 'xtceUnsupported', `<${node.name}> ${what}`);
  }

  invalid(node: XNode, message: string, attr?: string): Finding {
    const where = attr === undefined ? `<${node.name}>` : `<${node.name}> attribute ${attr}`;
    return this.#add(node, 'xtceInvalid', `${where} ${message}`);
  }

  /**
   * Checks `node` against the attributes and child elements the importer interprets; every other
   * one is a finding (ignored; documentation elements and xsi attributes silently). Returns the
   * children by name.
   */
  read(node: XNode, attrs: readonly string[], children: readonly string[]): Map<string, XNode[]> {
    for (const a of Object.keys(node.attrs)) {
      if (a !== 'shortDescription' && !attrs.includes(a) && !XSI.has(a)) {
        this.#add(node, 'xtceIgnored', `<${node.name}> attribute ${a} is not supported: ignored`);
      }
    }
    const out = new Map<string, XNode[]>();
    for (const c of node.children) {
      if (children.includes(c.name)) {
        const list = out.get(c.name);
        if (list === undefined) out.set(c.name, [c]);
        else list.push(c);
      } else if (!DOCUMENTATION.has(c.name))
        this.#add(c, 'xtceIgnored', `<${c.name}> is not supported: ignored`);
    }
    return out;
  }

  /** The single child `name` (reporting duplicates), or undefined. */
  one(node: XNode, kids: Map<string, XNode[]>, name: string): XNode | undefined {
    const list = kids.get(name);
    if (list === undefined) return undefined;
    if (list.length > 1) this.invalid(node, `has ${list.length} <${name}> elements: the first is used`);
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

  /**
   * An attribute from a fixed set of values (or `fallback`); `aliases` maps spellings real files
   * use (XTCE 1.0's `twosCompliment`, `IEEE-754`) to the value they mean.
   */
  choice<T extends string>(
    node: XNode,
    name: string,
    allowed: readonly T[],
    fallback: T,
    aliases: Readonly<Record<string, T>> = {},
  ): T | undefined {
    const v = node.attrs[name];
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    if (Object.hasOwn(aliases, v)) return aliases[v];
    this.#add(
      node,
      'xtceUnsupported',
      `<${node.name}> ${name}="${v}" is not supported (supported: ${allowed.join(', ')})`,
    );
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
