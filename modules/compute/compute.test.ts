import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Grant, PolicyStatement, ReadableSecret, RoleRef, policyDocument } from "../core";

import { zipDirectory } from "../core/zip";
import { SynthJson, arnPartOf, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import {
  PLACEHOLDER_CODE_PATH,
  RESERVED_ENVIRONMENT_VARIABLES,
  VpcFunction,
  VpcFunctionProps,
  environmentVariableNameProblem,
  LAMBDA_RUNTIME_CA_BUNDLE,
  lambdaRuntimeProblem,
  partitionOf,
  validateEnvironment,
} from "./compute";

/** A secret like the secrets module's: grantRead adds a policy scoped to its own ARN, and records the call. */
class StubSecret implements ReadableSecret {
  readonly arn: string;
  readonly name: string;
  readonly grantedTo: RoleRef[] = [];
  private readonly scope: Construct;
  private readonly id: string;

  constructor(scope: Construct, id: string, secretName: string) {
    const secret = new SecretsmanagerSecret(scope, id, { name: secretName });
    this.scope = scope;
    this.id = id;
    this.arn = secret.arn;
    this.name = secret.name;
  }

  grantRead(role: RoleRef): Grant {
    this.grantedTo.push(role);
    const statements: PolicyStatement[] = [
      {
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: this.arn,
      },
    ];
    const policy = new IamRolePolicy(this.scope, `${this.id}-read-${this.grantedTo.length}`, {
      role: role.name,
      policy: policyDocument(...statements),
    });
    return { grantee: role, policy, statements };
  }
}

/** A secret for input that is rejected before anything is granted. */
const notGranted = (): Grant => {
  throw new Error("grantRead must not be called for rejected input");
};

const VPC = { subnetIds: ["subnet-0aaa", "subnet-0ccc"], securityGroupIds: ["sg-0123"] };

function build(
  props: Partial<VpcFunctionProps> = {},
  extra?: (stack: TerraformStack) => Partial<VpcFunctionProps>,
): { stack: TerraformStack; fn: VpcFunction; json: SynthJson } {
  const { stack } = testStack();
  const fn = new VpcFunction(stack, "backend", {
    name: "hr-chatbot",
    region: "ap-northeast-1",
    vpc: VPC,
    ...props,
    ...(extra ? extra(stack) : {}),
  });
  return { stack, fn, json: synthJson(stack) };
}

function create(props: Partial<VpcFunctionProps>): () => VpcFunction {
  return () => {
    const { stack } = testStack();
    return new VpcFunction(stack, "backend", {
      name: "hr-chatbot",
      region: "ap-northeast-1",
      vpc: VPC,
      ...props,
    });
  };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every inline policy statement, keyed by policy name (`name` or logical id). */
function policies(json: SynthJson): Record<string, Statement[]> {
  const out: Record<string, Statement[]> = {};
  for (const [id, p] of Object.entries(resourcesOf(json, "aws_iam_role_policy"))) {
    const doc = JSON.parse(p.policy as string) as { Statement: Statement[] };
    out[(p.name as string | undefined) ?? id] = doc.Statement;
  }
  return out;
}

/** How Terraform sees construct outputs: each value through a throw-away TerraformOutput. */
function resolve(stack: TerraformStack, values: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(values)) new TerraformOutput(stack, `resolve-${k}`, { value: v });
  const out = synthJson(stack).output ?? {};
  return Object.fromEntries(Object.keys(values).map((k) => [k, out[`resolve-${k}`]?.value]));
}

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

function logicalId(json: SynthJson, type: string): string {
  const ids = Object.keys(resourcesOf(json, type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe("VpcFunction defaults (the guide's function)", () => {
  const { json, fn, stack } = build();
  const lambda = onlyResource(json, "aws_lambda_function");
  const logGroupId = logicalId(json, "aws_cloudwatch_log_group");

  it("creates hr-chatbot-backend with 1024 MB, 60 s, x86_64, in both subnets with the group", () => {
    expect(lambda).toMatchObject({
      function_name: "hr-chatbot-backend",
      memory_size: 1024,
      timeout: 60,
      architectures: ["x86_64"],
      vpc_config: { subnet_ids: ["subnet-0aaa", "subnet-0ccc"], security_group_ids: ["sg-0123"] },
      tracing_config: { mode: "PassThrough" },
      logging_config: { log_format: "JSON", log_group: `\${aws_cloudwatch_log_group.${logGroupId}.name}` },
      tags: { Name: "hr-chatbot-backend" },
    });
    expect(lambda.publish).toBeUndefined();
    expect(lambda.reserved_concurrent_executions).toBeUndefined();
    expect(lambda.environment).toBeUndefined();
  });

  it("deploys the placeholder asset (nodejs22.x, index.handler) with a content hash", () => {
    expect(lambda.package_type).toBe("Zip");
    expect(lambda.runtime).toBe("nodejs22.x");
    expect(lambda.handler).toBe("index.handler");
    expect(lambda.filename).toMatch(/^assets\/backend_code_[A-F0-9]+\/[A-F0-9]{32}\/[0-9a-f]{32}\.zip$/);
    // the deterministic archive's SHA-256, known at synth (Lambda reports the same CodeSha256)
    expect(lambda.source_code_hash).toBe(zipDirectory(PLACEHOLDER_CODE_PATH).sha256Base64);
  });

  it("creates its log group first: /aws/lambda/hr-chatbot-backend, 30 days", () => {
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toEqual({
      name: "/aws/lambda/hr-chatbot-backend",
      retention_in_days: 30,
      tags: { Name: "/aws/lambda/hr-chatbot-backend" },
    });
    expect(lambda.depends_on).toContain(`aws_cloudwatch_log_group.${logGroupId}`);
  });

  it("creates role hr-chatbot-lambda-role trusted by Lambda only", () => {
    const role = onlyResource(json, "aws_iam_role");
    expect(role.name).toBe("hr-chatbot-lambda-role");
    expect(role.tags).toEqual({ Name: "hr-chatbot-lambda-role" });
    expect(JSON.parse(role.assume_role_policy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    expect(lambda.role).toBe(`\${aws_iam_role.${logicalId(json, "aws_iam_role")}.arn}`);
  });

  it("writes logs only to its own log group, and manages ENIs on * (no resource-level support) in its region", () => {
    const p = policies(json);
    expect(Object.keys(p).sort()).toEqual(["vpc-network-interfaces", "write-own-logs"]);
    expect(p["write-own-logs"]).toEqual([
      {
        Sid: "WriteOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`\${aws_cloudwatch_log_group.${logGroupId}.arn}:*`],
      },
    ]);
    expect(p["vpc-network-interfaces"][0].Resource).toBe("*");
    expect(p["vpc-network-interfaces"][0].Condition).toEqual({
      StringEquals: { "aws:RequestedRegion": "ap-northeast-1" },
    });
    expect(asList(p["vpc-network-interfaces"][0].Action).sort()).toEqual(
      [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ec2:UnassignPrivateIpAddresses",
      ].sort(),
    );
    // the function waits for both policies: Lambda checks ENI permissions at create time
    const policyIds = Object.keys(resourcesOf(json, "aws_iam_role_policy")).map(
      (id) => `aws_iam_role_policy.${id}`,
    );
    expect(lambda.depends_on).toEqual(expect.arrayContaining(policyIds));
  });

  it("attaches no managed policy, let alone a *FullAccess one", () => {
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual({});
    expect(onlyResource(json, "aws_iam_role").managed_policy_arns).toBeUndefined();
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/FullAccess|SecretsManagerReadWrite|arn:aws:iam::aws:policy/);
  });

  it("exposes typed outputs", () => {
    expect(fn.timeoutSeconds).toBe(60);
    expect(fn.memoryMb).toBe(1024);
    expect(fn.qualifier).toBeUndefined();
    expect(fn.environment).toEqual({});
    expect(fn.grantedSecretArns).toEqual([]);
    expect(fn.bedrockModelArns).toEqual([]);
    const lambdaId = logicalId(json, "aws_lambda_function");
    const roleId = logicalId(json, "aws_iam_role");
    expect(
      resolve(stack, {
        functionName: fn.functionName,
        functionArn: fn.functionArn,
        invokeArn: fn.invokeArn,
        roleArn: fn.roleArn,
        roleName: fn.roleName,
        role: fn.role.arn,
        logGroupName: fn.logGroupName,
        logGroupArn: fn.logGroupArn,
      }),
    ).toEqual({
      functionName: `\${aws_lambda_function.${lambdaId}.function_name}`,
      functionArn: `\${aws_lambda_function.${lambdaId}.arn}`,
      invokeArn: `\${aws_lambda_function.${lambdaId}.invoke_arn}`,
      roleArn: `\${aws_iam_role.${roleId}.arn}`,
      roleName: `\${aws_iam_role.${roleId}.name}`,
      role: `\${aws_iam_role.${roleId}.arn}`,
      logGroupName: `\${aws_cloudwatch_log_group.${logGroupId}.name}`,
      logGroupArn: `\${aws_cloudwatch_log_group.${logGroupId}.arn}`,
    });
  });

  it("ships the placeholder directory", () => {
    expect(fs.existsSync(path.join(PLACEHOLDER_CODE_PATH, "index.js"))).toBe(true);
  });
});

describe("environment and secrets", () => {
  const guideEnv = {
    ENABLE_RAG: "true",
    LLM_MODEL_ID: "amazon.nova-pro-v1:0",
    EMBEDDING_MODEL_ID: "cohere.embed-v4:0",
  };

  it("wires DB_SECRET_NAME / APP_SECRET_NAME from the secrets' names and grants read on exactly their ARNs", () => {
    let db: StubSecret | undefined;
    let app: StubSecret | undefined;
    const { json, fn, stack } = build({ environment: guideEnv }, (s) => {
      db = new StubSecret(s, "db-secret", "hr-chatbot/database");
      app = new StubSecret(s, "app-secret", "hr-chatbot/app-secrets");
      return {
        secrets: [
          { envVar: "DB_SECRET_NAME", secret: db },
          { envVar: "APP_SECRET_NAME", secret: app },
        ],
      };
    });
    const lambda = onlyResource(json, "aws_lambda_function");
    expect(lambda.environment).toEqual({
      variables: {
        ...guideEnv,
        DB_SECRET_NAME: "${aws_secretsmanager_secret.db-secret.name}",
        APP_SECRET_NAME: "${aws_secretsmanager_secret.app-secret.name}",
      },
    });
    // grantRead was called once per secret, with this function's role
    expect(db?.grantedTo).toHaveLength(1);
    expect(app?.grantedTo).toHaveLength(1);
    const out = resolve(stack, {
      environment: fn.environment,
      grantee: db?.grantedTo[0].name,
      role: fn.role.name,
      secretArns: fn.grantedSecretArns,
    });
    expect(out.environment).toEqual((lambda.environment as { variables: unknown }).variables);
    expect(out.grantee).toBe(out.role);
    expect(out.secretArns).toEqual([
      "${aws_secretsmanager_secret.db-secret.arn}",
      "${aws_secretsmanager_secret.app-secret.arn}",
    ]);

    // GetSecretValue is scoped to each secret's ARN, never *
    const getSecret = Object.values(policies(json))
      .flat()
      .filter((s) => asList(s.Action).includes("secretsmanager:GetSecretValue"));
    expect(getSecret.map((s) => s.Resource).sort()).toEqual([
      "${aws_secretsmanager_secret.app-secret.arn}",
      "${aws_secretsmanager_secret.db-secret.arn}",
    ]);
  });

  it.each(["AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME", "LAMBDA_TASK_ROOT"])(
    "rejects the reserved name %s",
    (reserved) => {
      expect(create({ environment: { ...guideEnv, [reserved]: "x" } })).toThrow(
        `environment name "${reserved}" is reserved by AWS Lambda`,
      );
    },
  );

  it("rejects AWS_REGION as a secret variable too", () => {
    expect(
      create({
        secrets: [{ envVar: "AWS_REGION", secret: { arn: "arn", name: "n", grantRead: notGranted } }],
      }),
    ).toThrow('secrets[0].envVar "AWS_REGION" is reserved by AWS Lambda');
  });

  it("lists every reserved name of the Lambda documentation", () => {
    expect(RESERVED_ENVIRONMENT_VARIABLES).toEqual(
      expect.arrayContaining([
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "LAMBDA_RUNTIME_DIR",
      ]),
    );
    expect(RESERVED_ENVIRONMENT_VARIABLES).toHaveLength(18);
  });

  it("accepts TZ: Lambda lists it with the unreserved variables", () => {
    expect(RESERVED_ENVIRONMENT_VARIABLES).not.toContain("TZ");
    expect(create({ environment: { ...guideEnv, TZ: "Asia/Tokyo" } })).not.toThrow();
  });

  it.each([
    ["DB_PASSWORD", "looks like a secret"],
    ["NODE_TLS_REJECT_UNAUTHORIZED", "turns off TLS certificate checks"],
    ["LD_PRELOAD", "injects a shared library"],
    ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "sends every AWS SDK call to another endpoint"],
    ["AWS_LAMBDA_EXEC_WRAPPER", "runs a wrapper script"],
  ])("rejects %s", (name, rule) => {
    expect(create({ environment: { ...guideEnv, [name]: "x" } })).toThrow(rule);
  });

  it("accepts NODE_EXTRA_CA_CERTS only when it loads the runtime's own CA bundle (RDS authorities)", () => {
    expect(
      create({ environment: { ...guideEnv, NODE_EXTRA_CA_CERTS: LAMBDA_RUNTIME_CA_BUNDLE } }),
    ).not.toThrow();
    expect(create({ environment: { ...guideEnv, NODE_EXTRA_CA_CERTS: "/tmp/mine.pem" } })).toThrow(
      "adds trusted certificate authorities",
    );
  });

  it("accepts variables that name a secret rather than hold it", () => {
    expect(environmentVariableNameProblem("DB_SECRET_NAME")).toBeUndefined();
    expect(environmentVariableNameProblem("SIGNING_KEY_ARN")).toBeUndefined();
  });

  it.each([
    ["nodejs22.x", undefined],
    ["nodejs24.x", /not accepted by the pinned aws provider 5\.100\.0/],
    ["nodejs20.x", /Lambda no longer creates functions on it since 2026-06-01/],
    ["nodejs16.x", /not a Lambda runtime the aws provider 5\.100\.0 accepts/],
  ])("runtime %s on 2026-11-30", (runtime, problem) => {
    const result = lambdaRuntimeProblem(runtime, new Date("2026-11-30"));
    if (problem) expect(result).toMatch(problem);
    else expect(result).toBeUndefined();
  });

  it("rejects empty values (the guide's empty DATABASE_URL)", () => {
    expect(create({ environment: { DATABASE_URL: "" } })).toThrow(
      'environment.DATABASE_URL "" must be a non-empty string',
    );
    expect(create({ environment: { ENABLE_RAG: "  " } })).toThrow(
      'environment.ENABLE_RAG "  " must be a non-empty',
    );
  });

  it("rejects bad names and duplicates between environment and secrets", () => {
    expect(create({ environment: { "1ABC": "x" } })).toThrow(
      'environment name "1ABC" must be at least 2 characters',
    );
    expect(create({ environment: { "MY-VAR": "x" } })).toThrow('environment name "MY-VAR"');
    const s: ReadableSecret = { arn: "arn:x", name: "n", grantRead: notGranted };
    expect(
      create({ environment: { DB_SECRET_NAME: "x" }, secrets: [{ envVar: "DB_SECRET_NAME", secret: s }] }),
    ).toThrow('secrets[0].envVar "DB_SECRET_NAME" is also set in environment');
    expect(
      create({
        secrets: [
          { envVar: "DB_SECRET_NAME", secret: s },
          { envVar: "DB_SECRET_NAME", secret: s },
        ],
      }),
    ).toThrow('secrets[1].envVar "DB_SECRET_NAME" is used by another secret');
  });

  it("rejects an environment over Lambda's 4 KB", () => {
    expect(create({ environment: { BIG: "x".repeat(4100) } })).toThrow("exceeds Lambda's 4096-byte limit");
  });

  it("validateEnvironment returns every problem without throwing", () => {
    expect(validateEnvironment("environment", guideEnv)).toEqual([]);
    expect(validateEnvironment("app.env", { AWS_REGION: "ap-northeast-1", EMPTY: "", ok_name: "v" })).toEqual(
      [
        'app.env name "AWS_REGION" is reserved by AWS Lambda and cannot be set in the function configuration (Lambda sets it itself; e.g. AWS_REGION is always present at run time)',
        'app.env.EMPTY "" must be a non-empty string (an empty variable reaches the application as a missing setting)',
      ],
    );
    // the construct reports the first problem and counts the rest
    expect(create({ environment: { AWS_REGION: "x", EMPTY: "" } })).toThrow("(and 1 more:");
  });
});

describe("Bedrock permissions", () => {
  it("scopes InvokeModel to each foundation model ARN in the region", () => {
    const { json, fn } = build({ bedrockModelIds: ["amazon.nova-pro-v1:0", "cohere.embed-v4:0"] });
    const st = policies(json)["bedrock-invoke"];
    expect(st).toEqual([
      {
        Sid: "InvokeListedModels",
        Effect: "Allow",
        Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        Resource: [
          "arn:aws:bedrock:ap-northeast-1::foundation-model/amazon.nova-pro-v1:0",
          "arn:aws:bedrock:ap-northeast-1::foundation-model/cohere.embed-v4:0",
        ],
      },
    ]);
    expect(fn.bedrockModelArns).toHaveLength(2);
  });

  it("allows a cross-region inference profile (account from the role ARN) and its model in any region", () => {
    const { json } = build({ bedrockModelIds: ["apac.amazon.nova-pro-v1:0"] });
    const roleId = logicalId(json, "aws_iam_role");
    expect(policies(json)["bedrock-invoke"][0].Resource).toEqual([
      `arn:aws:bedrock:ap-northeast-1:${arnPartOf(json, `aws_iam_role.${roleId}.arn`, 4)}:inference-profile/apac.amazon.nova-pro-v1:0`,
      "arn:aws:bedrock:*::foundation-model/amazon.nova-pro-v1:0",
    ]);
  });

  it("never grants Bedrock on *", () => {
    const { json } = build({
      bedrockModelIds: ["amazon.nova-pro-v1:0", "global.anthropic.claude-sonnet-4-v1:0"],
    });
    for (const s of Object.values(policies(json)).flat()) {
      if (asList(s.Action).some((a) => a.startsWith("bedrock:"))) {
        expect(asList(s.Resource)).not.toContain("*");
        for (const r of asList(s.Resource)) expect(r).toMatch(/^arn:aws:bedrock:/);
      }
    }
    expect(create({ bedrockModelIds: ["*"] })).toThrow('bedrockModelIds[0] "*" must be a Bedrock model id');
    expect(
      create({ bedrockModelIds: ["arn:aws:bedrock:ap-northeast-1::foundation-model/amazon.nova-pro-v1:0"] }),
    ).toThrow("bedrockModelIds[0]");
    expect(create({ bedrockModelIds: ["amazon.*"] })).toThrow("bedrockModelIds[0]");
    expect(create({ bedrockModelIds: ["amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"] })).toThrow(
      "listed twice",
    );
  });

  it("uses the region's partition", () => {
    expect(partitionOf("ap-northeast-1")).toBe("aws");
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
  });
});

describe("code variants", () => {
  it("deploys a container image", () => {
    const uri = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/hr-chatbot:1.0.0";
    const lambda = onlyResource(
      build({ code: { type: "image", imageUri: uri, command: ["app.main.handler"] } }).json,
      "aws_lambda_function",
    );
    expect(lambda).toMatchObject({
      package_type: "Image",
      image_uri: uri,
      image_config: { command: ["app.main.handler"] },
    });
    expect(lambda.handler).toBeUndefined();
    expect(lambda.runtime).toBeUndefined();
    expect(lambda.filename).toBeUndefined();
    expect(create({ code: { type: "image", imageUri: "docker.io/library/python:3.12" } })).toThrow(
      'code.imageUri "docker.io/library/python:3.12" must be an Amazon ECR image URI',
    );
  });

  it("deploys a package from S3", () => {
    const lambda = onlyResource(
      build({
        code: {
          type: "s3",
          bucket: "artifacts",
          key: "backend.zip",
          objectVersion: "v7",
          handler: "app.main.handler",
          runtime: "python3.12",
        },
      }).json,
      "aws_lambda_function",
    );
    expect(lambda).toMatchObject({
      package_type: "Zip",
      s3_bucket: "artifacts",
      s3_key: "backend.zip",
      s3_object_version: "v7",
      handler: "app.main.handler",
      runtime: "python3.12",
    });
    expect(create({ code: { type: "s3", bucket: "", key: "k" } })).toThrow('code.bucket "" must be set');
  });

  it("deploys a local .zip file as a file asset and a directory as an archive", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vpcfn-"));
    const zip = path.join(dir, "backend.zip");
    fs.writeFileSync(zip, "PK-not-really");
    const fileLambda = onlyResource(
      build({ code: { type: "asset", path: zip, handler: "app.handler", runtime: "python3.13" } }).json,
      "aws_lambda_function",
    );
    expect(fileLambda.filename).toMatch(/\/backend\.zip$/);
    expect(fileLambda.source_code_hash).toBe(`\${filebase64sha256("${fileLambda.filename as string}")}`);
    expect(fileLambda).toMatchObject({ handler: "app.handler", runtime: "python3.13" });

    const src = path.join(dir, "src");
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, "index.js"), "exports.handler = async () => ({});\n");
    const dirLambda = onlyResource(build({ code: { type: "asset", path: src } }).json, "aws_lambda_function");
    expect(dirLambda.filename).toMatch(/\/[0-9a-f]{32}\.zip$/);
    expect(dirLambda.source_code_hash).toBe(zipDirectory(src).sha256Base64);

    fs.writeFileSync(path.join(dir, "notes.txt"), "x");
    expect(create({ code: { type: "asset", path: path.join(dir, "notes.txt") } })).toThrow(
      "must be a directory or a .zip file",
    );
    expect(create({ code: { type: "asset", path: path.join(dir, "missing") } })).toThrow("does not exist");
  });

  it("changes the package path when the code changes", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vpcfn-"));
    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 1;\n");
    const first = onlyResource(
      build({ code: { type: "asset", path: dir } }).json,
      "aws_lambda_function",
    ).filename;
    fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => 2;\n");
    const second = onlyResource(
      build({ code: { type: "asset", path: dir } }).json,
      "aws_lambda_function",
    ).filename;
    expect(first).not.toEqual(second);
  });

  it("zips the placeholder into the synthesized stack directory", () => {
    const { stack } = testStack();
    new VpcFunction(stack, "backend", { name: "hr-chatbot", region: "ap-northeast-1", vpc: VPC });
    const outdir = Testing.fullSynth(stack);
    const lambda = onlyResource(synthJson(stack), "aws_lambda_function");
    const zipPath = path.join(outdir, "stacks", "test", lambda.filename as string);
    const zip = fs.readFileSync(zipPath);
    expect(zip.subarray(0, 2).toString()).toBe("PK");
    expect(zip.includes(Buffer.from("index.js"))).toBe(true);
  });
});

