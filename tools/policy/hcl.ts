/**
 * A small evaluator for the Terraform expressions that appear in a plan's
 * `configuration` section.
 *
 * For a configuration written in JSON syntax (everything CDKTF synthesizes),
 * `terraform show -json` reports each attribute's `constant_value` as the raw
 * string template, e.g.
 * `${jsonencode({"Statement" = [{"Resource" = [aws_secretsmanager_secret.db.arn]}]})}`.
 * Values that depend on other resources (ARNs, ids) are unknown at plan time,
 * so the planned `after` value of such an attribute is unknown as a whole. By
 * evaluating the template here, with every reference resolved from the plan
 * where it is known and kept as an {@link Unknown} leaf where it is not, the
 * policy rules still see the structure: which actions a policy allows and
 * whether its resources are literal `"*"` or references to specific ARNs.
 *
 * Supported: string templates with `${...}` interpolation, literals, tuples,
 * objects, references (`type.name.attr`, `var.x`, indexes), parentheses,
 * conditionals, arithmetic/comparison/logic operators, and the functions
 * jsonencode, tostring/tonumber/tobool/tolist/toset/tomap, concat, merge,
 * join, lower, upper. Anything else (for expressions, splats, template
 * directives, other functions) evaluates to an {@link Unknown} that carries
 * the references found so far, which is always safe: a rule that meets an
 * unknown value reports it as unverified instead of guessing.
 */

/** A value Terraform only knows after apply (or that this evaluator cannot compute). */
export class Unknown {
  constructor(
    /** References (`aws_iam_role.role.arn`) the value depends on, deduplicated. */
    public readonly references: readonly string[] = [],
    /**
     * For `jsonencode(x)` where `x` is partly unknown: the evaluated `x`, with
     * {@link Unknown} leaves. Lets a rule inspect a policy document whose
     * resource ARNs are not known yet.
     */
    public readonly encoded?: unknown,
  ) {}
}

/** True when `v` is an {@link Unknown}. */
export function isUnknown(v: unknown): v is Unknown {
  return v instanceof Unknown;
}

/** True when `v` contains no {@link Unknown} anywhere. */
export function isFullyKnown(v: unknown): boolean {
  if (v instanceof Unknown) return false;
  if (Array.isArray(v)) return v.every(isFullyKnown);
  if (v !== null && typeof v === "object") return Object.values(v).every(isFullyKnown);
  return true;
}

/** Every reference mentioned by the {@link Unknown}s inside `v`. */
export function referencesIn(v: unknown): string[] {
  const out = new Set<string>();
  const walk = (x: unknown): void => {
    if (x instanceof Unknown) {
      x.references.forEach((r) => out.add(r));
      if (x.encoded !== undefined) walk(x.encoded);
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === "object") Object.values(x).forEach(walk);
  };
  walk(v);
  return [...out];
}

/** One step of a reference: an attribute name or an index. */
export type TraversalStep = string | number;

/**
 * Resolves a reference such as `["aws_s3_bucket", "state", "id"]` to its
 * value, or to an {@link Unknown} when it is not known at plan time.
 */
export type Resolver = (traversal: readonly TraversalStep[]) => unknown;

/** Render a traversal as Terraform writes it: `aws_x.y.attr[0]`. */
export function traversalText(steps: readonly TraversalStep[]): string {
  return steps.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

class ParseError extends Error {}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_-]/;

/**
 * Evaluate a configuration `constant_value`: strings are templates, arrays and
 * objects are walked so templates nested inside them are evaluated too.
 */
export function evaluateConstant(value: unknown, resolve: Resolver): unknown {
  if (typeof value === "string") return evaluateTemplate(value, resolve);
  if (Array.isArray(value)) return value.map((v) => evaluateConstant(v, resolve));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateConstant(v, resolve)]));
  }
  return value;
}

/**
 * Evaluate a string template (`"prefix-${expr}"`). A template that is a
 * single interpolation yields the expression's own value (a list stays a
 * list), as in Terraform.
 */
