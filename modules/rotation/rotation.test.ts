import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { configErrorOf, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import { SecretRotation, type SecretRotationProps, rotationDaysProblem } from "./rotation";
import { rotationHandlerBundle } from "./bundle";

const SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:hr-chatbot/database-AbCdEf";
const KEY_ARN = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function setup(overrides: Partial<SecretRotationProps> = {}) {
  const { stack } = testStack();
  const instance = new RdsClusterInstance(stack, "instance", {
    identifier: "hr-chatbot-instance",
    clusterIdentifier: "hr-chatbot-cluster",
    instanceClass: "db.serverless",
    engine: "aurora-postgresql",
  });
  const rotation = new SecretRotation(stack, "rotation", {
    name: "hr-chatbot",
    tags: { Project: "hr-chatbot" },
    region: "ap-northeast-1",
    vpc: { subnetIds: ["subnet-aaaa", "subnet-bbbb"], securityGroupIds: ["sg-1234"] },
    secret: { arn: SECRET_ARN, name: "hr-chatbot/database" },
    dependsOn: [instance],
    ...overrides,
  });
  return { stack, rotation, json: synthJson(stack) };
}

function policies(json: ReturnType<typeof synthJson>): Record<string, { Statement: unknown[] }> {
  const out: Record<string, { Statement: unknown[] }> = {};
  for (const p of Object.values(resourcesOf(json, "aws_iam_role_policy"))) {
    out[p.name as string] = JSON.parse(p.policy as string);
  }
  return out;
}

describe("SecretRotation", () => {
  it("schedules rotation every 30 days through a function Secrets Manager may invoke for this secret only", () => {
    const { json, rotation } = setup();
    const fnId = Object.keys(resourcesOf(json, "aws_lambda_function"))[0];
    expect(onlyResource(json, "aws_secretsmanager_secret_rotation")).toEqual({
      secret_id: SECRET_ARN,
      rotation_lambda_arn: `\${aws_lambda_function.${fnId}.arn}`,
      rotation_rules: { automatically_after_days: 30 },
      rotate_immediately: false,
      depends_on: [
        expect.stringMatching(/^aws_lambda_permission\.rotation_secretsmanager-invoke_[0-9A-F]+$/),
        expect.stringMatching(/^aws_iam_role_policy\.rotation_rotation-policy_[0-9A-F]+$/),
        expect.stringMatching(/^aws_rds_cluster_instance\.instance$/),
      ],
    });
    expect(onlyResource(json, "aws_lambda_permission")).toEqual({
      statement_id: "AllowSecretsManagerRotation",
      action: "lambda:InvokeFunction",
      function_name: `\${aws_lambda_function.${fnId}.function_name}`,
      principal: "secretsmanager.amazonaws.com",
      source_arn: SECRET_ARN,
    });
    expect(rotation.automaticallyAfterDays).toBe(30);
  });

  it("runs in the VPC with the bundled handler, TLS verify-full and no CA file of the runtime", () => {
    const { json } = setup();
    const fn = onlyResource(json, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "hr-chatbot-secret-rotation",
      runtime: "nodejs22.x",
      handler: "index.handler",
      architectures: ["arm64"],
      memory_size: 256,
      timeout: 60,
      vpc_config: { subnet_ids: ["subnet-aaaa", "subnet-bbbb"], security_group_ids: ["sg-1234"] },
      environment: { variables: { DB_SSL_MODE: "verify-full" } },
    });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/hr-chatbot-secret-rotation",
      retention_in_days: 30,
    });
    const bundle = rotationHandlerBundle();
    expect(bundle.directory.startsWith(join(tmpdir(), "hr-chatbot-secret-rotation"))).toBe(true);
    const code = readFileSync(join(bundle.directory, "index.js"), "utf8");
    expect(code).toContain("-----BEGIN CERTIFICATE-----");
    expect(code).not.toMatch(/require\("pg"\)/);
    expect(bundle.sizeBytes).toBeLessThan(1024 * 1024);
  });

  it("lets the role rewrite only this secret, and nothing on Resource * (the password is made in the function)", () => {
    const { json } = setup();
    expect(policies(json)["rotate-secret"].Statement).toEqual([
      {
        Sid: "RotateThisSecret",
        Effect: "Allow",
        Action: [
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ],
        Resource: SECRET_ARN,
      },
    ]);
    expect(Object.keys(policies(json)).sort()).toEqual([
      "rotate-secret",
      "vpc-network-interfaces",
      "write-own-logs",
    ]);
  });

  it("may use the customer key through Secrets Manager for this secret only", () => {
    const { json } = setup({ secret: { arn: SECRET_ARN, name: "hr-chatbot/database", kmsKeyArn: KEY_ARN } });
    expect(policies(json)["rotate-secret"].Statement[1]).toEqual({
      Sid: "UseTheSecretsKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: KEY_ARN,
      Condition: {
        StringEquals: {
          "kms:ViaService": "secretsmanager.ap-northeast-1.amazonaws.com",
          "kms:EncryptionContext:SecretARN": SECRET_ARN,
        },
      },
    });
  });

  it("takes its settings", () => {
    const { json } = setup({
      automaticallyAfterDays: 7,
      rotateImmediately: true,
      sslMode: "require",
      timeoutSeconds: 120,
    });
    expect(onlyResource(json, "aws_secretsmanager_secret_rotation")).toMatchObject({
      rotation_rules: { automatically_after_days: 7 },
      rotate_immediately: true,
    });
    expect(onlyResource(json, "aws_lambda_function")).toMatchObject({
      timeout: 120,
      environment: { variables: { DB_SSL_MODE: "require" } },
    });
  });

  it.each([
    [{ automaticallyAfterDays: 0 }, "automaticallyAfterDays 0 must be a whole number of days from 1 to 1000"],
    [
      { automaticallyAfterDays: 1001 },
      "automaticallyAfterDays 1001 must be a whole number of days from 1 to 1000",
    ],
    [{ automaticallyAfterDays: 1.5 }, "automaticallyAfterDays 1.5 must be a whole number of days"],
    [{ sslMode: "disable" as "require" }, 'sslMode "disable" must be one of verify-full, require'],
    [{ timeoutSeconds: 5 }, "timeoutSeconds 5"],
  ])("refuses %j", (overrides, message) => {
    expect(configErrorOf(() => setup(overrides)).message).toContain(message);
  });

  it("exports the interval rule the environment schema composes", () => {
    expect(rotationDaysProblem(30)).toBeUndefined();
    expect(rotationDaysProblem(0)).toMatch(/from 1 to 1000/);
  });
});
