import { TerraformOutput, TerraformStack } from "cdktf";
import { SynthJson, arnPartOf, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import { VpcFunction } from "../compute";
import { HttpApi } from "../api";
import { AuroraPostgresServerless } from "../database";
import {
  DEFAULT_THRESHOLDS,
  Observability,
  ObservabilityProps,
  observabilityConfigSchema,
  resolveThresholds,
} from "./index";

const FULL: ObservabilityProps = {
  name: "hr-chatbot",
  region: "ap-northeast-1",
  alarmEmail: "oncall@example.com",
  lambdaFunction: { functionName: "hr-chatbot-backend", timeoutSeconds: 60 },
  httpApi: { apiId: "a1b2c3" },
  database: { clusterIdentifier: "hr-chatbot-cluster", maxCapacity: 2 },
  tags: { Project: "hr-chatbot" },
};

function build(props: Partial<ObservabilityProps> = {}): {
  stack: TerraformStack;
  obs: Observability;
  json: SynthJson;
} {
  const { stack } = testStack();
  const obs = new Observability(stack, "observability", { ...FULL, ...props });
  return { stack, obs, json: synthJson(stack) };
}

function create(props: Partial<ObservabilityProps>): () => Observability {
  return () => new Observability(testStack().stack, "observability", { ...FULL, ...props });
}

function logicalId(json: SynthJson, type: string): string {
  const ids = Object.keys(resourcesOf(json, type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** Alarms keyed by alarm name. */
function alarms(json: SynthJson): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).map((a) => [a.alarm_name as string, a]),
  );
}

function warnings(obs: Observability): string[] {
  return obs.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
}

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, string>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** How Terraform sees construct outputs: each value through a throw-away TerraformOutput. */
function resolve(stack: TerraformStack, values: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(values)) new TerraformOutput(stack, `resolve-${k}`, { value: v });
  const out = synthJson(stack).output ?? {};
  return Object.fromEntries(Object.keys(values).map((k) => [k, out[`resolve-${k}`]?.value]));
}

/** Logical id of the alarm named `alarmName`. */
function alarmId(json: SynthJson, alarmName: string): string | undefined {
  return Object.entries(resourcesOf(json, "aws_cloudwatch_metric_alarm")).find(
    ([, a]) => a.alarm_name === alarmName,
  )?.[0];
}

const policyOf = (value: unknown) => JSON.parse(value as string) as { Statement: Statement[] };

