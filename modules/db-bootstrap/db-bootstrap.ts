/**
 * Database bootstrap: a small Lambda function inside the VPC that installs
 * pgvector, applies the schema migrations, creates the application's database
 * role and writes the application's secrets, invoked by Terraform on apply.
 *
 * The guide installed pgvector by hand with psql over a public endpoint. A
 * private database cannot be reached that way, so the deployment itself runs
 * the SQL from inside the VPC: the migrations are read at synth time, compiled
 * into the function bundle, and an `aws_lambda_invocation` runs them after the
 * database instances exist, again whenever the migrations or the function code
 * change, and again when the cluster is replaced (its resource id is a trigger).
 *
 * It connects with the master credentials RDS manages (read from the master
 * user secret) and generates the application's secret values itself (the
 * role's password, the JWT signing key), so no secret value ever passes
 * through Terraform's plan or state.
 */
import { Annotations, type ITerraformDependable, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { LambdaInvocation } from "@cdktf/provider-aws/lib/lambda-invocation";
import {
  type BaseProps,
  type ManagedMasterDatabase,
  type RoleRef,
  type WritableSecret,
  fail,
  validateIntRange,
  validateName,
} from "../core";
import type { Grant } from "../core/iam";
import { validateRegion } from "../core/regions";
import { validateLogRetention } from "../core/logs";
import { POSTGRES_RESERVED_WORDS } from "../core/postgres";
import { type LambdaRuntime, VpcFunction } from "../compute/compute";
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

/** The cluster whose Data API (HTTP endpoint) the migrations go through. */
export interface DbBootstrapDataApi {
  /** ARN of the Aurora cluster; its HTTP endpoint must be on (`enable_http_endpoint`). */
  readonly clusterArn: string;
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
   * connection (the cluster's HTTP endpoint must be on). The Data API signs
   * in with the master user secret RDS manages: the function gets
   * `DB_CLUSTER_ARN`, `DB_SECRET_ARN` (that secret) and `DB_NAME`, the Data
   * API actions on the cluster and read access to the secret, and applies the
   * same statements as over a connection, the application role included.
   * @default none (a PostgreSQL connection from inside `vpc`)
   */
  readonly dataApi?: DbBootstrapDataApi;
  /** Region of the stack, e.g. `ap-northeast-1` (limits the network interface permissions to it). */
  readonly region: string;
  /**
   * The cluster: its connection details (passed to the function as
   * `DB_HOST`, `DB_PORT`, `DB_NAME`) and its master user secret (read access
   * through `grantRead`; the function finds it by ARN, `MASTER_USER_SECRET_ID`).
   */
  readonly database: ManagedMasterDatabase;
  /**
   * The application's connection secret `{host, port, database, username,
   * password}`. The function creates the role `appRoleName`, generates its
   * password and writes the secret when it has no valid value (write access
   * through `grantWrite`; found by name, `DB_SECRET_NAME`).
   */
  readonly databaseSecret: WritableSecret;
  /**
   * The application secret `{secret_key, algorithm}` (an `AppSecret`): the
   * function generates a 64-byte key and writes it when the secret has no
   * valid value (`APP_SECRET_NAME`, `JWT_ALGORITHM`).
   * @default none: no JWT key is written
   */
  readonly appSecret?: WritableSecret & { readonly algorithm: string };
  /**
   * Name of the application's database role (see {@link appRoleNameProblem}).
   * @default `<database>_app` (the database name in lower case, cut to 59 characters)
   */
  readonly appRoleName?: string;
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
   * The database cluster's identity, e.g. `AuroraPostgresServerless.clusterResourceId`
   * (`cluster_resource_id`, new whenever the cluster is replaced). It is one
   * of the invocation's triggers, so a replaced cluster (a new, empty
   * database) gets the migrations, pgvector first, in the same apply.
   * @default none: the migrations re-run only when they or the function change
   */
  readonly clusterResourceId?: string;
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
   * certificate against the Amazon RDS certificate authorities bundled with
   * the function and the endpoint's host name; `require` encrypts without
   * checking it. Either way the function refuses a server without TLS.
   * @default "verify-full"
   */
  readonly sslMode?: DbBootstrapSslMode;
  /**
   * Customer managed KMS key for the function's environment variables
   * (the `kmsKeyArn` of the function's `VpcFunction`).
   * @default Lambda's AWS managed key `aws/lambda`
   */
  readonly kmsKeyArn?: string;
  /**
   * Reserved concurrent executions of the function. Terraform invokes it
   * once per apply and the migrations take an advisory lock, so 1 is enough;
   * a reservation also keeps the account's other functions from starving it.
   * @default unreserved (the account's shared pool)
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
   */
  readonly reservedConcurrency?: number;
}

const RUNTIMES: readonly DbBootstrapRuntime[] = ["nodejs22.x"];
const SSL_MODES: readonly DbBootstrapSslMode[] = ["verify-full", "require"];

const ROLE_NAME_RE = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * The problem with an application role name, or `undefined`: 1-63 lower-case
 * letters, digits or underscores starting with a letter (an unquoted
 * PostgreSQL identifier, so clients never need to quote it), not a reserved
 * keyword, not `public`/`none` and not reserved by RDS or PostgreSQL
 * (`rdsadmin`, `rds_*`, `pg_*`).
 * @see https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS
 */
export function appRoleNameProblem(value: string): string | undefined {
  if (typeof value !== "string" || !ROLE_NAME_RE.test(value)) {
    return "must be 1-63 lower-case letters, digits or underscores, starting with a letter";
  }
  if (POSTGRES_RESERVED_WORDS.has(value)) return "is a reserved PostgreSQL keyword";
  if (value === "rdsadmin" || value.startsWith("rds_") || value.startsWith("pg_")) {
    return "is reserved by RDS or PostgreSQL (rdsadmin, rds_*, pg_*)";
  }
  if (value === "public" || value === "none") return "is a reserved PostgreSQL role name";
  return undefined;
}

/** The default application role name for a database: `<database>_app`, lower case, at most 63 characters. */
export function defaultAppRoleName(databaseName: string): string {
  return `${databaseName.toLowerCase().slice(0, 59)}_app`;
}

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
  /** The read grant on the master user secret; the invocation depends on it. */
  public readonly secretGrant: Grant;
  /** The write grants on `databaseSecret` and `appSecret`; the invocation depends on them. */
  public readonly writeGrants: readonly Grant[];
  /** Name of the application's database role. */
  public readonly appRoleName: string;
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
    const databaseName = props.database.connection.database;
    if (props.appRoleName === undefined && Token.isUnresolved(databaseName)) {
      fail("appRoleName", props.appRoleName, "is required when the database name is a Terraform reference");
    }
    const appRoleName = props.appRoleName ?? defaultAppRoleName(databaseName);
    const roleProblem = appRoleNameProblem(appRoleName);
    if (roleProblem) fail("appRoleName", appRoleName, roleProblem);
    if (!Token.isUnresolved(props.database.masterUsername) && appRoleName === props.database.masterUsername) {
      fail(
        "appRoleName",
        appRoleName,
        "must differ from the master user name (the application gets its own role)",
      );
    }
    const migrationSet = loadMigrations(props.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
    if (dependsOn.length === 0) {
      Annotations.of(this).addWarning(
        "db-bootstrap: dependsOn is empty, so the migrations may run before the database instances accept " +
          "connections; pass the cluster instances (and the secret value and Secrets Manager endpoint)",
      );
    }

    const bundle = bundleHandler(migrationSet.migrations);
    const { connection } = props.database;
    const environment: Record<string, string> = {
      // the endpoint goes into the application's connection secret (over the Data API too)
      DB_HOST: connection.host,
      DB_PORT: Token.isUnresolved(connection.port)
        ? Token.asString(connection.port)
        : String(connection.port),
      DB_SECRET_NAME: props.databaseSecret.name,
      APP_ROLE_NAME: appRoleName,
    };
    if (!props.dataApi) {
      // over the Data API the TLS settings of a PostgreSQL connection do not apply; the RDS
      // certificate authorities travel in the bundle (no runtime CA file)
      environment.DB_SSL_MODE = sslMode;
      // the Data API path gets DB_NAME from its own settings
      environment.DB_NAME = connection.database;
    }
    if (props.appSecret) {
      environment.APP_SECRET_NAME = props.appSecret.name;
      environment.JWT_ALGORITHM = props.appSecret.algorithm;
    }
    // the Data API signs in with the master user secret RDS manages, on this cluster's database
    const dataApi = props.dataApi
      ? {
          clusterArn: props.dataApi.clusterArn,
          secret: props.database.masterUserSecret,
          databaseName: connection.database,
        }
      : undefined;

    // "Default": the function's resources keep this construct's addresses
    // (db-bootstrap_function_..., db-bootstrap_role_...).
    this.function = new VpcFunction(this, "Default", {
      name,
      tags: props.tags,
      region,
      functionName,
      description: props.dataApi
        ? "Applies the database migrations (pgvector, schema) through the RDS Data API, creates the application role and writes its secrets"
        : "Applies the database migrations (pgvector, schema), creates the application role and writes its secrets",
      roleName: `${name}-db-bootstrap-role`,
      roleDescription: "Execution role of the database bootstrap function",
      code: { type: "asset", path: bundle.directory, handler: "index.handler", runtime },
      memoryMb: 256,
      timeoutSeconds,
      architecture: "arm64",
      vpc: props.vpc,
      dataApi,
      environment,
      // read access to the master user secret only; the application's secrets are written, below
      // (over the Data API, the read grant comes with dataApi and the secret is DB_SECRET_ARN)
      secrets: dataApi ? [] : [{ envVar: "MASTER_USER_SECRET_ID", secret: props.database.masterUserSecret }],
      logRetentionDays,
      logFormat: "Text",
      // Lambda's default, written out: a run is traced only when its caller
      // sends a sampled trace header; Terraform sends none.
      tracing: "PassThrough",
      kmsKeyArn: props.kmsKeyArn,
      reservedConcurrency: props.reservedConcurrency,
    });
    // The log group used to be this construct's `logs`: move it, never replace it
    // (a new group of the same name could not be created while the old one exists).
    const formerLogGroup = TerraformStack.of(this).getLogicalId(new Construct(this, "logs").node);
    this.function.logGroup.moveFromId(`aws_cloudwatch_log_group.${formerLogGroup}`);
    this.secretGrant = this.function.dataApiSecretGrant ?? this.function.secretGrants[0];
    this.writeGrants = [props.databaseSecret, ...(props.appSecret ? [props.appSecret] : [])].map((secret) =>
      secret.grantWrite(this.function.role),
    );

    this.invocation = new LambdaInvocation(this, "invocation", {
      functionName: this.function.functionName,
      input: JSON.stringify({ action: "migrate", checksum: migrationSet.checksum }),
      triggers: {
        migrations: migrationSet.checksum,
        code: bundle.sha256Hex,
        // a renamed application role is created, granted and written to the secret at once
        role: appRoleName,
        ...(props.clusterResourceId === undefined ? {} : { cluster: props.clusterResourceId }),
      },
      dependsOn: [
        ...dependsOn,
        this.secretGrant.policy,
        ...this.writeGrants.map((g) => g.policy),
        ...(this.function.dataApiPolicy ? [this.function.dataApiPolicy] : []),
      ],
    });

    this.functionName = this.function.functionName;
    this.functionArn = this.function.functionArn;
    this.role = this.function.role;
    this.appRoleName = appRoleName;
    this.migrationsChecksum = migrationSet.checksum;
    this.migrationNames = migrationSet.migrations.map((m) => m.name);
    this.bundleSizeBytes = bundle.sizeBytes;
  }
}
