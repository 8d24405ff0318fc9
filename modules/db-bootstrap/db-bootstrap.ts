/**
 * Database bootstrap: a small Lambda function inside the VPC that installs
 * pgvector and applies the schema migrations, invoked by Terraform on apply.
 *
 * The guide installed pgvector by hand with psql over a public endpoint. A
 * private database cannot be reached that way, so the deployment itself runs
 * the SQL from inside the VPC: the migrations are read at synth time, compiled
 * into the function bundle, and an `aws_lambda_invocation` runs them after the
 * database instances exist, again whenever the migrations or the function code
 * change.
 */
import {
  Annotations,
  AssetType,
  Fn,
  type ITerraformDependable,
  TerraformAsset,
  TerraformResource,
  TerraformStack,
  Token,
} from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import {
  type BaseProps,
  type ReadableSecret,
  type RoleRef,
  fail,
  validateIntRange,
  validateName,
  withName,
} from "../core";
import { serviceTrustPolicy } from "../core/iam";
import { validateRegion } from "../core/regions";
import { validateLogRetention } from "../core/logs";
import { bundleHandler } from "./bundle";
import { zipDirectory } from "../core/zip";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";

/** Lambda runtimes the bundle is built for (its code targets Node.js 20 and later). */
export type DbBootstrapRuntime = "nodejs22.x" | "nodejs24.x";

/** TLS modes the deployed function may use. */
export type DbBootstrapSslMode = "verify-full" | "require";

/** Where the function runs. */
export interface DbBootstrapVpcConfig {
  /** Subnets for the function's network interfaces (those that reach the database). */
  readonly subnetIds: string[];
  /**
   * Security groups of the function (1-5). They must allow 5432/tcp to the
   * database and 443/tcp to the Secrets Manager interface endpoint.
   */
  readonly securityGroupIds: string[];
}

/** Properties of {@link DbBootstrap}. */
export interface DbBootstrapProps extends BaseProps {
  /** Subnets and security groups of the function. */
  readonly vpc: DbBootstrapVpcConfig;
  /** Region of the stack, e.g. `ap-northeast-1` (limits the network interface permissions to it). */
  readonly region: string;
  /**
   * Secret holding `{host, port, database, username, password}`. The function
   * gets read access through `grantRead` and finds it by name (`DB_SECRET_NAME`).
   */
  readonly databaseSecret: ReadableSecret;
  /**
   * Folder of `NNNN_lower_case_words.sql` migrations, applied in name order.
   * @default the module's own `migrations/` folder (pgvector)
   */
  readonly migrationsDir?: string;
  /**
   * What must exist before the migrations run: the database instances (the
   * cluster alone accepts no connections), the secret's value, the Secrets
   * Manager VPC endpoint.
   * @default [] (a warning is reported)
   */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * Function timeout in seconds (30-900).
   * @default 120
   */
  readonly timeoutSeconds?: number;
  /**
   * Retention of the function's log group, in days (a CloudWatch Logs value).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Name of the function (1-64 letters, digits, hyphens, underscores).
   * @default `${name}-db-bootstrap`
   */
  readonly functionName?: string;
  /**
   * Lambda runtime.
   * @default "nodejs22.x"
   */
  readonly runtime?: DbBootstrapRuntime;
  /**
   * TLS mode of the database connection: `verify-full` checks the server
   * certificate against the Amazon CA bundle of the Lambda runtime;
   * `require` encrypts without checking it.
   * @default "verify-full"
   */
  readonly sslMode?: DbBootstrapSslMode;
}

const FUNCTION_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const RUNTIMES: readonly DbBootstrapRuntime[] = ["nodejs22.x", "nodejs24.x"];
const SSL_MODES: readonly DbBootstrapSslMode[] = ["verify-full", "require"];
/** Amazon CA bundle (including the RDS CAs) that the Lambda Node.js runtimes ship but do not load by default. */
const AMAZON_CA_BUNDLE = "/var/runtime/ca-cert.pem";

/**
 * A Lambda function in the VPC that applies the SQL migrations (pgvector
 * first) and the `aws_lambda_invocation` that runs it on apply.
 */
export class DbBootstrap extends Construct {
  /** Name of the function. */
  public readonly functionName: string;
  /** ARN of the function. */
  public readonly functionArn: string;
  /** The function's execution role. */
  public readonly role: RoleRef;
  /** Checksum of the migration list (changes re-run the invocation). */
  public readonly migrationsChecksum: string;
  /** Migration names in the order they are applied. */
  public readonly migrationNames: string[];
  /** The invocation that runs the migrations on apply. */
  public readonly invocation: LambdaInvocation;
  /** Size of the bundled handler (`index.js`) in bytes. */
  public readonly bundleSizeBytes: number;

