/**
 * Values of a plan's `configuration` section, for attributes the plan only
 * knows after apply.
 *
 * For a configuration written in JSON syntax (everything CDKTF synthesizes),
 * `terraform show -json` reports an attribute's `constant_value` as the raw
 * string template, e.g. `${aws_kms_key.k.arn}` or an IAM policy document
 * `{"Statement":[{"Resource":"${aws_secretsmanager_secret.db.arn}"}]}`. A
 * template here is read, not run: each `${...}` that is a plain reference is
 * looked up in the plan (known values are filled in), any other expression is
 * an {@link Unknown} that names the references it mentions. A JSON document
 * whose interpolations are unknown keeps its structure as
 * {@link Unknown.document}, so the rules still see which actions a policy
 * allows and whether its resources are `"*"` or references to specific ARNs.
 * Whatever cannot be read is unknown, which is always safe: a rule that meets
 * an unknown value reports it as unverified instead of guessing.
 */

/** A value Terraform only knows after apply (or that cannot be read from the configuration). */
export class Unknown {
  constructor(
    /** References (`aws_iam_role.role.arn`) the value depends on, deduplicated. */
    public readonly references: readonly string[] = [],
    /**
     * For a JSON document whose interpolations are unknown: the parsed
     * document, with {@link Unknown} leaves where a string depends on them.
     */
    public readonly document?: unknown,
  ) {}
}

/** Every reference mentioned by the {@link Unknown}s inside `v`. */
export function referencesIn(v: unknown): string[] {
  const out = new Set<string>();
  const walk = (x: unknown): void => {
    if (x instanceof Unknown) {
      x.references.forEach((r) => out.add(r));
      if (x.document !== undefined) walk(x.document);
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

/** A template split into literal text and `${...}` expressions (`undefined` when it cannot be split). */
type Part = { readonly text: string } | { readonly expr: string };

function splitTemplate(src: string): Part[] | undefined {
  const parts: Part[] = [];
  let lit = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if ((c === "$" || c === "%") && src[i + 1] === c && src[i + 2] === "{") {
      lit += `${c}{`; // $${ and %%{ escape a literal ${ / %{
      i += 3;
    } else if (c === "%" && src[i + 1] === "{") {
      return undefined; // template directives
    } else if (c === "$" && src[i + 1] === "{") {
      const end = interpolationEnd(src, i + 2);
      if (end === undefined) return undefined;
      if (lit) parts.push({ text: lit });
      lit = "";
      parts.push({ expr: src.slice(i + 2, end - 1) });
      i = end;
    } else {
      lit += c;
      i++;
    }
  }
  if (lit || parts.length === 0) parts.push({ text: lit });
  return parts;
}

/** Index just after the `}` that closes an interpolation whose body starts at `start`. */
function interpolationEnd(src: string, start: number): number | undefined {
  let depth = 1;
  for (let i = start; i < src.length; i++) {
    const c = src[i];
    if (c === '"') {
      // a quoted string inside the expression: skip it, escapes included
      for (i++; i < src.length && src[i] !== '"'; i++) if (src[i] === "\\") i++;
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i + 1;
  }
  return undefined;
}

const TRAVERSAL_RE = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*|\.\d+|\[\d+\]|\["[^"\\]*"\])*$/;
const REFERENCE_RE = /(?<![\w.-])[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\])+(?!\s*\()/g;

/** `aws_x.y.attr[0]` -> `["aws_x", "y", "attr", 0]`. */
function traversalOf(expr: string): TraversalStep[] {
  const steps: TraversalStep[] = [];
  for (const m of expr.matchAll(/([A-Za-z_][\w-]*)|\.(\d+)|\[(\d+)\]|\["([^"\\]*)"\]/g)) {
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[4] !== undefined) steps.push(m[4]);
    else steps.push(Number(m[2] ?? m[3]));
  }
  return steps;
}

/** The references an expression mentions (quoted strings and function names left out). */
function referencesOf(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set(code.match(REFERENCE_RE) ?? [])];
}

function evaluateExpression(raw: string, resolve: Resolver): unknown {
  const expr = raw.replace(/^~/, "").replace(/~$/, "").trim();
  if (TRAVERSAL_RE.test(expr)) return resolve(traversalOf(expr));
  return new Unknown(referencesOf(expr));
}

const MARK = "\u{E000}tf";

/**
 * The structure of a JSON document template (`{"Resource":"${aws_x.y.arn}"}`)
 * with each string leaf evaluated, or undefined when it is not JSON.
 */
function documentOf(src: string, parts: Part[], resolve: Resolver): unknown {
  if (!/^\s*[[{]/.test(src)) return undefined;
  const exprs: string[] = [];
  const marked = parts
    .map((p) => ("text" in p ? p.text : `${MARK}${exprs.push(p.expr) - 1}${MARK}`))
    .join("");
  let parsed: unknown;
  try {
    parsed = JSON.parse(marked);
  } catch {
    return undefined;
  }
  const markRe = new RegExp(`${MARK}(\\d+)${MARK}`, "g");
  const restore = (s: string) => s.replace(markRe, (_, i: string) => `\${${exprs[Number(i)]}}`);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.includes(MARK) ? evaluateTemplate(restore(v), resolve) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [restore(k), walk(x)]));
    }
    return v;
  };
  return walk(parsed);
}

/**
 * Evaluate a string template (`"prefix-${aws_x.y.name}"`). A template that is
 * a single interpolation yields the referenced value itself (a list stays a
 * list), as in Terraform; a template with unknown parts is an
 * {@link Unknown}, with the parsed structure when the template is a JSON
 * document.
 */
export function evaluateTemplate(src: string, resolve: Resolver): unknown {
  if (!src.includes("${") && !src.includes("%{")) return src;
  const parts = splitTemplate(src);
  if (parts === undefined) return new Unknown(referencesOf(src));
  const values = parts.map((p) => ("text" in p ? p.text : evaluateExpression(p.expr, resolve)));
  if (values.length === 1 && "expr" in parts[0]) return values[0];
  if (values.every((v) => v === null || ["string", "number", "boolean"].includes(typeof v))) {
    return values.map((v) => (v === null ? "" : String(v))).join("");
  }
  return new Unknown(referencesIn(values), documentOf(src, parts, resolve));
}
