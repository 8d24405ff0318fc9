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
import { Annotations, type ITerraformDependable, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import {
  type BaseProps,
  type ReadableSecret,
  type RoleRef,
  fail,
  validateIntRange,
  validateName,
} from "../core";
import type { Grant } from "../core/iam";
import { validateRegion } from "../core/regions";
import { validateLogRetention } from "../core/logs";
import {
  type DataApiAccess,
  LAMBDA_RUNTIME_CA_BUNDLE,
  type LambdaRuntime,
  VpcFunction,
} from "../compute/compute";
import { bundleHandler } from "./bundle";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";

/** Lambda runtimes the bundle is built for (its code targets Node.js 20 and later). */
/**
 * Node.js runtimes the bootstrap handler runs on: the Node.js runtimes of
 * {@link LambdaRuntime} (the pinned aws provider 5.100.0 does not accept
 * `nodejs24.x`).
 */
export type DbBootstrapRuntime = Extract<LambdaRuntime, `nodejs${string}`>;

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
  /**
   * Subnets and security groups of the function. Leave unset with `dataApi`:
   * the function then runs outside any VPC.
   * @default none (requires `dataApi`)
   */
  readonly vpc?: DbBootstrapVpcConfig;
  /**
   * Run the migrations through the RDS Data API instead of a PostgreSQL
   * connection (the cluster's HTTP endpoint must be on). The function gets
   * `DB_CLUSTER_ARN`, `DB_SECRET_ARN` and `DB_NAME`, the Data API actions on
   * the cluster and read access to the secret, and applies the same
   * statements as over a connection.
   * @default none (a PostgreSQL connection from inside `vpc`)
   */
  readonly dataApi?: DataApiAccess;
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

const RUNTIMES: readonly DbBootstrapRuntime[] = ["nodejs22.x"];
const SSL_MODES: readonly DbBootstrapSslMode[] = ["verify-full", "require"];
/** Amazon CA bundle (including the RDS CAs) that the Lambda Node.js runtimes ship but do not load by default. */
const AMAZON_CA_BUNDLE = LAMBDA_RUNTIME_CA_BUNDLE;

/**
 * A Lambda function in the VPC that applies the SQL migrations (pgvector
 * first) and the `aws_lambda_invocation` that runs it on apply. The function
 * is a {@link VpcFunction}: the same role, log group and network interface
 * permissions as every function of this library.
 */
export class DbBootstrap extends Construct {
  /** Name of the function. */
  public readonly functionName: string;
  /** ARN of the function. */
  public readonly functionArn: string;
  /** The function's execution role. */
  public readonly role: RoleRef;
  /** The function, its role and its log group. */
  public readonly function: VpcFunction;
  /** The read grant on `databaseSecret`; the invocation depends on it. */
  public readonly secretGrant: Grant;
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
    if (!props.vpc && !props.dataApi)
      fail("vpc", props.vpc, "is required unless dataApi is given (the function must reach the database)");
    if (props.vpc && props.dataApi)
      fail(
        "dataApi",
        "(set)",
        "and vpc exclude each other: the function uses either the Data API or a connection from the VPC",
      );
    if (!RUNTIMES.includes(runtime)) fail("runtime", runtime, `must be one of ${RUNTIMES.join(", ")}`);
    if (!SSL_MODES.includes(sslMode)) fail("sslMode", sslMode, `must be one of ${SSL_MODES.join(", ")}`);
    const migrationSet = loadMigrations(props.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
    if (dependsOn.length === 0) {
      Annotations.of(this).addWarning(
        "db-bootstrap: dependsOn is empty, so the migrations may run before the database instances accept " +
          "connections; pass the cluster instances (and the secret value and Secrets Manager endpoint)",
      );
    }

    const bundle = bundleHandler(migrationSet.migrations);
    // over the Data API the TLS settings of a PostgreSQL connection do not apply
    const environment: Record<string, string> = props.dataApi ? {} : { DB_SSL_MODE: sslMode };
    if (sslMode === "verify-full" && !props.dataApi) environment.NODE_EXTRA_CA_CERTS = AMAZON_CA_BUNDLE;

    // "Default": the function's resources keep this construct's addresses
    // (db-bootstrap_function_..., db-bootstrap_role_...).
    this.function = new VpcFunction(this, "Default", {
      name,
      tags: props.tags,
      region,
      functionName,
      description: props.dataApi
        ? "Applies the database migrations (pgvector, schema) through the RDS Data API"
        : "Applies the database migrations (pgvector, schema) from inside the VPC",
      roleName: `${name}-db-bootstrap-role`,
      roleDescription: "Execution role of the database bootstrap function",
      code: { type: "asset", path: bundle.directory, handler: "index.handler", runtime },
      memoryMb: 256,
      timeoutSeconds,
      architecture: "arm64",
      vpc: props.vpc,
      dataApi: props.dataApi,
      environment,
      secrets: [{ envVar: "DB_SECRET_NAME", secret: props.databaseSecret }],
      logRetentionDays,
      logFormat: "Text",
      // Lambda's default, written out: a run is traced only when its caller
      // sends a sampled trace header; Terraform sends none.
      tracing: "PassThrough",
    });
    // The log group used to be this construct's `logs`: move it, never replace it
    // (a new group of the same name could not be created while the old one exists).
    const formerLogGroup = TerraformStack.of(this).getLogicalId(new Construct(this, "logs").node);
    this.function.logGroup.moveFromId(`aws_cloudwatch_log_group.${formerLogGroup}`);
    this.secretGrant = this.function.secretGrants[0];

    this.invocation = new LambdaInvocation(this, "invocation", {
      functionName: this.function.functionName,
      input: JSON.stringify({ action: "migrate", checksum: migrationSet.checksum }),
      triggers: { migrations: migrationSet.checksum, code: bundle.sha256Hex },
      dependsOn: [
        ...dependsOn,
        this.secretGrant.policy,
        ...(this.function.dataApiPolicy ? [this.function.dataApiPolicy] : []),
      ],
    });

    this.functionName = this.function.functionName;
    this.functionArn = this.function.functionArn;
    this.role = this.function.role;
    this.migrationsChecksum = migrationSet.checksum;
    this.migrationNames = migrationSet.migrations.map((m) => m.name);
    this.bundleSizeBytes = bundle.sizeBytes;
  }
}
