/**
 * Run the rules over a plan, apply the environment's exceptions, and render a report.
 */
import { ConfigError } from "../../modules/core";
import { PlanView } from "./plan";
import { RULES } from "./rules";
import { parseOrThrow, policyExceptionsSchema } from "./schema";
import {
  SEVERITIES,
  atLeast,
  type Finding,
  type Note,
  type PolicyContext,
  type PolicyException,
  type Rule,
  type Severity,
} from "./types";

/** Options for {@link evaluatePlan}. */
export interface EvaluateOptions {
  /**
   * Lowest severity that fails the review; unexcepted findings below it are warnings.
   * @default "high"
   */
  readonly failOn?: Severity;
  /**
   * The rules to run.
   * @default RULES (every rule)
   */
  readonly rules?: readonly Rule[];
}

/** A finding with its outcome. */
export interface EvaluatedFinding extends Finding {
  /** `failed` (at or above failOn, not excepted), `warning` (below failOn) or `excepted`. */
  readonly status: "failed" | "warning" | "excepted";
  /** The exception that accepted it, when excepted. */
  readonly exception?: PolicyException;
}

/** The outcome of a policy review. */
export interface PolicyResult {
  /** Environment name from the context. */
  readonly environment: string;
  /** Whether the context was production. */
  readonly production: boolean;
  /** The severity threshold applied. */
  readonly failOn: Severity;
  /** Number of resource changes in the plan. */
  readonly resourceCount: number;
  /** Every finding, in rule order. */
  readonly findings: readonly EvaluatedFinding[];
  /** Unexcepted findings at or above `failOn`: these fail the review. */
  readonly failed: readonly EvaluatedFinding[];
  /** Unexcepted findings below `failOn`: reported, not failing. */
  readonly warnings: readonly EvaluatedFinding[];
  /** Findings accepted by an exception. */
  readonly excepted: readonly EvaluatedFinding[];
  /** Ids of the rules that found nothing. */
  readonly passedRules: readonly string[];
  /** What the rules could not verify (values only known after apply) or allowed by configuration. */
  readonly notes: readonly Note[];
  /** Exceptions that matched no finding (stale: remove them from the environment file). */
  readonly unusedExceptions: readonly PolicyException[];
  /** Terraform reported the plan as errored (incomplete). */
  readonly planErrored: boolean;
  /** True when nothing failed. */
  readonly ok: boolean;
}

/** An exception covers a finding when the rule matches and the address is omitted, equal, or a prefix at an instance key or module boundary. */
export function exceptionMatches(e: PolicyException, f: Finding): boolean {
  if (e.rule !== f.rule) return false;
  if (e.address === undefined) return true;
  return (
    f.address === e.address || f.address.startsWith(`${e.address}[`) || f.address.startsWith(`${e.address}.`)
  );
}

/**
 * Evaluate `plan` (parsed `terraform show -json` output) against the rules.
 * Throws PlanFormatError for input that is not a plan and ConfigError for an
 * invalid exception (unknown rule id, short reason).
 */
