/**
 * Policy review of Terraform plans: the rules, the evaluator, checkov, and
 * {@link reviewPlanFile}, the one call the offline-plan tooling makes per stack.
 */
import { existsSync, readFileSync } from "node:fs";
import { extname, resolve } from "node:path";
import { defaultCheckovBin, formatCheckovReport, runCheckov, type CheckovResult } from "./checkov";
import { evaluatePlan, formatReport, type PolicyResult } from "./evaluate";
import { PlanView } from "./plan";
import { contextFromEnvironment, policySettingsOf } from "./schema";
import type { PolicyContext, Severity } from "./types";

export * from "./types";
export * from "./evaluate";
export * from "./schema";
export * from "./checkov";
export { RULES } from "./rules";
export { PlanView, ResourceView, Computed, PlanFormatError } from "./plan";
export { Unknown } from "./template";

/** Options for {@link reviewPlanFile}. */
export interface ReviewOptions {
  /**
   * Contents of the environment file (parsed JSON, or the object a `.ts` environment exports).
   * Gives the context, `policy.exceptions`, `policy.checkovSkips` and `policy.failOn`.
   * @default no environment: nothing public allowed, no tags required, no exceptions
   */
  readonly environment?: unknown;
  /**
   * Use this context instead of one built from `environment`.
   * @default contextFromEnvironment(environment)
   */
  readonly context?: PolicyContext;
  /**
   * Lowest severity that fails the review.
   * @default environment policy.failOn, else "high"
   */
  readonly failOn?: Severity;
  /**
   * Also run checkov: `true` (an error when it is not installed), `"auto"` (only when installed), `false`.
   * @default false
   */
  readonly checkov?: boolean | "auto";
  /**
   * Unskipped checkov failures fail the review (otherwise they are only reported).
   * @default false
   */
  readonly enforceCheckov?: boolean;
  /**
   * checkov command override.
   * @default [defaultCheckovBin()]
   */
  readonly checkovCommand?: readonly string[];
  /**
   * The synthesized configuration the plan was made from (`cdk.tf.json`).
   * When checkov runs, it also checks this file (framework `terraform_json`):
   * a plan holds computed defaults (e.g. `reserved_concurrent_executions = -1`)
   * that some checks read as set, while the configuration shows what the
   * code really sets. Both results must pass when checkov is enforced.
   * @default the plan only
   */
  readonly configPath?: string;
}

/** The outcome of {@link reviewPlanFile}. */
export interface Review {
  /** The plan JSON that was reviewed. */
  readonly planPath: string;
  /** The policy rules' result. */
  readonly result: PolicyResult;
  /** checkov's result on the plan JSON, when it ran. */
  readonly checkov?: CheckovResult;
  /** checkov's result on the synthesized configuration, when it ran on one. */
  readonly checkovConfig?: CheckovResult;
  /** Why checkov did not run, when `checkov: "auto"` found it missing. */
  readonly checkovSkippedReason?: string;
  /** True when the review passes (policy, and checkov when enforced). */
  readonly ok: boolean;
  /** Readable report of everything above. */
  readonly report: string;
}

/**
 * The `Environment` tag values a plan's resources carry (their own tags and
 * the provider's default tags): the environments the plan belongs to.
 */
export function planEnvironments(plan: unknown): string[] {
  const view = PlanView.parse(plan);
  const found = new Set<string>();
  const add = (tags: unknown) => {
    if (
      tags !== null &&
      typeof tags === "object" &&
      typeof (tags as Record<string, unknown>).Environment === "string"
    )
      found.add((tags as Record<string, string>).Environment);
  };
  for (const r of view.all()) {
    add(view.defaultTags(r));
    add(r.get("tags"));
  }
  return [...found].sort();
}

/**
 * Refuse to review a plan against another environment's file: the plan's
 * `Environment` tags must be the `tags.Environment` the file puts on every
 * resource. Files without that tag and plans without it are not checked.
 */
