/**
 * VpcFunction: one Lambda function, inside a VPC unless `vpc` is left unset,
 * with its own execution role and log group.
 *
 * The role holds only what this function needs: writing to its own log group,
 * managing its VPC network interfaces (only in a VPC), reading the secrets it
 * is given (each secret grants itself through `grantRead`), invoking the
 * Bedrock models it names, the RDS Data API on one cluster (`dataApi`), and
 * X-Ray when tracing is active. No managed *FullAccess policy.
 *
 * A secret reaches the function only through `secrets`, which sets the
 * environment variable to the secret's name AND grants read access in the same
 * step: the role cannot lack `secretsmanager:GetSecretValue` for a secret the
 * application is told about, and the variable cannot be empty.
 */
import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { Annotations, AssetType, Fn, TerraformAsset, Token } from "cdktf";
import { zipDirectory } from "../core/zip";
import { type Grant, policyDocument, serviceTrustPolicy } from "../core/iam";
import { arnParts, validateKmsKeyArn } from "../core/arn";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction, LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaProvisionedConcurrencyConfig } from "@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config";
import {
  BaseProps,
  ConfigError,
  ReadableSecret,
  fail,
  formatValue,
  validateIntRange,
  validateName,
  withName,
} from "../core";
import { validateLogRetention } from "../core/logs";
import { AWS_REGION_RULE, regionProblem } from "../core/regions";

/**
 * Lambda managed runtimes this module accepts for `.zip` packages: the ones
 * the pinned aws provider 5.100.0 accepts and Lambda still creates functions
 * on (see {@link LAMBDA_RUNTIMES} and {@link lambdaRuntimeProblem}, which also
 * check the date).
 */
export type LambdaRuntime =
  | "nodejs22.x"
  | "python3.12"
  | "python3.13"
  | "java21"
  | "dotnet8"
  | "ruby3.3"
  | "ruby3.4"
  | "provided.al2023";

/** Code from a local directory (zipped at synth time) or a local `.zip` file. */
export interface AssetCode {
  readonly type: "asset";
  /** Directory or `.zip` file; relative paths resolve against the working directory (the project root). */
  readonly path: string;
  /**
   * Handler entry point.
   * @default "index.handler"
   */
  readonly handler?: string;
  /**
   * Runtime.
   * @default "nodejs22.x"
   */
  readonly runtime?: LambdaRuntime;
}

/** A `.zip` package already uploaded to S3. */
export interface S3Code {
  readonly type: "s3";
  /** Bucket name. */
  readonly bucket: string;
  /** Object key of the `.zip` package. */
  readonly key: string;
  /**
   * Object version (versioned buckets); a new version redeploys the function.
   * @default latest object
   */
  readonly objectVersion?: string;
  /**
   * Handler entry point.
   * @default "index.handler"
   */
  readonly handler?: string;
  /**
   * Runtime.
   * @default "nodejs22.x"
   */
  readonly runtime?: LambdaRuntime;
}

/** A container image in Amazon ECR (package type `Image`). */
export interface ImageCode {
  readonly type: "image";
  /** ECR image URI with a tag or digest, e.g. `123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1.0`. */
  readonly imageUri: string;
  /**
   * Overrides the image's CMD.
   * @default the image's own CMD
   */
  readonly command?: string[];
}

/** Where the function's code comes from. */
export type FunctionCode = AssetCode | S3Code | ImageCode;

/** Directory of the placeholder handler deployed when no `code` is given. */
export const PLACEHOLDER_CODE_PATH: string = path.join(__dirname, "placeholder");

/** The code deployed when `code` is not set: a dependency-free health-check handler. */
export const PLACEHOLDER_CODE: AssetCode = {
  type: "asset",
  path: PLACEHOLDER_CODE_PATH,
  handler: "index.handler",
  runtime: "nodejs22.x",
};

/** A secret the function reads at run time. */
export interface FunctionSecret {
  /** Environment variable that receives the secret's name (e.g. `DB_SECRET_NAME`). */
  readonly envVar: string;
  /** The secret; it grants read access to the function's role. */
  readonly secret: ReadableSecret;
}

/**
 * A database the function reaches through the RDS Data API (HTTPS, no
 * network path to the database needed).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html
 */
export interface DataApiAccess {
  /** ARN of the Aurora cluster, whose HTTP endpoint (Data API) is enabled. */
  readonly clusterArn: string;
  /**
   * Secret with the `username` and `password` the Data API signs in with; the
   * role gets `secretsmanager:GetSecretValue` on it (the Data API requires the
   * caller to be allowed to read it).
   */
  readonly secret: ReadableSecret;
  /** Database the statements run in. */
  readonly databaseName: string;
}

/** Environment variables {@link VpcFunction} sets for {@link DataApiAccess}. */
export const DATA_API_ENVIRONMENT = {
  /** ARN of the cluster (`resourceArn` of every Data API call). */
  clusterArn: "DB_CLUSTER_ARN",
  /** ARN of the secret the Data API signs in with (`secretArn`). */
  secretArn: "DB_SECRET_ARN",
  /** Database name (`database`). */
  databaseName: "DB_NAME",
} as const;

/**
 * The Data API actions the role gets on the cluster: single and batch
 * statements and the three transaction calls. `rds-data:*` would add nothing
 * more today; listing them keeps a future action from being granted unseen.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrdsdataapi.html
 */
