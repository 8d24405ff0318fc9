/**
 * The deployed record of an environment: `<env>.lock.json` beside
 * `<env>.json`, committed, holding the values Terraform cannot change in
 * place on the database (a change replaces the cluster: a new, empty
 * database) and the engine version. Synth cannot read the Terraform state, so
 * it compares the environment file against this record instead:
 *
 * - a changed replace-forcing value is refused until the file says
 *   `database.acknowledgeReplacement: true` (then synth prints a notice);
 * - an engine version of a newer major is refused until the file says
 *   `database.allowMajorVersionUpgrade: true`; an older version is refused
 *   (RDS does not downgrade);
 * - an acknowledgement with nothing to acknowledge is refused, so it cannot
 *   linger and let a later change through.
 *
 * After the apply, `npm run lock -- <env>` records the new values (and the
 * acknowledgement comes out of the file in the same change). An environment
 * without a record (never deployed) is not compared; synth says so.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatValue } from "../../modules/core/core";
import { DEFAULT_DATABASE_NAME } from "../../modules/database/database";
import { engineVersionFacts, parseEngineVersion } from "../../modules/database/engine-versions";
import type { EnvConfig } from "./schema";

/** The values of a deployed environment that the record keeps. */
export interface DeployedRecord {
  readonly database: {
    /** `aws_rds_cluster.cluster_identifier` (`<project>-cluster`). */
    readonly clusterIdentifier: string;
    /** `aws_rds_cluster.database_name`. */
    readonly databaseName: string;
    /** `aws_rds_cluster.master_username`. */
    readonly masterUsername: string;
    /** What `aws_rds_cluster.kms_key_id` is: the AWS managed key or the stack's customer managed key. */
    readonly storageKmsKey: "aws/rds" | "customer-managed";
    /** `aws_rds_cluster.engine_version`. */
    readonly engineVersion: string;
  };
}

type RecordKey = Exclude<keyof DeployedRecord["database"], "engineVersion">;

/**
 * The `aws_rds_cluster` arguments the environment file decides whose change
 * forces a new cluster (ForceNew in the aws provider 5.100.0 schema), with the
 * file's field that sets each. The other ForceNew arguments (`engine`,
 * `engine_mode`, `storage_encrypted`, `availability_zones`,
 * `snapshot_identifier`, `global_cluster_identifier` on create, `s3_import`,
 * `restore_to_point_in_time`, `source_region`) are fixed by the database
 * module or not used.
 * @see https://registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/rds_cluster
 */
export const REPLACE_FORCING: ReadonlyArray<{
  readonly key: RecordKey;
  /** The environment file's field. */
  readonly field: string;
  /** What the field sets on the cluster. */
  readonly attribute: string;
  readonly fieldValue: (env: EnvConfig) => unknown;
  readonly recorded: (env: EnvConfig) => string;
}> = [
  {
    key: "clusterIdentifier",
    // the name prefix follows project and name (or the file's namePrefix)
    field: "namePrefix",
    attribute: "cluster_identifier (and db_subnet_group_name and the instances' identifiers)",
    fieldValue: (e) => e.namePrefix,
    recorded: (e) => `${e.namePrefix}-cluster`,
  },
  {
    key: "databaseName",
    field: "database.databaseName",
    attribute: "database_name",
    fieldValue: (e) => e.database.databaseName ?? DEFAULT_DATABASE_NAME,
    recorded: (e) => e.database.databaseName ?? DEFAULT_DATABASE_NAME,
  },
  {
    key: "masterUsername",
    field: "database.masterUsername",
    attribute: "master_username",
    fieldValue: (e) => e.database.masterUsername,
    recorded: (e) => e.database.masterUsername,
  },
  {
    key: "storageKmsKey",
    field: "secrets.customerManagedKey",
    attribute: "kms_key_id (storage encryption key)",
    fieldValue: (e) => e.secrets.customerManagedKey,
    recorded: (e) => (e.secrets.customerManagedKey ? "customer-managed" : "aws/rds"),
  },
];

/** The record of an environment as the file now describes it. */
export function deployedRecordOf(env: EnvConfig): DeployedRecord {
  const database = Object.fromEntries(REPLACE_FORCING.map((f) => [f.key, f.recorded(env)])) as Record<
    RecordKey,
    string
  >;
  return {
    database: {
      ...database,
      storageKmsKey: database.storageKmsKey as "aws/rds" | "customer-managed",
      engineVersion: env.database.engineVersion,
    },
  };
}

/** File name of an environment's record: `<env>.lock.json`. */
export function deployedRecordFile(envName: string): string {
  return `${envName}.lock.json`;
}

/** Write the record of `env` into `dir`; returns the path. */
export function writeDeployedRecord(dir: string, env: EnvConfig): string {
  const path = join(dir, deployedRecordFile(env.name));
  const doc = {
    $comment: `Values of ${env.name} as deployed that Terraform cannot change in place on the database. Written by npm run lock -- ${env.name} after an apply; synth compares ${env.name}.json with it.`,
    ...deployedRecordOf(env),
  };
  writeFileSync(path, JSON.stringify(doc, null, 2) + "\n");
  return path;
}

