import { Fn, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import type { RoleRef } from "../core";
import { arnPartOf, onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import {
  AURORA_POSTGRES_VERSIONS,
  AuroraPostgresServerless,
  AuroraPostgresServerlessProps,
  dataApiProblem,
} from "./index";

const KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function build(overrides: Partial<AuroraPostgresServerlessProps> = {}): {
  stack: TerraformStack;
  db: AuroraPostgresServerless;
} {
  const { stack } = testStack();
  const db = new AuroraPostgresServerless(stack, "database", {
    name: "hr-chatbot",
    subnetIds: ["subnet-0a", "subnet-0c"],
    securityGroupIds: ["sg-0123"],
    ...overrides,
  });
  return { stack, db };
}

function warnings(scope: Construct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => String(m.data));
}

describe("AuroraPostgresServerless", () => {
  it("creates the subnet group, cluster and instance with the SPEC names and safe defaults", () => {
    const { stack } = build({ tags: { Project: "hr-chatbot" } });
    const json = synthJson(stack);

    const subnetGroupId = Object.keys(resourcesOf(json, "aws_db_subnet_group"))[0];
    expect(onlyResource(json, "aws_db_subnet_group")).toEqual({
      name: "hr-chatbot-subnet-group",
      description: "Subnets of the hr-chatbot Aurora PostgreSQL cluster",
      subnet_ids: ["subnet-0a", "subnet-0c"],
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-subnet-group" },
    });

    const logGroupId = Object.keys(resourcesOf(json, "aws_cloudwatch_log_group"))[0];
    const parameterGroupId = Object.keys(resourcesOf(json, "aws_rds_cluster_parameter_group"))[0];
    expect(onlyResource(json, "aws_rds_cluster")).toEqual({
      cluster_identifier: "hr-chatbot-cluster",
      engine: "aurora-postgresql",
      engine_mode: "provisioned",
      engine_version: "17.6",
      database_name: "app",
      master_username: "postgres",
      manage_master_user_password: true,
      port: 5432,
      db_subnet_group_name: `\${aws_db_subnet_group.${subnetGroupId}.name}`,
      db_cluster_parameter_group_name: `\${aws_rds_cluster_parameter_group.${parameterGroupId}.name}`,
      vpc_security_group_ids: ["sg-0123"],
      storage_encrypted: true,
      copy_tags_to_snapshot: true,
      deletion_protection: true,
      backup_retention_period: 7,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'hr-chatbot-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
      lifecycle: { ignore_changes: ["final_snapshot_identifier"] },
      enabled_cloudwatch_logs_exports: ["postgresql"],
      iam_database_authentication_enabled: false,
      apply_immediately: false,
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 2 },
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-cluster" },
      depends_on: [`aws_cloudwatch_log_group.${logGroupId}`],
    });

    const clusterId = Object.keys(resourcesOf(json, "aws_rds_cluster"))[0];
    const monitoringRoleId = Object.keys(resourcesOf(json, "aws_iam_role"))[0];
    const monitoringAttachmentId = Object.keys(resourcesOf(json, "aws_iam_role_policy_attachment"))[0];
    expect(onlyResource(json, "aws_rds_cluster_instance")).toEqual({
      identifier: "hr-chatbot-instance",
      cluster_identifier: `\${aws_rds_cluster.${clusterId}.id}`,
      engine: `\${aws_rds_cluster.${clusterId}.engine}`,
      engine_version: `\${aws_rds_cluster.${clusterId}.engine_version}`,
      instance_class: "db.serverless",
      db_subnet_group_name: `\${aws_db_subnet_group.${subnetGroupId}.name}`,
      publicly_accessible: false,
      apply_immediately: false,
      copy_tags_to_snapshot: true,
      auto_minor_version_upgrade: true,
      performance_insights_enabled: false,
      monitoring_interval: 60,
      monitoring_role_arn: `\${aws_iam_role.${monitoringRoleId}.arn}`,
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-instance" },
      depends_on: [`aws_iam_role_policy_attachment.${monitoringAttachmentId}`],
    });
  });

  it("requires TLS and logs DDL and slow queries through a cluster parameter group of the engine's family", () => {
    const { stack, db } = build({ tags: { Project: "hr-chatbot" } });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_rds_cluster_parameter_group")).toEqual({
      name: "hr-chatbot-aurora-postgresql17",
      family: "aurora-postgresql17",
      description: "Parameters of the hr-chatbot-cluster cluster (query logging)",
      parameter: [
        { name: "rds.force_ssl", value: "1", apply_method: "immediate" },
        { name: "log_statement", value: "ddl", apply_method: "immediate" },
        { name: "log_min_duration_statement", value: "1000", apply_method: "immediate" },
      ],
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-aurora-postgresql17" },
      lifecycle: { create_before_destroy: true },
    });
    expect(db.clusterParameterGroupName).toMatch(/^\$\{TfToken\[/);
  });

  it("takes the query logging settings, and the family from the engine's major version", () => {
    const { stack } = build({
      engineVersion: "16.6",
      queryLogging: { logStatement: "mod", minDurationMs: -1 },
    });
    const group = onlyResource(synthJson(stack), "aws_rds_cluster_parameter_group");
    expect(group).toMatchObject({ name: "hr-chatbot-aurora-postgresql16", family: "aurora-postgresql16" });
    expect(group.parameter).toEqual([
      { name: "rds.force_ssl", value: "1", apply_method: "immediate" },
      { name: "log_statement", value: "mod", apply_method: "immediate" },
      { name: "log_min_duration_statement", value: "-1", apply_method: "immediate" },
    ]);
  });

  it("turns Enhanced Monitoring on with a role RDS can assume, or off without one", () => {
    const { stack, db } = build({
      tags: { Project: "hr-chatbot" },
      instanceCount: 2,
      monitoringIntervalSeconds: 15,
    });
    const json = synthJson(stack);
    const role = onlyResource(json, "aws_iam_role");
    expect(role).toMatchObject({
      name: "hr-chatbot-rds-monitoring",
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-rds-monitoring" },
    });
    expect(JSON.parse(role.assume_role_policy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "monitoring.rds.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    });
    const roleId = Object.keys(resourcesOf(json, "aws_iam_role"))[0];
    expect(onlyResource(json, "aws_iam_role_policy_attachment")).toEqual({
      role: `\${aws_iam_role.${roleId}.name}`,
      policy_arn: `arn:${arnPartOf(json, `aws_iam_role.${roleId}.arn`, 1)}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole`,
    });
    for (const inst of Object.values(resourcesOf(json, "aws_rds_cluster_instance"))) {
      expect(inst).toMatchObject({
        monitoring_interval: 15,
        monitoring_role_arn: `\${aws_iam_role.${roleId}.arn}`,
      });
    }
    expect(db.monitoringIntervalSeconds).toBe(15);
    expect(db.monitoringRoleArn).toMatch(/^\$\{TfToken\[/);

    const off = build({ monitoringIntervalSeconds: 0 });
    const offJson = synthJson(off.stack);
    expect(resourcesOf(offJson, "aws_iam_role")).toEqual({});
    expect(resourcesOf(offJson, "aws_iam_role_policy_attachment")).toEqual({});
    const inst = onlyResource(offJson, "aws_rds_cluster_instance");
    expect(inst.monitoring_interval).toBe(0);
    expect(inst.monitoring_role_arn).toBeUndefined();
    expect(inst.depends_on).toBeUndefined();
    expect(off.db.monitoringRoleArn).toBeUndefined();
  });

  it("creates the postgresql log group with retention before the cluster", () => {
    const { stack, db } = build({ logRetentionDays: 90 });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toEqual({
      name: "/aws/rds/cluster/hr-chatbot-cluster/postgresql",
      retention_in_days: 90,
      tags: { Name: "/aws/rds/cluster/hr-chatbot-cluster/postgresql" },
    });
    expect(db.logGroupName).toMatch(/^\$\{TfToken\[/);
    expect(Object.keys(db.logGroupNames)).toEqual(["postgresql"]);
  });

  it("creates one log group per exported log type, and none when nothing is exported", () => {
    const many = build({ cloudwatchLogsExports: ["postgresql", "instance", "iam-db-auth-error"] });
    const json = synthJson(many.stack);
    const names = Object.values(resourcesOf(json, "aws_cloudwatch_log_group")).map((g) => g.name);
    expect(names.sort()).toEqual([
      "/aws/rds/cluster/hr-chatbot-cluster/iam-db-auth-error",
      "/aws/rds/cluster/hr-chatbot-cluster/instance",
      "/aws/rds/cluster/hr-chatbot-cluster/postgresql",
    ]);
    const cluster = onlyResource(json, "aws_rds_cluster");
    expect(cluster.enabled_cloudwatch_logs_exports).toEqual(["postgresql", "instance", "iam-db-auth-error"]);
    expect(cluster.depends_on).toHaveLength(3);

    const none = build({ cloudwatchLogsExports: [] });
    const noneJson = synthJson(none.stack);
    expect(resourcesOf(noneJson, "aws_cloudwatch_log_group")).toEqual({});
    expect(onlyResource(noneJson, "aws_rds_cluster").enabled_cloudwatch_logs_exports).toEqual([]);
    expect(none.db.logGroupName).toBeUndefined();
  });

  it("lets RDS manage the master password: no password argument, the secret ARN from the cluster", () => {
    const { stack, db } = build({ databaseName: "hr_chatbot", masterUsername: "app_admin", port: 6543 });
    const json = synthJson(stack);
    const clusterId = Object.keys(resourcesOf(json, "aws_rds_cluster"))[0];
    const cluster = onlyResource(json, "aws_rds_cluster");
    expect(cluster.master_username).toBe("app_admin");
    expect(cluster.manage_master_user_password).toBe(true);
    expect(cluster).not.toHaveProperty("master_password");
    expect(cluster).not.toHaveProperty("master_user_secret_kms_key_id");
    expect(Object.keys(json.resource ?? {}).filter((t) => t.startsWith("random_"))).toEqual([]);
    expect(db.masterUsername).toBe("app_admin");
    expect(db.connection).toEqual({ host: db.endpoint, port: 6543, database: "hr_chatbot" });
    // the ARN resolves to the cluster's master_user_secret block
    const role: RoleRef = { name: "reader", arn: "arn:aws:iam::123456789012:role/reader" };
    db.masterUserSecret.grantRead(role);
    const policy = onlyResource(synthJson(stack), "aws_iam_role_policy");
    expect(policy.name).toBe("hr-chatbot-cluster-master-user-secret-read");
    expect(JSON.parse(String(policy.policy)).Statement).toEqual([
      {
        Sid: "ReadSecret",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: `\${aws_rds_cluster.${clusterId}.master_user_secret[0].secret_arn}`,
      },
    ]);
  });

  it("encrypts the master user secret with the given customer key, and lets a reader decrypt it", () => {
    const { stack, db } = build({ masterUserSecretKmsKeyArn: KEY_ARN });
    db.masterUserSecret.grantRead({ name: "reader", arn: "arn:aws:iam::123456789012:role/reader" });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_rds_cluster").master_user_secret_kms_key_id).toBe(KEY_ARN);
    const statements = JSON.parse(String(onlyResource(json, "aws_iam_role_policy").policy)).Statement;
    expect(statements[1]).toMatchObject({ Sid: "DecryptSecret", Action: "kms:Decrypt", Resource: KEY_ARN });
    expect(() => build({ masterUserSecretKmsKeyArn: "alias/x" })).toThrow("masterUserSecretKmsKeyArn");
  });

  it("names additional instances -2, -3 and exposes them for dependsOn", () => {
    const { stack, db } = build({ instanceCount: 3 });
    const ids = Object.values(resourcesOf(synthJson(stack), "aws_rds_cluster_instance")).map(
      (i) => i.identifier,
    );
    expect(ids.sort()).toEqual(["hr-chatbot-instance", "hr-chatbot-instance-2", "hr-chatbot-instance-3"]);
    expect(db.instances).toHaveLength(3);
    expect(db.instanceIdentifiers).toHaveLength(3);
    expect(db.instances.map((i) => i.node.id)).toEqual(["instance", "instance-2", "instance-3"]);
  });

  it("the guide's dev setup: public instance, with a warning", () => {
    const { stack, db } = build({ publiclyAccessible: true, databaseName: "hr_chatbot" });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_rds_cluster_instance").publicly_accessible).toBe(true);
    expect(onlyResource(json, "aws_rds_cluster").database_name).toBe("hr_chatbot");
    expect(db.publiclyAccessible).toBe(true);
    expect(warnings(stack).join("\n")).toContain("publicly accessible");
    expect(warnings(build().stack)).toEqual([]);
  });

  it("omits the final snapshot identifier only when skipping the final snapshot", () => {
    const cluster = onlyResource(
      synthJson(build({ skipFinalSnapshot: true, deletionProtection: false }).stack),
      "aws_rds_cluster",
    );
    expect(cluster.skip_final_snapshot).toBe(true);
    expect(cluster.final_snapshot_identifier).toBeUndefined();
    expect(cluster.deletion_protection).toBe(false);
  });

  it("passes through encryption key, IAM auth, backup window, port and apply-immediately", () => {
    const { stack, db } = build({
      storageKmsKeyArn: KEY_ARN,
      iamDatabaseAuthentication: true,
      preferredBackupWindow: "23:45-00:15",
      backupRetentionDays: 35,
      port: 5433,
      applyImmediately: true,
      engineVersion: "16.6",
    });
    const json = synthJson(stack);
    const cluster = onlyResource(json, "aws_rds_cluster");
    expect(cluster).toMatchObject({
      kms_key_id: KEY_ARN,
      storage_encrypted: true,
      iam_database_authentication_enabled: true,
      preferred_backup_window: "23:45-00:15",
      backup_retention_period: 35,
      port: 5433,
      apply_immediately: true,
      engine_version: "16.6",
    });
    expect(onlyResource(json, "aws_rds_cluster_instance").apply_immediately).toBe(true);
    expect(db.port).toBe(5433);
    expect(db.engineVersion).toBe("16.6");
  });

  it("sets Performance Insights on the instances", () => {
    const { stack } = build({
      instanceCount: 2,
      performanceInsights: { enabled: true, retentionDays: 93, kmsKeyArn: KEY_ARN },
    });
    for (const inst of Object.values(resourcesOf(synthJson(stack), "aws_rds_cluster_instance"))) {
      expect(inst).toMatchObject({
        performance_insights_enabled: true,
        performance_insights_retention_period: 93,
        performance_insights_kms_key_id: KEY_ARN,
      });
    }
    const free = onlyResource(
      synthJson(build({ performanceInsights: { enabled: true } }).stack),
      "aws_rds_cluster_instance",
    );
    expect(free.performance_insights_retention_period).toBe(7);
    expect(free.performance_insights_kms_key_id).toBeUndefined();
  });

  it("scales to zero with auto-pause", () => {
    const { stack, db } = build({ minCapacity: 0, maxCapacity: 4.5, secondsUntilAutoPause: 600 });
    expect(onlyResource(synthJson(stack), "aws_rds_cluster").serverlessv2_scaling_configuration).toEqual({
      min_capacity: 0,
      max_capacity: 4.5,
      seconds_until_auto_pause: 600,
    });
    expect([db.minCapacity, db.maxCapacity]).toEqual([0, 4.5]);
  });

  it("a major upgrade: allow_major_version_upgrade and a parameter group of the new family, created first", () => {
    const { stack, db } = build({ engineVersion: "17.6", allowMajorVersionUpgrade: true });
    const json = synthJson(stack);
    expect(onlyResource(json, "aws_rds_cluster")).toMatchObject({
      engine_version: "17.6",
      allow_major_version_upgrade: true,
    });
    expect(onlyResource(json, "aws_rds_cluster_parameter_group")).toMatchObject({
      name: "hr-chatbot-aurora-postgresql17",
      family: "aurora-postgresql17",
      lifecycle: { create_before_destroy: true },
    });
    expect(db.parameterGroupFamily).toBe("aurora-postgresql17");
    const before = synthJson(build({ engineVersion: "16.9" }).stack);
    expect(onlyResource(before, "aws_rds_cluster_parameter_group")).toMatchObject({
      name: "hr-chatbot-aurora-postgresql16",
      family: "aurora-postgresql16",
    });
    expect(onlyResource(before, "aws_rds_cluster").allow_major_version_upgrade).toBeUndefined();
  });

  it("preventDestroy puts lifecycle.prevent_destroy on the cluster and every instance, and only then", () => {
    const json = synthJson(build({ instanceCount: 2, preventDestroy: true }).stack);
    expect(onlyResource(json, "aws_rds_cluster").lifecycle).toEqual({
      ignore_changes: ["final_snapshot_identifier"],
      prevent_destroy: true,
    });
    const instances = Object.values(resourcesOf(json, "aws_rds_cluster_instance"));
    expect(instances).toHaveLength(2);
    for (const i of instances) expect(i.lifecycle).toEqual({ prevent_destroy: true });
    const open = synthJson(build({ instanceCount: 2 }).stack);
    expect(onlyResource(open, "aws_rds_cluster").lifecycle).not.toHaveProperty("prevent_destroy");
  });

  it("exposes typed outputs", () => {
    const { db } = build({ databaseName: "hr_chatbot" });
    expect(db.databaseName).toBe("hr_chatbot");
    expect(db.port).toBe(5432);
    expect(db.engineVersion).toBe("17.6");
    for (const token of [
      db.clusterIdentifier,
      db.clusterArn,
      db.clusterResourceId,
      db.endpoint,
      db.readerEndpoint,
      db.subnetGroupName,
    ]) {
      expect(token).toMatch(/^\$\{TfToken\[/);
    }
  });

  it("accepts subnet ids given as one list token (validated later, by Terraform)", () => {
    const subnetIds = Fn.split(",", "subnet-0a,subnet-0c");
    expect(Token.isUnresolved(subnetIds)).toBe(true);
    const { stack } = build({ subnetIds });
    expect(onlyResource(synthJson(stack), "aws_db_subnet_group").subnet_ids).toBe(
      '${split(",", "subnet-0a,subnet-0c")}',
    );
  });

  it.each<[Partial<AuroraPostgresServerlessProps>, string]>([
    [{ name: "HR" }, 'name "HR" must be 2-40 lower-case'],
    [{ subnetIds: ["subnet-0a"] }, 'subnetIds ["subnet-0a"] must list at least two subnets'],
    [{ subnetIds: ["subnet-0a", "subnet-0a"] }, 'subnetIds[1] "subnet-0a" is listed twice'],
    [{ securityGroupIds: [] }, "securityGroupIds [] must list at least one security group"],
    [
      { databaseName: "hr-chatbot" },
      'databaseName "hr-chatbot" must be 1-63 letters, digits or underscores, starting with a letter',
    ],
    [{ databaseName: "_db" }, "must be 1-63 letters"],
    [{ databaseName: "d".repeat(64) }, "must be 1-63 letters"],
    [{ databaseName: "select" }, 'databaseName "select" is a reserved PostgreSQL keyword'],
    [{ databaseName: "template1" }, 'databaseName "template1" is reserved'],
    [{ engineVersion: "17" }, 'engineVersion "17" must be an Aurora PostgreSQL version major.minor'],
    [{ engineVersion: "12.9" }, 'engineVersion "12.9" is not an aurora-postgresql version RDS offers'],
    [{ engineVersion: "13.4" }, "nearest offered: 13.12, 13.13"],
    [{ engineVersion: "17.9" }, 'engineVersion "17.9" is not an aurora-postgresql version RDS offers'],
    [{ engineVersion: "16.5" }, "nearest offered: 16.4, 16.6"],
    [
      { engineVersion: "14.9", maxCapacity: 200 },
      "maxCapacity 200 must be at most 128 ACU on engine version 14.9",
    ],
    [{ minCapacity: 0.25 }, "minCapacity 0.25 must be from 0 to 256 ACUs in steps of 0.5"],
    [{ minCapacity: -1 }, "minCapacity -1 must be from 0 to 256"],
    [{ maxCapacity: 0.5 }, "maxCapacity 0.5 must be from 1 to 256 ACUs in steps of 0.5"],
    [{ maxCapacity: 300 }, "maxCapacity 300 must be from 1 to 256"],
    [{ minCapacity: 4, maxCapacity: 2 }, "minCapacity 4 must not exceed maxCapacity 2"],
    [
      { minCapacity: 0, engineVersion: "15.4" },
      "minCapacity 0 needs auto-pause support (13.15, 14.12, 15.7, 16.3 or later); engineVersion is 15.4",
    ],
    [
      { secondsUntilAutoPause: 600 },
      "secondsUntilAutoPause 600 applies only with minCapacity 0 (minCapacity is 0.5)",
    ],
    [
      { minCapacity: 0, secondsUntilAutoPause: 60 },
      "secondsUntilAutoPause 60 must be an integer from 300 to 86400",
    ],
    [{ instanceCount: 0 }, "instanceCount 0 must be an integer from 1 to 15"],
    [{ instanceCount: 16 }, "instanceCount 16 must be an integer from 1 to 15"],
    [{ backupRetentionDays: 0 }, "backupRetentionDays 0 must be an integer from 1 to 35"],
    [{ backupRetentionDays: 36 }, "backupRetentionDays 36 must be an integer from 1 to 35"],
    [{ logRetentionDays: 10 }, "logRetentionDays 10 must be one of the CloudWatch Logs retention periods"],
    [
      { cloudwatchLogsExports: ["postgresql", "postgresql"] },
      'cloudwatchLogsExports[1] "postgresql" is listed twice',
    ],
    [
      { cloudwatchLogsExports: ["slowquery" as "postgresql"] },
      'cloudwatchLogsExports[0] "slowquery" must be one of postgresql, instance, iam-db-auth-error',
    ],
    [{ port: 80 }, "port 80 must be an integer from 1150 to 65535"],
    [
      { preferredBackupWindow: "5:00-6:00" },
      'preferredBackupWindow "5:00-6:00" must be hh24:mi-hh24:mi in UTC',
    ],
    [
      { preferredBackupWindow: "17:00-17:15" },
      'preferredBackupWindow "17:00-17:15" must be at least 30 minutes long',
    ],
    [{ storageKmsKeyArn: "alias/aws/rds" }, 'storageKmsKeyArn "alias/aws/rds" must be a KMS key ARN'],
    [
      { performanceInsights: { enabled: true, retentionDays: 30 } },
      "performanceInsights.retentionDays 30 must be 7, 731 or a multiple of 31 from 31 to 713",
    ],
    [
      { performanceInsights: { enabled: true, retentionDays: 744 } },
      "performanceInsights.retentionDays 744 must be 7, 731",
    ],
    [
      { performanceInsights: { enabled: false, retentionDays: 7 } },
      "performanceInsights.enabled false must be true when retentionDays or kmsKeyArn is set",
    ],
    [
      { performanceInsights: { enabled: true, kmsKeyArn: "key" } },
      'performanceInsights.kmsKeyArn "key" must be a KMS key ARN',
    ],
    [
      { queryLogging: { logStatement: "verbose" as "all" } },
      'queryLogging.logStatement "verbose" must be one of none, ddl, mod, all',
    ],
    [
      { queryLogging: { minDurationMs: -2 } },
      "queryLogging.minDurationMs -2 must be an integer from -1 to 2147483647",
    ],
    [{ queryLogging: { minDurationMs: 1.5 } }, "queryLogging.minDurationMs 1.5 must be an integer"],
    [
      { monitoringIntervalSeconds: 120 as 60 },
      "monitoringIntervalSeconds 120 must be one of 0, 1, 5, 10, 15, 30, 60",
    ],
  ])("rejects %j", (overrides, message) => {
    expect(() => build(overrides)).toThrow(message);
  });

  it("rejects a master user name Aurora would refuse", () => {
    expect(() => build({ masterUsername: "rds_master" })).toThrow(
      'masterUsername "rds_master" is reserved by RDS or PostgreSQL',
    );
  });
});

describe("the RDS Data API (HTTP endpoint)", () => {
  it("is off by default and on with enableHttpEndpoint", () => {
    const off = onlyResource(synthJson(build().stack), "aws_rds_cluster");
    expect(off).not.toHaveProperty("enable_http_endpoint");
    const { stack, db } = build({ enableHttpEndpoint: true });
    expect(onlyResource(synthJson(stack), "aws_rds_cluster").enable_http_endpoint).toBe(true);
    expect(db.httpEndpointEnabled).toBe(true);
  });

  it.each([
    ["13.10", false],
    ["13.11", true],
    ["14.7", false],
    ["14.8", true],
    ["15.2", false],
    ["15.3", true],
    ["16.0", false],
    ["16.1", true],
    ["17.2", false],
    ["17.4", true],
    ["17.6", true],
  ])("engine version %s supports it: %s", (version, ok) => {
    expect(dataApiProblem(version) === undefined).toBe(ok);
  });

  it("has it on every version the engine catalog offers for Serverless v2", () => {
    for (const version of Object.keys(AURORA_POSTGRES_VERSIONS)) {
      expect({ version, problem: dataApiProblem(version) }).toEqual({ version, problem: undefined });
    }
    expect(() => build({ engineVersion: "16.0", enableHttpEndpoint: true })).toThrow(
      'engineVersion "16.0" is not an aurora-postgresql version RDS offers for Serverless v2',
    );
  });
});
