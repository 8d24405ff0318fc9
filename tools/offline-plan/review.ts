/**
 * Policy review of offline plans: every planned stack's plan JSON goes
 * through the project's policy rules (tools/policy) and, when installed,
 * checkov, with the exceptions and skips its environment file lists.
 */
import { reviewPlanFile, type Review } from "../policy/index";
import type { LoadedEnvironment } from "../../stacks/config/load";
import { readFileSync } from "node:fs";
import { GITHUB_ROLE_POLICY_NAMES, bootstrapPolicy } from "../../stacks/state-bootstrap-policy";
import type { StackPlanResult } from "./offline-plan";

/** Options of {@link reviewPlans}. */
export interface ReviewPlansOptions {
  /** Run checkov: "auto" runs it when installed. @default "auto" */
  readonly checkov?: boolean | "auto";
  /** Unskipped checkov failures fail the review. @default false */
  readonly enforceCheckov?: boolean;
}

/**
 * The policy view of a stack: its environment file, or for a state bootstrap
 * stack a production-grade context with the bootstrap's own checkov skips.
 */
export function policyEnvironmentFor(
  stack: string,
  environments: readonly LoadedEnvironment[],
  planJsonFile?: string,
): unknown {
  const env = environments.find((e) => e.config.name === stack);
  if (env) return env.config;
  const tags = environments[0]?.config.tags ?? {};
  return {
    name: stack,
    production: true,
    tags: { ...tags, Environment: "shared" },
    policy: bootstrapPolicy(planJsonFile ? githubRolePolicyAddresses(planJsonFile) : []),
  };
}

/** Addresses of the GitHub roles' `deploy` and `plan` inline policies in a bootstrap plan. */
export function githubRolePolicyAddresses(planJsonFile: string): string[] {
  const plan = JSON.parse(readFileSync(planJsonFile, "utf8")) as {
    resource_changes?: { address: string; type: string; change: { after?: { name?: string } | null } }[];
  };
  return (plan.resource_changes ?? [])
    .filter(
      (rc) =>
        rc.type === "aws_iam_role_policy" &&
        /\.github-(deploy|plan)/.test(rc.address) &&
        GITHUB_ROLE_POLICY_NAMES.includes(rc.change.after?.name ?? ""),
    )
    .map((rc) => rc.address);
}

/** Review every successful plan; returns one review per planned stack. */
export function reviewPlans(
  results: readonly StackPlanResult[],
  environments: readonly LoadedEnvironment[],
  opts: ReviewPlansOptions = {},
): Array<{ stack: string; review: Review }> {
  return results
    .filter((r) => r.ok && r.planJsonFile)
    .map((r) => ({
      stack: r.stack,
      review: reviewPlanFile(r.planJsonFile!, {
        configPath: r.configFile,
        environment: policyEnvironmentFor(r.stack, environments, r.planJsonFile),
        checkov: opts.checkov ?? "auto",
        enforceCheckov: opts.enforceCheckov ?? false,
      }),
    }));
}
