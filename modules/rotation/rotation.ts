/**
 * Scheduled rotation of a database secret `{host, port, database, username,
 * password}`: a Lambda function in the VPC that changes the user's password
 * (single-user rotation, see README.md) and the Secrets Manager rotation
 * schedule that invokes it.
 */
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { type BaseProps, type RoleRef, fail, validateIntRange, validateName } from "../core";
import { type PolicyStatement, policyDocument } from "../core/iam";
import { validateLogRetention } from "../core/logs";
import { validateRegion } from "../core/regions";
import { VpcFunction } from "../compute/compute";
import { rotationHandlerBundle } from "./bundle";

/**
 * Limits of `rotation_rules.automatically_after_days`.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html
 */
export const ROTATION_DAYS = { min: 1, max: 1000, default: 30 } as const;

/**
 * The problem with a rotation interval in days, or `undefined`: a whole
 * number from 1 to 1000 (Secrets Manager's limits).
 */
export function rotationDaysProblem(days: number): string | undefined {
  if (!Number.isInteger(days) || days < ROTATION_DAYS.min || days > ROTATION_DAYS.max) {
    return `must be a whole number of days from ${ROTATION_DAYS.min} to ${ROTATION_DAYS.max} (Secrets Manager's automatically_after_days)`;
  }
  return undefined;
}

/** A secret the rotation function may rewrite: its ARN, name and customer key, if any. */
export interface RotatableSecret {
  /** The secret's ARN. */
  readonly arn: string;
  /** The secret's name (`hr-chatbot/database`). */
  readonly name: string;
  /**
   * Customer managed KMS key the secret is encrypted with.
   * @default none (the AWS managed key `aws/secretsmanager`)
   */
  readonly kmsKeyArn?: string;
}

/** TLS modes the rotation function may use. */
export type SecretRotationSslMode = "verify-full" | "require";

/** Properties of {@link SecretRotation}. */
export interface SecretRotationProps extends BaseProps {
  /** Region of the stack, e.g. `ap-northeast-1`. */
  readonly region: string;
  /**
   * Subnets and security groups of the function: they must reach the
   * database (5432/tcp) and the Secrets Manager interface endpoint (443/tcp).
   */
  readonly vpc: { readonly subnetIds: string[]; readonly securityGroupIds: string[] };
  /** The secret to rotate; it holds `{host, port, database, username, password}` of the user whose password changes. */
  readonly secret: RotatableSecret;
  /**
   * Days between rotations (1-1000).
   * @default 30
   * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotationRulesType.html
   */
  readonly automaticallyAfterDays?: number;
  /**
   * Rotate once as soon as the schedule is created. Off by default: the first
   * apply then does not depend on the user and the network path already
   * working; Secrets Manager runs the `testSecret` step instead.
   * @default false
   */
  readonly rotateImmediately?: boolean;
  /**
   * What must exist before rotation is switched on: the database user (the
   * migration that creates it), the secret's value, the Secrets Manager
   * endpoint.
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Name of the function.
   * @default `${name}-secret-rotation`
   */
  readonly functionName?: string;
  /**
   * Function timeout in seconds (30-900).
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Retention of the function's log group, in days.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * TLS mode of the database connection: `verify-full` checks the server
   * certificate against the Amazon RDS certificate authorities bundled with
   * the function; `require` encrypts without checking it.
   * @default "verify-full"
   */
  readonly sslMode?: SecretRotationSslMode;
  /**
   * Customer managed KMS key for the function's environment variables
   * (the `kmsKeyArn` of the function's `VpcFunction`).
   * @default Lambda's AWS managed key `aws/lambda`
   */
  readonly kmsKeyArn?: string;
  /**
   * Reserved concurrent executions of the function. Secrets Manager runs one
   * rotation of a secret at a time, so 1 is enough; a reservation also keeps
   * the account's other functions from starving it.
   * @default unreserved (the account's shared pool)
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  readonly reservedConcurrency?: number;
}

/**
 * Rotation of a database secret on a schedule: the rotation function (a
 * {@link VpcFunction} with a role that may rewrite only this secret), the
 * permission for Secrets Manager to invoke it (only for this secret) and the
 * `aws_secretsmanager_secret_rotation` schedule.
 */
export class SecretRotation extends Construct {
  /** The function, its role and its log group. */
  public readonly function: VpcFunction;
  /** Name of the function. */
  public readonly functionName: string;
  /** ARN of the function. */
  public readonly functionArn: string;
  /** The function's execution role. */
  public readonly role: RoleRef;
  /** The rotation schedule. */
  public readonly rotation: SecretsmanagerSecretRotation;
  /** Days between rotations. */
  public readonly automaticallyAfterDays: number;
  /** The statements of the function's Secrets Manager policy. */
  public readonly statements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    const name = validateName("name", props.name);
    const region = validateRegion("region", props.region);
    const days = props.automaticallyAfterDays ?? ROTATION_DAYS.default;
    const daysRule = rotationDaysProblem(days);
    if (daysRule) fail("automaticallyAfterDays", days, daysRule);
    const timeoutSeconds = validateIntRange("timeoutSeconds", props.timeoutSeconds ?? 60, 30, 900);
    const logRetentionDays = validateLogRetention("logRetentionDays", props.logRetentionDays ?? 30);
    const sslMode = props.sslMode ?? "verify-full";
    if (sslMode !== "verify-full" && sslMode !== "require") {
      fail("sslMode", sslMode, "must be one of verify-full, require");
    }
    if (!props.secret || typeof props.secret.arn !== "string") fail("secret", props.secret, "is required");
    const functionName = props.functionName ?? `${name}-secret-rotation`;
    const bundle = rotationHandlerBundle();

