/**
 * The shipped stacks against the deployment guide (SPEC.md) and its
 * production notes, plus the wiring that makes the guide's failures 5 and 6
 * impossible: proven on the synthesized JSON.
 */
import { Testing } from "cdktf";
import { loadEnvironments } from "./config/load";
import { HrChatbotStack } from "./hr-chatbot-stack";

type Resource = Record<string, unknown>;
type Json = {
  resource: Record<string, Record<string, Resource>>;
  output: Record<string, { value: unknown; sensitive?: boolean }>;
  terraform: { backend: Record<string, Record<string, unknown>> };
  provider: { aws: Array<Record<string, unknown>> };
};

const loaded = loadEnvironments();

function synth(name: string): Json {
  const env = loaded.environments.find((e) => e.config.name === name);
  if (!env) throw new Error(`environment ${name} not loaded: ${loaded.errors.join("; ")}`);
  const app = Testing.app();
  const stack = new HrChatbotStack(app, name, { environment: env.config, baseDir: env.dir });
  return JSON.parse(Testing.synth(stack, true)) as Json;
}

const all = (json: Json, type: string): Resource[] => Object.values(json.resource[type] ?? {});
const only = (json: Json, type: string): Resource => {
  const list = all(json, type);
  if (list.length !== 1) throw new Error(`expected one ${type}, found ${list.length}`);
  return list[0];
};
/** The logical id (`type.name`) of the resource whose attribute matches. */
const ref = (json: Json, type: string, match: (r: Resource) => boolean): string => {
  const entry = Object.entries(json.resource[type] ?? {}).find(([, r]) => match(r));
  if (!entry) throw new Error(`no ${type} matches`);
  return `${type}.${entry[0]}`;
};
const policyDoc = (p: Resource) =>
  JSON.parse(p.policy as string) as {
    Statement: Array<{ Action: string | string[]; Resource: unknown }>;
  };

