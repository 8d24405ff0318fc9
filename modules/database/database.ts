/**
 * An Aurora PostgreSQL cluster on Serverless v2 capacity: DB subnet group,
 * cluster parameter group (query logging), cluster, `db.serverless` instances
 * with Enhanced Monitoring, and the CloudWatch log groups its logs are
 * exported to.
 *
 * The master credentials come from a `DatabaseCredentials` (the secrets
 * module's `DatabaseSecret`); the construct writes the cluster's endpoint
 * back into it with `attachCluster`, so the stored connection details always
 * describe this cluster and cannot be left empty.
 */
import { Annotations, Token } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { RdsCluster } from "@cdktf/provider-aws/lib/rds-cluster";
import { RdsClusterParameterGroup } from "@cdktf/provider-aws/lib/rds-cluster-parameter-group";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import { BaseProps, DatabaseCredentials, fail, validateIntRange, validateName, withName } from "../core";
import { serviceTrustPolicy } from "../core/iam";
import { arnParts, validateKmsKeyArn } from "../core/arn";
import { validateLogRetention } from "../core/logs";
import { validatePostgresIdentifier, validatePostgresUsername } from "../core/postgres";

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
   * Master credentials (e.g. a `DatabaseSecret`). The construct takes the
   * user name and password from it and calls `attachCluster` with the
   * cluster's endpoint.
   */
  readonly credentials: DatabaseCredentials;
  /**
   * Name of the initial database: 1-63 letters, digits or underscores,
   * starting with a letter; not a PostgreSQL keyword.
   * @default "app"
   */
  readonly databaseName?: string;
  /**
   * Aurora PostgreSQL engine version (`major.minor`).
   * @default "17.6"
   */
  readonly engineVersion?: string;
  /**
   * Minimum capacity in ACUs, 0-256 in steps of 0.5. 0 lets idle instances
   * pause (aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later).
   * @default 0.5
   */
  readonly minCapacity?: number;
  /**
   * Maximum capacity in ACUs, 1-256 in steps of 0.5, at least `minCapacity`.
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
   * snapshot is named `<name>-final-snapshot`.
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
/** First minor version of each major that supports Serverless v2 (majors not listed: all). */
const SERVERLESS_V2_MIN_MINOR: Readonly<Record<number, number>> = { 13: 6, 14: 3 };
/** First minor version of each major that supports 0 ACU (auto-pause); majors above 16: all. */
const AUTO_PAUSE_MIN_MINOR: Readonly<Record<number, number>> = { 13: 15, 14: 12, 15: 7, 16: 3 };

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
 * ACUs. Storage is always encrypted; the credentials secret receives the
 * writer endpoint.
 */
export class AuroraPostgresServerless extends Construct {
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
    const version = /^(\d+)\.(\d+)$/.exec(engineVersion);
    if (!version)
      fail("engineVersion", engineVersion, "must be an Aurora PostgreSQL version major.minor (e.g. 17.6)");
    const major = Number(version[1]);
    const minor = Number(version[2]);
    if (major < 13 || minor < (SERVERLESS_V2_MIN_MINOR[major] ?? 0)) {
      fail("engineVersion", engineVersion, "does not support Serverless v2 (needs 13.6, 14.3, 15 or later)");
    }

    const minCapacity = validateAcu("minCapacity", props.minCapacity ?? 0.5, 0);
    const maxCapacity = validateAcu("maxCapacity", props.maxCapacity ?? 2, 1);
    if (minCapacity > maxCapacity) {
      fail("minCapacity", minCapacity, `must not exceed maxCapacity ${maxCapacity}`);
    }
    if (minCapacity === 0 && major <= 16 && minor < (AUTO_PAUSE_MIN_MINOR[major] ?? Infinity)) {
      fail(
        "minCapacity",
        minCapacity,
        `needs auto-pause support (13.15, 14.12, 15.7, 16.3 or later); engineVersion is ${engineVersion}`,
      );
    }
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
    const credentials = props.credentials;
    if (!Token.isUnresolved(credentials.username)) {
      validatePostgresUsername("credentials.username", credentials.username);
    }

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