export function checkPlanMatchesEnvironment(planPath: string, plan: unknown, environment: unknown): void {
  if (environment === null || typeof environment !== "object") return;
  const env = environment as { name?: unknown; tags?: Record<string, unknown> };
  const expected = env.tags?.Environment;
  if (typeof expected !== "string") return;
  const found = planEnvironments(plan);
  if (found.length > 0 && !found.includes(expected)) {
    throw new Error(
      `${planPath}: the plan is of environment ${found.join(", ")}, but the environment file is of "${expected}"; review each plan with its own environment file`,
    );
  }
}

/**
 * Review one plan JSON (`terraform show -json plan.tfplan` output): run the
 * policy rules and optionally checkov. Throws PlanFormatError / ConfigError /
 * CheckovError for bad input (and an Error for a plan of another environment); a failing review is `ok: false`, not an exception.
 */
export function reviewPlanFile(planPath: string, options: ReviewOptions = {}): Review {
  const plan: unknown = JSON.parse(readFileSync(planPath, "utf8"));
  const settings = policySettingsOf(options.environment ?? {});
  if (options.environment !== undefined) checkPlanMatchesEnvironment(planPath, plan, options.environment);
  const context = options.context ?? contextFromEnvironment(options.environment ?? {});
  const failOn = options.failOn ?? settings.failOn ?? "high";
  const result = evaluatePlan(plan, context, { failOn });
  const parts = [formatReport(result, `Policy review of ${planPath}`)];

  let checkov: CheckovResult | undefined;
  let checkovConfig: CheckovResult | undefined;
  let checkovSkippedReason: string | undefined;
  const command = options.checkovCommand ?? [defaultCheckovBin()];
  if (options.checkov === "auto" && !options.checkovCommand && !existsSync(command[0])) {
    checkovSkippedReason = `checkov not installed at ${command[0]} (bash tools/policy/install-checkov.sh)`;
    parts.push(`checkov: skipped, ${checkovSkippedReason}`);
  } else if (options.checkov) {
    checkov = runCheckov({ planPath, skips: settings.checkovSkips, command });
    parts.push(formatCheckovReport(checkov, options.configPath ? "checkov (plan JSON)" : "checkov"));
    if (options.configPath !== undefined) {
      checkovConfig = runCheckov({
        planPath: options.configPath,
        framework: "terraform_json",
        skips: settings.checkovSkips,
        command,
      });
      parts.push(formatCheckovReport(checkovConfig, "checkov (cdk.tf.json)"));
    }
    const failures = checkov.failed.length + (checkovConfig?.failed.length ?? 0);
    if (failures > 0 && !options.enforceCheckov) {
      parts.push(
        "  (checkov failures are reported, not enforced; add skips with reasons to policy.checkovSkips)",
      );
    }
  }
  const checkovFailed = [checkov, checkovConfig].some((c) => c !== undefined && c.failed.length > 0);
  const ok = result.ok && !(options.enforceCheckov && checkovFailed);
  return { planPath, result, checkov, checkovConfig, checkovSkippedReason, ok, report: parts.join("\n\n") };
}

/**
 * Read an environment file: `.json` is parsed; `.ts`/`.js` is imported and
 * its default export (or its only exported object) is used.
 */
export async function loadEnvironmentFile(path: string): Promise<unknown> {
  const ext = extname(path);
  if (ext === ".json") return JSON.parse(readFileSync(path, "utf8"));
  if ([".ts", ".js", ".mjs", ".cjs"].includes(ext)) {
    // A plain path (not a file URL): compiled to require() under tsx and jest alike.
    const mod = (await import(resolve(path))) as Record<string, unknown>;
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
    // ESM/CommonJS interop may nest the exports under `default` once or twice.
    const layers = [mod, mod.default, isObject(mod.default) ? mod.default.default : undefined].filter(
      isObject,
    );
    const candidates = layers.flatMap((l) => [l, ...Object.values(l)]).filter(isObject);
    const env = candidates.find((c) => typeof c.name === "string" && !(c instanceof Function));
    if (env) return env;
    throw new Error(`${path} exports no environment object (an object with a name)`);
  }
  throw new Error(`${path}: environment files are .json or .ts`);
}
