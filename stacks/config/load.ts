/**
 * Loading environment files: parse, validate with the schema, run the
 * cross-field rules, and report every problem of every file at once as
 * `<file>: <field path> <value> <rule>`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { z } from "zod";
import { formatValue } from "../../modules/core/core";
import { didYouMean } from "../../modules/core/suggest";
import { environmentSchema, type EnvConfig } from "./schema";
import { checkRules } from "./rules";
import { compareWithDeployed } from "./deployed";

/** The folder of the shipped environments. */
export const DEFAULT_ENVIRONMENTS_DIR = resolve(__dirname, "..", "environments");

/** A validated environment and where it came from. */
export interface LoadedEnvironment {
  readonly file: string;
  readonly config: EnvConfig;
  /** Directory of the file (relative code paths resolve against it). */
  readonly dir: string;
}

/** Everything learned from a folder of environment files. */
export interface LoadResult {
  readonly environments: LoadedEnvironment[];
  /** Names (file base names) of the files that were rejected. */
  readonly rejected: string[];
  readonly errors: string[];
  readonly warnings: string[];
  /** What synth does that the reader should know (a replacement or upgrade it was told to make). */
  readonly notices: string[];
}

/** Options of {@link loadEnvironments}. */
export interface LoadOptions {
  /**
   * Compare every environment with its deployed record (`<env>.lock.json`, see deployed.ts).
   * @default true
   */
  readonly compareDeployed?: boolean;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Render a path like `network.publicSubnets[1].cidr`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("") ||
    "(root)"
  );
}

/** Strip optional/default/pipe wrappers down to the schema that holds the shape. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let i = 0; i < 10; i++) {
    const def = current._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType };
    if (def.innerType) current = def.innerType;
    else if (def.in) current = def.in;
    else break;
  }
  return current;
}

/** The field names the schema knows at `path` (an object's keys), for "did you mean" hints. */
export function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let node = unwrap(schema);
  let value = input;
  for (const key of path) {
    const def = node._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
      options?: z.core.$ZodType[];
    };
    value =
      value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    if (def.type === "object" && def.shape) node = unwrap(def.shape[String(key)] ?? node);
    else if (def.type === "array" && def.element) node = unwrap(def.element);
    else if (def.type === "record" && def.valueType) node = unwrap(def.valueType);
    else return [];
    const inner = node._zod.def as { type: string; options?: z.core.$ZodType[] };
    if (inner.type === "union" && inner.options) {
      // a discriminated union: the option whose `type` matches the input
      const t = value !== null && typeof value === "object" ? (value as { type?: unknown }).type : undefined;
      const option = inner.options.find((o) => {
        const shape = (unwrap(o)._zod.def as { shape?: Record<string, z.core.$ZodType> }).shape;
        const lit = shape?.type?._zod.def as { values?: unknown[] } | undefined;
        return lit?.values?.includes(t);
      });
      if (option) node = unwrap(option);
    }
  }
  const def = node._zod.def as { type: string; shape?: Record<string, z.core.$ZodType> };
  if (def.type !== "object" || !def.shape) return [];
  return Object.keys(def.shape);
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  number: "a number",
  string: "a string (in double quotes)",
  boolean: "true or false",
  object: "an object",
  array: "a list",
};

function typeOfValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** One zod issue as the rule a user reads: "is required (a number)", "must be a number (it is a string)". */
function ruleOf(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case "invalid_type": {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return value === undefined
        ? `is required (${expected})`
        : `must be ${expected} (it is ${typeOfValue(value)})`;
    }
    case "invalid_value":
      if (issue.message.startsWith("Invalid")) {
        return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return issue.message;
    case "invalid_union": {
      if (issue.message.startsWith("Invalid")) {
        const note = (issue as { note?: string }).note;
        return note === "No matching discriminator"
          ? "has an unknown type (see environment.schema.json for the allowed types)"
          : "does not match any allowed form (see environment.schema.json)";
      }
      return issue.message;
    }
    case "invalid_key":
      // a record key (a tag key): the key's own rule
      return issue.issues[0]?.message ?? issue.message;
    case "too_small":
    case "too_big": {
      if (!issue.message.startsWith("Too")) return issue.message;
      const limit = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const word = issue.code === "too_small" ? "at least" : "at most";
      if (issue.origin === "string") return `must be ${word} ${String(limit)} characters long`;
      if (issue.origin === "array") return `must list ${word} ${String(limit)} items`;
      return `must be ${word} ${String(limit)}`;
    }
    default:
      return issue.message;
  }
}

