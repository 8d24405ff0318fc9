/**
 * Database and encryption-at-rest rules.
 */
import type { Finding, Rule } from "../types";
import { finding, isPending, isUnset, noteUnknown, show } from "./util";

/** HRC-DB-001: database instances are not publicly accessible. */
export const databaseNotPublic: Rule = {
  id: "HRC-DB-001",
  severity: "critical",
  title: "Database instances are not publicly accessible",
  rationale:
    "A publicly accessible instance gets a public DNS name and IP; its only protection is the security " +
    "group and the password. Only a development environment that says so (database.publiclyAccessible) " +
    "may have one, never production. Unset is not safe: when publicly_accessible is not given, AWS makes " +
    "the instance public if its subnets' VPC has an internet gateway, as this project's VPC does.",
  check(plan, ctx) {
    const out: Finding[] = [];
    for (const r of plan.resources("aws_rds_cluster_instance", "aws_db_instance")) {
      const v = r.get("publicly_accessible");
      if (v === false) continue;
      if (isPending(v)) {
        noteUnknown(plan, this, r, "publicly_accessible", v);
      } else if (v === true) {
        if (ctx.allowPublicDatabase && !ctx.production) {
          plan.note(
            this.id,
            r.address,
            `publicly accessible, allowed for environment ${ctx.environment}`,
            "info",
          );
        } else if (ctx.production) {
          out.push(finding(this, r, "publicly_accessible is true; production databases are never public"));
        } else {
          out.push(
            finding(
              this,
              r,
              `publicly_accessible is true but environment ${ctx.environment} does not allow a public database ` +
                "(database.publiclyAccessible); set publicly_accessible = false",
            ),
          );
        }
      } else {
        out.push(
          finding(
            this,
            r,
            `publicly_accessible is not set (${show(v)}): AWS then makes the instance public when its VPC ` +
              "has an internet gateway; set it to false explicitly",
          ),
        );
      }
    }
    return out;
  },
};

/** HRC-ENC-001: database storage is encrypted at rest. */
export const databaseEncrypted: Rule = {
  id: "HRC-ENC-001",
  severity: "high",
  title: "Database storage is encrypted at rest",
  rationale:
    "Encryption at rest cannot be turned on for an existing cluster without a snapshot-and-restore, " +
    "so it must be right from the start. The RDS API leaves a provisioned Aurora cluster or an RDS " +
    "instance unencrypted unless storage_encrypted is true.",
  check(plan) {
    const out: Finding[] = [];
    for (const r of plan.resources("aws_rds_cluster", "aws_db_instance")) {
      const v = r.get("storage_encrypted");
      if (v === true) continue;
      if (isPending(v)) noteUnknown(plan, this, r, "storage_encrypted", v);
      else if (v === false) out.push(finding(this, r, "storage_encrypted is false; set it to true"));
      else if (isUnset(v)) {
        out.push(
          finding(this, r, "storage_encrypted is not set (the RDS default is unencrypted); set it to true"),
        );
      }
    }
    return out;
  },
};

/** HRC-ENC-002: production secrets use a customer-managed KMS key. */
export const secretsUseCustomerKey: Rule = {
  id: "HRC-ENC-002",
  severity: "medium",
  title: "Production secrets are encrypted with a customer-managed KMS key",
  rationale:
    "Secrets Manager always encrypts, by default with the AWS managed key aws/secretsmanager, which " +
    "every principal in the account with secret access can use and whose policy cannot be changed. A " +
    "customer-managed key (kms_key_id) adds a key policy as a second gate and its own audit trail. " +
    "Checked in production only.",
  check(plan, ctx) {
    if (!ctx.production) return [];
    const out: Finding[] = [];
    for (const r of plan.resources("aws_secretsmanager_secret")) {
      const v = r.get("kms_key_id");
      if (isPending(v)) continue; // a reference to a key created alongside: a customer-managed key
      if (isUnset(v) || v === "" || (typeof v === "string" && /alias\/aws\/secretsmanager$/.test(v))) {
        out.push(
          finding(
            this,
            r,
            "kms_key_id is not set, so the secret uses the AWS managed key aws/secretsmanager",
          ),
        );
      }
    }
    return out;
  },
};