describe("concurrency, tracing and logging options", () => {
  it("publishes a live alias with provisioned concurrency and invokes through it", () => {
    const { json, fn, stack } = build({ provisionedConcurrency: 2, reservedConcurrency: 10 });
    const lambda = onlyResource(json, "aws_lambda_function");
    const lambdaId = logicalId(json, "aws_lambda_function");
    const aliasId = logicalId(json, "aws_lambda_alias");
    expect(lambda.publish).toBe(true);
    expect(lambda.reserved_concurrent_executions).toBe(10);
    expect(onlyResource(json, "aws_lambda_alias")).toMatchObject({
      name: "live",
      function_name: `\${aws_lambda_function.${lambdaId}.function_name}`,
      function_version: `\${aws_lambda_function.${lambdaId}.version}`,
    });
    expect(onlyResource(json, "aws_lambda_provisioned_concurrency_config")).toEqual({
      function_name: `\${aws_lambda_function.${lambdaId}.function_name}`,
      qualifier: `\${aws_lambda_alias.${aliasId}.name}`,
      provisioned_concurrent_executions: 2,
    });
    expect(resolve(stack, { invokeArn: fn.invokeArn, qualifier: fn.qualifier })).toEqual({
      invokeArn: `\${aws_lambda_alias.${aliasId}.invoke_arn}`,
      qualifier: `\${aws_lambda_alias.${aliasId}.name}`,
    });
  });

  it("rejects provisioned concurrency above the reserved concurrency, and warns on reserved 0", () => {
    expect(create({ provisionedConcurrency: 5, reservedConcurrency: 2 })).toThrow(
      "provisionedConcurrency 5 must not exceed reservedConcurrency (2)",
    );
    const { fn } = build({ reservedConcurrency: 0 });
    expect(fn.node.metadata.map((m) => `${m.type}: ${String(m.data)}`)).toEqual([
      expect.stringMatching(/^@cdktf\/warn: .*reservedConcurrency 0 throttles every invocation/),
    ]);
  });

  it("adds X-Ray permissions only with active tracing", () => {
    const { json } = build({
      tracing: "Active",
      logFormat: "Text",
      logRetentionDays: 90,
      architecture: "arm64",
    });
    const lambda = onlyResource(json, "aws_lambda_function");
    expect(lambda.tracing_config).toEqual({ mode: "Active" });
    expect((lambda.logging_config as Record<string, unknown>).log_format).toBe("Text");
    expect(lambda.architectures).toEqual(["arm64"]);
    expect(onlyResource(json, "aws_cloudwatch_log_group").retention_in_days).toBe(90);
    expect(policies(json)["xray-tracing"]).toEqual([
      {
        Sid: "WriteTraces",
        Effect: "Allow",
        Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        Resource: "*",
      },
    ]);
  });
});

