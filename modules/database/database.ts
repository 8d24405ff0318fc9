/**
 * An Aurora PostgreSQL cluster on Serverless v2 capacity: DB subnet group,
 * cluster parameter group (TLS required, query logging), cluster, `db.serverless` instances
 * with Enhanced Monitoring, and the CloudWatch log groups its logs are
 * exported to.
 *
 * The master password is managed by RDS (`manage_master_user_password`): RDS
 * generates it and keeps it in its own Secrets Manager secret (`{username,
 * password}`), encrypted with `masterUserSecretKmsKeyArn` when given. No
 * password passes through Terraform; `masterUserSecret` grants read access to
 * that secret.
 */
import { Annotations, Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import {
  BaseProps,
  type ManagedMasterDatabase,
  type DatabaseEndpoint,
  fail,
  validateIntRange,
  validateName,
  withName,
} from "../core";
import { serviceTrustPolicy } from "../core/iam";
import { arnParts, validateKmsKeyArn } from "../core/arn";
import { validateLogRetention } from "../core/logs";
import { SecretReference } from "../secrets/secrets";
import { validatePostgresIdentifier, validatePostgresUsername } from "../core/postgres";
import {
  ENGINE_VERSIONS_CHECKED,
  engineVersionFacts,
  nearestEngineVersions,
  parseEngineVersion,
} from "./engine-versions";

/** Log types Aurora PostgreSQL can export to CloudWatch Logs. */
export type AuroraPostgresLogType = "postgresql" | "instance" | "iam-db-auth-error";

/** PostgreSQL `log_statement` values: which statements are logged whatever their duration. */
export type PostgresLogStatement = "none" | "ddl" | "mod" | "all";

/** Enhanced Monitoring intervals RDS accepts, in seconds (0 turns it off). */
export type MonitoringIntervalSeconds = 0 | 1 | 5 | 10 | 15 | 30 | 60;

/**
 * Query logging, set in the cluster parameter group. The log lines go to the
 * `postgresql` log (exported to CloudWatch Logs when `cloudwatchLogsExports`
 * contains `postgresql`).
 */
export interface QueryLoggingProps {
  /**
   * `log_statement`: statements logged whatever their duration. `ddl` records
   * every schema change (CREATE, ALTER, DROP); `mod` adds data changes and
   * `all` every statement, with their literal values.
   * @default "ddl"
   */
  readonly logStatement?: PostgresLogStatement;
  /**
   * `log_min_duration_statement`: statements running at least this many
   * milliseconds are logged with their duration (slow queries); -1 turns it
   * off, 0 logs every statement. -1 to 2147483647.
   * @default 1000
   */
  readonly minDurationMs?: number;
}

/** Performance Insights settings of the cluster's instances. */
export interface PerformanceInsightsProps {
  /** Turn Performance Insights on. */
  readonly enabled: boolean;
  /**
   * Days to keep Performance Insights data: 7 (free tier), a multiple of 31 up to 713, or 731.
   * @default 7
   */
  readonly retentionDays?: number;
  /**
   * ARN of the KMS key encrypting Performance Insights data.
   * @default the AWS managed key `aws/rds`
   */
  readonly kmsKeyArn?: string;
}

/** Properties of an {@link AuroraPostgresServerless} cluster. */
export interface AuroraPostgresServerlessProps extends BaseProps {
  /** Subnets of the DB subnet group; at least two (in different availability zones). */
  readonly subnetIds: string[];
  /** Security groups of the cluster; at least one. */
  readonly securityGroupIds: string[];
  /**
   * Master user name: 1-63 letters, digits or underscores, starting with a
   * letter; not a PostgreSQL keyword nor `rdsadmin`, `rds_*`, `pg_*`. Its
   * password is generated and kept by RDS in the master user secret.
   * @default "postgres"
   */
  readonly masterUsername?: string;
  /**
   * ARN of the customer managed KMS key that encrypts the master user secret
   * RDS manages (`master_user_secret_kms_key_id`).
   * @default the AWS managed key `aws/secretsmanager`
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html
   */
  readonly masterUserSecretKmsKeyArn?: string;
  /**
   * Name of the initial database: 1-63 letters, digits or underscores,
   * starting with a letter; not a PostgreSQL keyword.
   * @default "app"
   */
  readonly databaseName?: string;
  /**
   * Aurora PostgreSQL engine version (`major.minor`), one RDS offers for
   * Serverless v2 (the table in `engine-versions.ts`); any other is refused
   * with the nearest offered ones.
   * @default "17.6"
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html
   */
  readonly engineVersion?: string;
  /**
   * Let a change of `engineVersion` to a new major version upgrade the
   * cluster in place (`allow_major_version_upgrade`); without it RDS refuses
   * the change at apply. The cluster parameter group follows the major
   * version under a new name (`<name>-aurora-postgresql<major>`), created
   * before the cluster switches to it.
   * @default false
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html
   */
  readonly allowMajorVersionUpgrade?: boolean;
  /**
   * Refuse to destroy the cluster and its instances in Terraform
   * (`lifecycle.prevent_destroy`): a plan that would delete or replace them
   * fails before anything is deleted, where deletion protection would only
   * stop the cluster after its instances are gone.
   * @default false
   * @see https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#prevent_destroy
   */
  readonly preventDestroy?: boolean;
  /**
   * Minimum capacity in ACUs, 0-256 in steps of 0.5. 0 lets idle instances
   * pause, on the versions that support it (`lowestMinCapacityAcu` 0 in the
   * engine version table: 13.15, 14.12, 15.7, 16.3 or later).
   * @default 0.5
   */
  readonly minCapacity?: number;
  /**
   * Maximum capacity in ACUs, 1-256 in steps of 0.5, at least `minCapacity`;
   * at most 128 on versions whose `highestMaxCapacityAcu` is 128.
   * @default 2
   */
  readonly maxCapacity?: number;
  /**
   * Idle seconds before an instance pauses, 300-86400. Only with `minCapacity` 0.
   * @default unset (AWS uses 300 when `minCapacity` is 0)
   */
  readonly secondsUntilAutoPause?: number;
  /**
   * Number of `db.serverless` instances (one writer, the rest readers), 1-15.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * Give the instances public IP addresses. Needs public subnets with an
   * internet gateway and a VPC with DNS support and hostnames; development only.
   * @default false
   */
  readonly publiclyAccessible?: boolean;
  /**
   * Refuse to delete the cluster.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Days of automated backups, 1-35.
   * @default 7
   */
  readonly backupRetentionDays?: number;
  /**
   * Delete the cluster without a final snapshot. When false the final
   * snapshot is named `<name>-final-<YYYYMMDDhhmmss>`, the cluster's creation
   * time (UTC), so each deploy's final snapshot has a name of its own.
   * @default false
   */
  readonly skipFinalSnapshot?: boolean;
  /**
   * ARN of the KMS key encrypting the storage (storage is always encrypted).
   * @default the AWS managed key `aws/rds`
   */
  readonly storageKmsKeyArn?: string;
  /**
   * Log types exported to CloudWatch Logs; each gets a log group with `logRetentionDays`.
   * @default ["postgresql"]
   */
  readonly cloudwatchLogsExports?: readonly AuroraPostgresLogType[];
  /**
   * Retention of the exported logs, in days: a period CloudWatch Logs accepts
   * (1, 3, 5, 7, 14, 30, 60, 90, ... 3653), or 0 to keep them forever.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Performance Insights on the instances.
   * @default disabled
   */
  readonly performanceInsights?: PerformanceInsightsProps;
  /**
   * Port the cluster listens on, 1150-65535.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Apply modifications immediately instead of in the next maintenance window.
   * @default false
   */
  readonly applyImmediately?: boolean;
  /**
   * Daily backup window in UTC, `hh24:mi-hh24:mi`, at least 30 minutes.
   * @default a 30-minute window AWS picks for the region
   */
  readonly preferredBackupWindow?: string;
  /**
   * Turn on the cluster's HTTP endpoint, the RDS Data API: SQL over HTTPS,
   * signed with IAM, signing in to the database with a Secrets Manager secret,
   * so a caller needs no network path to the cluster. Needs an engine version
   * the Data API supports for Serverless v2 (see {@link dataApiProblem}); the
   * instances are always `db.serverless`, which the Data API supports (it does
   * not support T instance classes).
   * @default false
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html
   */
  readonly enableHttpEndpoint?: boolean;
  /**
   * Allow IAM database authentication.
   * @default false
   */
  readonly iamDatabaseAuthentication?: boolean;
  /**
   * Query logging through the cluster parameter group
   * `<name>-aurora-postgresql<major>` (always created).
   * @default { logStatement: "ddl", minDurationMs: 1000 }
   */
  readonly queryLogging?: QueryLoggingProps;
  /**
   * Enhanced Monitoring: operating system metrics of every instance, every
   * this many seconds, in the `RDSOSMetrics` log group. A value other than 0
   * creates the role `<name>-rds-monitoring` that RDS uses to write them.
   * @default 60
   */
  readonly monitoringIntervalSeconds?: MonitoringIntervalSeconds;
}

const LOG_TYPES: readonly AuroraPostgresLogType[] = ["postgresql", "instance", "iam-db-auth-error"];
const LOG_STATEMENTS: readonly PostgresLogStatement[] = ["none", "ddl", "mod", "all"];
const MONITORING_INTERVALS: readonly MonitoringIntervalSeconds[] = [0, 1, 5, 10, 15, 30, 60];
const RESERVED_DATABASE_NAMES = new Set(["postgres", "template0", "template1", "rdsadmin"]);

function validateAcu(field: string, value: number, min: number): number {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < min ||
    value > 256 ||
    !Number.isInteger(value * 2)
  ) {
    fail(field, value, `must be from ${min} to 256 ACUs in steps of 0.5`);
  }
  return value;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h * 60 + m;
}

