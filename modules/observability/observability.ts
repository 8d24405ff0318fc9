/**
 * Observability: an alarm topic, CloudWatch alarms on the backend Lambda
 * function, the HTTP API and the Aurora cluster, a dashboard of the same
 * metrics, and (optionally) VPC flow logs to CloudWatch Logs.
 *
 * The alarm topic is encrypted with a customer managed KMS key that this
 * construct creates, because CloudWatch alarms cannot publish to a topic
 * encrypted with the AWS managed key `alias/aws/sns`: CloudWatch needs
 * `kms:GenerateDataKey*` and `kms:Decrypt` on the topic's key, and the AWS
 * managed key's policy cannot be changed to allow it. Such a topic deploys
 * cleanly and then silently drops every alarm notification.
 *
 * Also exported: `observabilityConfigSchema`, the zod schema of the
 * environment file's `observability` section.
 */
import { z } from "zod";
import { Construct } from "constructs";
import { Annotations, Token } from "cdktf";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { BaseProps, fail, validateName, withName } from "../core";
import { policyDocument, serviceTrustPolicy } from "../core/iam";
import { arnParts } from "../core/arn";
import { logRetentionSchema, validateLogRetention } from "../core/logs";
import { validateRegion } from "../core/regions";

// ---------------------------------------------------------------------------
// Monitored resources (structural interfaces: the compute, api and database
// modules' constructs satisfy them as they are)
// ---------------------------------------------------------------------------

/** A Lambda function to watch. `VpcFunction` (modules/compute) satisfies it. */
export interface MonitoredFunction {
  /** Function name (the `FunctionName` metric dimension). */
  readonly functionName: string;
  /** The function's timeout in seconds (1-900); the duration alarm fires at a share of it. */
  readonly timeoutSeconds: number;
}

/** An API Gateway HTTP API to watch. `HttpApi` (modules/api) satisfies it. */
export interface MonitoredHttpApi {
  /** API id (the `ApiId` metric dimension). */
  readonly apiId: string;
  /**
   * Stage name (the `Stage` metric dimension).
   * @default "$default"
   */
  readonly stageName?: string;
}

/** An Aurora Serverless v2 cluster to watch. `AuroraPostgresServerless` (modules/database) satisfies it. */
export interface MonitoredAuroraCluster {
  /** Cluster identifier (the `DBClusterIdentifier` metric dimension). */
  readonly clusterIdentifier: string;
  /** Maximum capacity of the cluster in ACUs (0.5-256); the capacity alarm fires at a share of it. */
  readonly maxCapacity: number;
}

/** Alarm thresholds. Every field is optional; the defaults suit a small production service. */
export interface ObservabilityThresholds {
  /**
   * Lambda `Errors` (sum per period) at or above which the alarm fires.
   * @default 1
   */
  readonly lambdaErrors?: number;
  /**
   * Lambda `Throttles` (sum per period) at or above which the alarm fires.
   * @default 1
   */
  readonly lambdaThrottles?: number;
  /**
   * Lambda `Duration` p99, as a percentage of the function timeout (1-100),
   * at or above which the alarm fires.
   * @default 80
   */
  readonly lambdaDurationPercentOfTimeout?: number;
  /**
   * HTTP API `5xx` responses (sum per period) at or above which the alarm fires.
   * @default 1
   */
  readonly api5xxErrors?: number;
  /**
   * Aurora `ServerlessDatabaseCapacity` (maximum), as a percentage of the
   * cluster's maximum capacity (1-100), at or above which the alarm fires.
   * @default 90
   */
  readonly auroraCapacityPercentOfMax?: number;
  /**
   * Aurora `DatabaseConnections` (maximum) at or above which the alarm fires.
   * @default 100
   */
  readonly auroraConnections?: number;
  /**
   * Aurora `CPUUtilization` percentage (average, 1-100) at or above which the alarm fires.
   * @default 80
   */
  readonly auroraCpuPercent?: number;
}

/** Traffic a flow log records. */
export type FlowLogTrafficType = "ALL" | "ACCEPT" | "REJECT";