    // Query logging. The family follows the engine's major version; the name
    // does too, so a major upgrade creates the new group before the old one
    // is deleted. Both parameters are dynamic: no reboot when they change.
    const family = `aurora-postgresql${major}`;
    const parameterGroupName = `${name}-${family}`;
    const parameterGroup = new RdsClusterParameterGroup(this, "cluster-parameters", {
      name: parameterGroupName,
      family,
      description: `Parameters of the ${clusterIdentifier} cluster (query logging)`,
      parameter: [
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
      masterUsername: credentials.username,
      masterPassword: credentials.password,
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
      finalSnapshotIdentifier: skipFinalSnapshot ? undefined : `${name}-final-snapshot`,
      enabledCloudwatchLogsExports: [...logTypes],
      iamDatabaseAuthenticationEnabled: iamDatabaseAuthentication,
      enableHttpEndpoint: enableHttpEndpoint || undefined,
      applyImmediately,
      serverlessv2ScalingConfiguration: {
        minCapacity,
        maxCapacity,
        secondsUntilAutoPause,
      },
      tags: withName(tags, clusterIdentifier),
      dependsOn: logGroups.map((l) => l.group),
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
          performanceInsightsEnabled: piEnabled,
          performanceInsightsRetentionPeriod: piRetention,
          performanceInsightsKmsKeyId: piEnabled ? pi?.kmsKeyArn : undefined,
          monitoringInterval,
          monitoringRoleArn: monitoringRole?.arn,
          tags: withName(tags, identifier),
          // RDS checks the role's permissions when it turns monitoring on
          dependsOn: monitoringAttachment ? [monitoringAttachment] : undefined,
        }),
      );
    }

    const endpoint = cluster.endpoint;
    credentials.attachCluster({ host: endpoint, port, database: databaseName });

    // ---- outputs
    this.clusterIdentifier = cluster.clusterIdentifier;
    this.clusterArn = cluster.arn;
    this.clusterResourceId = cluster.clusterResourceId;
    this.endpoint = endpoint;
    this.readerEndpoint = cluster.readerEndpoint;
    this.port = port;
    this.databaseName = databaseName;
    this.engineVersion = engineVersion;
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

/** First minor version of each major whose Serverless v2 maximum is 256 ACUs (before: 128); majors above 16: all. */
const MAX_256_MIN_MINOR: Readonly<Record<number, number>> = { 13: 13, 14: 10, 15: 5, 16: 1 };

function parseEngineVersion(engineVersion: string): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(engineVersion);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * The problem with an Aurora PostgreSQL engine version for Serverless v2, or
 * `undefined`.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html
 */
export function engineVersionProblem(engineVersion: string): string | undefined {
  const v = parseEngineVersion(engineVersion);
  if (!v) return "must be an Aurora PostgreSQL version major.minor (e.g. 17.6)";
  if (v.major < 13 || v.minor < (SERVERLESS_V2_MIN_MINOR[v.major] ?? 0)) {
    return "does not support Serverless v2 (needs 13.6, 14.3, 15 or later)";
  }
  return undefined;
}

/**
 * The problem with a Serverless v2 capacity range on an engine version, as
 * `{ field, rule }` (`field` is `minCapacity` or `maxCapacity`), or
 * `undefined`: 0 ACU (auto-pause) needs 13.15, 14.12, 15.7, 16.3 or later;
 * more than 128 ACU needs 13.13, 14.10, 15.5, 16.1 or later.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html
 */
export function capacityRangeProblem(
  engineVersion: string,
  minCapacity: number,
  maxCapacity: number,
): { field: "minCapacity" | "maxCapacity"; rule: string } | undefined {
  const v = parseEngineVersion(engineVersion);
  if (!v) return undefined;
  if (minCapacity === 0 && v.major <= 16 && v.minor < (AUTO_PAUSE_MIN_MINOR[v.major] ?? Infinity)) {
    return {
      field: "minCapacity",
      rule: `needs auto-pause support (13.15, 14.12, 15.7, 16.3 or later); engineVersion is ${engineVersion}`,
    };
  }
  if (maxCapacity > 128 && v.major <= 16 && v.minor < (MAX_256_MIN_MINOR[v.major] ?? Infinity)) {
    return {
      field: "maxCapacity",
      rule: `must be at most 128 ACU on engine version ${engineVersion} (256 needs 13.13, 14.10, 15.5, 16.1 or later)`,
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