describe("input validation", () => {
  it.each<[string, Partial<VpcFunctionProps>, string]>([
    ["name", { name: "HR" }, 'name "HR" must be 2-40 lower-case'],
    ["functionName", { functionName: "hr chatbot" }, 'functionName "hr chatbot" must be 1-64 letters'],
    ["functionName length", { functionName: "a".repeat(65) }, "functionName"],
    ["roleName", { roleName: "role/with/slash" }, 'roleName "role/with/slash" must be 1-64'],
    ["region", { region: "tokyo" }, 'region "tokyo" must be an AWS region code'],
    ["memoryMb", { memoryMb: 64 }, "memoryMb 64 must be an integer from 128 to 10240"],
    ["timeoutSeconds", { timeoutSeconds: 901 }, "timeoutSeconds 901 must be an integer from 1 to 900"],
    [
      "subnets",
      { vpc: { subnetIds: [], securityGroupIds: ["sg-1"] } },
      "vpc.subnetIds [] must list 1 to 16 subnets",
    ],
    [
      "security groups",
      { vpc: { subnetIds: ["subnet-1"], securityGroupIds: [] } },
      "vpc.securityGroupIds [] must list 1 to 5 security groups",
    ],
    [
      "duplicate subnet",
      { vpc: { subnetIds: ["subnet-1", "subnet-1"], securityGroupIds: ["sg-1"] } },
      'vpc.subnetIds[1] "subnet-1" is listed twice',
    ],
    [
      "logRetentionDays",
      { logRetentionDays: 31 },
      "logRetentionDays 31 must be one of the CloudWatch Logs retention",
    ],
    ["reservedConcurrency", { reservedConcurrency: -1 }, "reservedConcurrency -1 must be an integer"],
    ["provisionedConcurrency", { provisionedConcurrency: 0 }, "provisionedConcurrency 0 must be an integer"],
    [
      "handler",
      { code: { type: "asset", path: PLACEHOLDER_CODE_PATH, handler: "index handler" } },
      'code.handler "index handler"',
    ],
  ])("rejects a bad %s", (_label, props, message) => {
    expect(create(props)).toThrow(message);
  });

  it("takes custom names and tags", () => {
    const { json } = build({
      functionName: "hr_chatbot-api",
      roleName: "hr-chatbot-api-role",
      tags: { Env: "dev" },
    });
    expect(onlyResource(json, "aws_lambda_function").tags).toEqual({ Env: "dev", Name: "hr_chatbot-api" });
    expect(onlyResource(json, "aws_iam_role").tags).toEqual({ Env: "dev", Name: "hr-chatbot-api-role" });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/hr_chatbot-api",
      tags: { Env: "dev", Name: "/aws/lambda/hr_chatbot-api" },
    });
  });
});

