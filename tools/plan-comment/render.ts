/**
 * The pull-request comment of one stack's plan, as markdown: a hidden marker
 * (so a workflow updates the stack's one comment instead of adding another),
 * replacements and deletions of stateful resources first, the changes by
 * resource type, the policy review's findings and the monthly cost delta.
 */
import { changeKind, summarizePlan, type ChangeKind } from "../offline-plan/summary";

/** The hidden marker that identifies a stack's comment. */
export function commentMarker(stack: string): string {
  return `<!-- plan-comment:${stack} -->`;
}

/**
 * Resource types whose replacement or deletion loses data or breaks what
 * depends on them: databases, secrets, keys, buckets, log groups, subnets
 * (their network interfaces go with them).
 */
export const STATEFUL_TYPES: readonly string[] = [
  "aws_rds_cluster",
  "aws_rds_cluster_instance",
  "aws_db_instance",
  "aws_db_subnet_group",
  "aws_secretsmanager_secret",
  "aws_secretsmanager_secret_version",
  "aws_kms_key",
  "aws_s3_bucket",
  "aws_s3_bucket_versioning",
  "aws_cloudwatch_log_group",
  "aws_subnet",
  "aws_vpc",
  "aws_iam_openid_connect_provider",
];

/** True for a stateful type (also every `aws_db_*`). */
export function isStateful(type: string): boolean {
  return STATEFUL_TYPES.includes(type) || type.startsWith("aws_db_");
}

/** One resource change of `terraform show -json`, as far as the comment reads it. */
export interface PlanResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: string;
  readonly action_reason?: string;
  readonly change: { readonly actions: readonly string[]; readonly replace_paths?: readonly unknown[] };
}

/** The parts of a plan JSON the comment reads. */
export interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly PlanResourceChange[];
}

/** One policy or checkov finding for the comment. */
export interface CommentFinding {
  /** Rule or check id (`HRC-IAM-001`, `CKV_AWS_18`). */
  readonly id: string;
  /** `critical`, `high`, ... or `checkov`. */
  readonly severity: string;
  readonly address: string;
  readonly message: string;
}

/** The policy review's outcome for the comment. */
export interface CommentReview {
  readonly ok: boolean;
  /** Findings that fail the review. */
  readonly failed: readonly CommentFinding[];
  /** Findings accepted by an exception or skip (counted only). */
  readonly accepted: number;
  /** e.g. `checkov 3.3.30: 86 passed, 0 failed`. */
  readonly summary?: string;
}

/** Monthly cost of the base and head branches, in cents. */
export interface CommentCost {
  readonly baseCents?: number;
  readonly headCents: number;
  /** Items whose cost changed, e.g. `Aurora Serverless v2 capacity: $73.00 -> $146.00`. */
  readonly changedLines?: readonly string[];
}

/** Inputs of {@link renderPlanComment}. */
export interface PlanCommentInput {
  readonly stack: string;
  readonly plan: PlanJson;
  readonly review?: CommentReview;
  readonly cost?: CommentCost;
  /** Link to the workflow run with the full plan. */
  readonly runUrl?: string;
}

/** A replaced or deleted stateful resource. */
export interface StatefulChange {
  readonly address: string;
  readonly type: string;
  readonly kind: "replace" | "delete";
  /** Why Terraform replaces it (`replace_because_cannot_update`, ...) and the forcing attributes. */
  readonly reason?: string;
}

/** Replacements and deletions of stateful resources, replacements first. */
export function statefulChanges(plan: PlanJson): StatefulChange[] {
  const out: StatefulChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    if (rc.mode === "data" || !isStateful(rc.type)) continue;
    const kind = changeKind(rc.change.actions);
    if (kind !== "replace" && kind !== "delete") continue;
    const paths = (rc.change.replace_paths ?? []).map((p) => (Array.isArray(p) ? p.join(".") : String(p)));
    const reason =
      [rc.action_reason, paths.length ? `forced by ${paths.join(", ")}` : undefined]
        .filter(Boolean)
        .join("; ") || undefined;
    out.push({ address: rc.address, type: rc.type, kind, reason });
  }
  const rank = (t: string) => {
    const i = STATEFUL_TYPES.indexOf(t);
    return i < 0 ? STATEFUL_TYPES.length : i;
  };
  return out.sort(
    (a, b) =>
      (a.kind === b.kind ? 0 : a.kind === "replace" ? -1 : 1) ||
      rank(a.type) - rank(b.type) ||
      a.address.localeCompare(b.address),
  );
}