export function evaluatePlan(plan: unknown, ctx: PolicyContext, options: EvaluateOptions = {}): PolicyResult {
  const failOn = options.failOn ?? "high";
  const rules = options.rules ?? RULES;
  const exceptions = parseOrThrow(policyExceptionsSchema, ctx.exceptions, "policy.exceptions");
  exceptions.forEach((e, i) => {
    if (!RULES.some((r) => r.id === e.rule) && !rules.some((r) => r.id === e.rule)) {
      throw new ConfigError(
        `policy.exceptions[${i}].rule`,
        e.rule,
        `is not a policy rule id (known: ${RULES.map((r) => r.id).join(", ")})`,
      );
    }
  });

  const view = PlanView.parse(plan);
  const findings: EvaluatedFinding[] = [];
  const passedRules: string[] = [];
  const used = new Set<PolicyException>();
  for (const rule of rules) {
    let found: Finding[];
    try {
      found = rule.check(view, ctx);
    } catch (e) {
      throw new Error(`policy rule ${rule.id} crashed: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    if (found.length === 0) passedRules.push(rule.id);
    for (const f of found) {
      const exception = exceptions.find((e) => exceptionMatches(e, f));
      if (exception) {
        used.add(exception);
        findings.push({ ...f, status: "excepted", exception });
      } else {
        findings.push({ ...f, status: atLeast(f.severity, failOn) ? "failed" : "warning" });
      }
    }
  }
  const failed = findings.filter((f) => f.status === "failed");
  return {
    environment: ctx.environment,
    production: ctx.production,
    failOn,
    resourceCount: view.all().length,
    findings,
    failed,
    warnings: findings.filter((f) => f.status === "warning"),
    excepted: findings.filter((f) => f.status === "excepted"),
    passedRules,
    notes: view.notes,
    unusedExceptions: exceptions.filter((e) => !used.has(e)),
    planErrored: view.errored,
    ok: failed.length === 0,
  };
}

/** One report entry: findings of one rule with the same message, on one or more resources. */
function entry(group: readonly EvaluatedFinding[]): string {
  const f = group[0];
  const where =
    group.length === 1 ? f.address : `${group.length} resources: ${group.map((g) => g.address).join(", ")}`;
  const tail = f.status === "excepted" ? `\n      excepted (${f.exception?.reason ?? ""})` : "";
  return `  ${f.severity.toUpperCase().padEnd(8)} ${f.rule}  ${where}\n      ${f.message}${tail}`;
}

/** Group findings by rule, message and exception, keeping severity-then-rule order. */
function grouped(items: readonly EvaluatedFinding[]): EvaluatedFinding[][] {
  const groups = new Map<string, EvaluatedFinding[]>();
  const sorted = [...items].sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
  for (const f of sorted) {
    const key = `${f.rule}\u0000${f.message}\u0000${f.exception?.reason ?? ""}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  return [...groups.values()];
}

/** Render a result as readable text (what the CLI prints). */
export function formatReport(result: PolicyResult, title = "Policy review"): string {
  const out: string[] = [];
  out.push(
    `${title}: environment ${result.environment}${result.production ? " (production)" : ""}, ` +
      `${result.resourceCount} resource changes, failing on ${result.failOn} and above`,
  );
  if (result.planErrored) out.push("  WARNING: Terraform marked this plan as errored; it may be incomplete.");
  const section = (name: string, items: readonly EvaluatedFinding[]) => {
    if (items.length === 0) return;
    out.push("", `${name} (${items.length}):`);
    grouped(items).forEach((g) => out.push(entry(g)));
  };
  section("FAILED", result.failed);
  section("Warnings", result.warnings);
  section("Excepted", result.excepted);
  const unverified = result.notes.filter((n) => n.kind === "unverified");
  const info = result.notes.filter((n) => n.kind === "info");
  if (unverified.length > 0) {
    out.push("", `Not verifiable at plan time (${unverified.length}):`);
    unverified.forEach((n) => out.push(`  ${n.rule}  ${n.address}: ${n.message}`));
  }
  if (info.length > 0) {
    out.push("", "Allowed by the environment:");
    info.forEach((n) => out.push(`  ${n.rule}  ${n.address}: ${n.message}`));
  }
  if (result.unusedExceptions.length > 0) {
    out.push("", "Exceptions that matched nothing (remove them):");
    result.unusedExceptions.forEach((e) =>
      out.push(`  ${e.rule}${e.address ? ` ${e.address}` : ""}: ${e.reason}`),
    );
  }
  out.push("", `Passed: ${result.passedRules.length > 0 ? result.passedRules.join(", ") : "none"}`);
  out.push(
    result.ok
      ? `Result: PASS (${result.warnings.length} warning(s), ${result.excepted.length} excepted)`
      : `Result: FAIL (${result.failed.length} finding(s) at ${result.failOn} or above)`,
  );
  return out.join("\n");
}