/** VPC flow logs to CloudWatch Logs. */
export interface FlowLogsProps {
  /** VPC to record (e.g. `network.vpcId`). */
  readonly vpcId: string;
  /**
   * Retention of the flow log group, in days (a CloudWatch Logs retention period).
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Traffic to record.
   * @default "ALL"
   */
  readonly trafficType?: FlowLogTrafficType;
  /**
   * Seconds over which packets are aggregated into one record: 60 or 600.
   * @default 600
   */
  readonly maxAggregationIntervalSeconds?: 60 | 600;
}

/** Properties of {@link Observability}. */
export interface ObservabilityProps extends BaseProps {
  /** Region of the watched resources, e.g. `ap-northeast-1` (dashboard widgets and the key policy name it). */
  readonly region: string;
  /**
   * Email address subscribed to the alarm topic. AWS sends a confirmation
   * message; notifications start once it is confirmed.
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Lambda function to alarm on: `Errors`, `Throttles` and `Duration` p99.
   * @default no Lambda alarms
   */
  readonly lambdaFunction?: MonitoredFunction;
  /**
   * HTTP API to alarm on: `5xx`.
   * @default no API alarm
   */
  readonly httpApi?: MonitoredHttpApi;
  /**
   * Aurora Serverless v2 cluster to alarm on: `ServerlessDatabaseCapacity`,
   * `DatabaseConnections` and `CPUUtilization`.
   * @default no database alarms
   */
  readonly database?: MonitoredAuroraCluster;
  /**
   * Alarm thresholds.
   * @default see {@link ObservabilityThresholds}
   */
  readonly thresholds?: ObservabilityThresholds;
  /**
   * Metric period of every alarm, in seconds: 10, 30 or a multiple of 60 up to 86400.
   * @default 300
   */
  readonly periodSeconds?: number;
  /**
   * Create a CloudWatch dashboard of the watched metrics (only when at least
   * one resource is watched).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * VPC flow logs to a CloudWatch log group `/aws/vpc/flow-logs/<name>`.
   * @default no flow logs
   */
  readonly flowLogs?: FlowLogsProps;
}

/** Default alarm thresholds. */
export const DEFAULT_THRESHOLDS: Readonly<Required<ObservabilityThresholds>> = {
  lambdaErrors: 1,
  lambdaThrottles: 1,
  lambdaDurationPercentOfTimeout: 80,
  api5xxErrors: 1,
  auroraCapacityPercentOfMax: 90,
  auroraConnections: 100,
  auroraCpuPercent: 80,
};

/** Alarms created per watched resource (used by the cost estimate). */
export const ALARMS_PER_RESOURCE = { lambdaFunction: 3, httpApi: 1, database: 3 } as const;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Alarm settings the constructor resolves before creating the resource. */
interface AlarmSpec {
  readonly key: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic?: "Sum" | "Maximum" | "Average";
  readonly extendedStatistic?: string;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly treatMissingData: "notBreaching" | "breaching" | "ignore" | "missing";
}

/**
 * Alarms, an encrypted alarm topic, a dashboard and optional VPC flow logs.
 *
 * @example
 * const observability = new Observability(this, "observability", {
 *   name: "hr-chatbot",
 *   region: "ap-northeast-1",
 *   alarmEmail: "oncall@example.com",
 *   lambdaFunction: backend,   // VpcFunction
 *   httpApi: api,              // HttpApi
 *   database,                  // AuroraPostgresServerless
 *   flowLogs: { vpcId: network.vpcId, retentionDays: 90 },
 * });
 */
