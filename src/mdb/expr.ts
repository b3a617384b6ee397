// Derived-parameter expressions: parsed once, type-checked against the parameters they read, and
// compiled into closures. Nothing but parameter values and the functions below is reachable.
import { ExpressionError } from './errors.ts';

export type ValueType = 'number' | 'string' | 'boolean';
export type Value = number | string | boolean;

/** What an identifier in an expression refers to; `bytes` parameters cannot be operands. */
export interface Operand {
  readonly index: number;
  readonly type: ValueType | 'bytes';
}

export interface CompiledExpression {
  readonly type: ValueType;
  /** Parameter indices read, ascending, without duplicates. */
  readonly inputs: readonly number[];
  /** Evaluates over the current engineering values, indexed by parameter index. */
  readonly evaluate: (values: readonly unknown[]) => Value;
}

/** Deepest nesting of an expression (each parenthesis counts about two). */
export const MAX_NESTING = 128;

type Fn = (values: readonly unknown[]) => Value;
type NumFn = (values: readonly unknown[]) => number;

interface Node {
  readonly type: ValueType;
  readonly fn: Fn;
}

interface MathFunction {
  readonly min: number;
  readonly max: number;
  readonly apply: (args: readonly number[]) => number;
}

const unary = (f: (x: number) => number): MathFunction => ({ min: 1, max: 1, apply: (a) => f(a[0]!) });
const binary = (f: (x: number, y: number) => number): MathFunction => ({
  min: 2,
  max: 2,
  apply: (a) => f(a[0]!, a[1]!),
});

/** A null-prototype table, so `constructor` or `__proto__` are not functions. */
const FUNCTIONS: Readonly<Record<string, MathFunction>> = Object.assign(Object.create(null), {
  abs: unary(Math.abs),
  sqrt: unary(Math.sqrt),
  cbrt: unary(Math.cbrt),
  exp: unary(Math.exp),
  ln: unary(Math.log),
  log10: unary(Math.log10),
  log2: unary(Math.log2),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tan: unary(Math.tan),
  asin: unary(Math.asin),
  acos: unary(Math.acos),
  atan: unary(Math.atan),
  sinh: unary(Math.sinh),
  cosh: unary(Math.cosh),
  tanh: unary(Math.tanh),
  floor: unary(Math.floor),
  ceil: unary(Math.ceil),
  round: unary(Math.round),
  trunc: unary(Math.trunc),
  sign: unary(Math.sign),
  deg: unary((x) => (x * 180) / Math.PI),
  rad: unary((x) => (x * Math.PI) / 180),
  atan2: binary(Math.atan2),
  pow: binary(Math.pow),
  hypot: { min: 2, max: 16, apply: (a: readonly number[]) => Math.hypot(...a) },
  min: { min: 1, max: 16, apply: (a: readonly number[]) => Math.min(...a) },
  max: { min: 1, max: 16, apply: (a: readonly number[]) => Math.max(...a) },
  clamp: { min: 3, max: 3, apply: (a: readonly number[]) => Math.min(Math.max(a[0]!, a[1]!), a[2]!) },
  pi: { min: 0, max: 0, apply: () => Math.PI },
});