/** What the comparison found. */
export interface DeployedComparison {
  readonly errors: string[];
  readonly notices: string[];
  readonly warnings: string[];
}

function readRecord(path: string): DeployedRecord | string {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return `is not valid JSON: ${(e as Error).message}`;
  }
  const db = (doc as { database?: Record<string, unknown> } | null)?.database;
  const keys = [...REPLACE_FORCING.map((f) => f.key), "engineVersion"];
  const missing = keys.filter((k) => typeof db?.[k] !== "string");
  if (missing.length > 0)
    return `database.${missing[0]} is missing or not a string (rewrite it with npm run lock -- <env>)`;
  return doc as DeployedRecord;
}

/**
 * Compare an environment with its record in `dir`. `file` is the environment
 * file as shown in messages; the record is named beside it.
 */
export function compareWithDeployed(file: string, dir: string, env: EnvConfig): DeployedComparison {
  const out: DeployedComparison = { errors: [], notices: [], warnings: [] };
  const recordFile = file.replace(/\.json$/, ".lock.json");
  const path = join(dir, deployedRecordFile(env.name));
  const db = env.database;
  if (!existsSync(path)) {
    if (db.acknowledgeReplacement) {
      out.errors.push(
        `${file}: database.acknowledgeReplacement true has nothing to acknowledge: there is no ${recordFile} (a first deployment replaces nothing); remove it`,
      );
    }
    if (db.allowMajorVersionUpgrade) {
      out.notices.push(
        `${env.name}: allow_major_version_upgrade is set on the cluster (database.allowMajorVersionUpgrade); without ${recordFile} synth cannot tell which version is deployed`,
      );
    }
    return out;
  }
  const record = readRecord(path);
  if (typeof record === "string") {
    out.errors.push(`${recordFile}: ${record}`);
    return out;
  }

  // replace-forcing values
  const changed = REPLACE_FORCING.filter((f) => f.recorded(env) !== record.database[f.key]);
  for (const f of changed) {
    const what = `${f.field} ${formatValue(f.fieldValue(env))} changes the cluster's ${f.attribute} from ${formatValue(record.database[f.key])} (${recordFile}) to ${formatValue(f.recorded(env))}`;
    if (db.acknowledgeReplacement) {
      out.notices.push(
        `${file}: ${what}: Terraform replaces the cluster and its instances (acknowledged by database.acknowledgeReplacement); the new cluster starts empty, and the migrations run on it` +
          (env.production
            ? `; in production the plan is refused (prevent_destroy) unless ALLOW_PRODUCTION_DESTROY=${env.name}`
            : "") +
          `. After the apply: npm run lock -- ${env.name}, and remove database.acknowledgeReplacement`,
      );
    } else {
      out.errors.push(
        `${file}: ${what}: Terraform would replace the cluster and its instances (a new, empty database); restore the recorded value, or set database.acknowledgeReplacement true to accept the replacement`,
      );
    }
  }
  if (db.acknowledgeReplacement && changed.length === 0) {
    out.errors.push(
      `${file}: database.acknowledgeReplacement true has nothing to acknowledge: every replace-forcing value equals ${recordFile}; remove it, so it cannot let a later change through`,
    );
  }

  // engine version: major upgrades need allow_major_version_upgrade; RDS never downgrades
  const was = parseEngineVersion(record.database.engineVersion);
  const now = engineVersionFacts(db.engineVersion);
  if (was && now) {
    const from = record.database.engineVersion;
    if (now.major < was.major || (now.major === was.major && now.minor < was.minor)) {
      out.errors.push(
        `${file}: database.engineVersion ${formatValue(db.engineVersion)} is older than the deployed ${from} (${recordFile}); RDS does not downgrade a cluster (restore a snapshot into a new environment instead)`,
      );
    } else if (now.major > was.major) {
      if (db.allowMajorVersionUpgrade) {
        out.notices.push(
          `${env.name}: major version upgrade of the cluster ${from} -> ${db.engineVersion}: allow_major_version_upgrade is set and the cluster parameter group ${env.project}-${now.family} (family ${now.family}) is created before the cluster switches to it. After the apply: npm run lock -- ${env.name}`,
        );
      } else {
        out.errors.push(
          `${file}: database.engineVersion ${formatValue(db.engineVersion)} is a major version upgrade from ${from} (${recordFile}); RDS refuses it at apply unless allowed: set database.allowMajorVersionUpgrade true`,
        );
      }
    } else if (db.allowMajorVersionUpgrade) {
      out.warnings.push(
        `${file}: database.allowMajorVersionUpgrade true has no effect: database.engineVersion ${db.engineVersion} is the deployed major version (${recordFile}); remove it`,
      );
    }
  }
  return out;
}