function validateBackupWindow(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d)$/.exec(value);
  if (!m) fail(field, value, "must be hh24:mi-hh24:mi in UTC (e.g. 17:00-17:30)");
  const length = (minutesOf(m[3]) - minutesOf(m[1]) + 1440) % 1440;
  if (length < 30) fail(field, value, "must be at least 30 minutes long");
  return value;
}

/**
 * Aurora PostgreSQL Serverless v2: a provisioned-mode cluster whose
 * `db.serverless` instances scale between `minCapacity` and `maxCapacity`
 * ACUs. Storage is always encrypted; RDS manages the master password in its
 * own secret ({@link AuroraPostgresServerless.masterUserSecret}).
 */
export class AuroraPostgresServerless extends Construct implements ManagedMasterDatabase {
  /** Cluster identifier, `<name>-cluster`. */
  public readonly clusterIdentifier: string;
  /** Cluster ARN. */
  public readonly clusterArn: string;
  /** Cluster resource id (`cluster-...`), used in IAM database authentication ARNs. */
  public readonly clusterResourceId: string;
  /** Writer endpoint host name. */
  public readonly endpoint: string;
  /** Reader endpoint host name. */
  public readonly readerEndpoint: string;
  /** Port the cluster listens on. */
  public readonly port: number;
  /** Name of the initial database. */
  public readonly databaseName: string;
  /** Engine version as configured. */
  public readonly engineVersion: string;
  /** Parameter-group family of the engine's major version, e.g. `aurora-postgresql17`. */
  public readonly parameterGroupFamily: string;
  /** Identifiers of the instances, writer first. */
  public readonly instanceIdentifiers: string[];
  /** The instance resources (for `dependsOn`: the cluster accepts connections once they exist). */
  public readonly instances: RdsClusterInstance[];
  /** Name of the DB subnet group, `<name>-subnet-group`. */
  public readonly subnetGroupName: string;
  /** The `postgresql` log group, `/aws/rds/cluster/<cluster>/postgresql`; undefined when not exported. */
  public readonly logGroupName?: string;
  /** Every log group created, keyed by log type. */
  public readonly logGroupNames: Readonly<Partial<Record<AuroraPostgresLogType, string>>>;
  /** Minimum capacity in ACUs. */
  public readonly minCapacity: number;
  /** Maximum capacity in ACUs. */
  public readonly maxCapacity: number;
  /** Whether the instances are publicly accessible. */
  public readonly publiclyAccessible: boolean;
  /** Name of the cluster parameter group, `<name>-aurora-postgresql<major>`. */
  public readonly clusterParameterGroupName: string;
  /** Enhanced Monitoring interval in seconds (0: off). */
  public readonly monitoringIntervalSeconds: MonitoringIntervalSeconds;
  /** ARN of the Enhanced Monitoring role; undefined when monitoring is off. */
  public readonly monitoringRoleArn?: string;
  /** Master user name. */
  public readonly masterUsername: string;
  /**
   * The master user secret RDS manages (`master_user_secret[0].secret_arn`),
   * JSON `{username, password}`; `grantRead` gives a role access to it.
   */
  public readonly masterUserSecret: SecretReference;
  /** Writer endpoint, port and initial database, for clients of this cluster. */
  public readonly connection: DatabaseEndpoint;
  /** Whether the Data API (HTTP endpoint) is on. */
  public readonly httpEndpointEnabled: boolean;

