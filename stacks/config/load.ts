/**
 * Loading environment files: parse, validate with the schema, run the
 * cross-field rules, and report every problem of every file at once as
 * `<file>: <field path> <value> <rule>`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { z } from "zod";
import { formatValue } from "../../modules/core/core";
import { environmentSchema, type EnvConfig } from "./schema";
import { checkRules } from "./rules";

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

function zodProblems(file: string, input: unknown, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const base = issue.path.length ? `${formatPath(issue.path)}.` : "";
      return `${file}: ${issue.keys.map((k) => base + k).join(", ")} is not a known field (check the spelling; see environment.schema.json)`;
    }
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? "(missing)" : formatValue(value);
    return `${file}: ${formatPath(issue.path)} ${shown} ${issue.message}`;
  });
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

/** Load and validate every `*.json` environment file of `dir` (the JSON Schema file excepted). */
export function loadEnvironments(
  dir: string = DEFAULT_ENVIRONMENTS_DIR,
  preprocess: (input: unknown) => unknown = (input) => input,
): LoadResult {
  const abs = resolve(dir);
  if (!existsSync(abs))
    return {
      environments: [],
      rejected: [],
      errors: [`${abs}: environments folder not found`],
      warnings: [],
    };
  const files = readdirSync(abs)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .sort();
  const result: LoadResult = { environments: [], rejected: [], errors: [], warnings: [] };
  if (files.length === 0) result.errors.push(`${abs}: no environment files (*.json)`);
  for (const f of files) {
    let input: unknown;
    try {
      input = preprocess(JSON.parse(readFileSync(join(abs, f), "utf8")));
    } catch (e) {
      result.errors.push(`${f}: is not valid JSON (${(e as Error).message})`);
      result.rejected.push(f.replace(/\.json$/, ""));
      continue;
    }
    const { config, errors, warnings } = validateEnvironment(f, input);
    result.errors.push(...errors);
    result.warnings.push(...warnings);
    if (config) result.environments.push({ file: f, config, dir: abs });
    else result.rejected.push(f.replace(/\.json$/, ""));
  }
  return result;
}