export const DATA_API_ACTIONS: readonly string[] = [
  "rds-data:ExecuteStatement",
  "rds-data:BatchExecuteStatement",
  "rds-data:BeginTransaction",
  "rds-data:CommitTransaction",
  "rds-data:RollbackTransaction",
];

/** Properties of {@link VpcFunction}. */
export interface VpcFunctionProps extends BaseProps {
  /**
   * AWS region of the stack (used to build ARNs; the module uses no data sources).
   */
  readonly region: string;
  /**
   * Function name: 1-64 letters, digits, hyphens or underscores.
   * @default `${name}-backend`
   */
  readonly functionName?: string;
  /**
   * Description of the function.
   * @default none
   */
  readonly description?: string;
  /**
   * Execution role name.
   * @default `${name}-lambda-role`
   */
  readonly roleName?: string;
  /**
   * Description of the execution role.
   * @default `Execution role of the Lambda function <functionName>`
   */
  readonly roleDescription?: string;
  /**
   * The code to deploy.
   * @default the placeholder in `modules/compute/placeholder/` (nodejs22.x, `index.handler`)
   */
  readonly code?: FunctionCode;
  /**
   * Memory in MB (128-10240).
   * @default 1024
   */
  readonly memoryMb?: number;
  /**
   * Timeout in seconds (1-900).
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Instruction set architecture.
   * @default "x86_64"
   */
  readonly architecture?: "x86_64" | "arm64";
  /**
   * Subnets and security groups of the function's network interfaces.
   * @default none: the function runs outside any VPC and reaches AWS services
   *   (Secrets Manager, Bedrock, the RDS Data API) at their public regional endpoints
   */
  readonly vpc?: {
    /** 1-16 subnet ids. */
    readonly subnetIds: string[];
    /** 1-5 security group ids. */
    readonly securityGroupIds: string[];
  };
  /**
   * Database access through the RDS Data API: sets `DB_CLUSTER_ARN`,
   * `DB_SECRET_ARN` and `DB_NAME` (see {@link DATA_API_ENVIRONMENT}), allows
   * the Data API actions on exactly the cluster's ARN and reads the secret
   * the Data API signs in with (`grantRead`).
   * @default none
   */
  readonly dataApi?: DataApiAccess;
  /**
   * Plain environment variables. Every value must be non-empty; names must
   * start with a letter and use letters, digits and `_`; names reserved by
   * Lambda (see {@link RESERVED_ENVIRONMENT_VARIABLES}) are rejected.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Secrets: each sets `envVar` to the secret's name and grants the role read access.
   * @default []
   */
  readonly secrets?: ReadonlyArray<FunctionSecret>;
  /**
   * Bedrock model ids (`amazon.nova-pro-v1:0`) or cross-region inference
   * profile ids (`apac.amazon.nova-pro-v1:0`) the function may invoke.
   * @default []
   */
  readonly bedrockModelIds?: string[];
  /**
   * Retention of the function's log group, in days (a CloudWatch Logs retention period).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Log format.
   * @default "JSON"
   */
  readonly logFormat?: "Text" | "JSON";
  /**
   * X-Ray tracing mode.
   * @default "PassThrough"
   */
  readonly tracing?: "Active" | "PassThrough";
  /**
   * Reserved concurrent executions.
   * @default unreserved (the account's shared pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * ARN of the customer managed KMS key that encrypts the function's
   * environment variables at rest (the function's `kms_key_arn`). The
   * execution role gets `kms:Decrypt` on it, limited to this function's
   * encryption context; whoever deploys needs `kms:CreateGrant` on it.
   * @default Lambda's AWS managed key `aws/lambda`
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-encryption.html
   */
  readonly kmsKeyArn?: string;
  /**
   * Provisioned concurrency on the alias `live` (publishes versions).
   * @default none
   */
  readonly provisionedConcurrency?: number;
}

/**
 * Environment variable names Lambda sets itself and rejects in a function's
 * configuration. `TZ` is not among them: the same page lists it with the
 * unreserved variables a function may set (default `:UTC`).
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html (checked 2026-11-30)
 */
export const RESERVED_ENVIRONMENT_VARIABLES: readonly string[] = [
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
];

/** Lambda's limit on the total size of a function's environment variables (keys plus values). */
export const ENVIRONMENT_MAX_BYTES = 4096;

const ENV_NAME_RE = /^[A-Za-z][A-Za-z0-9_]+$/;
const FUNCTION_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE_NAME_RE = /^[\w+=,.@-]{1,64}$/;
const HANDLER_RE = /^\S{1,128}$/;
const IMAGE_URI_RE =
  /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const MODEL_ID_RE = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9_-]*)+(:[a-z0-9._-]+)*$/;

/** Prefixes of cross-region inference profile ids (`apac.amazon.nova-pro-v1:0`). */
export const INFERENCE_PROFILE_PREFIXES: readonly string[] = [
  "us",
  "us-gov",
  "eu",
  "apac",
  "jp",
  "au",
  "ca",
  "global",
];

/** One problem in an environment map. */
interface Issue {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
}

function issueText(i: Issue): string {
  return `${i.field} ${formatValue(i.value)} ${i.rule}`;
}