    this.function = new VpcFunction(this, "function", {
      name,
      tags: props.tags,
      region,
      functionName,
      description: `Rotates the password in the secret ${props.secret.name} (single user)`,
      roleName: `${name}-secret-rotation-role`,
      roleDescription: "Execution role of the secret rotation function",
      code: { type: "asset", path: bundle.directory, handler: "index.handler", runtime: "nodejs22.x" },
      memoryMb: 256,
      timeoutSeconds,
      architecture: "arm64",
      vpc: props.vpc,
      environment: { DB_SSL_MODE: sslMode },
      logRetentionDays,
      logFormat: "Text",
      tracing: "PassThrough",
      kmsKeyArn: props.kmsKeyArn,
      reservedConcurrency: props.reservedConcurrency,
    });

    const statements: PolicyStatement[] = [
      {
        Sid: "RotateThisSecret",
        Effect: "Allow",
        Action: [
          "secretsmanager:DescribeSecret",
          "secretsmanager:GetSecretValue",
          "secretsmanager:PutSecretValue",
          "secretsmanager:UpdateSecretVersionStage",
        ],
        Resource: props.secret.arn,
      },
    ];
    if (props.secret.kmsKeyArn !== undefined) {
      statements.push({
        Sid: "UseTheSecretsKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: props.secret.kmsKeyArn,
        Condition: {
          StringEquals: {
            "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
            "kms:EncryptionContext:SecretARN": props.secret.arn,
          },
        },
      });
    }
    this.statements = statements;
    const policy = new IamRolePolicy(this, "rotation-policy", {
      name: "rotate-secret",
      role: this.function.role.name,
      policy: policyDocument(...statements),
    });

    const permission = new LambdaPermission(this, "secretsmanager-invoke", {
      statementId: "AllowSecretsManagerRotation",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "secretsmanager.amazonaws.com",
      sourceArn: props.secret.arn,
    });

    this.rotation = new SecretsmanagerSecretRotation(this, "rotation", {
      secretId: props.secret.arn,
      rotationLambdaArn: this.function.functionArn,
      rotationRules: { automaticallyAfterDays: days },
      rotateImmediately: props.rotateImmediately ?? false,
      dependsOn: [permission, policy, ...(props.dependsOn ?? [])],
    });

    this.functionName = this.function.functionName;
    this.functionArn = this.function.functionArn;
    this.role = this.function.role;
    this.automaticallyAfterDays = days;
  }
}