describe("dev stack: every value of the deployment guide", () => {
  const json = synth("dev");

  it("network: VPC hr-chatbot 10.0.0.0/24 with DNS support and hostnames", () => {
    const vpc = only(json, "aws_vpc");
    expect(vpc).toMatchObject({
      cidr_block: "10.0.0.0/24",
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
    expect(vpc.tags).toMatchObject({ Name: "hr-chatbot" });
  });

  it("network: two public /25 subnets in 1a and 1c with public IPs on launch", () => {
    const subnets = all(json, "aws_subnet").map((s) => [
      s.availability_zone,
      s.cidr_block,
      s.map_public_ip_on_launch,
    ]);
    expect(subnets).toEqual([
      ["ap-northeast-1a", "10.0.0.0/25", true],
      ["ap-northeast-1c", "10.0.0.128/25", true],
    ]);
  });

  it("network: an attached internet gateway and a 0.0.0.0/0 route associated with both subnets", () => {
    const igw = ref(json, "aws_internet_gateway", () => true);
    const route = only(json, "aws_route");
    expect(route).toMatchObject({ destination_cidr_block: "0.0.0.0/0", gateway_id: `\${${igw}.id}` });
    const rt = ref(json, "aws_route_table", () => true);
    expect(route.route_table_id).toBe(`\${${rt}.id}`);
    const assoc = all(json, "aws_route_table_association");
    expect(assoc).toHaveLength(2);
    for (const a of assoc) expect(a.route_table_id).toBe(`\${${rt}.id}`);
  });

  it("security: 5432 from the app group and from the developer /32; 443 to the endpoints from the app group", () => {
    const app = ref(json, "aws_security_group", (g) => g.name === "hr-chatbot-app-sg");
    const db = ref(json, "aws_security_group", (g) => g.name === "hr-chatbot-database-sg");
    const ep = ref(json, "aws_security_group", (g) => g.name === "hr-chatbot-endpoint-sg");
    const ingress = all(json, "aws_vpc_security_group_ingress_rule").map((r) => ({
      group: r.security_group_id,
      port: [r.from_port, r.to_port],
      from: r.referenced_security_group_id ?? r.cidr_ipv4,
    }));
    expect(ingress).toEqual(
      expect.arrayContaining([
        { group: `\${${db}.id}`, port: [5432, 5432], from: `\${${app}.id}` },
        { group: `\${${db}.id}`, port: [5432, 5432], from: "203.0.113.10/32" },
        { group: `\${${ep}.id}`, port: [443, 443], from: `\${${app}.id}` },
      ]),
    );
    expect(ingress).toHaveLength(3);
    for (const r of all(json, "aws_vpc_security_group_ingress_rule"))
      expect(String(r.description).length).toBeGreaterThan(5);
  });

  it("database: the guide's subnet group, cluster and instance", () => {
    expect(only(json, "aws_db_subnet_group").name).toBe("hr-chatbot-subnet-group");
    expect(only(json, "aws_db_subnet_group").subnet_ids).toHaveLength(2);
    expect(only(json, "aws_rds_cluster")).toMatchObject({
      cluster_identifier: "hr-chatbot-cluster",
      engine: "aurora-postgresql",
      engine_version: "17.6",
      engine_mode: "provisioned",
      database_name: "hr_chatbot",
      master_username: "postgres",
      storage_encrypted: true,
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 2 },
    });
    // RDS generates the master password and keeps it in its own secret: none in Terraform
    expect(only(json, "aws_rds_cluster")).toMatchObject({
      master_username: "postgres",
      manage_master_user_password: true,
    });
    expect(only(json, "aws_rds_cluster")).not.toHaveProperty("master_password");
    expect(only(json, "aws_rds_cluster_instance")).toMatchObject({
      identifier: "hr-chatbot-instance",
      instance_class: "db.serverless",
      publicly_accessible: true,
    });
  });

  it("secrets: the guide's two secrets, created without a value (the bootstrap function writes them)", () => {
    const secrets = all(json, "aws_secretsmanager_secret").map((s) => s.name);
    expect(secrets.sort()).toEqual(["hr-chatbot/app-secrets", "hr-chatbot/database"]);
    expect(json.resource.aws_secretsmanager_secret_version).toBeUndefined();
    expect(Object.keys(json.resource).filter((t) => t.startsWith("random_"))).toEqual([]);
    expect(JSON.stringify(json.provider ?? {})).not.toContain("random");
    const fn = all(json, "aws_lambda_function").find((f) => f.function_name === "hr-chatbot-db-bootstrap")!;
    expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
      DB_SECRET_NAME: "hr-chatbot/database",
      APP_SECRET_NAME: "hr-chatbot/app-secrets",
      JWT_ALGORITHM: "HS256",
      APP_ROLE_NAME: "hr_chatbot_app",
      DB_NAME: "hr_chatbot",
      DB_PORT: "5432",
    });
  });

  it("compute: hr-chatbot-backend, 1024 MB, 60 s, in both subnets with the app group, the guide's variables", () => {
    const fn = all(json, "aws_lambda_function").find((f) => f.function_name === "hr-chatbot-backend")!;
    expect(fn).toMatchObject({ memory_size: 1024, timeout: 60 });
    const app = ref(json, "aws_security_group", (g) => g.name === "hr-chatbot-app-sg");
    const vpcConfig = fn.vpc_config as { subnet_ids: string[]; security_group_ids: string[] };
    expect(vpcConfig.subnet_ids).toHaveLength(2);
    expect(vpcConfig.security_group_ids).toEqual([`\${${app}.id}`]);
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      DB_SECRET_NAME: "hr-chatbot/database",
      APP_SECRET_NAME: "hr-chatbot/app-secrets",
      ENABLE_RAG: "true",
      LLM_MODEL_ID: "amazon.nova-pro-v1:0",
      EMBEDDING_MODEL_ID: "cohere.embed-v4:0",
    });
    const role = ref(json, "aws_iam_role", (r) => r.name === "hr-chatbot-lambda-role");
    expect(fn.role).toBe(`\${${role}.arn}`);
  });

  it("endpoints: secretsmanager and bedrock-runtime with private DNS", () => {
    const eps = all(json, "aws_vpc_endpoint").map((e) => [
      e.service_name,
      e.vpc_endpoint_type,
      e.private_dns_enabled,
    ]);
    expect(eps.sort()).toEqual([
      ["com.amazonaws.ap-northeast-1.bedrock-runtime", "Interface", true],
      ["com.amazonaws.ap-northeast-1.secretsmanager", "Interface", true],
    ]);
  });

  it("api: an HTTP API with GET /health and $default in front of the function", () => {
    expect(only(json, "aws_apigatewayv2_api").protocol_type).toBe("HTTP");
    const routes = all(json, "aws_apigatewayv2_route").map((r) => r.route_key);
    expect(routes.sort()).toEqual(["$default", "GET /health"]);
    expect(only(json, "aws_apigatewayv2_integration")).toMatchObject({
      payload_format_version: "2.0",
      integration_type: "AWS_PROXY",
    });
  });

  it("state: S3 backend keyed by project/environment/stack, encrypted, with the native lock file", () => {
    expect(json.terraform.backend.s3).toEqual({
      bucket: "hr-chatbot-terraform-state-apne1",
      key: "hr-chatbot/dev/dev.tfstate",
      region: "ap-northeast-1",
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("outputs: API URL, secret ARNs, cluster endpoints, VPC and subnet ids", () => {
    expect(Object.keys(json.output).sort()).toEqual(
      [
        "api_url",
        "app_secret_arn",
        "cluster_endpoint",
        "cluster_reader_endpoint",
        "database_secret_arn",
        "function_name",
        "isolated_subnet_ids",
        "public_subnet_ids",
        "vpc_id",
        "alarm_topic_arn",
        "dashboard_name",
      ].sort(),
    );
  });

  it("tags every resource through the provider's default tags", () => {
    expect(json.provider.aws[0].default_tags).toEqual([
      { tags: { Project: "hr-chatbot", Environment: "dev", ManagedBy: "cdktf" } },
    ]);
  });
});

describe("failures 5 and 6 are impossible by construction", () => {
  for (const name of ["dev", "prod"]) {
    const json = synth(name);
    const fnName = name === "dev" ? "hr-chatbot-backend" : `hr-chatbot-${name}-backend`;
    const fn = all(json, "aws_lambda_function").find((f) => f.function_name === fnName)!;
    const roleRef = String(fn.role).replace(/^\$\{(.+)\.arn\}$/, "$1");

    it(`${name}: every group attached to an endpoint admits 443 from every group attached to the function (failure 5)`, () => {
      const fnGroups = (fn.vpc_config as { security_group_ids: string[] }).security_group_ids;
      for (const ep of all(json, "aws_vpc_endpoint")) {
        for (const epGroup of ep.security_group_ids as string[]) {
          for (const fnGroup of fnGroups) {
            const rule = all(json, "aws_vpc_security_group_ingress_rule").find(
              (r) =>
                r.security_group_id === epGroup &&
                r.referenced_security_group_id === fnGroup &&
                r.from_port === 443,
            );
            expect(rule).toBeDefined();
          }
          const egress = all(json, "aws_vpc_security_group_egress_rule").find(
            (r) =>
              fnGroups.includes(r.security_group_id as string) &&
              r.referenced_security_group_id === epGroup &&
              r.from_port === 443,
          );
          expect(egress).toBeDefined();
        }
      }
    });

    it(`${name}: the function's role can read exactly every secret named in its environment (failures 6 and 7)`, () => {
      const vars = (fn.environment as { variables: Record<string, string> }).variables;
      const secretNames = [vars.DB_SECRET_NAME, vars.APP_SECRET_NAME];
      const rolePolicies = all(json, "aws_iam_role_policy").filter((p) => p.role === `\${${roleRef}.name}`);
      for (const secretName of secretNames) {
        const secret = ref(json, "aws_secretsmanager_secret", (s) => s.name === secretName);
        const grant = rolePolicies.find((p) =>
          policyDoc(p).Statement.some(
            (s) =>
              ([] as string[]).concat(s.Action).includes("secretsmanager:GetSecretValue") &&
              s.Resource === `\${${secret}.arn}`,
          ),
        );
        expect(grant).toBeDefined();
      }
      // nothing grants secrets, KMS or Bedrock on Resource "*", and no *FullAccess/ReadWrite managed policy is attached
      for (const p of rolePolicies) {
        for (const s of policyDoc(p).Statement) {
          const actions = ([] as string[]).concat(s.Action);
          if (actions.some((a) => /^(secretsmanager|kms|bedrock):/.test(a))) expect(s.Resource).not.toBe("*");
          expect(actions).not.toContain("*");
        }
      }
      expect(JSON.stringify(json.resource.aws_iam_role_policy_attachment ?? {})).not.toMatch(
        /FullAccess|ReadWrite/,
      );
    });
  }
});

describe("prod stack: the guide's production notes", () => {
  const json = synth("prod");

  it("isolated subnets only, in three AZs, no internet gateway or internet route", () => {
    expect(all(json, "aws_subnet").map((s) => s.availability_zone)).toEqual([
      "ap-northeast-1a",
      "ap-northeast-1c",
      "ap-northeast-1d",
    ]);
    for (const s of all(json, "aws_subnet")) expect(s.map_public_ip_on_launch ?? false).toBe(false);
    expect(json.resource.aws_internet_gateway).toBeUndefined();
    expect(json.resource.aws_route).toBeUndefined();
  });

  it("private, protected, highly available Aurora with Performance Insights and longer backups", () => {
    const cluster = only(json, "aws_rds_cluster");
    expect(cluster).toMatchObject({
      deletion_protection: true,
      storage_encrypted: true,
      backup_retention_period: 14,
    });
    expect(cluster.final_snapshot_identifier).toBe(
      'hr-chatbot-prod-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
    );
    expect(cluster.skip_final_snapshot ?? false).toBe(false);
    expect(cluster.kms_key_id).toMatch(/aws_kms_key\./);
    const instances = all(json, "aws_rds_cluster_instance");
    expect(instances).toHaveLength(2);
    for (const i of instances)
      expect(i).toMatchObject({ publicly_accessible: false, performance_insights_enabled: true });
  });

  it("alarms on the function, the API and Aurora, a dashboard, and VPC flow logs", () => {
    const alarms = all(json, "aws_cloudwatch_metric_alarm").map((a) => a.alarm_name);
    expect(alarms.sort()).toEqual(
      [
        "hr-chatbot-prod-api-5xx",
        "hr-chatbot-prod-aurora-capacity",
        "hr-chatbot-prod-aurora-connections",
        "hr-chatbot-prod-aurora-cpu",
        "hr-chatbot-prod-lambda-duration",
        "hr-chatbot-prod-lambda-errors",
        "hr-chatbot-prod-lambda-throttles",
      ].sort(),
    );
    const capacity = all(json, "aws_cloudwatch_metric_alarm").find(
      (a) => a.alarm_name === "hr-chatbot-prod-aurora-capacity",
    )!;
    expect(capacity.threshold).toBeCloseTo(3.6); // 90 % of max 4 ACU
    const duration = all(json, "aws_cloudwatch_metric_alarm").find(
      (a) => a.alarm_name === "hr-chatbot-prod-lambda-duration",
    )!;
    expect(duration.threshold).toBe(24000); // 80 % of the 30 s timeout
    expect(only(json, "aws_sns_topic_subscription")).toMatchObject({
      protocol: "email",
      endpoint: "hr-chatbot-oncall@example.com",
    });
    expect(only(json, "aws_cloudwatch_dashboard").dashboard_name).toBe("hr-chatbot-prod-overview");
    expect(only(json, "aws_flow_log")).toMatchObject({
      log_destination_type: "cloud-watch-logs",
      traffic_type: "ALL",
    });
    const retention = all(json, "aws_cloudwatch_log_group").map((g) => [g.name, g.retention_in_days]);
    for (const [, days] of retention) expect(days).toBeGreaterThan(0);
    expect(retention).toEqual(expect.arrayContaining([["/aws/vpc/flow-logs/hr-chatbot-prod", 90]]));
  });

  it("no developer CIDR and nothing open to the world", () => {
    for (const r of all(json, "aws_vpc_security_group_ingress_rule")) {
      expect(r.cidr_ipv4).toBeUndefined();
      expect(r.referenced_security_group_id).toBeDefined();
    }
  });

  it("secrets encrypted with a customer-managed key that rotates, read grants include kms:Decrypt on it", () => {
    const key = ref(json, "aws_kms_key", (k) => k.description === "Encrypts the hr-chatbot-prod secrets");
    expect(json.resource.aws_kms_key[key.split(".")[1]].enable_key_rotation).toBe(true);
    for (const s of all(json, "aws_secretsmanager_secret")) {
      expect(s.kms_key_id).toBe(`\${${key}.arn}`);
      expect(s.recovery_window_in_days).toBe(30);
    }
    const decrypt = all(json, "aws_iam_role_policy").filter((p) =>
      policyDoc(p).Statement.some(
        (s) => ([] as string[]).concat(s.Action).includes("kms:Decrypt") && s.Resource === `\${${key}.arn}`,
      ),
    );
    expect(decrypt.length).toBeGreaterThanOrEqual(2);
    // the master user secret RDS manages is encrypted with the same key
    expect(only(json, "aws_rds_cluster").master_user_secret_kms_key_id).toBe(`\${${key}.arn}`);
  });
});

describe("database bootstrap wiring", () => {
  const json = synth("dev");
  it("invokes the migrations after the instance, the Secrets Manager endpoint and its secret grants exist", () => {
    const inv = only(json, "aws_lambda_invocation");
    const deps = inv.depends_on as string[];
    expect(deps).toEqual(
      expect.arrayContaining([
        ref(json, "aws_rds_cluster_instance", () => true),
        ref(json, "aws_vpc_endpoint", (e) => String(e.service_name).endsWith(".secretsmanager")),
        ref(json, "aws_iam_role_policy", (p) => p.name === "hr-chatbot-cluster-master-user-secret-read"),
        ref(json, "aws_iam_role_policy", (p) => p.name === "hr-chatbot-database-write"),
        ref(json, "aws_iam_role_policy", (p) => p.name === "hr-chatbot-app-secrets-write"),
      ]),
    );
    expect(JSON.parse(inv.input as string)).toMatchObject({ action: "migrate" });
    expect((inv.triggers as Record<string, string>).migrations).toMatch(/^[0-9a-f]{64}$/);
  });

  it("runs the migrations again when the cluster is replaced (its resource id is a trigger)", () => {
    const inv = only(json, "aws_lambda_invocation");
    const cluster = ref(json, "aws_rds_cluster", () => true);
    expect((inv.triggers as Record<string, string>).cluster).toBe(`\${${cluster}.cluster_resource_id}`);
  });
});

describe("production destroy protection", () => {
  const prodEnv = () => loaded.environments.find((e) => e.config.name === "prod")!;
  const build = (allowDestroy: boolean | undefined, name = "prod"): Json => {
    const env = loaded.environments.find((e) => e.config.name === name)!;
    const stack = new HrChatbotStack(Testing.app(), name, {
      environment: env.config,
      baseDir: env.dir,
      allowDestroy,
    });
    return JSON.parse(Testing.synth(stack, true)) as Json;
  };

  it("prod: cluster, both instances and the secrets key carry prevent_destroy", () => {
    const json = build(undefined);
    expect(only(json, "aws_rds_cluster").lifecycle).toEqual({
      ignore_changes: ["final_snapshot_identifier"],
      prevent_destroy: true,
    });
    const instances = all(json, "aws_rds_cluster_instance");
    expect(instances).toHaveLength(prodEnv().config.database.instanceCount);
    for (const i of instances) expect(i.lifecycle).toEqual({ prevent_destroy: true });
    const keys = all(json, "aws_kms_key").filter((k) => String(k.description).includes("secrets"));
    expect(keys).toHaveLength(1);
    expect(keys[0].lifecycle).toEqual({ prevent_destroy: true });
    expect(only(json, "aws_rds_cluster").deletion_protection).toBe(true);
  });

  it("prod with the override: no prevent_destroy anywhere, deletion protection off", () => {
    const json = build(true);
    const text = JSON.stringify(json.resource);
    expect(text).not.toContain("prevent_destroy");
    expect(only(json, "aws_rds_cluster").deletion_protection).toBe(false);
  });

  it("database.allowMajorVersionUpgrade reaches the cluster", () => {
    const env = loaded.environments.find((e) => e.config.name === "dev")!;
    const config = { ...env.config, database: { ...env.config.database, allowMajorVersionUpgrade: true } };
    const stack = new HrChatbotStack(Testing.app(), "dev", { environment: config, baseDir: env.dir });
    const json = JSON.parse(Testing.synth(stack, true)) as Json;
    expect(only(json, "aws_rds_cluster").allow_major_version_upgrade).toBe(true);
    expect(only(synth("dev"), "aws_rds_cluster").allow_major_version_upgrade).toBeUndefined();
  });

  it("dev is never protected (the override changes nothing there)", () => {
    expect(JSON.stringify(build(undefined, "dev").resource)).not.toContain("prevent_destroy");
    expect(build(true, "dev")).toEqual(build(undefined, "dev"));
  });
});

describe.each(["dev", "prod"])("%s: who may read and write which secret", (name) => {
  const json = synth(name);
  // dev keeps the guide's names; other environments are prefixed hr-chatbot-<env>
  const prefix = name === "dev" ? "hr-chatbot" : `hr-chatbot-${name}`;
  const cluster = ref(json, "aws_rds_cluster", () => true);
  const masterArn = `\${${cluster}.master_user_secret[0].secret_arn}`;
  const secretArn = (n: string) => `\${${ref(json, "aws_secretsmanager_secret", (s) => s.name === n)}.arn}`;
  const roleOf = (roleName: string) => `\${${ref(json, "aws_iam_role", (r) => r.name === roleName)}.name}`;
  /** Every statement of the inline policies of a role, with its actions and resources as lists. */
  const statements = (roleName: string) =>
    all(json, "aws_iam_role_policy")
      .filter((p) => p.role === roleOf(roleName))
      .flatMap((p) => policyDoc(p).Statement)
      .map((s) => ({
        actions: ([] as string[]).concat(s.Action as string | string[]),
        resources: ([] as string[]).concat(s.Resource as string | string[]),
      }));
  const resourcesWith = (roleName: string, action: string) =>
    statements(roleName)
      .filter((s) => s.actions.includes(action))
      .flatMap((s) => s.resources)
      .sort();

  it("the backend reads the two application secrets and never the master user secret", () => {
    const read = resourcesWith(`${prefix}-lambda-role`, "secretsmanager:GetSecretValue");
    expect(read).toEqual([secretArn(`${prefix}/app-secrets`), secretArn(`${prefix}/database`)].sort());
    expect(statements(`${prefix}-lambda-role`).flatMap((s) => s.resources)).not.toContain(masterArn);
    expect(resourcesWith(`${prefix}-lambda-role`, "secretsmanager:PutSecretValue")).toEqual([]);
  });

  it("only the bootstrap function reads the master user secret, and writes only the two application secrets", () => {
    expect(resourcesWith(`${prefix}-db-bootstrap-role`, "secretsmanager:GetSecretValue")).toEqual(
      [masterArn, secretArn(`${prefix}/app-secrets`), secretArn(`${prefix}/database`)].sort(),
    );
    expect(resourcesWith(`${prefix}-db-bootstrap-role`, "secretsmanager:PutSecretValue")).toEqual(
      [secretArn(`${prefix}/app-secrets`), secretArn(`${prefix}/database`)].sort(),
    );
    const readers = all(json, "aws_iam_role_policy").filter((p) =>
      JSON.stringify(policyDoc(p)).includes(masterArn),
    );
    expect(readers.map((p) => p.role)).toEqual([roleOf(`${prefix}-db-bootstrap-role`)]);
  });
});