describe("Observability with every resource watched", () => {
  const { json, obs, stack } = build();
  const topicId = logicalId(json, "aws_sns_topic");
  const keyId = logicalId(json, "aws_kms_key");
  const topicArn = `\${aws_sns_topic.${topicId}.arn}`;
  const all = alarms(json);

  it("creates the <name>-alarms topic encrypted with its own rotating KMS key", () => {
    expect(onlyResource(json, "aws_sns_topic")).toEqual({
      name: "hr-chatbot-alarms",
      kms_master_key_id: `\${aws_kms_key.${keyId}.arn}`,
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-alarms" },
    });
    expect(onlyResource(json, "aws_kms_key")).toMatchObject({
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
    expect(onlyResource(json, "aws_kms_alias")).toEqual({
      name: "alias/hr-chatbot-alarms",
      target_key_id: `\${aws_kms_key.${keyId}.key_id}`,
    });
    expect(resolve(stack, { topic: obs.topicArn, key: obs.topicKeyArn })).toEqual({
      topic: topicArn,
      key: `\${aws_kms_key.${keyId}.arn}`,
    });
  });

  it("does not use the AWS managed SNS key, which CloudWatch alarms cannot publish through", () => {
    expect(JSON.stringify(json)).not.toContain("alias/aws/sns");
  });

  it("lets CloudWatch alarms of this prefix, in this account and region only, use the key", () => {
    const policy = policyOf(onlyResource(json, "aws_kms_key_policy").policy);
    const keyArn = `aws_kms_key.${keyId}.arn`;
    const account = arnPartOf(json, keyArn, 4);
    const partition = arnPartOf(json, keyArn, 1);
    expect(policy.Statement).toEqual([
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
            "aws:SourceArn": `arn:${partition}:cloudwatch:ap-northeast-1:${account}:alarm:hr-chatbot-*`,
          },
        },
      },
    ]);
    expect(onlyResource(json, "aws_kms_key_policy").key_id).toBe(`\${aws_kms_key.${keyId}.key_id}`);
  });

  it("subscribes the alarm email to the topic", () => {
    expect(onlyResource(json, "aws_sns_topic_subscription")).toEqual({
      topic_arn: topicArn,
      protocol: "email",
      endpoint: "oncall@example.com",
    });
    expect(warnings(obs)).toEqual([]);
  });

  it("creates seven alarms and reports their names in order", () => {
    expect(obs.alarmNames).toEqual([
      "hr-chatbot-lambda-errors",
      "hr-chatbot-lambda-throttles",
      "hr-chatbot-lambda-duration",
      "hr-chatbot-api-5xx",
      "hr-chatbot-aurora-capacity",
      "hr-chatbot-aurora-connections",
      "hr-chatbot-aurora-cpu",
    ]);
    expect(Object.keys(all).sort()).toEqual([...obs.alarmNames].sort());
    const arns = resolve(stack, Object.fromEntries(obs.alarmArns.map((a, i) => [`alarm${i}`, a])));
    expect(Object.values(arns)).toEqual(
      obs.alarmNames.map((n) => `\${aws_cloudwatch_metric_alarm.${alarmId(json, n)}.arn}`),
    );
  });

  it("sends every alarm and its recovery to the topic, compares >= threshold, and tags it", () => {
    for (const [alarmName, alarm] of Object.entries(all)) {
      expect(alarm).toMatchObject({
        alarm_actions: [topicArn],
        ok_actions: [topicArn],
        comparison_operator: "GreaterThanOrEqualToThreshold",
        period: 300,
        treat_missing_data: "notBreaching",
        tags: { Project: "hr-chatbot", Name: alarmName },
      });
    }
  });

  it("alarms on Lambda errors and throttles (sum >= 1 in one period)", () => {
    const common = {
      namespace: "AWS/Lambda",
      dimensions: { FunctionName: "hr-chatbot-backend" },
      statistic: "Sum",
      threshold: 1,
      evaluation_periods: 1,
    };
    expect(all["hr-chatbot-lambda-errors"]).toMatchObject({ ...common, metric_name: "Errors" });
    expect(all["hr-chatbot-lambda-throttles"]).toMatchObject({ ...common, metric_name: "Throttles" });
  });

  it("alarms on Lambda duration p99 at 80% of the timeout, in milliseconds", () => {
    const alarm = all["hr-chatbot-lambda-duration"];
    expect(alarm).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "Duration",
      dimensions: { FunctionName: "hr-chatbot-backend" },
      extended_statistic: "p99",
      threshold: 48000, // 0.8 x 60 s x 1000
      evaluation_periods: 3,
    });
    expect(alarm.statistic).toBeUndefined(); // statistic and extended_statistic are exclusive
  });

  it("alarms on HTTP API 5xx on the $default stage", () => {
    expect(all["hr-chatbot-api-5xx"]).toMatchObject({
      namespace: "AWS/ApiGateway",
      metric_name: "5xx",
      dimensions: { ApiId: "a1b2c3", Stage: "$default" },
      statistic: "Sum",
      threshold: 1,
      evaluation_periods: 1,
    });
  });

  it("alarms on Aurora capacity at 90% of the maximum ACU, connections and CPU", () => {
    const dimensions = { DBClusterIdentifier: "hr-chatbot-cluster" };
    expect(all["hr-chatbot-aurora-capacity"]).toMatchObject({
      namespace: "AWS/RDS",
      metric_name: "ServerlessDatabaseCapacity",
      dimensions,
      statistic: "Maximum",
      threshold: 1.8, // 0.9 x 2 ACU
      evaluation_periods: 3,
    });
    expect(all["hr-chatbot-aurora-connections"]).toMatchObject({
      namespace: "AWS/RDS",
      metric_name: "DatabaseConnections",
      dimensions,
      statistic: "Maximum",
      threshold: 100,
    });
    expect(all["hr-chatbot-aurora-cpu"]).toMatchObject({
      namespace: "AWS/RDS",
      metric_name: "CPUUtilization",
      dimensions,
      statistic: "Average",
      threshold: 80,
    });
  });

  it("builds a dashboard of the same metrics, with the alarm thresholds drawn and an alarm status widget", () => {
    const dashboard = onlyResource(json, "aws_cloudwatch_dashboard");
    expect(dashboard.dashboard_name).toBe("hr-chatbot-overview");
    expect(obs.dashboardName).toBe("hr-chatbot-overview");
    const body = JSON.parse(dashboard.dashboard_body as string) as {
      widgets: { type: string; properties: Record<string, unknown> }[];
    };
    const status = body.widgets[0];
    expect(status.type).toBe("alarm");
    expect(status.properties.alarms).toHaveLength(7);
    expect(
      (status.properties.alarms as string[]).every((a) =>
        /^\$\{aws_cloudwatch_metric_alarm\..+\.arn\}$/.test(a),
      ),
    ).toBe(true);

    const metrics = body.widgets.filter((w) => w.type === "metric");
    for (const w of metrics) expect(w.properties.region).toBe("ap-northeast-1");
    const names = metrics.flatMap((w) => (w.properties.metrics as unknown[][]).map((m) => `${m[0]}/${m[1]}`));
    for (const alarm of Object.values(all)) {
      expect(names).toContain(`${alarm.namespace}/${alarm.metric_name}`);
    }
    const lines = metrics.flatMap((w) =>
      ((w.properties.annotations as { horizontal: { value: number }[] } | undefined)?.horizontal ?? []).map(
        (h) => h.value,
      ),
    );
    expect(lines).toEqual(expect.arrayContaining([48000, 1.8, 100, 80]));
    const api = metrics.find((w) => w.properties.title === "HTTP API requests and errors");
    expect(api?.properties.metrics).toContainEqual([
      "AWS/ApiGateway",
      "5xx",
      "ApiId",
      "a1b2c3",
      "Stage",
      "$default",
    ]);
  });

  it("creates no flow log unless asked", () => {
    expect(resourcesOf(json, "aws_flow_log")).toEqual({});
    expect(resourcesOf(json, "aws_cloudwatch_log_group")).toEqual({});
    expect(resourcesOf(json, "aws_iam_role")).toEqual({});
    expect(obs.flowLogId).toBeUndefined();
    expect(obs.flowLogGroupName).toBeUndefined();
  });
});