/** `$1,234.56` from cents. */
export function formatUsd(cents: number): string {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(Math.round(cents));
  const dollars = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, "0")}`;
}

/** Markdown-safe inline code (backticks in the text are replaced). */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Markdown-safe table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

const KINDS: readonly ChangeKind[] = ["create", "update", "replace", "delete"];

/** Render one stack's comment. */
export function renderPlanComment(input: PlanCommentInput): string {
  const { stack, plan } = input;
  const summary = summarizePlan(plan);
  const t = summary.totals;
  const stateful = statefulChanges(plan);
  const noChanges = KINDS.every((k) => t[k] === 0);
  const lines: string[] = [commentMarker(stack)];

  const status = input.review && !input.review.ok ? "policy review FAILED" : "";
  lines.push(`### Plan for ${code(stack)}${status ? ` (${status})` : ""}`);
  lines.push("");
  lines.push(
    noChanges
      ? "No changes."
      : `**${t.create} to create, ${t.update} to update, ${t.replace} to replace, ${t.delete} to delete.**`,
  );

  if (stateful.length > 0) {
    lines.push("");
    lines.push(`> [!CAUTION]`);
    lines.push(`> **${stateful.length} stateful resource(s) replaced or deleted; review these first:**`);
    for (const s of stateful) {
      lines.push(`> - **${s.kind}** ${code(s.address)}${s.reason ? ` (${cell(s.reason)})` : ""}`);
    }
  }

  const types = Object.keys(summary.byType).sort((a, b) => {
    const sa = isStateful(a) ? 0 : 1;
    const sb = isStateful(b) ? 0 : 1;
    return sa - sb || a.localeCompare(b);
  });
  if (types.length > 0) {
    lines.push("");
    lines.push("| resource type | create | update | replace | delete |");
    lines.push("| --- | ---: | ---: | ---: | ---: |");
    for (const type of types) {
      const c = summary.byType[type];
      lines.push(`| ${code(type)} | ${KINDS.map((k) => (c[k] ? `**${c[k]}**` : "0")).join(" | ")} |`);
    }
  }

  if (input.review) {
    const r = input.review;
    lines.push("");
    lines.push(
      `**Policy review:** ${r.ok ? "pass" : "FAIL"}, ${r.failed.length} failing finding(s), ${r.accepted} accepted by an exception or skip.`,
    );
    if (r.summary) lines.push(`${r.summary}`);
    if (r.failed.length > 0) {
      lines.push("");
      lines.push("| check | severity | resource | finding |");
      lines.push("| --- | --- | --- | --- |");
      for (const f of r.failed) {
        lines.push(`| ${code(f.id)} | ${cell(f.severity)} | ${code(f.address)} | ${cell(f.message)} |`);
      }
    }
  }

  if (input.cost) {
    const c = input.cost;
    lines.push("");
    if (c.baseCents === undefined) {
      lines.push(`**Estimated monthly cost:** ${formatUsd(c.headCents)} (no estimate for the base branch).`);
    } else {
      const delta = c.headCents - c.baseCents;
      const pct =
        c.baseCents === 0 ? "" : ` (${delta >= 0 ? "+" : ""}${((delta / c.baseCents) * 100).toFixed(1)}%)`;
      lines.push(
        `**Estimated monthly cost:** ${formatUsd(c.baseCents)} -> ${formatUsd(c.headCents)}, ` +
          `${delta === 0 ? "no change" : `${delta > 0 ? "+" : ""}${formatUsd(delta)}${pct}`}.`,
      );
    }
    for (const l of c.changedLines ?? []) lines.push(`- ${cell(l)}`);
  }

  if (input.runUrl) {
    lines.push("");
    lines.push(`[Full plan and logs](${input.runUrl})`);
  }
  return `${lines.join("\n")}\n`;
}