  constructor(scope: Construct, id: string, props: DbBootstrapProps) {
    super(scope, id);

    const name = validateName("name", props.name);
    const region = validateRegion("region", props.region);
    const functionName = props.functionName ?? `${name}-db-bootstrap`;
    const timeoutSeconds = validateIntRange("timeoutSeconds", props.timeoutSeconds ?? 120, 30, 900);
    const logRetentionDays = validateLogRetention("logRetentionDays", props.logRetentionDays ?? 30);
    const runtime = props.runtime ?? "nodejs22.x";
    const sslMode = props.sslMode ?? "verify-full";
    const dependsOn = props.dependsOn ?? [];
    const { subnetIds, securityGroupIds } = props.vpc ?? fail("vpc", props.vpc, "is required");

    if (!Token.isUnresolved(functionName) && !FUNCTION_NAME_RE.test(functionName)) {
      fail("functionName", functionName, "must be 1-64 letters, digits, hyphens or underscores");
    }
    if (!RUNTIMES.includes(runtime)) fail("runtime", runtime, `must be one of ${RUNTIMES.join(", ")}`);
    if (!SSL_MODES.includes(sslMode)) fail("sslMode", sslMode, `must be one of ${SSL_MODES.join(", ")}`);
    if (!Token.isUnresolved(subnetIds)) {
      if (!Array.isArray(subnetIds) || subnetIds.length === 0) {
        fail("vpc.subnetIds", subnetIds, "must list at least one subnet");
      }
      subnetIds.forEach((s, i) => {
        if (typeof s !== "string" || s === "") fail(`vpc.subnetIds[${i}]`, s, "must be a subnet id");
      });
    }
    if (!Token.isUnresolved(securityGroupIds)) {
      if (!Array.isArray(securityGroupIds) || securityGroupIds.length < 1 || securityGroupIds.length > 5) {
        fail("vpc.securityGroupIds", securityGroupIds, "must list 1 to 5 security groups");
      }
      securityGroupIds.forEach((s, i) => {
        if (typeof s !== "string" || s === "")
          fail(`vpc.securityGroupIds[${i}]`, s, "must be a security group id");
      });
    }
    const migrationSet = loadMigrations(props.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
    if (dependsOn.length === 0) {
      Annotations.of(this).addWarning(
        "db-bootstrap: dependsOn is empty, so the migrations may run before the database instances accept " +
          "connections; pass the cluster instances (and the secret value and Secrets Manager endpoint)",
      );
    }

    const tags = (resourceName: string) => withName(props.tags, resourceName);
    const bundle = bundleHandler(migrationSet.migrations);

    const logGroupName = `/aws/lambda/${functionName}`;
    const logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: logRetentionDays,
      tags: tags(logGroupName),
    });

    const roleName = `${name}-db-bootstrap-role`;
    const role = new IamRole(this, "role", {
      name: roleName,
      description: "Execution role of the database bootstrap function",
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
      tags: tags(roleName),
    });
    this.role = { name: role.name, arn: role.arn };

    const policy = new IamRolePolicy(this, "policy", {
      name: `${name}-db-bootstrap`,
      role: role.name,
      policy: Fn.jsonencode({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "WriteOwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: `${logGroup.arn}:*`,
          },
          {
            // Resource "*" is required: the ec2:Describe* actions support no
            // resource-level permissions and the network interfaces have no ARN
            // before Lambda creates them. These are the actions of AWS's
            // AWSLambdaVPCAccessExecutionRole, limited to the stack's region.
            Sid: "ManageVpcNetworkInterfaces",
            Effect: "Allow",
            Action: [
              "ec2:CreateNetworkInterface",
              "ec2:DescribeNetworkInterfaces",
              "ec2:DescribeSubnets",
              "ec2:DeleteNetworkInterface",
              "ec2:AssignPrivateIpAddresses",
              "ec2:UnassignPrivateIpAddresses",
            ],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": region } },
          },
        ],
      }),
    });

    // The secret creates its grant wherever it lives; remember what it added so
    // the invocation waits for the permission to exist.
    const stack = TerraformStack.of(this);
    const before = new Set(stack.node.findAll());
    props.databaseSecret.grantRead(this.role);
    const grants = stack.node
      .findAll()
      .filter((c): c is TerraformResource => !before.has(c) && c instanceof TerraformResource);

    // zipped in-process and deterministically: the archive's SHA-256 is Lambda's CodeSha256
    const archive = zipDirectory(bundle.directory);
    const asset = new TerraformAsset(this, "code", { path: archive.path, type: AssetType.FILE });

    const variables: Record<string, string> = {
      DB_SECRET_NAME: props.databaseSecret.name,
      DB_SSL_MODE: sslMode,
    };
    if (sslMode === "verify-full") variables.NODE_EXTRA_CA_CERTS = AMAZON_CA_BUNDLE;

    const fn = new LambdaFunction(this, "function", {
      functionName,
      description: "Applies the database migrations (pgvector, schema) from inside the VPC",
      role: role.arn,
      runtime,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: archive.sha256Base64,
      memorySize: 256,
      timeout: timeoutSeconds,
      vpcConfig: { subnetIds, securityGroupIds },
      environment: { variables },
      loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
      // Lambda's default, written out (as the compute module does): a run is traced
      // only when its caller sends a sampled trace header; Terraform sends none.
      tracingConfig: { mode: "PassThrough" },
      tags: tags(functionName),
      // Lambda checks the network interface permissions when it creates the function.
      dependsOn: [policy],
    });

    this.invocation = new LambdaInvocation(this, "invocation", {
      functionName: fn.functionName,
      input: JSON.stringify({ action: "migrate", checksum: migrationSet.checksum }),
      triggers: { migrations: migrationSet.checksum, code: bundle.sha256Hex },
      dependsOn: [...dependsOn, ...grants],
    });

    this.functionName = fn.functionName;
    this.functionArn = fn.arn;
    this.migrationsChecksum = migrationSet.checksum;
    this.migrationNames = migrationSet.migrations.map((m) => m.name);
    this.bundleSizeBytes = bundle.sizeBytes;
  }
}