describe("thresholds", () => {
  it("can be overridden one by one, keeping the other defaults", () => {
    const { json, obs } = build({
      thresholds: {
        lambdaErrors: 5,
        lambdaDurationPercentOfTimeout: 50,
        auroraCapacityPercentOfMax: 75,
        auroraConnections: 40,
      },
      database: { clusterIdentifier: "c", maxCapacity: 4 },
      lambdaFunction: { functionName: "f", timeoutSeconds: 30 },
    });
    const all = alarms(json);
    expect(all["hr-chatbot-lambda-errors"].threshold).toBe(5);
    expect(all["hr-chatbot-lambda-throttles"].threshold).toBe(1);
    expect(all["hr-chatbot-lambda-duration"].threshold).toBe(15000); // 0.5 x 30 s
    expect(all["hr-chatbot-aurora-capacity"].threshold).toBe(3); // 0.75 x 4 ACU
    expect(all["hr-chatbot-aurora-connections"].threshold).toBe(40);
    expect(all["hr-chatbot-aurora-cpu"].threshold).toBe(80);
    expect(obs.thresholds).toEqual({
      ...DEFAULT_THRESHOLDS,
      lambdaErrors: 5,
      lambdaDurationPercentOfTimeout: 50,
      auroraCapacityPercentOfMax: 75,
      auroraConnections: 40,
    });
  });

  it("uses the cluster's maximum capacity (prod: 4 ACU -> 3.6)", () => {
    const { json } = build({ database: { clusterIdentifier: "c", maxCapacity: 4 } });
    expect(alarms(json)["hr-chatbot-aurora-capacity"].threshold).toBe(3.6);
  });

  it("sets the period of every alarm", () => {
    const { json } = build({ periodSeconds: 60 });
    for (const alarm of Object.values(alarms(json))) expect(alarm.period).toBe(60);
  });

  it.each([
    [
      { lambdaDurationPercentOfTimeout: 0 },
      "thresholds.lambdaDurationPercentOfTimeout 0 must be a percentage above 0 and at most 100",
    ],
    [
      { auroraCapacityPercentOfMax: 120 },
      "thresholds.auroraCapacityPercentOfMax 120 must be a percentage above 0 and at most 100",
    ],
    [{ auroraCpuPercent: -5 }, "thresholds.auroraCpuPercent -5 must be a percentage above 0 and at most 100"],
    [{ lambdaErrors: 0 }, "thresholds.lambdaErrors 0 must be a whole number of at least 1"],
    [{ api5xxErrors: 2.5 }, "thresholds.api5xxErrors 2.5 must be a whole number of at least 1"],
  ])("rejects %j", (thresholds, message) => {
    expect(create({ thresholds })).toThrow(message);
  });

  it("rejects an unknown threshold name", () => {
    expect(() => resolveThresholds({ lambdaError: 1 } as never)).toThrow(
      /^thresholds\.lambdaError 1 is not a threshold \(known: lambdaErrors, /,
    );
  });
});

describe("alarm email", () => {
  it("creates no subscription without an email, and warns that nobody is told", () => {
    const { json, obs } = build({ alarmEmail: undefined });
    expect(resourcesOf(json, "aws_sns_topic_subscription")).toEqual({});
    expect(Object.keys(resourcesOf(json, "aws_sns_topic"))).toHaveLength(1);
    expect(warnings(obs)).toEqual([expect.stringContaining("nobody is subscribed")]);
  });

  it.each(["not-an-email", "a@b", "two words@example.com", ""])("rejects %j", (alarmEmail) => {
    expect(create({ alarmEmail })).toThrow(
      `alarmEmail ${JSON.stringify(alarmEmail)} must be an email address`,
    );
  });
});

describe("partial monitoring", () => {
  it("creates only the Lambda alarms when only a function is given", () => {
    const { obs } = build({ httpApi: undefined, database: undefined });
    expect(obs.alarmNames).toEqual([
      "hr-chatbot-lambda-errors",
      "hr-chatbot-lambda-throttles",
      "hr-chatbot-lambda-duration",
    ]);
  });

  it("watches a named API stage", () => {
    const { json } = build({ httpApi: { apiId: "x", stageName: "v1" } });
    expect(alarms(json)["hr-chatbot-api-5xx"].dimensions).toEqual({ ApiId: "x", Stage: "v1" });
  });

  it("creates the topic but no alarm and no dashboard when nothing is watched, and says so", () => {
    const { json, obs } = build({ lambdaFunction: undefined, httpApi: undefined, database: undefined });
    expect(resourcesOf(json, "aws_cloudwatch_metric_alarm")).toEqual({});
    expect(resourcesOf(json, "aws_cloudwatch_dashboard")).toEqual({});
    expect(obs.dashboardName).toBeUndefined();
    expect(obs.alarmNames).toEqual([]);
    expect(warnings(obs)).toEqual([expect.stringContaining("no dashboard")]);
  });

  it("leaves the dashboard out when dashboard is false", () => {
    const { json, obs } = build({ dashboard: false });
    expect(resourcesOf(json, "aws_cloudwatch_dashboard")).toEqual({});
    expect(obs.dashboardName).toBeUndefined();
    expect(Object.keys(alarms(json))).toHaveLength(7);
  });
});

describe("VPC flow logs", () => {
  const { json, obs, stack } = build({
    flowLogs: { vpcId: "vpc-0abc", retentionDays: 90, trafficType: "REJECT" },
  });
  const groupId = logicalId(json, "aws_cloudwatch_log_group");
  const roleId = logicalId(json, "aws_iam_role");
  const groupArn = `aws_cloudwatch_log_group.${groupId}.arn`;

  it("sends the VPC's flow log to its own log group with retention", () => {
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toEqual({
      name: "/aws/vpc/flow-logs/hr-chatbot",
      retention_in_days: 90,
      tags: { Project: "hr-chatbot", Name: "/aws/vpc/flow-logs/hr-chatbot" },
    });
    expect(onlyResource(json, "aws_flow_log")).toEqual({
      vpc_id: "vpc-0abc",
      traffic_type: "REJECT",
      log_destination_type: "cloud-watch-logs",
      log_destination: `\${${groupArn}}`,
      iam_role_arn: `\${aws_iam_role.${roleId}.arn}`,
      max_aggregation_interval: 600,
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-flow-logs" },
    });
    expect(obs.flowLogGroupName).toBe("/aws/vpc/flow-logs/hr-chatbot");
    expect(resolve(stack, { id: obs.flowLogId, arn: obs.flowLogGroupArn })).toEqual({
      id: `\${aws_flow_log.${logicalId(json, "aws_flow_log")}.id}`,
      arn: `\${${groupArn}}`,
    });
  });

  it("lets only vpc-flow-logs.amazonaws.com of this account assume the role", () => {
    const trust = policyOf(onlyResource(json, "aws_iam_role").assume_role_policy);
    const part = (i: number) => arnPartOf(json, groupArn, i);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": part(4) },
          ArnLike: { "aws:SourceArn": `arn:${part(1)}:ec2:${part(3)}:${part(4)}:vpc-flow-log/*` },
        },
      },
    ]);
  });

  it("scopes the role's write permissions to that log group only", () => {
    const policy = onlyResource(json, "aws_iam_role_policy");
    expect(policy.role).toBe(`\${aws_iam_role.${roleId}.name}`);
    const statements = policyOf(policy.policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "WriteFlowLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [`\${${groupArn}}`, `\${${groupArn}}:*`],
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  it("defaults to all traffic and 30 days", () => {
    const { json: j } = build({ flowLogs: { vpcId: "vpc-1" } });
    expect(onlyResource(j, "aws_flow_log").traffic_type).toBe("ALL");
    expect(onlyResource(j, "aws_cloudwatch_log_group").retention_in_days).toBe(30);
  });

  it.each([
    [
      { vpcId: "vpc-1", retentionDays: 10 },
      "flowLogs.retentionDays 10 must be one of the CloudWatch Logs retention periods",
    ],
    [{ vpcId: "vpc-1", trafficType: "SOME" }, 'flowLogs.trafficType "SOME" must be ALL, ACCEPT or REJECT'],
    [{ vpcId: "" }, 'flowLogs.vpcId "" must be a VPC id'],
    [
      { vpcId: "vpc-1", maxAggregationIntervalSeconds: 300 },
      "flowLogs.maxAggregationIntervalSeconds 300 must be 60 or 600",
    ],
  ])("rejects %j", (flowLogs, message) => {
    expect(create({ flowLogs: flowLogs as never })).toThrow(message);
  });
});

describe("bad input", () => {
  it.each<[Partial<ObservabilityProps>, string]>([
    [{ name: "HR_Chatbot" }, 'name "HR_Chatbot" must be 2-40 lower-case letters'],
    [{ region: "tokyo" }, 'region "tokyo" must be an AWS region code'],
    [
      { lambdaFunction: { functionName: "f", timeoutSeconds: 0 } },
      "lambdaFunction.timeoutSeconds 0 must be a whole number of seconds from 1 to 900",
    ],
    [
      { lambdaFunction: { functionName: "f", timeoutSeconds: 901 } },
      "lambdaFunction.timeoutSeconds 901 must be",
    ],
    [
      { lambdaFunction: { functionName: "", timeoutSeconds: 60 } },
      'lambdaFunction.functionName "" must be a Lambda function name',
    ],
    [
      { database: { clusterIdentifier: "c", maxCapacity: 0 } },
      "database.maxCapacity 0 must be a number of ACUs from 0.5 to 256",
    ],
    [{ database: { clusterIdentifier: "c", maxCapacity: 300 } }, "database.maxCapacity 300 must be"],
    [{ httpApi: { apiId: " " } }, 'httpApi.apiId " " must be an API Gateway API id'],
    [{ periodSeconds: 45 }, "periodSeconds 45 must be 10, 30 or a multiple of 60 up to 86400"],
  ])("rejects %j", (props, message) => {
    expect(create(props)).toThrow(message);
  });
});

describe("with the compute, api and database constructs", () => {
  it("takes VpcFunction, HttpApi and AuroraPostgresServerless directly", () => {
    const { stack } = testStack();
    const fn = new VpcFunction(stack, "backend", {
      name: "hr-chatbot",
      region: "ap-northeast-1",
      timeoutSeconds: 30,
      vpc: { subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] },
    });
    const api = new HttpApi(stack, "api", { name: "hr-chatbot", handler: fn });
    const database = new AuroraPostgresServerless(stack, "database", {
      name: "hr-chatbot",
      subnetIds: ["subnet-1", "subnet-2"],
      securityGroupIds: ["sg-1"],
      maxCapacity: 4,
    });
    new Observability(stack, "observability", {
      name: "hr-chatbot",
      region: "ap-northeast-1",
      lambdaFunction: fn,
      httpApi: api,
      database,
    });
    const json = synthJson(stack);
    const all = alarms(json);
    const lambdaId = logicalId(json, "aws_lambda_function");
    const apiId = logicalId(json, "aws_apigatewayv2_api");
    const clusterId = logicalId(json, "aws_rds_cluster");
    expect(all["hr-chatbot-lambda-errors"].dimensions).toEqual({
      FunctionName: `\${aws_lambda_function.${lambdaId}.function_name}`,
    });
    expect(all["hr-chatbot-lambda-duration"].threshold).toBe(24000);
    expect(all["hr-chatbot-api-5xx"].dimensions).toEqual({
      ApiId: `\${aws_apigatewayv2_api.${apiId}.id}`,
      Stage: "$default",
    });
    expect(all["hr-chatbot-aurora-capacity"]).toMatchObject({
      dimensions: { DBClusterIdentifier: `\${aws_rds_cluster.${clusterId}.cluster_identifier}` },
      threshold: 3.6,
    });
  });
});