export function evaluateTemplate(text: string, resolve: Resolver): unknown {
  if (!text.includes("${") && !text.includes("%{")) return text;
  const parser = new Parser(text, resolve);
  try {
    const v = parser.template(null);
    if (parser.pos !== text.length) throw new ParseError("trailing input");
    return v;
  } catch (e) {
    if (e instanceof ParseError) return new Unknown(parser.seen);
    throw e;
  }
}

/** Recursive-descent parser that evaluates while it parses. */
class Parser {
  pos = 0;
  /** References met so far (reported when parsing gives up). */
  readonly seen: string[] = [];

  constructor(
    private readonly src: string,
    private readonly resolve: Resolver,
  ) {}

  /** Template up to `end` (`"` inside an expression) or the end of input. */
  template(end: '"' | null): unknown {
    const parts: unknown[] = [];
    let lit = "";
    const src = this.src;
    for (;;) {
      if (this.pos >= src.length) {
        if (end !== null) throw new ParseError("unterminated string");
        break;
      }
      const c = src[this.pos];
      if (end !== null && c === end) {
        this.pos++;
        break;
      }
      if ((c === "$" || c === "%") && src[this.pos + 1] === c && src[this.pos + 2] === "{") {
        lit += `${c}{`; // $${ and %%{ escape a literal ${ / %{
        this.pos += 3;
      } else if (c === "$" && src[this.pos + 1] === "{") {
        this.pos += 2;
        this.skipWs();
        if (src[this.pos] === "~") this.pos++;
        if (lit) parts.push(lit);
        lit = "";
        parts.push(this.expression());
        this.skipWs();
        if (src[this.pos] === "~") this.pos++;
        this.expect("}");
      } else if (c === "%" && src[this.pos + 1] === "{") {
        throw new ParseError("template directives are not supported");
      } else if (end !== null && c === "\\") {
        lit += this.escape();
      } else {
        lit += c;
        this.pos++;
      }
    }
    if (lit || parts.length === 0) parts.push(lit);
    if (parts.length === 1 && typeof parts[0] !== "string") return parts[0];
    if (parts.some((p) => p instanceof Unknown || (p !== null && typeof p === "object"))) {
      return new Unknown(referencesIn(parts));
    }
    return parts.map((p) => (p === null ? "" : String(p))).join("");
  }

