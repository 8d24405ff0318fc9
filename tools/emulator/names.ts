/**
 * Physical names of a synthesized stack, read from its Terraform JSON: what
 * the SDK checks look for (so they follow whatever naming rule the stacks
 * apply) and what two environments in one account must not share.
 */
import type { TfJson } from "../offline-plan/standins";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Name arguments, per resource type, whose value must be unique in an account
 * and region; and the HTTP API's name, which AWS does not require to be
 * unique, but by which the checks tell two environments' APIs apart.
 */
const ACCOUNT_UNIQUE: Readonly<Record<string, readonly string[]>> = {
  aws_lambda_function: ["function_name"],
  aws_secretsmanager_secret: ["name"],
  aws_iam_role: ["name"],
  aws_iam_policy: ["name"],
  aws_cloudwatch_log_group: ["name"],
  aws_cloudwatch_metric_alarm: ["alarm_name"],
  aws_cloudwatch_dashboard: ["dashboard_name"],
  aws_rds_cluster: ["cluster_identifier", "final_snapshot_identifier"],
  aws_rds_cluster_instance: ["identifier"],
  aws_rds_cluster_parameter_group: ["name"],
  aws_db_subnet_group: ["name"],
  aws_sns_topic: ["name"],
  aws_kms_alias: ["name"],
  aws_apigatewayv2_api: ["name"],
  aws_s3_bucket: ["bucket"],
};

/** A literal value (not a Terraform expression). */
function literal(v: unknown): string | undefined {
  return typeof v === "string" && !v.includes("${") ? v : undefined;
}

/** `type.argument = value` for every account-unique literal name of the stack. */
export function accountUniqueNames(doc: TfJson): Map<string, string> {
  const out = new Map<string, string>();
  const resources = (doc.resource ?? {}) as Resources;
  for (const [type, args] of Object.entries(ACCOUNT_UNIQUE))
    for (const [name, cfg] of Object.entries(resources[type] ?? {}))
      for (const arg of args) {
        const value = literal(cfg[arg]);
        if (value) out.set(`${type}.${name}.${arg}`, `${type}.${arg} = ${value}`);
      }
  return out;
}

/** Names two stacks would both claim in one account and region (sorted, `type.argument = value`). */
export function nameCollisions(a: TfJson, b: TfJson): string[] {
  const left = new Set(accountUniqueNames(a).values());
  return [...new Set([...accountUniqueNames(b).values()].filter((n) => left.has(n)))].sort();
}

/** The names the SDK checks look for, from the synthesized stack. */
export interface StackNames {
  /** Every function's name, and the db-bootstrap function's (the one whose invocation runs migrations). */
  readonly functions: readonly string[];
  readonly bootstrapFunction?: string;
  /** The application's database role the bootstrap function creates (its `APP_ROLE_NAME`). */
  readonly appRoleName?: string;
  /** The function of a secret rotation (`aws_secretsmanager_secret_rotation.rotation_lambda_arn`), if any. */
  readonly rotationFunction?: string;
  /** Security group names by role (`app`, `database`, `endpoint`), from the construct ids. */
  readonly securityGroups: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  readonly logGroups: readonly string[];
  readonly roles: readonly string[];
  readonly clusterIdentifier?: string;
  readonly instanceIdentifiers: readonly string[];
  readonly finalSnapshotIdentifier?: string;
  readonly apiName?: string;
  /** Tags of the VPC (`Name`, `Environment`, ...). */
  readonly vpcTags: Readonly<Record<string, string>>;
}

function literals(resources: Resources, type: string, arg: string): string[] {
  return Object.values(resources[type] ?? {})
    .map((cfg) => literal(cfg[arg]))
    .filter((v): v is string => !!v)
    .sort();
}

/** The names of {@link StackNames} from a synthesized (or scratch) stack. */
export function stackNames(doc: TfJson): StackNames {
  const resources = (doc.resource ?? {}) as Resources;
  const fns = resources.aws_lambda_function ?? {};
  const invoked = Object.values(resources.aws_lambda_invocation ?? {}).map((c) =>
    String(c.function_name ?? ""),
  );
  const bootstrapKey = Object.keys(fns).find((k) =>
    invoked.some((ref) => ref.includes(`aws_lambda_function.${k}.`)),
  );
  const rotationRef = String(
    Object.values(resources.aws_secretsmanager_secret_rotation ?? {})[0]?.rotation_lambda_arn ?? "",
  );
  const rotationKey = Object.keys(fns).find((k) => rotationRef.includes(`aws_lambda_function.${k}.`));
  const bootstrapVariables = (
    bootstrapKey
      ? (fns[bootstrapKey].environment as { variables?: Record<string, unknown> } | undefined)
      : undefined
  )?.variables;
  const securityGroups: Record<string, string> = {};
  for (const [key, cfg] of Object.entries(resources.aws_security_group ?? {})) {
    const role = /(?:^|_)([a-z]+)-sg_/.exec(key)?.[1];
    const name = literal(cfg.name);
    if (role && name) securityGroups[role] = name;
  }
  const cluster = Object.values(resources.aws_rds_cluster ?? {})[0];
  const vpc = Object.values(resources.aws_vpc ?? {})[0];
  return {
    functions: literals(resources, "aws_lambda_function", "function_name"),
    bootstrapFunction: bootstrapKey ? literal(fns[bootstrapKey].function_name) : undefined,
    appRoleName: literal(bootstrapVariables?.APP_ROLE_NAME),
    rotationFunction: rotationKey ? literal(fns[rotationKey].function_name) : undefined,
    securityGroups,
    secrets: literals(resources, "aws_secretsmanager_secret", "name"),
    logGroups: literals(resources, "aws_cloudwatch_log_group", "name"),
    roles: literals(resources, "aws_iam_role", "name"),
    clusterIdentifier: literal(cluster?.cluster_identifier),
    instanceIdentifiers: literals(resources, "aws_rds_cluster_instance", "identifier"),
    finalSnapshotIdentifier: cluster?.skip_final_snapshot
      ? undefined
      : literal(cluster?.final_snapshot_identifier),
    apiName: literal(Object.values(resources.aws_apigatewayv2_api ?? {})[0]?.name),
    vpcTags: Object.fromEntries(
      Object.entries((vpc?.tags ?? {}) as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === "string",
      ),
    ),
  };
}