function envNameIssues(field: string, envName: string, value?: string): Issue[] {
  if (RESERVED_ENVIRONMENT_VARIABLES.includes(envName)) {
    return [
      {
        field,
        value: envName,
        rule:
          "is reserved by AWS Lambda and cannot be set in the function configuration " +
          "(Lambda sets it itself; e.g. AWS_REGION is always present at run time)",
      },
    ];
  }
  const problem = typeof envName === "string" ? environmentVariableNameProblem(envName, value) : undefined;
  if (problem) return [{ field, value: envName, rule: problem }];
  if (typeof envName !== "string" || !ENV_NAME_RE.test(envName)) {
    return [
      {
        field,
        value: envName,
        rule: "must be at least 2 characters, start with a letter and use only letters, digits and _",
      },
    ];
  }
  return [];
}

function literalSize(env: Readonly<Record<string, string>>): number {
  return Object.entries(env).reduce(
    (sum, [k, v]) =>
      sum +
      Buffer.byteLength(k) +
      (typeof v === "string" && !Token.isUnresolved(v) ? Buffer.byteLength(v) : 0),
    0,
  );
}

function environmentIssues(field: string, env: Readonly<Record<string, string>>): Issue[] {
  const issues: Issue[] = [];
  for (const [key, value] of Object.entries(env)) {
    issues.push(...envNameIssues(`${field} name`, key, typeof value === "string" ? value : undefined));
    if (typeof value !== "string" || (!Token.isUnresolved(value) && value.trim() === "")) {
      issues.push({
        field: `${field}.${key}`,
        value,
        rule: "must be a non-empty string (an empty variable reaches the application as a missing setting)",
      });
    } else if (!Token.isUnresolved(value) && environmentVariableValueProblem(value)) {
      issues.push({
        field: `${field}.${key}`,
        value: "(not shown)",
        rule: environmentVariableValueProblem(value)!,
      });
    }
  }
  const size = literalSize(env);
  if (size > ENVIRONMENT_MAX_BYTES) {
    issues.push({
      field,
      value: `${size} bytes`,
      rule: `exceeds Lambda's ${ENVIRONMENT_MAX_BYTES}-byte limit for all environment variables`,
    });
  }
  return issues;
}

/**
 * Check a Lambda environment map without throwing: names (letters, digits and
 * `_`, starting with a letter, at least 2 characters), names reserved by
 * Lambda, non-empty values and the 4 KB total. Unresolved tokens pass the
 * value checks. Returns one message per problem (empty when valid), each
 * naming the field, the value and the rule.
 */
export function validateEnvironment(field: string, env: Readonly<Record<string, string>>): string[] {
  return environmentIssues(field, env).map(issueText);
}

function throwIssues(issues: Issue[]): void {
  if (issues.length === 0) return;
  const [first, ...rest] = issues;
  const more = rest.length > 0 ? ` (and ${rest.length} more: ${rest.map(issueText).join("; ")})` : "";
  throw new ConfigError(first.field, first.value, `${first.rule}${more}`);
}

/** ARN partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

function validateIdList(field: string, ids: string[], min: number, max: number, what: string): void {
  if (!Array.isArray(ids) || ids.length < min || ids.length > max) {
    fail(field, ids, `must list ${min} to ${max} ${what}s`);
  }
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (typeof id !== "string" || id.trim() === "")
      fail(`${field}[${i}]`, id, `must be a non-empty ${what} id`);
    if (!Token.isUnresolved(id)) {
      if (seen.has(id)) fail(`${field}[${i}]`, id, "is listed twice");
      seen.add(id);
    }
  });
}

/**
 * A Lambda function (in a VPC when `vpc` is given) with its execution role and log group.
 *
 * @example
 * const fn = new VpcFunction(this, "backend", {
 *   name: "hr-chatbot",
 *   region: "ap-northeast-1",
 *   vpc: { subnetIds: network.subnetIds, securityGroupIds: [sg.id] },
 *   secrets: [{ envVar: "DB_SECRET_NAME", secret: dbSecret }],
 *   bedrockModelIds: ["amazon.nova-pro-v1:0"],
 * });
 */
export class VpcFunction extends Construct {
  /** The function's name. */
  public readonly functionName: string;
  /** The function's (unqualified) ARN. */
  public readonly functionArn: string;
  /** ARN API Gateway invokes: the `live` alias with provisioned concurrency, else the function. */
  public readonly invokeArn: string;
  /** Alias name callers must invoke (`live`) when provisioned concurrency is set; else undefined. */
  public readonly qualifier: string | undefined;
  /** The execution role (satisfies `RoleRef`; other modules grant to it). */
  public readonly role: IamRole;
  /** The execution role's ARN. */
  public readonly roleArn: string;
  /** The execution role's name. */
  public readonly roleName: string;
  /** The function's log group name, `/aws/lambda/<functionName>`. */
  public readonly logGroupName: string;
  /** The function's log group ARN. */
  public readonly logGroupArn: string;
  /** Timeout in seconds. */
  public readonly timeoutSeconds: number;
  /** Memory in MB. */
  public readonly memoryMb: number;
  /** The function's environment: plain variables plus one variable per secret (set to the secret's name). */
  public readonly environment: Readonly<Record<string, string>>;
  /** ARNs of the secrets the role was granted read access to. */
  public readonly grantedSecretArns: readonly string[];
  /** The read grants of `secrets`, in order: depend on them before invoking the function. */
  public readonly secretGrants: readonly Grant[];
  /** Bedrock resource ARNs the role may invoke (never `*`). */
  public readonly bedrockModelArns: readonly string[];
  /** The Lambda function resource. */
  public readonly lambdaFunction: LambdaFunction;
  /** The log group resource. */
  public readonly logGroup: CloudwatchLogGroup;
  /** The Data API policy (`rds-data:*` calls on the cluster); undefined without `dataApi`. */
  public readonly dataApiPolicy?: IamRolePolicy;
  /** Read grant on the Data API's secret; undefined without `dataApi`. */
  public readonly dataApiSecretGrant?: Grant;
  /** Whether the function runs in a VPC (`vpc` was given). */
  public readonly inVpc: boolean;