  private escape(): string {
    const next = this.src[this.pos + 1];
    this.pos += 2;
    const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
    if (next !== undefined && next in simple) return simple[next];
    if (next === "u" || next === "U") {
      const len = next === "u" ? 4 : 8;
      const hex = this.src.slice(this.pos, this.pos + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new ParseError("bad unicode escape");
      this.pos += len;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    throw new ParseError(`unknown escape \\${next}`);
  }

  private skipWs(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private peek(s: string): boolean {
    this.skipWs();
    return this.src.startsWith(s, this.pos);
  }

  private eat(s: string): boolean {
    if (this.peek(s)) {
      this.pos += s.length;
      return true;
    }
    return false;
  }

  private expect(s: string): void {
    if (!this.eat(s)) throw new ParseError(`expected ${s} at ${this.pos}`);
  }

  expression(): unknown {
    const cond = this.binary(0);
    if (this.peek("?")) {
      this.pos++;
      const a = this.expression();
      this.expect(":");
      const b = this.expression();
      if (cond === true) return a;
      if (cond === false) return b;
      return new Unknown(referencesIn([cond, a, b]));
    }
    return cond;
  }

  private static readonly LEVELS: readonly (readonly string[])[] = [
    ["||"],
    ["&&"],
    ["==", "!="],
    ["<=", ">=", "<", ">"],
    ["+", "-"],
    ["*", "/", "%"],
  ];

  private binary(level: number): unknown {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = Parser.LEVELS[level].find((o) => this.peek(o) && !this.src.startsWith("=>", this.pos));
      if (!op) return left;
      this.pos += op.length;
      const right = this.binary(level + 1);
      left = applyBinary(op, left, right);
    }
  }

  private unary(): unknown {
    if (this.peek("!") && !this.src.startsWith("!=", this.pos)) {
      this.pos++;
      const v = this.unary();
      return typeof v === "boolean" ? !v : new Unknown(referencesIn([v]));
    }
    if (this.peek("-")) {
      this.pos++;
      const v = this.unary();
      return typeof v === "number" ? -v : new Unknown(referencesIn([v]));
    }
    return this.postfix();
  }

  private postfix(): unknown {
    const start = this.primary();
    let value = start.value;
    const traversal = start.traversal;
    for (;;) {
      if (this.peek(".*") || this.peek("[*]")) throw new ParseError("splat expressions are not supported");
      if (this.peek(".") && !this.src.startsWith("..", this.pos)) {
        this.pos++;
        this.skipWs();
        const step = /\d/.test(this.src[this.pos] ?? "") ? Number(this.number()) : this.ident();
        if (traversal) traversal.push(step);
        else value = index(value, step);
      } else if (this.peek("[")) {
        this.pos++;
        const key = this.expression();
        this.expect("]");
        if (typeof key !== "string" && typeof key !== "number") {
          if (traversal) {
            this.recordTraversal(traversal);
            value = new Unknown(referencesIn([key]).concat(traversalText(traversal)));
            return this.finishUnknownPostfix(value);
          }
          value = new Unknown(referencesIn([value, key]));
          continue;
        }
        if (traversal) traversal.push(key);
        else value = index(value, key);
      } else break;
    }
    if (traversal) {
      this.recordTraversal(traversal);
      return this.resolve(traversal);
    }
    return value;
  }

  /** After an index that could not be computed, consume the rest of the traversal. */
  private finishUnknownPostfix(value: unknown): unknown {
    while (this.peek(".") || this.peek("[")) {
      if (this.eat(".")) this.ident();
      else {
        this.pos++;
        this.expression();
        this.expect("]");
      }
    }
    return value;
  }

  private recordTraversal(traversal: readonly TraversalStep[]): void {
    const text = traversalText(traversal);
    if (!this.seen.includes(text)) this.seen.push(text);
  }

  private primary(): { value?: unknown; traversal?: TraversalStep[] } {
    this.skipWs();
    const c = this.src[this.pos];
    if (c === undefined) throw new ParseError("unexpected end of expression");
    if (c === '"') {
      this.pos++;
      return { value: this.template('"') };
    }
    if (c === "<" && this.src.startsWith("<<", this.pos)) throw new ParseError("heredocs are not supported");
    if (/\d/.test(c)) return { value: Number(this.number()) };
    if (c === "(") {
      this.pos++;
      const v = this.expression();
      this.expect(")");
      return { value: v };
    }
    if (c === "[") return { value: this.tuple() };
    if (c === "{") return { value: this.object() };
    if (IDENT_START.test(c)) {
      const name = this.ident();
      if (name === "true") return { value: true };
      if (name === "false") return { value: false };
      if (name === "null") return { value: null };
      if (name === "for") throw new ParseError("for expressions are not supported");
      if (this.peek("(")) {
        this.pos++;
        return { value: this.call(name) };
      }
      return { traversal: [name] };
    }
    throw new ParseError(`unexpected ${c} at ${this.pos}`);
  }

  private ident(): string {
    this.skipWs();
    const start = this.pos;
    if (!IDENT_START.test(this.src[this.pos] ?? "")) throw new ParseError(`expected a name at ${this.pos}`);
    while (this.pos < this.src.length && IDENT_PART.test(this.src[this.pos])) this.pos++;
    if (this.src.startsWith("::", this.pos)) throw new ParseError("provider functions are not supported");
    return this.src.slice(start, this.pos);
  }

  private number(): string {
    const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.src.slice(this.pos));
    if (!m) throw new ParseError(`expected a number at ${this.pos}`);
    this.pos += m[0].length;
    return m[0];
  }

  private tuple(): unknown[] {
    this.expect("[");
    const items: unknown[] = [];
    while (!this.eat("]")) {
      if (this.peek("for ") || this.peek("for\t") || this.peek("for\n")) {
        throw new ParseError("for expressions are not supported");
      }
      items.push(this.expression());
      if (!this.eat(",")) {
        this.expect("]");
        break;
      }
    }
    return items;
  }

  private object(): unknown {
    this.expect("{");
    const out: Record<string, unknown> = {};
    let unknownKeys: unknown[] | undefined;
    while (!this.eat("}")) {
      if (this.peek("for ")) throw new ParseError("for expressions are not supported");
      let key: unknown;
      this.skipWs();
      if (IDENT_START.test(this.src[this.pos] ?? "")) {
        // A bare name is a literal key; a reference or call must be in parentheses.
        key = this.ident();
      } else {
        key = this.expression();
      }
      if (!this.eat("=") && !this.eat(":")) throw new ParseError(`expected = or : at ${this.pos}`);
      const value = this.expression();
      if (typeof key === "string") out[key] = value;
      else if (typeof key === "number") out[String(key)] = value;
      else (unknownKeys ??= []).push(key, value);
      this.eat(",");
    }
    return unknownKeys ? new Unknown(referencesIn([out, ...unknownKeys])) : out;
  }

  private call(name: string): unknown {
    const args: unknown[] = [];
    let expand = false;
    while (!this.eat(")")) {
      args.push(this.expression());
      if (this.eat("...")) expand = true;
      if (!this.eat(",")) {
        this.expect(")");
        break;
      }
    }
    if (expand) return new Unknown(referencesIn(args));
    return callFunction(name, args);
  }
}

function index(value: unknown, step: TraversalStep): unknown {
  if (value instanceof Unknown) return value;
  if (Array.isArray(value) && typeof step === "number") return value[step] ?? null;
  if (value !== null && typeof value === "object")
    return (value as Record<string, unknown>)[String(step)] ?? null;
  throw new ParseError(`cannot index ${typeof value} with ${String(step)}`);
}

function applyBinary(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof Unknown || b instanceof Unknown) {
    // Short-circuit results that do not depend on the unknown side.
    if (op === "||" && (a === true || b === true)) return true;
    if (op === "&&" && (a === false || b === false)) return false;
    return new Unknown(referencesIn([a, b]));
  }
  switch (op) {
    case "||":
      return a === true || b === true;
    case "&&":
      return a === true && b === true;
    case "==":
      return JSON.stringify(a) === JSON.stringify(b);
    case "!=":
      return JSON.stringify(a) !== JSON.stringify(b);
  }
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) throw new ParseError(`operator ${op} needs numbers`);
  switch (op) {
    case "<":
      return x < y;
    case ">":
      return x > y;
    case "<=":
      return x <= y;
    case ">=":
      return x >= y;
    case "+":
      return x + y;
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      return x / y;
    default:
      return x % y;
  }
}

