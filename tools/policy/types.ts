/**
 * Types shared by the policy rules, the evaluator and the CLI.
 */
import type { PlanView } from "./plan";

import { SEVERITIES, type Severity } from "../../stacks/config/policy-settings";

export { SEVERITIES, type Severity };

/** True when `s` is at least as severe as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
}

/** One ingress source the environment intends to allow, e.g. a developer's /32 on the database port. */
export interface AllowedIngress {
  /** The single port the rule opens (a rule over a port range or all ports never matches). */
  readonly port: number;
  /** The source CIDR, IPv4 or IPv6 (`0.0.0.0/0` only when a world-open port is really intended). */
  readonly cidr: string;
}

/** A decision to accept a finding: recorded in the environment file with its reason. */
export interface PolicyException {
  /** Rule id, e.g. `HRC-NET-001`. */
  readonly rule: string;
  /**
   * Resource address the exception applies to (`aws_rds_cluster_instance.instance`; an address
   * without an index also covers its `[0]`, `["key"]` instances).
   * @default every finding of the rule
   */
  readonly address?: string;
  /** Why the finding is acceptable (at least 10 characters). */
  readonly reason: string;
}

/** What the rules know about the environment the plan is for. */
export interface PolicyContext {
  /** Environment name, e.g. `dev`. */
  readonly environment: string;
  /** Production environments get the strictest reading of every rule. */
  readonly production: boolean;
  /** Ingress from outside private address space that is intended. */
  readonly allowedIngress: readonly AllowedIngress[];
  /** Tag keys every taggable resource must carry (after provider default tags are merged). */
  readonly requiredTags: readonly string[];
  /** Accepted findings. */
  readonly exceptions: readonly PolicyException[];
}

/** A rule violation found in a plan. */
export interface Finding {
  /** Rule id. */
  readonly rule: string;
  /** The rule's severity. */
  readonly severity: Severity;
  /** The rule's title. */
  readonly title: string;
  /** Address of the offending resource (`aws_s3_bucket.state`, `module.x.aws_iam_policy.p[0]`). */
  readonly address: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** A thing a rule could not decide, e.g. a value that is only known after apply. Never fails a review. */
export interface Note {
  /** Rule id. */
  readonly rule: string;
  /** Resource address. */
  readonly address: string;
  /** What could not be checked and why. */
  readonly message: string;
  /** `unverified`: the rule could not check it; `info`: allowed by the environment's settings. */
  readonly kind: "unverified" | "info";
}

/** A policy rule. */
export interface Rule {
  /** Stable id, `HRC-<AREA>-<NNN>`. */
  readonly id: string;
  /** Severity of every finding of this rule. */
  readonly severity: Severity;
  /** One-line summary of what must hold. */
  readonly title: string;
  /** Why it matters. */
  readonly rationale: string;
  /** Return the violations in `plan`. Unverifiable cases go to `plan.note(...)`. */
  check(plan: PlanView, ctx: PolicyContext): Finding[];
}
