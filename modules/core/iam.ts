/**
 * IAM documents several modules build the same way.
 */
import { Fn } from "cdktf";

/**
 * Trust policy letting one AWS service assume a role, optionally limited by a
 * condition (e.g. `aws:SourceAccount`), as Terraform JSON (`jsonencode`).
 */
export function serviceTrustPolicy(service: string, condition?: Record<string, unknown>): string {
  return Fn.jsonencode({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(condition ? { Condition: condition } : {}),
      },
    ],
  });
}