export class Observability extends Construct {
  /** ARN of the alarm topic `<name>-alarms`. */
  public readonly topicArn: string;
  /** ARN of the customer managed KMS key encrypting the topic. */
  public readonly topicKeyArn: string;
  /** Names of every alarm, in creation order. */
  public readonly alarmNames: readonly string[];
  /** ARNs of every alarm, in the order of `alarmNames`. */
  public readonly alarmArns: readonly string[];
  /** Alarm thresholds after defaults (the duration and capacity thresholds as absolute values are on the alarms). */
  public readonly thresholds: Readonly<Required<ObservabilityThresholds>>;
  /** Dashboard name, when a dashboard was created. */
  public readonly dashboardName?: string;
  /** Flow log id, when flow logs are on. */
  public readonly flowLogId?: string;
  /** Flow log group name, when flow logs are on. */
  public readonly flowLogGroupName?: string;
  /** Flow log group ARN, when flow logs are on. */
  public readonly flowLogGroupArn?: string;
  /** The alarm topic. */
  public readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    const tags = props.tags ?? {};
    const region = validateRegion("region", props.region);
    const thresholds = resolveThresholds(props.thresholds);
    const period = validatePeriod(props.periodSeconds ?? 300);
    const dashboardOn = props.dashboard ?? true;

    if (props.alarmEmail !== undefined && !Token.isUnresolved(props.alarmEmail)) {
      if (typeof props.alarmEmail !== "string" || !EMAIL_RE.test(props.alarmEmail)) {
        fail("alarmEmail", props.alarmEmail, "must be an email address such as oncall@example.com");
      }
    }
    const fn = props.lambdaFunction;
    if (fn !== undefined) {
      requireString("lambdaFunction.functionName", fn.functionName, "a Lambda function name");
      if (
        Token.isUnresolved(fn.timeoutSeconds) ||
        !Number.isInteger(fn.timeoutSeconds) ||
        fn.timeoutSeconds < 1 ||
        fn.timeoutSeconds > 900
      ) {
        fail(
          "lambdaFunction.timeoutSeconds",
          fn.timeoutSeconds,
          "must be a whole number of seconds from 1 to 900",
        );
      }
    }
    const api = props.httpApi;
    if (api !== undefined) {
      requireString("httpApi.apiId", api.apiId, "an API Gateway API id");
      if (api.stageName !== undefined) requireString("httpApi.stageName", api.stageName, "a stage name");
    }
    const db = props.database;
    if (db !== undefined) {
      requireString("database.clusterIdentifier", db.clusterIdentifier, "an Aurora cluster identifier");
      if (
        Token.isUnresolved(db.maxCapacity) ||
        typeof db.maxCapacity !== "number" ||
        !(db.maxCapacity >= 0.5 && db.maxCapacity <= 256)
      ) {
        fail("database.maxCapacity", db.maxCapacity, "must be a number of ACUs from 0.5 to 256");
      }
    }
    const flow = props.flowLogs;
    let flowRetention = 30;
    let trafficType: FlowLogTrafficType = "ALL";
    let aggregation = 600;
    if (flow !== undefined) {
      requireString("flowLogs.vpcId", flow.vpcId, "a VPC id (e.g. network.vpcId)");
      flowRetention = validateLogRetention("flowLogs.retentionDays", flow.retentionDays ?? 30);
      trafficType = flow.trafficType ?? "ALL";
      if (!["ALL", "ACCEPT", "REJECT"].includes(trafficType)) {
        fail("flowLogs.trafficType", trafficType, "must be ALL, ACCEPT or REJECT");
      }
      aggregation = flow.maxAggregationIntervalSeconds ?? 600;
      if (aggregation !== 60 && aggregation !== 600) {
        fail("flowLogs.maxAggregationIntervalSeconds", aggregation, "must be 60 or 600");
      }
    }