  constructor(scope: Construct, id: string, props: VpcFunctionProps) {
    super(scope, id);

    // ---- defaults, then validation ----
    const name = validateName("name", props.name);
    const functionName = props.functionName ?? `${name}-backend`;
    const roleName = props.roleName ?? `${name}-lambda-role`;
    const code: FunctionCode = props.code ?? PLACEHOLDER_CODE;
    const memoryMb = props.memoryMb ?? 1024;
    const timeoutSeconds = props.timeoutSeconds ?? 60;
    const architecture = props.architecture ?? "x86_64";
    const environment = props.environment ?? {};
    const secrets = props.secrets ?? [];
    const bedrockModelIds = props.bedrockModelIds ?? [];
    const logRetentionDays = props.logRetentionDays ?? 30;
    const logFormat = props.logFormat ?? "JSON";
    const tracing = props.tracing ?? "PassThrough";
    const region = props.region;

    if (typeof region !== "string" || (!Token.isUnresolved(region) && regionProblem(region))) {
      fail("region", region, regionProblem(String(region)) ?? AWS_REGION_RULE);
    }
    if (!FUNCTION_NAME_RE.test(functionName)) {
      fail("functionName", functionName, "must be 1-64 letters, digits, hyphens or underscores");
    }
    if (!ROLE_NAME_RE.test(roleName)) {
      fail("roleName", roleName, "must be 1-64 letters, digits or +=,.@_- characters");
    }
    validateIntRange("memoryMb", memoryMb, 128, 10240);
    validateIntRange("timeoutSeconds", timeoutSeconds, 1, 900);
    if (architecture !== "x86_64" && architecture !== "arm64") {
      fail("architecture", architecture, 'must be "x86_64" or "arm64"');
    }
    if (props.vpc !== undefined) {
      if (props.vpc === null || typeof props.vpc !== "object")
        fail("vpc", props.vpc, "must be { subnetIds, securityGroupIds } or left unset");
      validateIdList("vpc.subnetIds", props.vpc.subnetIds, 1, 16, "subnet");
      validateIdList("vpc.securityGroupIds", props.vpc.securityGroupIds, 1, 5, "security group");
    }
    const dataApi = props.dataApi;
    if (dataApi !== undefined) {
      for (const field of ["clusterArn", "databaseName"] as const) {
        const v = dataApi[field];
        if (typeof v !== "string" || (!Token.isUnresolved(v) && v.trim() === ""))
          fail(`dataApi.${field}`, v, "must be a non-empty string");
      }
      if (
        !Token.isUnresolved(dataApi.clusterArn) &&
        !/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:/.test(dataApi.clusterArn)
      )
        fail(
          "dataApi.clusterArn",
          dataApi.clusterArn,
          "must be an Aurora cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>)",
        );
    }
    validateLogRetention("logRetentionDays", logRetentionDays);
    const runtimeRule =
      code.type === "image" ? undefined : lambdaRuntimeProblem(code.runtime ?? "nodejs22.x");
    if (runtimeRule) fail("code.runtime", code.type === "image" ? undefined : code.runtime, runtimeRule);
    if (logFormat !== "Text" && logFormat !== "JSON")
      fail("logFormat", logFormat, 'must be "Text" or "JSON"');
    if (tracing !== "Active" && tracing !== "PassThrough") {
      fail("tracing", tracing, 'must be "Active" or "PassThrough"');
    }
    if (props.reservedConcurrency !== undefined) {
      validateIntRange("reservedConcurrency", props.reservedConcurrency, 0, 1_000_000);
    }
    if (props.provisionedConcurrency !== undefined) {
      validateIntRange("provisionedConcurrency", props.provisionedConcurrency, 1, 1_000_000);
      if (
        props.reservedConcurrency !== undefined &&
        props.provisionedConcurrency > props.reservedConcurrency
      ) {
        fail(
          "provisionedConcurrency",
          props.provisionedConcurrency,
          `must not exceed reservedConcurrency (${props.reservedConcurrency})`,
        );
      }
    }
    this.validateCode(code);

    // environment: plain variables, then one per secret
    const issues = environmentIssues("environment", environment);
    const secretEnv: Record<string, string> = {};
    secrets.forEach((s, i) => {
      issues.push(...envNameIssues(`secrets[${i}].envVar`, s.envVar));
      if (Object.prototype.hasOwnProperty.call(environment, s.envVar)) {
        issues.push({ field: `secrets[${i}].envVar`, value: s.envVar, rule: "is also set in environment" });
      } else if (Object.prototype.hasOwnProperty.call(secretEnv, s.envVar)) {
        issues.push({ field: `secrets[${i}].envVar`, value: s.envVar, rule: "is used by another secret" });
      }
      secretEnv[s.envVar] = s.secret.name;
    });
    const dataApiEnv: Record<string, string> = dataApi
      ? {
          [DATA_API_ENVIRONMENT.clusterArn]: dataApi.clusterArn,
          [DATA_API_ENVIRONMENT.secretArn]: dataApi.secret.arn,
          [DATA_API_ENVIRONMENT.databaseName]: dataApi.databaseName,
        }
      : {};
    for (const key of Object.keys(dataApiEnv)) {
      if (
        Object.prototype.hasOwnProperty.call(environment, key) ||
        Object.prototype.hasOwnProperty.call(secretEnv, key)
      ) {
        issues.push({
          field: "dataApi",
          value: key,
          rule: "sets this variable, which environment or secrets also sets",
        });
      }
    }
    const resolvedEnv: Record<string, string> = { ...environment, ...secretEnv, ...dataApiEnv };
    const totalSize = literalSize(resolvedEnv);
    if (totalSize > ENVIRONMENT_MAX_BYTES && literalSize(environment) <= ENVIRONMENT_MAX_BYTES) {
      issues.push({
        field: "environment",
        value: `${totalSize} bytes`,
        rule: `with the secret variables exceeds Lambda's ${ENVIRONMENT_MAX_BYTES}-byte limit`,
      });
    }
    throwIssues(issues);

    const seenModels = new Set<string>();
    bedrockModelIds.forEach((m, i) => {
      if (typeof m !== "string" || !MODEL_ID_RE.test(m)) {
        fail(
          `bedrockModelIds[${i}]`,
          m,
          "must be a Bedrock model id such as amazon.nova-pro-v1:0 or an inference profile id such as apac.amazon.nova-pro-v1:0 (no wildcards, no ARNs)",
        );
      }
      if (seenModels.has(m)) fail(`bedrockModelIds[${i}]`, m, "is listed twice");
      seenModels.add(m);
    });
    if (props.reservedConcurrency === 0) {
      Annotations.of(this).addWarning(
        `VpcFunction ${functionName}: reservedConcurrency 0 throttles every invocation (the function is effectively disabled).`,
      );
    }

    const tags = props.tags;
    const partition = Token.isUnresolved(region) ? "aws" : partitionOf(region);

    // ---- log group (created explicitly so retention and tags are ours, not Lambda's default "never expire") ----
    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: logRetentionDays,
      tags: withName(tags, `/aws/lambda/${functionName}`),
    });

    // ---- execution role ----
    this.role = new IamRole(this, "role", {
      name: roleName,
      description: props.roleDescription ?? `Execution role of the Lambda function ${functionName}`,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
      tags: withName(tags, roleName),
    });

    const logsPolicy = new IamRolePolicy(this, "logs-policy", {
      name: "write-own-logs",
      role: this.role.name,
      policy: policyDocument({
        Sid: "WriteOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`${this.logGroup.arn}:*`],
      }),
    });

    const vpcPolicy =
      props.vpc &&
      new IamRolePolicy(this, "vpc-policy", {
        name: "vpc-network-interfaces",
        role: this.role.name,
        policy: policyDocument({
          // Resource "*" is required here: the ec2:Describe* actions support no
          // resource-level permissions, and the network interfaces Lambda creates,
          // assigns addresses to and deletes do not exist (have no ARN) before
          // Lambda creates them. These are the actions of AWS's
          // AWSLambdaVPCAccessExecutionRole, as an inline policy of this role only,
          // limited to the function's region (its network interfaces are there).
          Sid: "ManageVpcNetworkInterfaces",
          Effect: "Allow",
          Action: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcs",
          ],
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": region } },
        }),
      });

    const kmsKeyArn = validateKmsKeyArn("kmsKeyArn", props.kmsKeyArn);
    if (kmsKeyArn !== undefined) {
      new IamRolePolicy(this, "environment-key-policy", {
        name: "environment-key-decrypt",
        role: this.role.name,
        policy: policyDocument({
          // Lambda decrypts the environment at start with the function's
          // name as encryption context; nothing else may use the key this way.
          Sid: "DecryptFunctionEnvironment",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: kmsKeyArn,
          Condition: { StringEquals: { "kms:EncryptionContext:LambdaFunctionName": functionName } },
        }),
      });
    }

    if (tracing === "Active") {
      new IamRolePolicy(this, "xray-policy", {
        name: "xray-tracing",
        role: this.role.name,
        policy: policyDocument({
          // X-Ray's write actions support no resource-level permissions.
          Sid: "WriteTraces",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: "*",
        }),
      });
    }

    // Bedrock: each foundation model by ARN; an inference profile id also needs
    // the profile (in this account and region) and the model in every region
    // the profile routes to.
    // the account id comes from the role's own ARN (no data source), read only when needed
    let accountId: string | undefined;
    const bedrockArns: string[] = [];
    for (const modelId of bedrockModelIds) {
      const geo = INFERENCE_PROFILE_PREFIXES.find((p) => modelId.startsWith(`${p}.`));
      if (geo) {
        const baseModel = modelId.slice(geo.length + 1);
        accountId ??= arnParts(this, "role-arn-parts", this.role.arn).accountId;
        bedrockArns.push(`arn:${partition}:bedrock:${region}:${accountId}:inference-profile/${modelId}`);
        bedrockArns.push(`arn:${partition}:bedrock:*::foundation-model/${baseModel}`);
      } else {
        bedrockArns.push(`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`);
      }
    }
    this.bedrockModelArns = bedrockArns;
    if (bedrockArns.length > 0) {
      new IamRolePolicy(this, "bedrock-policy", {
        name: "bedrock-invoke",
        role: this.role.name,
        policy: policyDocument({
          Sid: "InvokeListedModels",
          Effect: "Allow",
          Action: ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
          Resource: bedrockArns,
        }),
      });
    }

    // Secrets grant themselves (scoped to their own ARN).
    this.secretGrants = secrets.map((s) => s.secret.grantRead(this.role));
    this.grantedSecretArns = secrets.map((s) => s.secret.arn);

    // The Data API: its actions on exactly this cluster, and read access to the
    // secret it signs in with (the Data API checks that the caller may read it).
    if (dataApi) {
      this.dataApiPolicy = new IamRolePolicy(this, "data-api-policy", {
        name: "rds-data-api",
        role: this.role.name,
        policy: policyDocument({
          Sid: "DataApiOnCluster",
          Effect: "Allow",
          Action: [...DATA_API_ACTIONS],
          Resource: dataApi.clusterArn,
        }),
      });
      this.dataApiSecretGrant = dataApi.secret.grantRead(this.role);
    }

    // ---- function ----
    const codeConfig = this.codeConfig(code);
    const provisioned = props.provisionedConcurrency;
    this.lambdaFunction = new LambdaFunction(this, "function", {
      functionName,
      description: props.description,
      role: this.role.arn,
      ...codeConfig,
      memorySize: memoryMb,
      timeout: timeoutSeconds,
      architectures: [architecture],
      vpcConfig: props.vpc && {
        subnetIds: props.vpc.subnetIds,
        securityGroupIds: props.vpc.securityGroupIds,
      },
      environment: Object.keys(resolvedEnv).length > 0 ? { variables: resolvedEnv } : undefined,
      loggingConfig: { logFormat, logGroup: this.logGroup.name },
      tracingConfig: { mode: tracing },
      reservedConcurrentExecutions: props.reservedConcurrency,
      kmsKeyArn,
      publish: provisioned !== undefined ? true : undefined,
      tags: withName(tags, functionName),
      // The log group must exist first (else Lambda creates an unmanaged one), and
      // Lambda checks the role's network-interface permissions when it creates a VPC function.
      dependsOn: [this.logGroup, logsPolicy, ...(vpcPolicy ? [vpcPolicy] : [])],
    });

    let invokeArn = this.lambdaFunction.invokeArn;
    let qualifier: string | undefined;
    if (provisioned !== undefined) {
      const alias = new LambdaAlias(this, "alias", {
        name: "live",
        description: `Latest published version of ${functionName}, with provisioned concurrency`,
        functionName: this.lambdaFunction.functionName,
        functionVersion: this.lambdaFunction.version,
      });
      new LambdaProvisionedConcurrencyConfig(this, "provisioned-concurrency", {
        functionName: this.lambdaFunction.functionName,
        qualifier: alias.name,
        provisionedConcurrentExecutions: provisioned,
      });
      invokeArn = alias.invokeArn;
      qualifier = alias.name;
    }

    this.functionName = this.lambdaFunction.functionName;
    this.functionArn = this.lambdaFunction.arn;
    this.invokeArn = invokeArn;
    this.qualifier = qualifier;
    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.logGroupName = this.logGroup.name;
    this.logGroupArn = this.logGroup.arn;
    this.timeoutSeconds = timeoutSeconds;
    this.memoryMb = memoryMb;
    this.environment = resolvedEnv;
    this.inVpc = props.vpc !== undefined;
  }

  private validateCode(code: FunctionCode): void {
    switch (code.type) {
      case "asset": {
        if (typeof code.path !== "string" || code.path === "") fail("code.path", code.path, "must be a path");
        const abs = path.resolve(code.path);
        if (!fs.existsSync(abs)) fail("code.path", code.path, "does not exist");
        const stat = fs.statSync(abs);
        if (!stat.isDirectory() && !(stat.isFile() && abs.endsWith(".zip"))) {
          fail("code.path", code.path, "must be a directory or a .zip file");
        }
        this.validateHandler(code.handler);
        return;
      }
      case "s3":
        if (typeof code.bucket !== "string" || code.bucket === "")
          fail("code.bucket", code.bucket, "must be set");
        if (typeof code.key !== "string" || code.key === "") fail("code.key", code.key, "must be set");
        if (code.objectVersion !== undefined && code.objectVersion === "") {
          fail("code.objectVersion", code.objectVersion, "must be non-empty when set");
        }
        this.validateHandler(code.handler);
        return;
      case "image":
        if (
          typeof code.imageUri !== "string" ||
          (!Token.isUnresolved(code.imageUri) && !IMAGE_URI_RE.test(code.imageUri))
        ) {
          fail(
            "code.imageUri",
            code.imageUri,
            "must be an Amazon ECR image URI with a tag or digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)",
          );
        }
        (code.command ?? []).forEach((c, i) => {
          if (typeof c !== "string" || c === "") fail(`code.command[${i}]`, c, "must be a non-empty string");
        });
        return;
      default:
        fail("code.type", (code as { type: unknown }).type, 'must be "asset", "s3" or "image"');
    }
  }

  private validateHandler(handler: string | undefined): void {
    if (handler !== undefined && !HANDLER_RE.test(handler)) {
      fail("code.handler", handler, "must be 1-128 characters without whitespace (e.g. index.handler)");
    }
  }

  private codeConfig(code: FunctionCode): Partial<LambdaFunctionConfig> {
    if (code.type === "image") {
      return {
        packageType: "Image",
        imageUri: code.imageUri,
        imageConfig: code.command !== undefined ? { command: code.command } : undefined,
      };
    }
    const zip = {
      packageType: "Zip",
      handler: code.handler ?? "index.handler",
      runtime: code.runtime ?? "nodejs22.x",
    };
    if (code.type === "s3") {
      return { ...zip, s3Bucket: code.bucket, s3Key: code.key, s3ObjectVersion: code.objectVersion };
    }
    const abs = path.resolve(code.path);
    // a directory is zipped in-process and deterministically (same files, same bytes), so
    // source_code_hash is known at synth and equals what Lambda reports back (CodeSha256)
    const archive = fs.statSync(abs).isDirectory() ? zipDirectory(abs) : undefined;
    const asset = new TerraformAsset(this, "code", { path: archive?.path ?? abs, type: AssetType.FILE });
    return {
      ...zip,
      filename: asset.path,
      sourceCodeHash: archive?.sha256Base64 ?? Fn.filebase64sha256(asset.path),
    };
  }
}