function zodProblems(file: string, input: unknown, error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      const base = issue.path.length ? `${formatPath(issue.path)}.` : "";
      const known = knownKeysAt(environmentSchema, issue.path, input);
      // a schema may explain a key it refuses (`<key>: <why>; ...`, as the backend schemas do)
      const hints = issue.message.startsWith("Unrecognized") ? [] : issue.message.split("; ");
      return issue.keys.map((k) => {
        const hint = hints.find((h) => h.startsWith(`${k}: `));
        const why = hint?.slice(k.length + 2);
        return why
          ? `${file}: ${base + k} ${why}${why.includes(": ") ? "" : didYouMean(k, known)}`
          : `${file}: ${base + k} is not a known field${didYouMean(k, known)} (see environment.schema.json)`;
      });
    }
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? "(missing)" : formatValue(value);
    const rule = ruleOf(issue, value);
    const text = value === undefined && !rule.startsWith("is required") ? `is required: it ${rule}` : rule;
    return [`${file}: ${formatPath(issue.path)} ${shown} ${text}`];
  });
}

/**
 * Where a JSON syntax error is, as `line:column` (1-based), from the offset
 * in the parser's message; the end of the text when the message has none.
 */
export function jsonErrorLocation(text: string, message: string): { line: number; column: number } {
  const m = /position (\d+)/.exec(message);
  const offset = m ? Math.min(Number(m[1]), text.length) : text.length;
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The parser's message without its own offset (line and column are given instead). */
function jsonErrorText(message: string): string {
  return message
    .replace(/\s*in JSON at position \d+( \(line \d+ column \d+\))?/, "")
    .replace(/^Unexpected token/, "unexpected token");
}

/** Validate one parsed environment document. */
export function validateEnvironment(
  file: string,
  input: unknown,
): { config?: EnvConfig; errors: string[]; warnings: string[] } {
  const parsed = environmentSchema.safeParse(input);
  if (!parsed.success) return { errors: zodProblems(file, input, parsed.error), warnings: [] };
  const { errors, warnings } = checkRules(parsed.data);
  const fmt = (p: { path: string; value: unknown; rule: string }) =>
    `${file}: ${p.path}${p.value === undefined ? "" : ` ${formatValue(p.value)}`} ${p.rule}`;
  const expected = basename(file).replace(/\.json$/, "");
  const nameErrors =
    parsed.data.name === expected
      ? []
      : [`${file}: name ${formatValue(parsed.data.name)} must match the file name "${expected}"`];
  const all = [...nameErrors, ...errors.map(fmt)];
  return { config: all.length ? undefined : parsed.data, errors: all, warnings: warnings.map(fmt) };
}

/** A path as the user sees it: relative to the working directory when inside it. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/**
 * Load and validate every `*.json` environment file of `dir` (the JSON Schema
 * file and the deployed records `*.lock.json` excepted), and compare each with
 * its deployed record.
 */
export function loadEnvironments(
  dir: string = DEFAULT_ENVIRONMENTS_DIR,
  preprocess: (input: unknown) => unknown = (input) => input,
  options: LoadOptions = {},
): LoadResult {
  const abs = resolve(dir);
  if (!existsSync(abs))
    return {
      environments: [],
      rejected: [],
      errors: [`${abs}: environments folder not found`],
      warnings: [],
      notices: [],
    };
  const files = readdirSync(abs)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json") && !f.endsWith(".lock.json"))
    .sort();
  const result: LoadResult = { environments: [], rejected: [], errors: [], warnings: [], notices: [] };
  if (files.length === 0) result.errors.push(`${abs}: no environment files (*.json)`);
  for (const f of files) {
    let input: unknown;
    const path = join(abs, f);
    const text = readFileSync(path, "utf8");
    try {
      input = JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const { line, column } = jsonErrorLocation(text, message);
      result.errors.push(
        `${displayPath(path)}:${line}:${column}: is not valid JSON: ${jsonErrorText(message)}`,
      );
      result.rejected.push(f.replace(/\.json$/, ""));
      continue;
    }
    input = preprocess(input);
    const { config, errors, warnings } = validateEnvironment(displayPath(path), input);
    const deployed =
      config && options.compareDeployed !== false
        ? compareWithDeployed(displayPath(path), abs, config)
        : { errors: [], warnings: [], notices: [] };
    errors.push(...deployed.errors);
    result.errors.push(...errors);
    result.warnings.push(...warnings, ...deployed.warnings);
    result.notices.push(...deployed.notices);
    if (config && errors.length === 0) result.environments.push({ file: f, config, dir: abs });
    else result.rejected.push(f.replace(/\.json$/, ""));
  }
  return result;
}
