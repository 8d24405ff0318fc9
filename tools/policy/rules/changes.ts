/**
 * Change review rule: destroying or replacing a stateful resource needs a human.
 */
import { traversalText } from "../template";
import type { Finding, Rule } from "../types";
import { finding } from "./util";

/** Resource types whose replacement or deletion loses data or breaks every consumer. */
export const STATEFUL_TYPES: readonly string[] = [
  "aws_rds_cluster",
  "aws_rds_cluster_instance",
  "aws_db_instance",
  "aws_secretsmanager_secret",
  "aws_s3_bucket",
  "aws_kms_key",
  "aws_dynamodb_table",
  "aws_efs_file_system",
  // A new random_password means a new database password (and a secret the application must re-read).
  "random_password",
];

/** HRC-CHG-001: replacement or deletion of stateful resources is reviewed. */
export const statefulChangeReview: Rule = {
  id: "HRC-CHG-001",
  severity: "high",
  title: "Replacing or destroying a stateful resource requires review",
  rationale:
    "A replacement (delete + create) of a database, secret, bucket or key loses its data, or for a " +
    "KMS key makes everything encrypted with it unreadable, and is often the side effect of an " +
    "innocent-looking change (a renamed construct id, an immutable argument). Such a plan fails " +
    "until a person has reviewed it and recorded an exception with the reason.",
  check(plan) {
    const out: Finding[] = [];
    for (const r of plan.all()) {
      if (r.mode !== "managed" || !STATEFUL_TYPES.includes(r.type) || !r.actions.includes("delete")) continue;
      const reason = r.actionReason ? ` (${r.actionReason})` : "";
      if (r.isReplace) {
        const order = r.actions[0] === "create" ? "create before destroy" : "destroy then create";
        const forced = r.replacePaths.map((p) => traversalText(p)).join(", ");
        out.push(
          finding(
            this,
            r,
            `review required: will be REPLACED (${order})${reason}` +
              (forced ? `; forced by changes to ${forced}` : "") +
              "; its data or identity is lost unless migrated",
          ),
        );
      } else {
        out.push(finding(this, r, `review required: will be DESTROYED${reason}`));
      }
    }
    return out;
  },
};