    // ---- alarm topic, encrypted with a key CloudWatch may use ----
    const key = new KmsKey(this, "topic-key", {
      description: `Encrypts the ${name}-alarms SNS topic; CloudWatch alarms may use it to publish`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: withName(tags, `${name}-alarms`),
    });
    new KmsAlias(this, "topic-key-alias", { name: `alias/${name}-alarms`, targetKeyId: key.keyId });
    const { partition, accountId: account } = arnParts(this, "topic-key-arn-parts", key.arn);
    new KmsKeyPolicy(this, "topic-key-policy", {
      keyId: key.keyId,
      policy: policyDocument(
        {
          Sid: "AccountAdministration",
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "CloudWatchAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": account },
            ArnLike: {
              "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}-*`,
            },
          },
        },
      ),
    });
    this.topic = new SnsTopic(this, "topic", {
      name: `${name}-alarms`,
      kmsMasterKeyId: key.arn,
      tags: withName(tags, `${name}-alarms`),
    });
    if (props.alarmEmail !== undefined) {
      new SnsTopicSubscription(this, "email", {
        topicArn: this.topic.arn,
        protocol: "email",
        endpoint: props.alarmEmail,
      });
    } else {
      Annotations.of(this).addWarning(
        `${name}: no alarmEmail; alarms publish to ${name}-alarms but nobody is subscribed to it`,
      );
    }

    // ---- alarms ----
    const specs: AlarmSpec[] = [];
    if (fn !== undefined) {
      const fnDim = { FunctionName: fn.functionName };
      const durationMs = round(fn.timeoutSeconds * 1000 * (thresholds.lambdaDurationPercentOfTimeout / 100));
      specs.push(
        {
          key: "lambda-errors",
          description: `Lambda function errors >= ${thresholds.lambdaErrors} in ${period} s`,
          namespace: "AWS/Lambda",
          metricName: "Errors",
          dimensions: fnDim,
          statistic: "Sum",
          threshold: thresholds.lambdaErrors,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
        },
        {
          key: "lambda-throttles",
          description: `Lambda function throttles >= ${thresholds.lambdaThrottles} in ${period} s`,
          namespace: "AWS/Lambda",
          metricName: "Throttles",
          dimensions: fnDim,
          statistic: "Sum",
          threshold: thresholds.lambdaThrottles,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
        },
        {
          key: "lambda-duration",
          description:
            `Lambda duration p99 >= ${durationMs} ms (${thresholds.lambdaDurationPercentOfTimeout}% of the ` +
            `${fn.timeoutSeconds} s timeout) for 3 periods`,
          namespace: "AWS/Lambda",
          metricName: "Duration",
          dimensions: fnDim,
          extendedStatistic: "p99",
          threshold: durationMs,
          evaluationPeriods: 3,
          treatMissingData: "notBreaching",
        },
      );
    }
    if (api !== undefined) {
      specs.push({
        key: "api-5xx",
        description: `HTTP API 5xx responses >= ${thresholds.api5xxErrors} in ${period} s`,
        namespace: "AWS/ApiGateway",
        metricName: "5xx",
        dimensions: { ApiId: api.apiId, Stage: api.stageName ?? "$default" },
        statistic: "Sum",
        threshold: thresholds.api5xxErrors,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      });
    }
    if (db !== undefined) {
      const dbDim = { DBClusterIdentifier: db.clusterIdentifier };
      const acu = round(db.maxCapacity * (thresholds.auroraCapacityPercentOfMax / 100));
      specs.push(
        {
          key: "aurora-capacity",
          description:
            `Aurora capacity >= ${acu} ACU (${thresholds.auroraCapacityPercentOfMax}% of the ` +
            `${db.maxCapacity} ACU maximum) for 3 periods`,
          namespace: "AWS/RDS",
          metricName: "ServerlessDatabaseCapacity",
          dimensions: dbDim,
          statistic: "Maximum",
          threshold: acu,
          evaluationPeriods: 3,
          treatMissingData: "notBreaching",
        },
        {
          key: "aurora-connections",
          description: `Aurora connections >= ${thresholds.auroraConnections} for 3 periods`,
          namespace: "AWS/RDS",
          metricName: "DatabaseConnections",
          dimensions: dbDim,
          statistic: "Maximum",
          threshold: thresholds.auroraConnections,
          evaluationPeriods: 3,
          treatMissingData: "notBreaching",
        },
        {
          key: "aurora-cpu",
          description: `Aurora CPU >= ${thresholds.auroraCpuPercent}% for 3 periods`,
          namespace: "AWS/RDS",
          metricName: "CPUUtilization",
          dimensions: dbDim,
          statistic: "Average",
          threshold: thresholds.auroraCpuPercent,
          evaluationPeriods: 3,
          treatMissingData: "notBreaching",
        },
      );
    }

    const alarms = specs.map(
      (s) =>
        new CloudwatchMetricAlarm(this, s.key, {
          alarmName: `${name}-${s.key}`,
          alarmDescription: s.description,
          namespace: s.namespace,
          metricName: s.metricName,
          dimensions: s.dimensions,
          statistic: s.statistic,
          extendedStatistic: s.extendedStatistic,
          period,
          evaluationPeriods: s.evaluationPeriods,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: s.threshold,
          treatMissingData: s.treatMissingData,
          alarmActions: [this.topic.arn],
          okActions: [this.topic.arn],
          tags: withName(tags, `${name}-${s.key}`),
        }),
    );

    // ---- dashboard ----
    if (dashboardOn && specs.length > 0) {
      const dashboardName = `${name}-overview`;
      new CloudwatchDashboard(this, "dashboard", {
        dashboardName,
        // a JSON document whose string leaves may be references (as the IAM documents)
        dashboardBody: JSON.stringify({
          widgets: dashboardWidgets({
            region,
            period,
            fn,
            api,
            db,
            specs,
            alarmArns: alarms.map((a) => a.arn),
          }),
        }),
      });
      this.dashboardName = dashboardName;
    } else if (dashboardOn) {
      Annotations.of(this).addWarning(`${name}: no resource to watch, so no dashboard was created`);
    }

    // ---- VPC flow logs ----
    if (flow !== undefined) {
      const groupName = `/aws/vpc/flow-logs/${name}`;
      const group = new CloudwatchLogGroup(this, "flow-log-group", {
        name: groupName,
        retentionInDays: flowRetention,
        tags: withName(tags, groupName),
      });
      const groupArn = arnParts(this, "flow-log-group-arn-parts", group.arn);
      const role = new IamRole(this, "flow-log-role", {
        name: `${name}-flow-logs`,
        description: `Lets VPC Flow Logs write to ${groupName}`,
        assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", {
          StringEquals: { "aws:SourceAccount": groupArn.accountId },
          ArnLike: {
            "aws:SourceArn": `arn:${groupArn.partition}:ec2:${groupArn.region}:${groupArn.accountId}:vpc-flow-log/*`,
          },
        }),
        tags: withName(tags, `${name}-flow-logs`),
      });
      new IamRolePolicy(this, "flow-log-policy", {
        name: "write-flow-logs",
        role: role.name,
        policy: policyDocument({
          Sid: "WriteFlowLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          // the group itself and what lies under it (`<arn>:*`: its log streams)
          Resource: [group.arn, `${group.arn}:*`],
        }),
      });
      const flowLog = new FlowLog(this, "flow-log", {
        vpcId: flow.vpcId,
        trafficType,
        logDestinationType: "cloud-watch-logs",
        logDestination: group.arn,
        iamRoleArn: role.arn,
        maxAggregationInterval: aggregation,
        tags: withName(tags, `${name}-flow-logs`),
      });
      this.flowLogId = flowLog.id;
      this.flowLogGroupName = groupName;
      this.flowLogGroupArn = group.arn;
    }

    this.topicArn = this.topic.arn;
    this.topicKeyArn = key.arn;
    this.alarmNames = specs.map((s) => `${name}-${s.key}`);
    this.alarmArns = alarms.map((a) => a.arn);
    this.thresholds = thresholds;
  }
}