// ---------------------------------------------------------------------------
// Validators the environment schema composes (one owner per rule).

/**
 * Variables that change how the runtime loads code, trusts TLS or reaches AWS:
 * set from a configuration file they silently weaken or redirect the function.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-modify.html (AWS_LAMBDA_EXEC_WRAPPER, NODE_OPTIONS)
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html (AWS_ENDPOINT_URL_*)
 */
export const BEHAVIOUR_ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = {
  NODE_TLS_REJECT_UNAUTHORIZED: "turns off TLS certificate checks in Node.js",
  NODE_OPTIONS: "loads code and changes the Node.js runtime before the handler",
  NODE_EXTRA_CA_CERTS: "adds trusted certificate authorities",
  LD_PRELOAD: "injects a shared library into the runtime process",
  LD_AUDIT: "injects a shared library into the runtime process",
  LD_LIBRARY_PATH: "replaces the libraries the runtime loads",
  AWS_LAMBDA_EXEC_WRAPPER: "runs a wrapper script in place of the runtime",
  AWS_ENDPOINT_URL: "sends every AWS SDK call to another endpoint",
  AWS_CA_BUNDLE: "replaces the certificate authorities the AWS SDK trusts",
  AWS_CONFIG_FILE: "changes where the AWS SDK reads its configuration",
  AWS_SHARED_CREDENTIALS_FILE: "changes the credentials the AWS SDK uses",
  AWS_PROFILE: "changes the credentials the AWS SDK uses",
  PYTHONPATH: "replaces the modules the Python runtime imports",
  PYTHONHTTPSVERIFY: "turns off TLS certificate checks in Python",
  REQUESTS_CA_BUNDLE: "replaces the certificate authorities Python requests trusts",
  SSL_CERT_FILE: "replaces the certificate authorities OpenSSL trusts",
  HTTP_PROXY: "sends outbound requests through a proxy",
  HTTPS_PROXY: "sends outbound requests through a proxy",
};

