/**
 * The hr-chatbot stack: one per environment file. It only wires modules
 * together from the validated environment; every resource decision lives in
 * a module.
 *
 * Data flow: environment file -> EnvConfig (validated) -> this stack ->
 * modules -> Terraform JSON.
 */
import { isAbsolute, resolve } from "node:path";
import { Construct } from "constructs";
import { TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { configureBackend } from "../modules/backend/backend";
import { Network } from "../modules/network/network";
import { SecurityGroups } from "../modules/security/security";
import { InterfaceEndpoints } from "../modules/endpoints/endpoints";
import { AppSecret, DatabaseSecret, SecretsKey } from "../modules/secrets/secrets";
import { AuroraPostgresServerless } from "../modules/database/database";
import { VpcFunction, type FunctionCode } from "../modules/compute/compute";
import { HttpApi } from "../modules/api/api";
import { DbBootstrap } from "../modules/db-bootstrap/db-bootstrap";
import { SecretRotation } from "../modules/rotation/rotation";
import { Observability } from "../modules/observability/observability";
import type { EnvConfig } from "./config/schema";
import { secretNames } from "./config/rules";
import { isProduction } from "./config/production";

/** Properties of {@link HrChatbotStack}. */
export interface HrChatbotStackProps {
  /** The validated environment. */
  readonly environment: EnvConfig;
  /** Folder of the environment file; relative code paths resolve against it. */
  readonly baseDir: string;
  /**
   * Lift the destroy protection of a production environment: no
   * `prevent_destroy`, deletion protection off (`ALLOW_PRODUCTION_DESTROY`).
   * @default false
   */
  readonly allowDestroy?: boolean;
}

/** Turn the environment's code setting into the compute module's. */
export function functionCode(code: EnvConfig["compute"]["code"], baseDir: string): FunctionCode | undefined {
  switch (code.type) {
    case "placeholder":
      return undefined; // the compute module's default: the placeholder handler
    case "asset":
      return {
        ...code,
        path: isAbsolute(code.path) ? code.path : resolve(baseDir, code.path),
      } as FunctionCode;
    default:
      return code as FunctionCode;
  }
}

/** Network, security groups, endpoints, secrets, Aurora, Lambda, HTTP API and the database bootstrap. */
export class HrChatbotStack extends TerraformStack {
  public readonly network: Network;
  public readonly security: SecurityGroups;
  /** The interface endpoints; undefined with `database.access` "data-api". */
  public readonly endpoints: InterfaceEndpoints | undefined;
  public readonly databaseSecret: DatabaseSecret;
  public readonly appSecret: AppSecret;
  public readonly database: AuroraPostgresServerless;
  public readonly backend: VpcFunction;
  public readonly api: HttpApi;
  public readonly dbBootstrap: DbBootstrap;
  /** Scheduled rotation of the database secret (`secretRotation.enabled`). */
  public readonly secretRotation?: SecretRotation;
  public readonly observability: Observability;

  constructor(scope: Construct, id: string, props: HrChatbotStackProps) {
    super(scope, id);
    const env = props.environment;
    // prefix of every physical name: the guide's names for dev, <project>-<env> elsewhere
    const name = env.namePrefix;
    const tags = { ...env.tags };

    new AwsProvider(this, "aws", {
      region: env.region,
      allowedAccountIds: [...env.allowedAccountIds],
      defaultTags: [{ tags }],
    });
    configureBackend(this, env.backend, { project: env.project, environment: env.name, stackName: id });

    this.network = new Network(this, "network", {
      name,
      tags,
      vpcCidr: env.network.vpcCidr,
      publicSubnets: env.network.publicSubnets,
      isolatedSubnets: env.network.isolatedSubnets,
      maxAzs: env.network.maxAzs,
      subnetPrefixLength: env.network.subnetPrefixLength,
      mapPublicIpOnLaunch: env.network.mapPublicIpOnLaunch,
    });
    const subnets = (tier: "public" | "isolated") => this.network.subnetIdsFor(tier);

    this.security = new SecurityGroups(this, "security", {
      name,
      tags,
      vpcId: this.network.vpcId,
      developerCidrs: env.security.developerCidrs,
    });

    // database.access "data-api": no function runs in the VPC, so no interface endpoints
    const inVpc = env.database.access === "vpc";
    this.endpoints = inVpc
      ? new InterfaceEndpoints(this, "endpoints", {
          name,
          tags,
          vpcId: this.network.vpcId,
          region: env.region,
          subnetIds: subnets(env.endpoints.subnetTier),
          securityGroupIds: [this.security.endpointSecurityGroupId],
          services: env.endpoints.services,
          placement: env.endpoints.placement,
        })
      : undefined;

    // Production is protected from destroy: a plan that deletes the cluster, its
    // instances or the key that encrypts them (and its snapshots) fails before
    // anything is deleted. ALLOW_PRODUCTION_DESTROY lifts it, with deletion protection.
    const protect = isProduction(env) && !props.allowDestroy;
    const unprotected = isProduction(env) && props.allowDestroy === true;
    const key = env.secrets.customerManagedKey
      ? new SecretsKey(this, "secrets-key", { name, tags })
      : undefined;
    if (key && protect) {
      (key.node.findChild("key") as TerraformResource).addOverride("lifecycle.prevent_destroy", true);
    }
    const secretNamesOf = secretNames(env);
    const secretCommon = {
      name,
      tags,
      region: env.region,
      kmsKeyArn: key?.arn,
      recoveryWindowInDays: env.secrets.recoveryWindowDays,
    };
    // Terraform creates both secrets without a value; the database bootstrap writes them
    this.databaseSecret = new DatabaseSecret(this, "database-secret", {
      ...secretCommon,
      secretName: secretNamesOf.database,
    });
    this.appSecret = new AppSecret(this, "app-secret", { ...secretCommon, secretName: secretNamesOf.app });

    this.database = new AuroraPostgresServerless(this, "database", {
      name,
      tags,
      subnetIds: subnets(env.database.subnetTier),
      securityGroupIds: [this.security.databaseSecurityGroupId],
      masterUsername: env.database.masterUsername,
      // RDS keeps the master password in its own secret, under the environment's key when it has one
      masterUserSecretKmsKeyArn: key?.arn,
      databaseName: env.database.databaseName,
      engineVersion: env.database.engineVersion,
      allowMajorVersionUpgrade: env.database.allowMajorVersionUpgrade,
      preventDestroy: protect,
      minCapacity: env.database.minCapacity,
      maxCapacity: env.database.maxCapacity,
      secondsUntilAutoPause: env.database.secondsUntilAutoPause,
      instanceCount: env.database.instanceCount,
      publiclyAccessible: env.database.publiclyAccessible,
      deletionProtection: env.database.deletionProtection && !unprotected,
      backupRetentionDays: env.database.backupRetentionDays,
      skipFinalSnapshot: env.database.skipFinalSnapshot,
      storageKmsKeyArn: key?.arn,
      logRetentionDays: env.database.logRetentionDays,
      enableHttpEndpoint: !inVpc,
      // the secrets key encrypts Performance Insights data only when Performance Insights is on
      performanceInsights: {
        enabled: env.database.performanceInsights,
        kmsKeyArn: env.database.performanceInsights ? key?.arn : undefined,
      },
    });

    const computeVpc = inVpc
      ? { subnetIds: subnets(env.compute.subnetTier), securityGroupIds: [this.security.appSecurityGroupId] }
      : undefined;
    // the backend's Data API calls sign in with the application's secret (its own role);
    // the functions need no network path to the cluster
    const dataApi = inVpc
      ? undefined
      : {
          clusterArn: this.database.clusterArn,
          secret: this.databaseSecret,
          databaseName: this.database.databaseName,
        };
    this.backend = new VpcFunction(this, "function", {
      name,
      tags,
      region: env.region,
      functionName: env.compute.functionName,
      code: functionCode(env.compute.code, props.baseDir),
      memoryMb: env.compute.memoryMb,
      timeoutSeconds: env.compute.timeoutSeconds,
      vpc: computeVpc,
      dataApi,
      environment: {
        ENABLE_RAG: String(env.compute.enableRag),
        LLM_MODEL_ID: env.compute.llmModelId,
        EMBEDDING_MODEL_ID: env.compute.embeddingModelId,
        ...env.compute.environment,
      },
      // the secret names come from the secrets themselves, and each secret grants its own read (failures 6 and 7)
      secrets: [
        { envVar: "DB_SECRET_NAME", secret: this.databaseSecret },
        { envVar: "APP_SECRET_NAME", secret: this.appSecret },
      ],
      bedrockModelIds: [
        env.compute.llmModelId,
        ...(env.compute.enableRag ? [env.compute.embeddingModelId] : []),
      ],
      logRetentionDays: env.compute.logRetentionDays,
      logFormat: env.compute.logFormat,
      tracing: env.compute.tracing,
      reservedConcurrency: env.compute.reservedConcurrency,
      provisionedConcurrency: env.compute.provisionedConcurrency,
      // the stack's customer key, when it has one, also encrypts the functions' environments
      kmsKeyArn: key?.arn,
    });

    this.api = new HttpApi(this, "api", {
      name,
      tags,
      handler: this.backend,
      throttling: { burstLimit: env.api.burstLimit, rateLimit: env.api.rateLimit },
      logRetentionDays: env.api.logRetentionDays,
      corsAllowOrigins: env.api.corsAllowOrigins.length ? env.api.corsAllowOrigins : undefined,
    });

    this.dbBootstrap = new DbBootstrap(this, "db-bootstrap", {
      name,
      tags,
      region: env.region,
      vpc: computeVpc,
      // connects with the RDS-managed master credentials, creates the application role and
      // writes the two application secrets (the values never pass through Terraform)
      database: this.database,
      // the Data API signs in with the master user secret; no network path to the cluster needed
      dataApi: inVpc ? undefined : { clusterArn: this.database.clusterArn },
      databaseSecret: this.databaseSecret,
      appSecret: this.appSecret,
      // a replaced cluster is a new, empty database: run the migrations on it
      clusterResourceId: this.database.clusterResourceId,
      // run only once the database answers and the function can reach Secrets Manager
      // through its endpoint
      dependsOn: [
        ...this.database.instances,
        ...(this.endpoints?.endpoints.secretsmanager ? [this.endpoints.endpoints.secretsmanager] : []),
      ],
      logRetentionDays: env.compute.logRetentionDays,
      kmsKeyArn: key?.arn,
      reservedConcurrency: env.compute.supportFunctionReservedConcurrency,
    });

    // (database.access "data-api" with rotation is refused at synth: the function needs the VPC)
    if (env.secretRotation.enabled && computeVpc) {
      this.secretRotation = new SecretRotation(this, "secret-rotation", {
        name,
        tags,
        region: env.region,
        vpc: computeVpc,
        secret: this.databaseSecret,
        automaticallyAfterDays: env.secretRotation.automaticallyAfterDays,
        // the user whose password rotates exists once the migrations ran
        dependsOn: [this.dbBootstrap.invocation],
        logRetentionDays: env.compute.logRetentionDays,
        kmsKeyArn: key?.arn,
        reservedConcurrency: env.compute.supportFunctionReservedConcurrency,
      });
    }

    this.observability = new Observability(this, "observability", {
      name,
      tags,
      region: env.region,
      alarmEmail: env.observability.alarmEmail,
      lambdaFunction: this.backend,
      httpApi: this.api,
      database: this.database,
      thresholds: env.observability.thresholds,
      dashboard: env.observability.dashboard,
      flowLogs: env.network.flowLogs
        ? {
            vpcId: this.network.vpcId,
            retentionDays: env.observability.flowLogRetentionDays,
            trafficType: env.observability.flowLogTrafficType,
          }
        : undefined,
    });

    const out = (id: string, value: unknown, description: string, sensitive = false) =>
      new TerraformOutput(this, id, { value, description, sensitive });
    out("api_url", this.api.url, "Invoke URL of the HTTP API ($default stage)");
    out("function_name", this.backend.functionName, "Name of the backend Lambda function");
    out("database_secret_arn", this.databaseSecret.arn, "ARN of the database credentials secret");
    out("app_secret_arn", this.appSecret.arn, "ARN of the application secret (JWT signing key)");
    out("cluster_endpoint", this.database.endpoint, "Aurora writer endpoint");
    out("cluster_reader_endpoint", this.database.readerEndpoint, "Aurora reader endpoint");
    out("vpc_id", this.network.vpcId, "VPC id");
    out("public_subnet_ids", this.network.publicSubnetIds, "Public subnet ids");
    out("isolated_subnet_ids", this.network.isolatedSubnetIds, "Isolated subnet ids");
    out("alarm_topic_arn", this.observability.topicArn, "SNS topic the alarms publish to");
    if (this.observability.dashboardName) {
      out("dashboard_name", this.observability.dashboardName, "CloudWatch dashboard of the stack's metrics");
    }
  }
}
