/**
 * Naming rules of AWS identifiers that several modules validate: S3 bucket
 * names (regions and zones: ./regions.ts). Each rule has a `...Problem` function that returns
 * the broken rule as text (for zod refinements) and a `validate...` function
 * that throws a {@link ConfigError} naming the field.
 */
import { fail } from "./core";

/** Options for {@link s3BucketNameProblem}. */
export interface S3BucketNameOptions {
  /**
   * Accept periods in the name. AWS allows them, but a dotted name breaks the
   * TLS certificate check of virtual-hosted-style HTTPS requests
   * (`my.bucket.s3.amazonaws.com` does not match `*.s3.amazonaws.com`).
   * @default false
   */
  readonly allowPeriods?: boolean;
}

const BUCKET_CHARS_RE = /^[a-z0-9.-]+$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"] as const;
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] as const;

/**
 * The S3 general purpose bucket naming rule `name` breaks, or `undefined`
 * when it is valid.
 */
export function s3BucketNameProblem(name: string, options: S3BucketNameOptions = {}): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be 3-63 characters long";
  if (!BUCKET_CHARS_RE.test(name)) return "must contain only lower-case letters, digits, hyphens and periods";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or digit";
  if (name.includes("..")) return "must not contain two adjacent periods";
  if (IPV4_RE.test(name)) return "must not be formatted as an IP address";
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `must not start with the reserved prefix "${prefix}"`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `must not end with the reserved suffix "${suffix}"`;
  if (!options.allowPeriods && name.includes(".")) {
    return "must not contain periods (HTTPS requests to a dotted bucket name fail the certificate check)";
  }
  return undefined;
}

/** Validate an S3 bucket name; throws a ConfigError naming `field`. */
export function validateS3BucketName(
  field: string,
  value: string,
  options: S3BucketNameOptions = {},
): string {
  const problem = s3BucketNameProblem(value, options);
  if (problem) fail(field, value, problem);
  return value;
}

/** One naming rule of an AWS resource type. */
interface NameRule {
  /** What the name is, for messages. */
  readonly what: string;
  readonly min: number;
  readonly max: number;
  /** Allowed characters (whole-name test) and their description. */
  readonly chars: RegExp;
  readonly charsText: string;
  /** Extra checks: each returns the broken rule or undefined. */
  readonly extra?: ReadonlyArray<(name: string) => string | undefined>;
}

const noPrefix = (prefix: string, why: string) => (name: string) =>
  name.toLowerCase().startsWith(prefix) ? `must not start with "${prefix}" (${why})` : undefined;
const rdsIdentifier = (name: string) =>
  !/^[a-z]/i.test(name) || name.endsWith("-") || name.includes("--")
    ? "must start with a letter and contain no two consecutive hyphens and no trailing hyphen"
    : undefined;

/**
 * Naming rules of every AWS name an environment file can set or derive, keyed
 * by Terraform resource type and attribute.
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName)
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (RoleName)
 * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html (PolicyName)
 * @see https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html (logGroupName)
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name)
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html (DBClusterIdentifier)
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html (DBSubnetGroupName)
 * @see https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name)
 * @see https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html (AliasName)
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html (AlarmName)
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html (DashboardName)
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html (GroupName)
 */