/**
 * The certificate bundle the Lambda Node.js runtimes carry, with the Amazon
 * RDS certificate authorities in it. Node.js 20 and later load it only when
 * `NODE_EXTRA_CA_CERTS` points at it, so that one value is allowed (any other
 * value adds authorities of the file's choosing and is refused).
 * @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
 */
export const LAMBDA_RUNTIME_CA_BUNDLE = "/var/runtime/ca-cert.pem";

const SECRET_NAME_RE =
  /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL)/i;
const REFERENCE_SUFFIX_RE = /_(NAME|ARN|ID)$/i;
const URL_WITH_PASSWORD_RE = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^@\s]+@/i;

/**
 * The problem with a Lambda environment variable name, or `undefined`:
 * names reserved by Lambda, variables that change security or runtime
 * behaviour (see {@link BEHAVIOUR_ENVIRONMENT_VARIABLES}, and every
 * `AWS_ENDPOINT_URL_<SERVICE>`), and names that say they hold a secret
 * (`DB_PASSWORD`, `API_KEY`; `*_NAME`, `*_ARN` and `*_ID` references to a
 * secret are fine). `NODE_EXTRA_CA_CERTS` is allowed only with `value`
 * {@link LAMBDA_RUNTIME_CA_BUNDLE}. Secrets belong in Secrets Manager: a variable's value is
 * stored in plain text in the function configuration and the Terraform state.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
 */
