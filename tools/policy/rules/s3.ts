/**
 * S3 bucket rules (the Terraform state bucket above all): versioning,
 * encryption, public access block. The settings live in companion resources
 * matched to their bucket through the `bucket` argument: a configuration
 * reference (`aws_s3_bucket.state.id` / `.bucket`) or an equal known name.
 */
import type { PlanView, ResourceView } from "../plan";
import type { Finding, Rule } from "../types";
import { asList, finding, isPending, noteUnknown, type RuleInfo } from "./util";

/** Companion resources of `type` that configure `bucket`. */
export function companionsOf(plan: PlanView, bucket: ResourceView, type: string): ResourceView[] {
  const name = bucket.get("bucket");
  return plan.resources(type).filter((c) => {
    if (c.refersTo(bucket, "bucket")) return true;
    const target = c.get("bucket");
    return typeof target === "string" && typeof name === "string" && target === name;
  });
}

/** Evaluate `check` on each companion; returns "ok", a problem text, or "unknown" (already noted). */
function fromCompanions(
  rule: RuleInfo,
  plan: PlanView,
  bucket: ResourceView,
  type: string,
  check: (c: ResourceView) => string | true | { pending: unknown; what: string },
): Finding[] {
  const companions = companionsOf(plan, bucket, type);
  if (companions.length === 0) return [finding(rule, bucket, `has no ${type}`)];
  const out: Finding[] = [];
  for (const c of companions) {
    const r = check(c);
    if (r === true) return [];
    if (typeof r === "string") out.push(finding(rule, bucket, `${c.address}: ${r}`));
    else {
      noteUnknown(plan, rule, c, r.what, r.pending);
      return [];
    }
  }
  return out;
}

/** HRC-S3-001: buckets are versioned. */
export const bucketVersioned: Rule = {
  id: "HRC-S3-001",
  severity: "high",
  title: "S3 buckets are versioned",
  rationale:
    "The Terraform state bucket is the only record of what is deployed; versioning is what lets a " +
    "corrupted or deleted state file be recovered. Set by aws_s3_bucket_versioning with status Enabled.",
  check(plan) {
    const out: Finding[] = [];
    for (const bucket of plan.resources("aws_s3_bucket")) {
      if (bucket.get("versioning", 0, "enabled") === true) continue; // legacy inline block
      out.push(
        ...fromCompanions(this, plan, bucket, "aws_s3_bucket_versioning", (c) => {
          const status = c.get("versioning_configuration", 0, "status");
          if (status === "Enabled") return true;
          if (isPending(status)) return { pending: status, what: "versioning_configuration.status" };
          return `versioning status is ${JSON.stringify(status ?? null)}, not "Enabled"`;
        }),
      );
    }
    return out;
  },
};

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

/** HRC-S3-002: buckets have an explicit server-side encryption configuration. */
export const bucketEncrypted: Rule = {
  id: "HRC-S3-002",
  severity: "high",
  title: "S3 buckets have a server-side encryption configuration",
  rationale:
    "State files hold every resource attribute, including generated passwords. S3 now applies " +
    "SSE-S3 to new buckets by default, but only an explicit aws_s3_bucket_server_side_encryption_configuration " +
    "puts the setting (and a KMS key, if wanted) under review and keeps it from drifting.",
  check(plan) {
    const out: Finding[] = [];
    for (const bucket of plan.resources("aws_s3_bucket")) {
      const inline = bucket.get("server_side_encryption_configuration");
      if (Array.isArray(inline) && inline.length > 0 && !isPending(inline[0])) continue; // legacy inline block
      out.push(
        ...fromCompanions(this, plan, bucket, "aws_s3_bucket_server_side_encryption_configuration", (c) => {
          const rules = asList(c.get("rule"));
          const algorithms = rules.map(
            (_, i) =>
              c.get("rule", i, "apply_server_side_encryption_by_default", 0, "sse_algorithm") as unknown,
          );
          if (algorithms.some((a) => typeof a === "string" && SSE_ALGORITHMS.includes(a))) return true;
          const pending = algorithms.find(isPending);
          if (pending !== undefined) return { pending, what: "sse_algorithm" };
          return `no rule sets apply_server_side_encryption_by_default.sse_algorithm (${SSE_ALGORITHMS.join(", ")})`;
        }),
      );
    }
    return out;
  },
};

const BLOCK_FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
];

/** HRC-S3-003: buckets block all public access. */
export const bucketPublicAccessBlocked: Rule = {
  id: "HRC-S3-003",
  severity: "critical",
  title: "S3 buckets block public access (all four settings true)",
  rationale:
    "One public ACL or bucket policy on the state bucket publishes the state, with every secret in " +
    "it. aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, " +
    "ignore_public_acls and restrict_public_buckets all true rules that out (an account-wide " +
    "aws_s3_account_public_access_block with all four true counts too).",
  check(plan) {
    const account = plan.resources("aws_s3_account_public_access_block");
    if (account.some((a) => BLOCK_FLAGS.every((f) => a.get(f) === true))) return [];
    const out: Finding[] = [];
    for (const bucket of plan.resources("aws_s3_bucket")) {
      out.push(
        ...fromCompanions(this, plan, bucket, "aws_s3_bucket_public_access_block", (c) => {
          const values = BLOCK_FLAGS.map((f) => [f, c.get(f)] as const);
          const off = values.filter(([, v]) => v !== true && !isPending(v)).map(([f]) => f);
          if (off.length > 0) return `${off.join(", ")} not true`;
          const pending = values.find(([, v]) => isPending(v));
          if (pending) return { pending: pending[1], what: pending[0] };
          return true;
        }),
      );
    }
    return out;
  },
};