/** Terraform's jsonencode: object keys sorted, no whitespace. */
export function terraformJsonEncode(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

function callFunction(name: string, args: unknown[]): unknown {
  if (name === "jsonencode" && args.length === 1) {
    return isFullyKnown(args[0]) ? terraformJsonEncode(args[0]) : new Unknown(referencesIn(args), args[0]);
  }
  if (!args.every(isFullyKnown)) return new Unknown(referencesIn(args));
  switch (name) {
    case "tostring":
      return args[0] === null ? null : typeof args[0] === "object" ? fail(name) : String(args[0]);
    case "tonumber":
      return args[0] === null ? null : Number(args[0]);
    case "tobool":
      return args[0] === null ? null : args[0] === true || args[0] === "true";
    case "tolist":
    case "toset":
    case "tomap":
      return args[0];
    case "concat":
      return args.every(Array.isArray) ? (args as unknown[][]).flat() : fail(name);
    case "merge":
      return Object.assign({}, ...args.filter((a) => a !== null));
    case "join":
      return typeof args[0] === "string" && Array.isArray(args[1]) ? args[1].join(args[0]) : fail(name);
    case "lower":
      return typeof args[0] === "string" ? args[0].toLowerCase() : fail(name);
    case "upper":
      return typeof args[0] === "string" ? args[0].toUpperCase() : fail(name);
    default:
      return new Unknown([]);
  }
}

function fail(name: string): never {
  throw new ParseError(`unsupported arguments to ${name}`);
}