type TokenKind = 'number' | 'string' | 'name' | 'op' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const OPERATORS = [
  '**',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '?',
  ':',
  '(',
  ')',
  ',',
];
const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const rest = src.slice(i);
    const num = NUMBER.exec(rest);
    if (num !== null) {
      tokens.push({ kind: 'number', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = NAME.exec(rest);
    if (id !== null) {
      tokens.push({ kind: 'name', text: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw new ExpressionError(i, 'unterminated string');
      tokens.push({ kind: 'string', text: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new ExpressionError(i, `unexpected character ${JSON.stringify(c)}`);
    tokens.push({ kind: 'op', text: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', text: '', pos: src.length });
  return tokens;
}

const describe = (t: Token): string => (t.kind === 'end' ? 'end of expression' : JSON.stringify(t.text));

/**
 * Compiles `source`. Grammar, loosest first: `c ? a : b`, `||`, `&&`, `== !=`, `< <= > >=`, `+ -`,
 * `* / %`, unary `- + !`, `**` (right-associative), then numbers, "strings", true, false,
 * parameter names and function calls. Throws ExpressionError with the offending position.
 */
export function compileExpression(
  source: string,
  resolve: (name: string, position: number) => Operand | undefined,
): CompiledExpression {
  const tokens = tokenize(source);
  const inputs = new Set<number>();
  let k = 0;
  const peek = (): Token => tokens[k]!;
  const isOp = (text: string): boolean => peek().kind === 'op' && peek().text === text;
  const expect = (text: string): void => {
    if (!isOp(text)) throw new ExpressionError(peek().pos, `expected '${text}', found ${describe(peek())}`);
    k++;
  };
  // Every nesting (parenthesis, call argument, unary operator, `**`, `?:`) recurses here at load
  // and in the compiled closures at every evaluation: bounded, so a deep expression is a load
  // error with its position, never a stack overflow on the acquisition thread.
  let depth = 0;
  const nest = <T>(at: Token, parse: () => T): T => {
    if (++depth > MAX_NESTING) {
      throw new ExpressionError(at.pos, `nested more than ${MAX_NESTING} levels deep`);
    }
    try {
      return parse();
    } finally {
      depth--;
    }
  };
  const need = (node: Node, type: ValueType, at: Token, what: string): void => {
    if (node.type !== type)
      throw new ExpressionError(at.pos, `${what} needs ${type} operands, not ${node.type}`);
  };

  const conditional = (): Node => nest(peek(), conditionalAt);
  const conditionalAt = (): Node => {
    const cond = or();
    if (!isOp('?')) return cond;
    const at = peek();
    k++;
    need(cond, 'boolean', at, "'?'");
    const yes = conditional();
    const colon = peek();
    expect(':');
    const no = conditional();
    if (yes.type !== no.type) {
      throw new ExpressionError(
        colon.pos,
        `both branches must have one type, not ${yes.type} and ${no.type}`,
      );
    }
    const c = cond.fn;
    const a = yes.fn;
    const b = no.fn;
    return { type: yes.type, fn: (v) => (c(v) ? a(v) : b(v)) };
  };

  const logical = (op: '||' | '&&', next: () => Node) => (): Node => {
    let left = next();
    while (isOp(op)) {
      const at = peek();
      k++;
      const right = next();
      need(left, 'boolean', at, `'${op}'`);
      need(right, 'boolean', at, `'${op}'`);
      const l = left.fn;
      const r = right.fn;
      left = { type: 'boolean', fn: op === '||' ? (v) => l(v) || r(v) : (v) => l(v) && r(v) };
    }
    return left;
  };

  const equality = (): Node => {
    let left = relational();
    while (isOp('==') || isOp('!=')) {
      const at = peek();
      k++;
      const right = relational();
      if (left.type !== right.type) {
        throw new ExpressionError(at.pos, `cannot compare ${left.type} with ${right.type}`);
      }
      const l = left.fn;
      const r = right.fn;
      left = { type: 'boolean', fn: at.text === '==' ? (v) => l(v) === r(v) : (v) => l(v) !== r(v) };
    }
    return left;
  };

  const RELATIONS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
    '<': (a, b) => a < b,
    '<=': (a, b) => a <= b,
    '>': (a, b) => a > b,
    '>=': (a, b) => a >= b,
  };
  const relational = (): Node => {
    let left = additive();
    while (peek().kind === 'op' && Object.hasOwn(RELATIONS, peek().text)) {
      const at = peek();
      k++;
      const right = additive();
      need(left, 'number', at, `'${at.text}'`);
      need(right, 'number', at, `'${at.text}'`);
      const l = left.fn as NumFn;
      const r = right.fn as NumFn;
      const rel = RELATIONS[at.text]!;
      left = { type: 'boolean', fn: (v) => rel(l(v), r(v)) };
    }
    return left;
  };

  const ARITHMETIC: Readonly<Record<string, (l: NumFn, r: NumFn) => NumFn>> = {
    '+': (l, r) => (v) => l(v) + r(v),
    '-': (l, r) => (v) => l(v) - r(v),
    '*': (l, r) => (v) => l(v) * r(v),
    '/': (l, r) => (v) => l(v) / r(v),
    '%': (l, r) => (v) => l(v) % r(v),
  };
  const arithmetic = (next: () => Node, ops: readonly string[]) => (): Node => {
    let left = next();
    while (peek().kind === 'op' && ops.includes(peek().text)) {
      const at = peek();
      k++;
      const right = next();
      need(left, 'number', at, `'${at.text}'`);
      need(right, 'number', at, `'${at.text}'`);
      left = { type: 'number', fn: ARITHMETIC[at.text]!(left.fn as NumFn, right.fn as NumFn) };
    }
    return left;
  };
  const prefix = (): Node => nest(peek(), prefixAt);
  const prefixAt = (): Node => {
    const at = peek();
    if (isOp('-') || isOp('+')) {
      k++;
      const operand = prefix();
      need(operand, 'number', at, `unary '${at.text}'`);
      const f = operand.fn as NumFn;
      return at.text === '-' ? { type: 'number', fn: (v) => -f(v) } : operand;
    }
    if (isOp('!')) {
      k++;
      const operand = prefix();
      need(operand, 'boolean', at, "'!'");
      const f = operand.fn;
      return { type: 'boolean', fn: (v) => !f(v) };
    }
    return power();
  };
  const multiplicative = arithmetic(prefix, ['*', '/', '%']);
  const additive = arithmetic(multiplicative, ['+', '-']);

  const power = (): Node => {
    const base = primary();
    if (!isOp('**')) return base;
    const at = peek();
    k++;
    const exponent = prefix();
    need(base, 'number', at, "'**'");
    need(exponent, 'number', at, "'**'");
    const b = base.fn as NumFn;
    const e = exponent.fn as NumFn;
    return { type: 'number', fn: (v) => b(v) ** e(v) };
  };

  const primary = (): Node => {
    const t = peek();
    if (t.kind === 'number') {
      k++;
      const n = Number(t.text);
      return { type: 'number', fn: () => n };
    }
    if (t.kind === 'string') {
      k++;
      const s = t.text;
      return { type: 'string', fn: () => s };
    }
    if (isOp('(')) {
      k++;
      const inner = conditional();
      expect(')');
      return inner;
    }
    if (t.kind !== 'name') throw new ExpressionError(t.pos, `expected a value, found ${describe(t)}`);
    k++;
    if (isOp('(')) return call(t);
    if (t.text === 'true' || t.text === 'false') {
      const b = t.text === 'true';
      return { type: 'boolean', fn: () => b };
    }
    const operand = resolve(t.text, t.pos);
    if (operand === undefined) throw new ExpressionError(t.pos, `unknown parameter "${t.text}"`);
    if (operand.type === 'bytes') {
      throw new ExpressionError(t.pos, `parameter "${t.text}" holds raw bytes and cannot be an operand`);
    }
    inputs.add(operand.index);
    const i = operand.index;
    return { type: operand.type, fn: (v) => v[i] as Value };
  };

  const call = (name: Token): Node => {
    const f = FUNCTIONS[name.text];
    if (f === undefined) throw new ExpressionError(name.pos, `unknown function "${name.text}"`);
    k++;
    const args: NumFn[] = [];
    if (!isOp(')')) {
      for (;;) {
        const at = peek();
        const arg = conditional();
        need(arg, 'number', at, `function "${name.text}"`);
        args.push(arg.fn as NumFn);
        if (!isOp(',')) break;
        k++;
      }
    }
    expect(')');
    if (args.length < f.min || args.length > f.max) {
      const wanted = f.min === f.max ? `${f.min}` : `${f.min} to ${f.max}`;
      throw new ExpressionError(
        name.pos,
        `function "${name.text}" takes ${wanted} arguments, not ${args.length}`,
      );
    }
    const apply = f.apply;
    if (args.length === 1) {
      const a = args[0]!;
      return { type: 'number', fn: (v) => apply([a(v)]) };
    }
    return { type: 'number', fn: (v) => apply(args.map((a) => a(v))) };
  };

  const or = logical('||', logical('&&', equality));
  const root = conditional();
  if (peek().kind !== 'end') throw new ExpressionError(peek().pos, `unexpected ${describe(peek())}`);
  return { type: root.type, inputs: [...inputs].sort((a, b) => a - b), evaluate: root.fn };
}