describe("environment encryption with a customer key", () => {
  const KEY = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  it("sets kms_key_arn and lets only this function's environment be decrypted with the key", () => {
    const { json } = build({ kmsKeyArn: KEY });
    const fn = onlyResource(json, "aws_lambda_function") as { kms_key_arn?: string };
    expect(fn.kms_key_arn).toBe(KEY);
    expect(policies(json)["environment-key-decrypt"]).toEqual([
      {
        Sid: "DecryptFunctionEnvironment",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KEY,
        Condition: { StringEquals: { "kms:EncryptionContext:LambdaFunctionName": "hr-chatbot-backend" } },
      },
    ]);
  });
  it("leaves the AWS managed key (no kms_key_arn, no key policy) by default", () => {
    const { json } = build();
    const fn = onlyResource(json, "aws_lambda_function") as { kms_key_arn?: string };
    expect(fn.kms_key_arn).toBeUndefined();
    expect(policies(json)["environment-key-decrypt"]).toBeUndefined();
  });
  it("refuses a value that is not a KMS key ARN", () => {
    expect(create({ kmsKeyArn: "alias/aws/lambda" })).toThrow(
      /kmsKeyArn "alias\/aws\/lambda" must be a KMS key ARN/,
    );
  });
});

describe("VpcFunction outside a VPC, with the RDS Data API", () => {
  const CLUSTER_ARN = "arn:aws:rds:ap-northeast-1:123456789012:cluster:hr-chatbot-cluster";
  let secret!: StubSecret;
  const { fn, json } = build({ vpc: undefined }, (stack) => {
    secret = new StubSecret(stack, "db", "hr-chatbot/database");
    return { dataApi: { clusterArn: CLUSTER_ARN, secret, databaseName: "hr_chatbot" } };
  });
  const lambda = onlyResource(json, "aws_lambda_function");

  it("has no vpc_config and no network interface policy", () => {
    expect(lambda).not.toHaveProperty("vpc_config");
    expect(policies(json)).not.toHaveProperty("vpc-network-interfaces");
    expect(fn.inVpc).toBe(false);
  });

  it("allows the Data API actions on the cluster ARN only, and reads the secret through its grant", () => {
    expect(policies(json)["rds-data-api"]).toEqual([
      {
        Sid: "DataApiOnCluster",
        Effect: "Allow",
        Action: [
          "rds-data:ExecuteStatement",
          "rds-data:BatchExecuteStatement",
          "rds-data:BeginTransaction",
          "rds-data:CommitTransaction",
          "rds-data:RollbackTransaction",
        ],
        Resource: CLUSTER_ARN,
      },
    ]);
    expect(secret.grantedTo).toEqual([fn.role]);
    expect(fn.dataApiSecretGrant?.statements[0].Resource).toBe(secret.arn);
  });

  it("sets DB_CLUSTER_ARN, DB_SECRET_ARN and DB_NAME", () => {
    expect((lambda.environment as { variables: Record<string, string> }).variables).toEqual({
      DB_CLUSTER_ARN: CLUSTER_ARN,
      DB_SECRET_ARN: "${aws_secretsmanager_secret.db.arn}",
      DB_NAME: "hr_chatbot",
    });
  });

  it("refuses a cluster ARN that is not one, and a variable set twice", () => {
    const bad = (dataApi: Partial<NonNullable<VpcFunctionProps["dataApi"]>>, environment = {}) =>
      create({
        vpc: undefined,
        environment,
        dataApi: {
          clusterArn: CLUSTER_ARN,
          databaseName: "hr_chatbot",
          secret: { arn: "arn:aws:secretsmanager:x", name: "n", grantRead: notGranted },
          ...dataApi,
        },
      });
    expect(bad({ clusterArn: "hr-chatbot-cluster" })).toThrow(
      'dataApi.clusterArn "hr-chatbot-cluster" must be an Aurora cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>)',
    );
    expect(bad({}, { DB_NAME: "other" })).toThrow(
      'dataApi "DB_NAME" sets this variable, which environment or secrets also sets',
    );
  });
});