export function environmentVariableNameProblem(name: string, value?: string): string | undefined {
  if (RESERVED_ENVIRONMENT_VARIABLES.includes(name)) {
    return "is reserved by AWS Lambda and cannot be set in the function configuration (Lambda sets it itself; e.g. AWS_REGION is always present at run time)";
  }
  const upper = name.toUpperCase();
  if (upper === "NODE_EXTRA_CA_CERTS" && value === LAMBDA_RUNTIME_CA_BUNDLE) return undefined;
  const behaviour = BEHAVIOUR_ENVIRONMENT_VARIABLES[upper];
  if (behaviour) return `must not be set: it ${behaviour}`;
  if (upper.startsWith("AWS_ENDPOINT_URL_"))
    return `must not be set: it ${BEHAVIOUR_ENVIRONMENT_VARIABLES.AWS_ENDPOINT_URL}`;
  if (SECRET_NAME_RE.test(name) && !REFERENCE_SUFFIX_RE.test(name)) {
    return "looks like a secret: environment variables are stored in plain text (function configuration, Terraform state); put it in Secrets Manager and pass the secret's name";
  }
  return undefined;
}

/** The problem with a variable's value, or `undefined`: a URL with a password in it is a secret. */
export function environmentVariableValueProblem(value: string): string | undefined {
  if (URL_WITH_PASSWORD_RE.test(value)) {
    return "holds a URL with a password: put the credentials in Secrets Manager and pass the secret's name";
  }
  return undefined;
}