export const AWS_NAME_RULES: Readonly<Record<string, NameRule>> = {
  "aws_lambda_function.function_name": {
    what: "Lambda function name",
    min: 1,
    max: 64,
    chars: /^[A-Za-z0-9_-]+$/,
    charsText: "letters, digits, hyphens and underscores",
  },
  "aws_iam_role.name": {
    what: "IAM role name",
    min: 1,
    max: 64,
    chars: /^[\w+=,.@-]+$/,
    charsText: "letters, digits and +=,.@_-",
  },
  "aws_iam_policy.name": {
    what: "IAM policy name",
    min: 1,
    max: 128,
    chars: /^[\w+=,.@-]+$/,
    charsText: "letters, digits and +=,.@_-",
  },
  "aws_iam_role_policy.name": {
    what: "IAM inline policy name",
    min: 1,
    max: 128,
    chars: /^[\w+=,.@-]+$/,
    charsText: "letters, digits and +=,.@_-",
  },
  "aws_cloudwatch_log_group.name": {
    what: "CloudWatch Logs log group name",
    min: 1,
    max: 512,
    chars: /^[.\-_/#A-Za-z0-9]+$/,
    charsText: "letters, digits and ._-/#",
    extra: [noPrefix("aws/", "reserved for AWS services")],
  },
  "aws_secretsmanager_secret.name": {
    what: "Secrets Manager secret name",
    min: 1,
    max: 512,
    chars: /^[A-Za-z0-9/_+=.@-]+$/,
    charsText: "letters, digits and /_+=.@-",
    extra: [
      (n) =>
        /-[A-Za-z0-9]{6}$/.test(n)
          ? "must not end with a hyphen and six characters (Secrets Manager appends such a suffix to ARNs)"
          : undefined,
    ],
  },
  "aws_rds_cluster.cluster_identifier": {
    what: "Aurora cluster identifier",
    min: 1,
    max: 63,
    chars: /^[a-z0-9-]+$/,
    charsText: "lower-case letters, digits and hyphens",
    extra: [rdsIdentifier],
  },
  "aws_rds_cluster_instance.identifier": {
    what: "Aurora instance identifier",
    min: 1,
    max: 63,
    chars: /^[a-z0-9-]+$/,
    charsText: "lower-case letters, digits and hyphens",
    extra: [rdsIdentifier],
  },
  "aws_db_subnet_group.name": {
    what: "DB subnet group name",
    min: 1,
    max: 255,
    chars: /^[a-z0-9 ._-]+$/,
    charsText: "lower-case letters, digits, spaces and ._-",
    extra: [(n) => (n === "default" ? 'must not be "default"' : undefined)],
  },
  "aws_rds_cluster_parameter_group.name": {
    what: "DB cluster parameter group name",
    min: 1,
    max: 255,
    chars: /^[a-z0-9-]+$/,
    charsText: "lower-case letters, digits and hyphens",
    extra: [rdsIdentifier],
  },
  "aws_sns_topic.name": {
    what: "SNS topic name",
    min: 1,
    max: 256,
    chars: /^[A-Za-z0-9_-]+$/,
    charsText: "letters, digits, hyphens and underscores",
  },
  "aws_kms_alias.name": {
    what: "KMS alias",
    min: 7,
    max: 256,
    chars: /^alias\/[A-Za-z0-9/_-]+$/,
    charsText: "alias/ followed by letters, digits and /_-",
    extra: [noPrefix("alias/aws/", "reserved for AWS managed keys")],
  },
  "aws_cloudwatch_metric_alarm.alarm_name": {
    what: "CloudWatch alarm name",
    min: 1,
    max: 255,
    chars: /^[\x20-\x7e]+$/,
    charsText: "printable ASCII characters",
  },
  "aws_cloudwatch_dashboard.dashboard_name": {
    what: "CloudWatch dashboard name",
    min: 1,
    max: 255,
    chars: /^[A-Za-z0-9_-]+$/,
    charsText: "letters, digits, hyphens and underscores",
  },
  "aws_security_group.name": {
    what: "security group name",
    min: 1,
    max: 255,
    chars: /^[\x20-\x7e]+$/,
    charsText: "printable ASCII characters",
    extra: [noPrefix("sg-", "reserved for security group ids")],
  },
  "aws_apigatewayv2_api.name": {
    what: "HTTP API name",
    min: 1,
    max: 128,
    chars: /^[\x20-\x7e]+$/,
    charsText: "printable ASCII characters",
  },
};

/**
 * The naming rule `name` breaks for the resource attribute `key`
 * (`<terraform type>.<attribute>`, a key of {@link AWS_NAME_RULES}), or
 * `undefined` when it is valid or the attribute has no rule here.
 */
export function awsNameProblem(key: string, name: string): string | undefined {
  const rule = AWS_NAME_RULES[key];
  if (!rule) return undefined;
  if (name.length < rule.min || name.length > rule.max) {
    return `must be ${rule.min}-${rule.max} characters for a ${rule.what} (it has ${name.length})`;
  }
  if (!rule.chars.test(name)) return `must contain only ${rule.charsText} (${rule.what})`;
  for (const check of rule.extra ?? []) {
    const problem = check(name);
    if (problem) return `${problem} (${rule.what})`;
  }
  return undefined;
}

/**
 * Limits of resource tags: at most 50 per resource, keys of 1-128 and values
 * of 0-256 Unicode letters, digits, spaces and `_.:/=+-@`, and keys starting
 * with `aws:` are reserved for AWS.
 * @see https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
 */
export const TAG_LIMITS = { maxTags: 50, keyMax: 128, valueMax: 256 } as const;
const TAG_CHARS_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** The problem with one tag key, or `undefined`. */
export function tagKeyProblem(key: string): string | undefined {
  if (key.length < 1 || key.length > TAG_LIMITS.keyMax) return `must be 1-${TAG_LIMITS.keyMax} characters`;
  if (!TAG_CHARS_RE.test(key)) return "must contain only letters, digits, spaces and _.:/=+-@";
  if (key.toLowerCase().startsWith("aws:")) return 'must not start with "aws:" (reserved for AWS)';
  return undefined;
}

/** The problem with one tag value, or `undefined`. */
export function tagValueProblem(value: string): string | undefined {
  if (value.length > TAG_LIMITS.valueMax) return `must be at most ${TAG_LIMITS.valueMax} characters`;
  if (!TAG_CHARS_RE.test(value)) return "must contain only letters, digits, spaces and _.:/=+-@";
  return undefined;
}