  constructor(scope: Construct, id: string, props: AuroraPostgresServerlessProps) {
    super(scope, id);

    // ---- defaults, then validation
    const name = validateName("name", props.name);
    const databaseName = validatePostgresIdentifier(
      "databaseName",
      props.databaseName ?? DEFAULT_DATABASE_NAME,
    );
    if (RESERVED_DATABASE_NAMES.has(databaseName.toLowerCase())) {
      fail("databaseName", databaseName, "is reserved (postgres, template0, template1, rdsadmin)");
    }
    const engineVersion = props.engineVersion ?? DEFAULT_ENGINE_VERSION;
    const versionProblem = engineVersionProblem(engineVersion);
    if (versionProblem) fail("engineVersion", engineVersion, versionProblem);
    const { family } = engineVersionFacts(engineVersion)!;
    const allowMajorVersionUpgrade = props.allowMajorVersionUpgrade ?? false;
    const preventDestroy = props.preventDestroy ?? false;

    const minCapacity = validateAcu("minCapacity", props.minCapacity ?? 0.5, 0);
    const maxCapacity = validateAcu("maxCapacity", props.maxCapacity ?? 2, 1);
    if (minCapacity > maxCapacity) {
      fail("minCapacity", minCapacity, `must not exceed maxCapacity ${maxCapacity}`);
    }
    const range = capacityRangeProblem(engineVersion, minCapacity, maxCapacity);
    if (range) fail(range.field, range.field === "minCapacity" ? minCapacity : maxCapacity, range.rule);
    const secondsUntilAutoPause = props.secondsUntilAutoPause;
    if (secondsUntilAutoPause !== undefined) {
      if (minCapacity !== 0) {
        fail(
          "secondsUntilAutoPause",
          secondsUntilAutoPause,
          `applies only with minCapacity 0 (minCapacity is ${minCapacity})`,
        );
      }
      validateIntRange("secondsUntilAutoPause", secondsUntilAutoPause, 300, 86400);
    }

    const subnetIds = props.subnetIds;
    if (!Token.isUnresolved(subnetIds)) {
      if (subnetIds.length < 2) {
        fail("subnetIds", subnetIds, "must list at least two subnets (in different availability zones)");
      }
      subnetIds.forEach((s, i) => {
        if (!Token.isUnresolved(s) && subnetIds.indexOf(s) !== i)
          fail(`subnetIds[${i}]`, s, "is listed twice");
      });
    }
    const securityGroupIds = props.securityGroupIds;
    if (!Token.isUnresolved(securityGroupIds) && securityGroupIds.length < 1) {
      fail("securityGroupIds", securityGroupIds, "must list at least one security group");
    }
    const masterUsername = props.masterUsername ?? "postgres";
    if (!Token.isUnresolved(masterUsername)) validatePostgresUsername("masterUsername", masterUsername);
    const masterUserSecretKmsKeyArn = validateKmsKeyArn(
      "masterUserSecretKmsKeyArn",
      props.masterUserSecretKmsKeyArn,
    );

    const instanceCount = validateIntRange("instanceCount", props.instanceCount ?? 1, 1, 15);
    const publiclyAccessible = props.publiclyAccessible ?? false;
    const deletionProtection = props.deletionProtection ?? true;
    const backupRetentionDays = validateIntRange(
      "backupRetentionDays",
      props.backupRetentionDays ?? 7,
      1,
      35,
    );
    const skipFinalSnapshot = props.skipFinalSnapshot ?? false;
    const storageKmsKeyArn = validateKmsKeyArn("storageKmsKeyArn", props.storageKmsKeyArn);

    const logTypes = props.cloudwatchLogsExports ?? ["postgresql"];
    logTypes.forEach((t, i) => {
      if (!LOG_TYPES.includes(t))
        fail(`cloudwatchLogsExports[${i}]`, t, `must be one of ${LOG_TYPES.join(", ")}`);
      if (logTypes.indexOf(t) !== i) fail(`cloudwatchLogsExports[${i}]`, t, "is listed twice");
    });
    const logRetentionDays = validateLogRetention("logRetentionDays", props.logRetentionDays ?? 30);

    const pi = props.performanceInsights;
    const piEnabled = pi?.enabled ?? false;
    let piRetention: number | undefined;
    if (pi !== undefined) {
      if (!piEnabled && (pi.retentionDays !== undefined || pi.kmsKeyArn !== undefined)) {
        fail(
          "performanceInsights.enabled",
          pi.enabled,
          "must be true when retentionDays or kmsKeyArn is set",
        );
      }
      if (piEnabled) {
        piRetention = pi.retentionDays ?? 7;
        const ok =
          piRetention === 7 ||
          piRetention === 731 ||
          (Number.isInteger(piRetention / 31) && piRetention >= 31 && piRetention <= 713);
        if (!ok) {
          fail(
            "performanceInsights.retentionDays",
            piRetention,
            "must be 7, 731 or a multiple of 31 from 31 to 713",
          );
        }
      }
      validateKmsKeyArn("performanceInsights.kmsKeyArn", pi.kmsKeyArn);
    }

    const port = validateIntRange("port", props.port ?? 5432, 1150, 65535);
    const applyImmediately = props.applyImmediately ?? false;
    const preferredBackupWindow = validateBackupWindow("preferredBackupWindow", props.preferredBackupWindow);
    const iamDatabaseAuthentication = props.iamDatabaseAuthentication ?? false;
    const enableHttpEndpoint = props.enableHttpEndpoint ?? false;
    const dataApiRule = enableHttpEndpoint ? dataApiProblem(engineVersion) : undefined;
    if (dataApiRule) fail("engineVersion", engineVersion, `${dataApiRule} (enableHttpEndpoint is true)`);

    const logStatement = props.queryLogging?.logStatement ?? "ddl";
    if (!LOG_STATEMENTS.includes(logStatement)) {
      fail("queryLogging.logStatement", logStatement, `must be one of ${LOG_STATEMENTS.join(", ")}`);
    }
    const minDurationMs = validateIntRange(
      "queryLogging.minDurationMs",
      props.queryLogging?.minDurationMs ?? 1000,
      -1,
      2147483647,
    );
    const monitoringInterval = props.monitoringIntervalSeconds ?? 60;
    if (!MONITORING_INTERVALS.includes(monitoringInterval)) {
      fail(
        "monitoringIntervalSeconds",
        monitoringInterval,
        `must be one of ${MONITORING_INTERVALS.join(", ")}`,
      );
    }

    if (publiclyAccessible) {
      Annotations.of(this).addWarning(
        `${name}: the database is publicly accessible; keep it private outside development (access is then limited only by its security groups)`,
      );
    }

    // ---- resources
    const clusterIdentifier = `${name}-cluster`;
    const tags = props.tags;

    const subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: `${name}-subnet-group`,
      description: `Subnets of the ${name} Aurora PostgreSQL cluster`,
      subnetIds,
      tags: withName(tags, `${name}-subnet-group`),
    });

    // RDS creates these log groups itself on first export, without retention;
    // creating them first gives them one.
    const logGroups = logTypes.map((type) => {
      const groupName = `/aws/rds/cluster/${clusterIdentifier}/${type}`;
      const group = new CloudwatchLogGroup(this, `log-group-${type}`, {
        name: groupName,
        retentionInDays: logRetentionDays,
        tags: withName(tags, groupName),
      });
      return { type, group };
    });

    // TLS required (rds.force_ssl: the server refuses connections without TLS,
    // Aurora PostgreSQL's default is 0) and query logging. The family follows
    // the engine's major version; the name does too, so a major upgrade creates
    // the new group before the old one is deleted. All three parameters are
    // dynamic: no reboot when they change. The description stays as it was:
    // a changed description replaces the group.
    const parameterGroupName = `${name}-${family}`;
    const parameterGroup = new RdsClusterParameterGroup(this, "cluster-parameters", {
      name: parameterGroupName,
      family,
      description: `Parameters of the ${clusterIdentifier} cluster (query logging)`,
      parameter: [
        { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
        { name: "log_statement", value: logStatement, applyMethod: "immediate" },
        { name: "log_min_duration_statement", value: String(minDurationMs), applyMethod: "immediate" },
      ],
      tags: withName(tags, parameterGroupName),
      lifecycle: { createBeforeDestroy: true },
    });

    // Enhanced Monitoring: RDS assumes this role to write the OS metrics.
    let monitoringRole: IamRole | undefined;
    let monitoringAttachment: IamRolePolicyAttachment | undefined;
    if (monitoringInterval > 0) {
      const roleName = `${name}-rds-monitoring`;
      monitoringRole = new IamRole(this, "monitoring-role", {
        name: roleName,
        description: `Enhanced Monitoring of the ${clusterIdentifier} instances`,
        assumeRolePolicy: serviceTrustPolicy("monitoring.rds.amazonaws.com"),
        tags: withName(tags, roleName),
      });
      // the partition comes from the role's own ARN: no data source
      const { partition } = arnParts(this, "monitoring-role-arn-parts", monitoringRole.arn);
      monitoringAttachment = new IamRolePolicyAttachment(this, "monitoring-policy", {
        role: monitoringRole.name,
        policyArn: `arn:${partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
      });
    }

    const cluster = new RdsCluster(this, "cluster", {
      clusterIdentifier,
      engine: "aurora-postgresql",
      engineMode: "provisioned",
      engineVersion,
      databaseName,
      masterUsername,
      // RDS generates the password and keeps it in its own secret: no password in Terraform
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: masterUserSecretKmsKeyArn,
      port,
      dbSubnetGroupName: subnetGroup.name,
      dbClusterParameterGroupName: parameterGroup.name,
      vpcSecurityGroupIds: securityGroupIds,
      storageEncrypted: true,
      kmsKeyId: storageKmsKeyArn,
      copyTagsToSnapshot: true,
      deletionProtection,
      backupRetentionPeriod: backupRetentionDays,
      preferredBackupWindow,
      skipFinalSnapshot,
      // unique per deploy: the creation time, kept by ignore_changes (no drift on later plans), so a
      // destroy after a redeploy does not collide with the snapshot of the previous destroy
      finalSnapshotIdentifier: skipFinalSnapshot
        ? undefined
        : `${name}-final-${Fn.formatdate("YYYYMMDDhhmmss", Fn.timestamp())}`,
      enabledCloudwatchLogsExports: [...logTypes],
      iamDatabaseAuthenticationEnabled: iamDatabaseAuthentication,
      enableHttpEndpoint: enableHttpEndpoint || undefined,
      applyImmediately,
      allowMajorVersionUpgrade: allowMajorVersionUpgrade || undefined,
      serverlessv2ScalingConfiguration: {
        minCapacity,
        maxCapacity,
        secondsUntilAutoPause,
      },
      tags: withName(tags, clusterIdentifier),
      dependsOn: logGroups.map((l) => l.group),
      lifecycle: {
        // the final snapshot name keeps its creation-time value (see finalSnapshotIdentifier above)
        ignoreChanges: ["final_snapshot_identifier"],
        ...(preventDestroy ? { preventDestroy: true } : {}),
      },
    });

    const instances: RdsClusterInstance[] = [];
    for (let i = 0; i < instanceCount; i++) {
      const suffix = i === 0 ? "" : `-${i + 1}`;
      const identifier = `${name}-instance${suffix}`;
      instances.push(
        new RdsClusterInstance(this, `instance${suffix}`, {
          identifier,
          clusterIdentifier: cluster.id,
          engine: cluster.engine,
          engineVersion: cluster.engineVersion,
          instanceClass: "db.serverless",
          dbSubnetGroupName: subnetGroup.name,
          publiclyAccessible,
          applyImmediately,
          copyTagsToSnapshot: true,
          // RDS's default, written out: minor versions (security fixes) are applied in the
          // maintenance window; the configuration then says so, not only the plan
          autoMinorVersionUpgrade: true,
          performanceInsightsEnabled: piEnabled,
          performanceInsightsRetentionPeriod: piRetention,
          performanceInsightsKmsKeyId: piEnabled ? pi?.kmsKeyArn : undefined,
          monitoringInterval,
          monitoringRoleArn: monitoringRole?.arn,
          tags: withName(tags, identifier),
          // RDS checks the role's permissions when it turns monitoring on
          dependsOn: monitoringAttachment ? [monitoringAttachment] : undefined,
          lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
        }),
      );
    }

    const endpoint = cluster.endpoint;
    this.masterUsername = masterUsername;
    this.masterUserSecret = new SecretReference(this, "master-user-secret", {
      arn: cluster.masterUserSecret.get(0).secretArn,
      label: `${clusterIdentifier}-master-user-secret`,
      kmsKeyArn: masterUserSecretKmsKeyArn,
    });
    this.connection = { host: endpoint, port, database: databaseName };

    // ---- outputs
    this.clusterIdentifier = cluster.clusterIdentifier;
    this.clusterArn = cluster.arn;
    this.clusterResourceId = cluster.clusterResourceId;
    this.endpoint = endpoint;
    this.readerEndpoint = cluster.readerEndpoint;
    this.port = port;
    this.databaseName = databaseName;
    this.engineVersion = engineVersion;
    this.parameterGroupFamily = family;
    this.instances = instances;
    this.instanceIdentifiers = instances.map((inst) => inst.identifier);
    this.subnetGroupName = subnetGroup.name;
    this.logGroupNames = Object.fromEntries(logGroups.map((l) => [l.type, l.group.name]));
    this.logGroupName = logGroups.find((l) => l.type === "postgresql")?.group.name;
    this.minCapacity = minCapacity;
    this.maxCapacity = maxCapacity;
    this.publiclyAccessible = publiclyAccessible;
    this.clusterParameterGroupName = parameterGroup.name;
    this.monitoringIntervalSeconds = monitoringInterval;
    this.monitoringRoleArn = monitoringRole?.arn;
    this.httpEndpointEnabled = enableHttpEndpoint;
  }
}

// ---------------------------------------------------------------------------
// Defaults and validators the environment schema composes (one owner per rule).

/** Name of the initial database when none is given. */
export const DEFAULT_DATABASE_NAME = "app";

/** Aurora PostgreSQL engine version when none is given. */
export const DEFAULT_ENGINE_VERSION = "17.6";

/**
 * The problem with an Aurora PostgreSQL engine version for Serverless v2, or
 * `undefined`: the version must be one RDS offers (the table in
 * `engine-versions.ts`); otherwise the rule names the nearest offered ones.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraPostgreSQLReleaseNotes/AuroraPostgreSQL.Updates.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html
 */
export function engineVersionProblem(engineVersion: string): string | undefined {
  if (typeof engineVersion !== "string" || !parseEngineVersion(engineVersion)) {
    return "must be an Aurora PostgreSQL version major.minor (e.g. 17.6)";
  }
  if (engineVersionFacts(engineVersion)) return undefined;
  const nearest = nearestEngineVersions(engineVersion);
  return (
    `is not an aurora-postgresql version RDS offers for Serverless v2 (table of ${ENGINE_VERSIONS_CHECKED}, ` +
    `modules/database/engine-versions.ts); nearest offered: ${nearest.join(", ")}`
  );
}

/**
 * The problem with a Serverless v2 capacity range on an engine version, as
 * `{ field, rule }` (`field` is `minCapacity` or `maxCapacity`), or
 * `undefined` (also for a version not in the table: {@link engineVersionProblem}
 * reports that). The limits are the version's row of the engine version
 * table: 0 ACU (auto-pause) and more than 128 ACU only where it says so.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 */
export function capacityRangeProblem(
  engineVersion: string,
  minCapacity: number,
  maxCapacity: number,
): { field: "minCapacity" | "maxCapacity"; rule: string } | undefined {
  const facts = engineVersionFacts(engineVersion);
  if (!facts) return undefined;
  if (minCapacity < facts.lowestMinCapacityAcu) {
    return {
      field: "minCapacity",
      rule: `needs auto-pause support (13.15, 14.12, 15.7, 16.3 or later); engineVersion is ${engineVersion}`,
    };
  }
  if (maxCapacity > facts.highestMaxCapacityAcu) {
    return {
      field: "maxCapacity",
      rule: `must be at most ${facts.highestMaxCapacityAcu} ACU on engine version ${engineVersion} (256 needs 13.13, 14.10, 15.5, 16.1 or later)`,
    };
  }
  return undefined;
}

/**
 * First minor version of each major the RDS Data API supports on Aurora
 * PostgreSQL Serverless v2 and provisioned clusters; majors above 17: all.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html (checked 2026-11-30)
 */
export const DATA_API_MIN_MINOR: Readonly<Record<number, number>> = { 13: 11, 14: 8, 15: 3, 16: 1, 17: 4 };

/**
 * The problem with using the RDS Data API on an Aurora PostgreSQL engine
 * version (Serverless v2), or `undefined`: it needs 13.11, 14.8, 15.3, 16.1,
 * 17.4 or later.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html
 */
export function dataApiProblem(engineVersion: string): string | undefined {
  const v = parseEngineVersion(engineVersion);
  if (!v) return undefined;
  const min = DATA_API_MIN_MINOR[v.major];
  if (v.major < 13 || (min !== undefined && v.minor < min)) {
    return `does not support the RDS Data API on Aurora PostgreSQL Serverless v2 (needs 13.11, 14.8, 15.3, 16.1, 17.4 or later)`;
  }
  return undefined;
}

/**
 * Regions where the RDS Data API is not available for Aurora PostgreSQL (any
 * version): Asia Pacific (Hyderabad), (Melbourne) and (New Zealand).
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html (checked 2026-12-01)
 */
export const DATA_API_UNAVAILABLE_REGIONS: readonly string[] = [
  "ap-south-2",
  "ap-southeast-4",
  "ap-southeast-6",
];

/** The problem with using the RDS Data API in `region`, or `undefined`. */
export function dataApiRegionProblem(region: string): string | undefined {
  return DATA_API_UNAVAILABLE_REGIONS.includes(region)
    ? `has no RDS Data API for Aurora PostgreSQL (not available in ${DATA_API_UNAVAILABLE_REGIONS.join(", ")})`
    : undefined;
}