/** Lambda runtime identifiers with the dates Lambda stops creating and updating functions on them. */
export interface LambdaRuntimeInfo {
  /** Deprecation date (YYYY-MM-DD). */
  readonly deprecated: string;
  /** From this date Lambda refuses to create functions on the runtime. */
  readonly blockCreate: string;
}

/**
 * Runtimes the pinned aws provider 5.100.0 accepts (its `runtime` enum:
 * `nodejs24.x`, `python3.14`, `java25` and `dotnet10` are not in it and fail
 * `terraform validate`), with Lambda's published deprecation dates. Runtimes
 * whose block-create date has passed are refused.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html (supported and deprecated runtimes, checked 2026-11-30)
 */
/** Date {@link LAMBDA_RUNTIMES} was last checked against the Lambda runtimes page. */
export const LAMBDA_RUNTIMES_CHECKED = "2026-11-30";

export const LAMBDA_RUNTIMES: Readonly<Record<string, LambdaRuntimeInfo>> = {
  "nodejs20.x": { deprecated: "2026-04-30", blockCreate: "2026-06-01" },
  "nodejs22.x": { deprecated: "2027-04-30", blockCreate: "2027-06-01" },
  "python3.10": { deprecated: "2026-06-30", blockCreate: "2026-07-31" },
  "python3.11": { deprecated: "2026-06-30", blockCreate: "2026-07-31" },
  "python3.12": { deprecated: "2028-10-31", blockCreate: "2028-11-30" },
  "python3.13": { deprecated: "2029-06-30", blockCreate: "2029-07-31" },
  java11: { deprecated: "2026-06-30", blockCreate: "2026-07-31" },
  java17: { deprecated: "2026-06-30", blockCreate: "2026-07-31" },
  java21: { deprecated: "2029-06-30", blockCreate: "2029-07-31" },
  "java8.al2": { deprecated: "2026-06-30", blockCreate: "2026-07-31" },
  dotnet8: { deprecated: "2026-11-10", blockCreate: "2026-12-10" },
  "ruby3.2": { deprecated: "2026-03-31", blockCreate: "2026-06-01" },
  "ruby3.3": { deprecated: "2027-03-31", blockCreate: "2027-04-30" },
  "ruby3.4": { deprecated: "2028-03-31", blockCreate: "2028-04-30" },
  "provided.al2": { deprecated: "2026-06-30", blockCreate: "2026-07-31" },
  "provided.al2023": { deprecated: "2029-06-30", blockCreate: "2029-07-31" },
};

/** Runtimes Lambda offers that the pinned provider does not know yet. */
const NEWER_THAN_PROVIDER = new Set(["nodejs24.x", "python3.14", "java25", "dotnet10"]);

/**
 * The problem with a Lambda runtime identifier on date `today`, or `undefined`
 * when the pinned provider accepts it and Lambda still creates functions on it.
 */
export function lambdaRuntimeProblem(runtime: string, today: Date = new Date()): string | undefined {
  const info = LAMBDA_RUNTIMES[runtime];
  const usable = Object.entries(LAMBDA_RUNTIMES)
    .filter(([, i]) => new Date(i.blockCreate) > today)
    .map(([r]) => r)
    .join(", ");
  if (NEWER_THAN_PROVIDER.has(runtime)) {
    return `is not accepted by the pinned aws provider 5.100.0 (terraform validate fails); use one of ${usable}`;
  }
  if (!info) return `is not a Lambda runtime the aws provider 5.100.0 accepts; use one of ${usable}`;
  if (new Date(info.blockCreate) <= today) {
    return `is deprecated (${info.deprecated}): Lambda no longer creates functions on it since ${info.blockCreate}; use one of ${usable}`;
  }
  return undefined;
}

/**
 * Default concurrent executions quota of an account, and the part Lambda
 * keeps unreserved (reserved concurrency may use at most quota - 100).
 * @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
export const ACCOUNT_CONCURRENCY = { defaultQuota: 1000, unreservedMinimum: 100 } as const;

/**
 * The problem with a reserved concurrency for an account with `quota`
 * concurrent executions, or `undefined`.
 */
export function reservedConcurrencyProblem(
  value: number,
  quota: number = ACCOUNT_CONCURRENCY.defaultQuota,
): string | undefined {
  const max = quota - ACCOUNT_CONCURRENCY.unreservedMinimum;
  if (value > max) {
    return `must be at most ${max}: Lambda keeps ${ACCOUNT_CONCURRENCY.unreservedMinimum} of the account's ${quota} concurrent executions unreserved (raise the quota and set compute.accountConcurrency first)`;
  }
  return undefined;
}

/**
 * Network interfaces Lambda needs in each subnet of a function: one
 * Hyperplane ENI per subnet and security group combination, shared by the
 * functions that use the same combination.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-enis
 */
export const LAMBDA_ENIS_PER_SUBNET = 1;