// ---------------------------------------------------------------------------
// validation helpers
// ---------------------------------------------------------------------------

function requireString(field: string, value: unknown, what: string): void {
  if (typeof value !== "string" || (!Token.isUnresolved(value) && value.trim() === "")) {
    fail(field, value, `must be ${what}`);
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function validatePeriod(value: number): number {
  const ok =
    Number.isInteger(value) &&
    (value === 10 || value === 30 || (value >= 60 && value <= 86400 && value % 60 === 0));
  if (!ok) fail("periodSeconds", value, "must be 10, 30 or a multiple of 60 up to 86400");
  return value;
}

/** Apply the defaults to `thresholds` and check every value; throws a ConfigError naming `thresholds.<field>`. */
export function resolveThresholds(
  thresholds: ObservabilityThresholds = {},
): Required<ObservabilityThresholds> {
  const out = { ...DEFAULT_THRESHOLDS };
  for (const [k, v] of Object.entries(thresholds) as [keyof ObservabilityThresholds, number | undefined][]) {
    if (!(k in DEFAULT_THRESHOLDS)) {
      fail(`thresholds.${k}`, v, `is not a threshold (known: ${Object.keys(DEFAULT_THRESHOLDS).join(", ")})`);
    }
    if (v === undefined) continue;
    const percent = PERCENT_THRESHOLDS.includes(k);
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`thresholds.${k}`, v, "must be a number");
    if (percent && !(v > 0 && v <= 100))
      fail(`thresholds.${k}`, v, "must be a percentage above 0 and at most 100");
    if (!percent && !(Number.isInteger(v) && v >= 1))
      fail(`thresholds.${k}`, v, "must be a whole number of at least 1");
    out[k] = v;
  }
  return out;
}

const PERCENT_THRESHOLDS: readonly (keyof ObservabilityThresholds)[] = [
  "lambdaDurationPercentOfTimeout",
  "auroraCapacityPercentOfMax",
  "auroraCpuPercent",
];

// ---------------------------------------------------------------------------
// dashboard
// ---------------------------------------------------------------------------

interface DashboardInput {
  readonly region: string;
  readonly period: number;
  readonly fn?: MonitoredFunction;
  readonly api?: MonitoredHttpApi;
  readonly db?: MonitoredAuroraCluster;
  readonly specs: readonly AlarmSpec[];
  readonly alarmArns: readonly string[];
}

type Metric = (string | Record<string, unknown>)[];

/** Dashboard widgets: an alarm status row, then one row per watched resource. */
function dashboardWidgets(input: DashboardInput): Record<string, unknown>[] {
  const { region, period } = input;
  const threshold = (key: string) => input.specs.find((s) => s.key === key)?.threshold;
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  const row = (
    items: { title: string; metrics: Metric[]; stat: string; line?: { label: string; value?: number } }[],
  ) => {
    const width = Math.floor(24 / items.length);
    items.forEach((item, i) => {
      widgets.push({
        type: "metric",
        x: i * width,
        y,
        width,
        height: 6,
        properties: {
          title: item.title,
          region,
          period,
          stat: item.stat,
          view: "timeSeries",
          metrics: item.metrics,
          ...(item.line?.value !== undefined
            ? { annotations: { horizontal: [{ label: item.line.label, value: item.line.value }] } }
            : {}),
        },
      });
    });
    y += 6;
  };

  widgets.push({
    type: "alarm",
    x: 0,
    y,
    width: 24,
    height: 3,
    properties: { title: "Alarms", alarms: [...input.alarmArns] },
  });
  y += 3;

  if (input.fn) {
    const d = ["FunctionName", input.fn.functionName];
    row([
      {
        title: "Lambda invocations, errors, throttles",
        stat: "Sum",
        metrics: [
          ["AWS/Lambda", "Invocations", ...d],
          ["AWS/Lambda", "Errors", ...d],
          ["AWS/Lambda", "Throttles", ...d],
        ],
      },
      {
        title: "Lambda duration (ms)",
        stat: "p99",
        metrics: [
          ["AWS/Lambda", "Duration", ...d, { stat: "p99" }],
          ["AWS/Lambda", "Duration", ...d, { stat: "Average" }],
        ],
        line: { label: "p99 alarm", value: threshold("lambda-duration") },
      },
    ]);
  }
  if (input.api) {
    const d = ["ApiId", input.api.apiId, "Stage", input.api.stageName ?? "$default"];
    row([
      {
        title: "HTTP API requests and errors",
        stat: "Sum",
        metrics: [
          ["AWS/ApiGateway", "Count", ...d],
          ["AWS/ApiGateway", "4xx", ...d],
          ["AWS/ApiGateway", "5xx", ...d],
        ],
      },
      {
        title: "HTTP API latency (ms)",
        stat: "p99",
        metrics: [
          ["AWS/ApiGateway", "Latency", ...d, { stat: "p99" }],
          ["AWS/ApiGateway", "IntegrationLatency", ...d, { stat: "p99" }],
        ],
      },
    ]);
  }
  if (input.db) {
    const d = ["DBClusterIdentifier", input.db.clusterIdentifier];
    row([
      {
        title: "Aurora capacity (ACU)",
        stat: "Maximum",
        metrics: [["AWS/RDS", "ServerlessDatabaseCapacity", ...d]],
        line: { label: "capacity alarm", value: threshold("aurora-capacity") },
      },
      {
        title: "Aurora connections",
        stat: "Maximum",
        metrics: [["AWS/RDS", "DatabaseConnections", ...d]],
        line: { label: "connections alarm", value: threshold("aurora-connections") },
      },
      {
        title: "Aurora CPU (%)",
        stat: "Average",
        metrics: [["AWS/RDS", "CPUUtilization", ...d]],
        line: { label: "CPU alarm", value: threshold("aurora-cpu") },
      },
    ]);
  }
  return widgets;
}

// ---------------------------------------------------------------------------
// environment file section
// ---------------------------------------------------------------------------

const percent = (d: number) =>
  z.number().gt(0, "must be a percentage above 0").max(100, "must be a percentage of at most 100").default(d);
const count = (d: number) => z.number().int("must be a whole number").min(1, "must be at least 1").default(d);

/** Zod schema of the alarm thresholds (every field optional, defaults as {@link DEFAULT_THRESHOLDS}). */
export const observabilityThresholdsSchema = z.strictObject({
  lambdaErrors: count(DEFAULT_THRESHOLDS.lambdaErrors).describe(
    "Lambda Errors (sum per period) that fire the alarm.",
  ),
  lambdaThrottles: count(DEFAULT_THRESHOLDS.lambdaThrottles).describe(
    "Lambda Throttles (sum per period) that fire the alarm.",
  ),
  lambdaDurationPercentOfTimeout: percent(DEFAULT_THRESHOLDS.lambdaDurationPercentOfTimeout).describe(
    "Lambda Duration p99 alarm, as a percentage of the function timeout.",
  ),
  api5xxErrors: count(DEFAULT_THRESHOLDS.api5xxErrors).describe(
    "HTTP API 5xx responses (sum per period) that fire the alarm.",
  ),
  auroraCapacityPercentOfMax: percent(DEFAULT_THRESHOLDS.auroraCapacityPercentOfMax).describe(
    "Aurora ServerlessDatabaseCapacity alarm, as a percentage of maxCapacity.",
  ),
  auroraConnections: count(DEFAULT_THRESHOLDS.auroraConnections).describe(
    "Aurora DatabaseConnections that fire the alarm.",
  ),
  auroraCpuPercent: percent(DEFAULT_THRESHOLDS.auroraCpuPercent).describe(
    "Aurora CPUUtilization (%) that fires the alarm.",
  ),
});

/** The `observability` section of an environment file. */
export const observabilityConfigSchema = z
  .strictObject({
    alarmEmail: z
      .email({ error: "must be an email address such as oncall@example.com" })
      .optional()
      .describe("Subscribed to the alarm topic; AWS sends a confirmation message first."),
    thresholds: observabilityThresholdsSchema.prefault({}).describe("Alarm thresholds."),
    dashboard: z.boolean().default(true).describe("Create the CloudWatch dashboard."),
    flowLogRetentionDays: logRetentionSchema
      .default(30)
      .describe("Retention of the VPC flow log group (when network.flowLogs is true)."),
    flowLogTrafficType: z
      .enum(["ALL", "ACCEPT", "REJECT"])
      .default("ALL")
      .describe("Traffic the flow log records."),
  })
  .describe("Alarms, dashboard and flow log settings.");

/** The `observability` section as written. */
export type ObservabilityConfigInput = z.input<typeof observabilityConfigSchema>;
/** The `observability` section with every default resolved. */
export type ObservabilityConfig = z.output<typeof observabilityConfigSchema>;
