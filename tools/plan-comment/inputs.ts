/**
 * Turning the project's policy review and cost estimates into the comment's
 * inputs: a {@link Review} (tools/policy) or its `--json` form, and two
 * environment files (base and head branch) estimated by tools/cost.
 */
import type { PolicyResult } from "../policy/evaluate";
import type { CheckovResult } from "../policy/checkov";
import type { EnvConfig } from "../../stacks/config/schema";
import { estimateMonthlyCost, type CostEstimate } from "../cost/estimate";
import type { CommentCost, CommentReview } from "./render";

/** A review as `npm run policy -- --json` prints it (one element) or as reviewPlanFile returns it. */
export interface ReviewLike {
  readonly ok: boolean;
  readonly result: Pick<PolicyResult, "failed" | "findings">;
  readonly checkov?: Pick<CheckovResult, "version" | "passed" | "failed" | "skipped">;
}

/** The comment's view of a review: failing findings first by severity, checkov failures after. */
export function commentReview(review: ReviewLike): CommentReview {
  const failed = [
    ...review.result.failed.map((f) => ({
      id: f.rule,
      severity: f.severity,
      address: f.address,
      message: f.message,
    })),
    ...(review.checkov?.failed ?? []).map((f) => ({
      id: f.id,
      severity: "checkov",
      address: f.resource,
      message: f.name,
    })),
  ];
  const accepted =
    review.result.findings.filter((f) => f.status === "excepted").length +
    (review.checkov?.skipped.length ?? 0);
  const summary = review.checkov
    ? `checkov ${review.checkov.version}: ${review.checkov.passed} passed, ${review.checkov.failed.length} failed, ${review.checkov.skipped.length} skipped with a reason.`
    : undefined;
  return { ok: review.ok, failed, accepted, summary };
}

/** Base vs head monthly cost of an environment; `base` is absent for a new environment. */
export function commentCost(head: EnvConfig, base?: EnvConfig): CommentCost {
  const h = estimateMonthlyCost(head);
  const b = base ? estimateMonthlyCost(base) : undefined;
  return { headCents: h.totalCents, baseCents: b?.totalCents, changedLines: b ? changedLines(b, h) : [] };
}

function changedLines(base: CostEstimate, head: CostEstimate): string[] {
  const before = new Map(base.lines.map((l) => [l.item, l.cents]));
  const after = new Map(head.lines.map((l) => [l.item, l.cents]));
  const items = [...new Set([...before.keys(), ...after.keys()])];
  return items
    .filter((i) => (before.get(i) ?? 0) !== (after.get(i) ?? 0))
    .map((i) => {
      const f = (c: number | undefined) => (c === undefined ? "none" : `$${(c / 100).toFixed(2)}`);
      return `${i}: ${f(before.get(i))} -> ${f(after.get(i))}`;
    });
}
