/**
 * CloudWatch Logs helpers shared by the modules that create log groups
 * (compute, api): the retention periods CloudWatch accepts, checked before
 * Terraform runs so a typo fails at synth time rather than at apply time.
 */
import { z } from "zod";
import { fail } from "./core";

/**
 * Retention periods (days) that `aws_cloudwatch_log_group.retention_in_days`
 * accepts. `0` keeps the events forever.
 */
export const LOG_RETENTION_DAYS: readonly number[] = [
  0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Check `value` is a retention period CloudWatch Logs accepts; returns it. */
export function validateLogRetention(field: string, value: number): number {
  if (!LOG_RETENTION_DAYS.includes(value)) {
    fail(
      field,
      value,
      `must be one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
    );
  }
  return value;
}

/** The rule a bad retention breaks, for messages and the JSON Schema. */
export const LOG_RETENTION_RULE =
  "must be a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days)";

/**
 * A retention in days as a zod schema: one of {@link LOG_RETENTION_DAYS}
 * except 0 (environment files always set a retention).
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 */
export const logRetentionSchema = z.literal(
  LOG_RETENTION_DAYS.filter((d) => d !== 0),
  { error: LOG_RETENTION_RULE },
);
