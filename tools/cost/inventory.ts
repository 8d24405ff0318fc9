/**
 * What a stack really deploys, counted from its synthesized Terraform JSON
 * (`cdk.tf.json`): the billable resources the cost estimate prices. Reading
 * the synthesized stack instead of the environment file means every module
 * decision is counted as made (interface endpoints x their subnets, the keys,
 * alarms, dashboards, log groups and secrets that exist, NAT gateways if any,
 * Aurora's capacity range and auto-pause).
 */
import { Testing } from "cdktf";
import { HrChatbotStack } from "../../stacks/hr-chatbot-stack";
import type { EnvConfig } from "../../stacks/config/schema";

/** A synthesized stack: the parts of `cdk.tf.json` read here. */
export interface StackJson {
  readonly provider?: { readonly aws?: readonly { readonly region?: string }[] };
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly output?: Readonly<Record<string, { readonly value?: unknown }>>;
}

/** A log group and how long it keeps its events. */
export interface LogGroupCount {
  readonly name: string;
  readonly retentionDays: number;
  /** The group receives VPC flow logs (priced on its own line). */
  readonly flowLogs: boolean;
}

/** The billable resources of one stack. */
export interface StackInventory {
  /** Region of the aws provider. */
  readonly region: string;
  /** Aurora Serverless v2: instances and the cluster's scaling configuration; undefined without a cluster. */
  readonly aurora?: {
    readonly instances: number;
    readonly minCapacity: number;
    readonly maxCapacity: number;
    /** Only with minCapacity 0; undefined means AWS's default (300 s). */
    readonly secondsUntilAutoPause?: number;
    /** Instances with Performance Insights on. */
    readonly performanceInsightsInstances: number;
    /** The master password is an RDS-managed secret (`manage_master_user_password`). */
    readonly managedMasterSecret: boolean;
  };
  /** Interface VPC endpoints, by service name, with the number of subnets (AZs) each is in. */
  readonly interfaceEndpoints: readonly { readonly service: string; readonly azs: number }[];
  /** NAT gateways. */
  readonly natGateways: number;
  /** The backend function (the stack output `function_name`): memory and provisioned concurrency. */
  readonly backendFunction?: { readonly memoryMb: number; readonly provisionedConcurrency?: number };
  /** Every log group. */
  readonly logGroups: readonly LogGroupCount[];
  readonly alarms: number;
  readonly dashboards: number;
  /** Secrets Manager secrets the stack creates (names). */
  readonly secrets: readonly string[];
  /** Customer managed KMS keys, labelled by the construct that made them (e.g. `observability`). */
  readonly kmsKeys: readonly string[];
}

const REF = /^\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/;

/** The resource a `${type.name.attr}` reference points at. */
function referenced(value: unknown): { type: string; name: string } | undefined {
  const m = typeof value === "string" ? REF.exec(value) : null;
  return m ? { type: m[1], name: m[2] } : undefined;
}

/** Count the billable resources of a synthesized stack. */
export function inventoryOf(stack: StackJson): StackInventory {
  const resources = stack.resource ?? {};
  const all = (type: string) => Object.entries(resources[type] ?? {});
  const region = stack.provider?.aws?.[0]?.region;
  if (!region) throw new Error("the synthesized stack has no aws provider region");

  const clusters = all("aws_rds_cluster");
  if (clusters.length > 1) throw new Error(`the stack has ${clusters.length} Aurora clusters; one is priced`);
  let aurora: StackInventory["aurora"];
  if (clusters.length === 1) {
    const cluster = clusters[0][1];
    const scalingList = cluster.serverlessv2_scaling_configuration;
    const scaling = (Array.isArray(scalingList) ? scalingList[0] : scalingList) as
      { min_capacity?: number; max_capacity?: number; seconds_until_auto_pause?: number } | undefined;
    if (scaling?.min_capacity === undefined || scaling.max_capacity === undefined) {
      throw new Error("the Aurora cluster has no Serverless v2 scaling configuration");
    }
    const instances = all("aws_rds_cluster_instance").map(([, i]) => i);
    aurora = {
      instances: instances.length,
      minCapacity: scaling.min_capacity,
      maxCapacity: scaling.max_capacity,
      secondsUntilAutoPause: scaling.seconds_until_auto_pause,
      performanceInsightsInstances: instances.filter((i) => i.performance_insights_enabled === true).length,
      managedMasterSecret: cluster.manage_master_user_password === true,
    };
  }

  const interfaceEndpoints = all("aws_vpc_endpoint")
    .map(([, e]) => e)
    .filter((e) => e.vpc_endpoint_type === "Interface")
    .map((e) => ({
      service: String(e.service_name),
      azs: Array.isArray(e.subnet_ids) ? e.subnet_ids.length : 0,
    }));

  const fnRef = referenced(stack.output?.function_name?.value);
  const fn = fnRef?.type === "aws_lambda_function" ? resources.aws_lambda_function?.[fnRef.name] : undefined;
  const provisioned = all("aws_lambda_provisioned_concurrency_config")
    .map(([, p]) => p)
    .filter((p) => referenced(p.function_name)?.name === fnRef?.name)
    .reduce((sum, p) => sum + Number(p.provisioned_concurrent_executions), 0);
  const backendFunction = fn
    ? {
        memoryMb: Number(fn.memory_size ?? 128),
        ...(provisioned > 0 ? { provisionedConcurrency: provisioned } : {}),
      }
    : undefined;

  const flowLogGroups = new Set(
    all("aws_flow_log")
      .map(([, f]) => referenced(f.log_destination))
      .filter((r) => r?.type === "aws_cloudwatch_log_group")
      .map((r) => r!.name),
  );
  const logGroups = all("aws_cloudwatch_log_group").map(([id, g]) => ({
    name: String(g.name),
    retentionDays: Number(g.retention_in_days ?? 0),
    flowLogs: flowLogGroups.has(id),
  }));

  return {
    region,
    aurora,
    interfaceEndpoints,
    natGateways: all("aws_nat_gateway").length,
    backendFunction,
    logGroups,
    alarms: all("aws_cloudwatch_metric_alarm").length,
    dashboards: all("aws_cloudwatch_dashboard").length,
    secrets: all("aws_secretsmanager_secret").map(([, s]) => String(s.name)),
    kmsKeys: all("aws_kms_key").map(([id]) => id.replace(/_[0-9A-F]{8}$/, "")),
  };
}

const synthesized = new Map<string, StackJson>();

/**
 * Synthesize the stack of a validated environment in memory and return its
 * Terraform JSON (the same construct tree `npm run synth` writes).
 * @param baseDir folder relative code paths resolve against (the environment file's)
 */
export function synthesizeEnvironment(env: EnvConfig, baseDir: string = process.cwd()): StackJson {
  const key = JSON.stringify([env, baseDir]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const app = Testing.app();
  const stack = new HrChatbotStack(app, env.name, { environment: env, baseDir });
  const json = JSON.parse(Testing.synth(stack)) as StackJson;
  synthesized.set(key, json);
  return json;
}