describe("observabilityConfigSchema", () => {
  it("fills every default from an empty section", () => {
    expect(observabilityConfigSchema.parse({})).toEqual({
      thresholds: DEFAULT_THRESHOLDS,
      dashboard: true,
      flowLogRetentionDays: 30,
      flowLogTrafficType: "ALL",
    });
  });

  it("keeps given values and fills the other thresholds", () => {
    const parsed = observabilityConfigSchema.parse({
      alarmEmail: "oncall@example.com",
      thresholds: { auroraConnections: 150 },
      dashboard: false,
    });
    expect(parsed.alarmEmail).toBe("oncall@example.com");
    expect(parsed.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, auroraConnections: 150 });
    expect(parsed.dashboard).toBe(false);
  });

  it.each([
    [{ alarmEmail: "nobody" }, ["alarmEmail"], "must be an email address"],
    [
      { thresholds: { auroraCpuPercent: 101 } },
      ["thresholds", "auroraCpuPercent"],
      "must be a percentage of at most 100",
    ],
    [
      { thresholds: { lambdaDurationPercentOfTimeout: 0 } },
      ["thresholds", "lambdaDurationPercentOfTimeout"],
      "above 0",
    ],
    [{ thresholds: { lambdaErrors: 1.5 } }, ["thresholds", "lambdaErrors"], "must be a whole number"],
    [{ flowLogRetentionDays: 10 }, ["flowLogRetentionDays"], "must be a CloudWatch Logs retention period"],
  ])("rejects %j", (input, path, message) => {
    const result = observabilityConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(path);
    expect(result.error?.issues[0].message).toContain(message);
  });

  it("rejects unknown fields", () => {
    expect(observabilityConfigSchema.safeParse({ thresholds: { lambdaError: 1 } }).success).toBe(false);
    expect(observabilityConfigSchema.safeParse({ email: "a@example.com" }).success).toBe(false);
  });
});
