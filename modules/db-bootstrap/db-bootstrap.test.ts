import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { RdsClusterInstance } from "@cdktf/provider-aws/lib/rds-cluster-instance";
import {
  type Grant,
  type ManagedMasterDatabase,
  type PolicyStatement,
  type RoleRef,
  type WritableSecret,
  policyDocument,
} from "../core";
import { zipDirectory } from "../core/zip";
import { onlyResource, resourcesOf, synthJson, testStack } from "../core/testing";
import { DbBootstrap, type DbBootstrapProps, appRoleNameProblem, defaultAppRoleName } from "./db-bootstrap";
import { bundleHandler } from "./bundle";
import { makeMigration, migrationsChecksum } from "./handler/checksum";
import { DEFAULT_MIGRATIONS_DIR, loadMigrations } from "./migrations";

const SECRET_ARN = "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:hr-chatbot/database-AbCdEf";
const APP_SECRET_ARN =
  "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:hr-chatbot/app-secrets-AbCdEf";
const MASTER_ARN = "arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:rds!cluster-1234-AbCdEf";

/** A WritableSecret whose grants are inline policies in the stack, as the secrets module makes them. */
class StubSecret implements WritableSecret {
  public readonly made: string[] = [];
  constructor(
    private readonly scope: Construct,
    private readonly label: string,
    public readonly arn: string,
    public readonly name: string,
    public readonly algorithm = "HS256",
  ) {}
  grantRead(role: RoleRef): Grant {
    return this.grant(role, "read", ["secretsmanager:GetSecretValue"]);
  }
  grantWrite(role: RoleRef): Grant {
    return this.grant(role, "write", ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]);
  }
  private grant(role: RoleRef, access: string, actions: string[]): Grant {
    const statements: PolicyStatement[] = [{ Effect: "Allow", Action: actions, Resource: this.arn }];
    const id = `${this.label}-${access}-${this.made.length}`;
    this.made.push(id);
    const policy = new IamRolePolicy(this.scope, id, {
      name: `${this.label}-${access}`,
      role: role.name,
      policy: policyDocument(...statements),
    });
    return { grantee: role, policy, statements };
  }
}

function setup(overrides: Partial<DbBootstrapProps> = {}) {
  const { app, stack } = testStack();
  const instance = new RdsClusterInstance(stack, "instance", {
    identifier: "hr-chatbot-instance",
    clusterIdentifier: "hr-chatbot-cluster",
    instanceClass: "db.serverless",
    engine: "aurora-postgresql",
  });
  const master = new StubSecret(stack, "master", MASTER_ARN, MASTER_ARN);
  const secret = new StubSecret(stack, "database", SECRET_ARN, "hr-chatbot/database");
  const appSecret = new StubSecret(stack, "app", APP_SECRET_ARN, "hr-chatbot/app-secrets");
  const database: ManagedMasterDatabase = {
    connection: {
      host: "hr-chatbot-cluster.cluster-x.ap-northeast-1.rds.amazonaws.com",
      port: 5432,
      database: "hr_chatbot",
    },
    masterUserSecret: master,
    masterUsername: "postgres",
  };
  const boot = new DbBootstrap(stack, "db-bootstrap", {
    name: "hr-chatbot",
    tags: { Project: "hr-chatbot" },
    region: "ap-northeast-1",
    vpc: { subnetIds: ["subnet-aaaa", "subnet-bbbb"], securityGroupIds: ["sg-1234"] },
    database,
    databaseSecret: secret,
    appSecret,
    dependsOn: [instance],
    ...overrides,
  });
  return { app, stack, boot, secret, master, appSecret, json: synthJson(stack) };
}

const ENV = {
  DB_HOST: "hr-chatbot-cluster.cluster-x.ap-northeast-1.rds.amazonaws.com",
  DB_PORT: "5432",
  DB_NAME: "hr_chatbot",
  MASTER_USER_SECRET_ID: MASTER_ARN,
  DB_SECRET_NAME: "hr-chatbot/database",
  APP_ROLE_NAME: "hr_chatbot_app",
  APP_SECRET_NAME: "hr-chatbot/app-secrets",
  JWT_ALGORITHM: "HS256",
};

function warnings(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => String(m.data));
}

function policyDoc(resource: Record<string, unknown>): { Statement: Record<string, unknown>[] } {
  return JSON.parse(String(resource.policy)) as { Statement: Record<string, unknown>[] };
}

const migrationDirs: string[] = [];
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "db-bootstrap-migrations-"));
  migrationDirs.push(dir);
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
  return dir;
}
afterAll(() => migrationDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The bundle folder: the cache entry named after the bundle hash (the invocation's `code` trigger). */
function bundleDir(json: ReturnType<typeof synthJson>): string {
  const { code } = onlyResource(json, "aws_lambda_invocation").triggers as { code: string };
  return join(tmpdir(), "hr-chatbot-db-bootstrap", code.slice(0, 32));
}

describe("DbBootstrap", () => {
  it("creates the function in the VPC (a VpcFunction) with the secret name, TLS settings and its own log group", () => {
    const { json } = setup();
    const fn = onlyResource(json, "aws_lambda_function");
    expect(fn).toMatchObject({
      function_name: "hr-chatbot-db-bootstrap",
      description:
        "Applies the database migrations (pgvector, schema), creates the application role and writes its secrets",
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      memory_size: 256,
      timeout: 120,
      vpc_config: { subnet_ids: ["subnet-aaaa", "subnet-bbbb"], security_group_ids: ["sg-1234"] },
      environment: {
        variables: {
          ...ENV,
          DB_SSL_MODE: "verify-full",
        },
      },
      logging_config: {
        log_format: "Text",
        log_group: expect.stringMatching(
          /^\$\{aws_cloudwatch_log_group\.db-bootstrap_log-group_[0-9A-F]+\.name\}$/,
        ),
      },
      tracing_config: { mode: "PassThrough" },
      tags: { Project: "hr-chatbot", Name: "hr-chatbot-db-bootstrap" },
    });
    expect(fn.filename).toMatch(/^assets\/db-bootstrap_code_[0-9A-F]+\/[0-9A-F]{32}\/[0-9a-f]{32}\.zip$/);
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // addresses of the construct itself (the VpcFunction is its "Default" child)
    expect(Object.keys(resourcesOf(json, "aws_lambda_function"))).toEqual([
      expect.stringMatching(/^db-bootstrap_function_[0-9A-F]+$/),
    ]);
    expect(fn.depends_on).toEqual([
      expect.stringMatching(/^aws_cloudwatch_log_group\.db-bootstrap_log-group_/),
      expect.stringMatching(/^aws_iam_role_policy\.db-bootstrap_logs-policy_/),
      expect.stringMatching(/^aws_iam_role_policy\.db-bootstrap_vpc-policy_/),
    ]);
    expect(Object.keys(fn.environment as object)).not.toContain("AWS_REGION");

    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/hr-chatbot-db-bootstrap",
      retention_in_days: 30,
      tags: { Project: "hr-chatbot", Name: "/aws/lambda/hr-chatbot-db-bootstrap" },
    });
  });

  it("moves the log group from its former address instead of replacing it", () => {
    const { json } = setup();
    const logGroupId = Object.keys(resourcesOf(json, "aws_cloudwatch_log_group"))[0];
    expect(json.moved).toEqual([
      {
        from: expect.stringMatching(/^aws_cloudwatch_log_group\.db-bootstrap_logs_[0-9A-F]+$/),
        to: `aws_cloudwatch_log_group.${logGroupId}`,
      },
    ]);
  });

  it("re-runs the migrations on a new cluster: the cluster's resource id is a trigger", () => {
    const { json } = setup({ clusterResourceId: "${aws_rds_cluster.cluster.cluster_resource_id}" });
    expect(onlyResource(json, "aws_lambda_invocation").triggers).toMatchObject({
      cluster: "${aws_rds_cluster.cluster.cluster_resource_id}",
    });
  });

  it("invokes the function on apply after the dependables and the secret grant, keyed on the migrations", () => {
    const { json, boot } = setup();
    const invocation = onlyResource(json, "aws_lambda_invocation");
    const expected = loadMigrations(DEFAULT_MIGRATIONS_DIR);

    expect(invocation.function_name).toMatch(
      /^\$\{aws_lambda_function\.db-bootstrap_function_[0-9A-F]+\.function_name\}$/,
    );
    expect(JSON.parse(String(invocation.input))).toEqual({ action: "migrate", checksum: expected.checksum });
    expect(invocation.triggers).toEqual({
      migrations: expected.checksum,
      code: expect.stringMatching(/^[0-9a-f]{64}$/),
      role: "hr_chatbot_app",
    });
    // the grant the secret returned, not a search of the construct tree
    expect(invocation.depends_on).toEqual([
      "aws_rds_cluster_instance.instance",
      "aws_iam_role_policy.master-read-0",
      "aws_iam_role_policy.database-write-0",
      "aws_iam_role_policy.app-write-0",
    ]);
    expect(boot.secretGrant.policy.friendlyUniqueId).toBe("master-read-0");
    expect(boot.writeGrants.map((g) => g.policy.friendlyUniqueId)).toEqual([
      "database-write-0",
      "app-write-0",
    ]);
    expect(boot.secretGrant.grantee).toBe(boot.function.role);
    expect(boot.migrationsChecksum).toBe(expected.checksum);
    expect(boot.migrationNames).toEqual(["0001_create_extension_vector", "0002_check_vector"]);
    expect(boot.invocation.terraformResourceType).toBe("aws_lambda_invocation");
  });

  it("gives its role only its log group, the network interfaces, read on the master secret and write on the app secrets", () => {
    const { json, boot, secret, master, appSecret } = setup();
    const role = onlyResource(json, "aws_iam_role");
    expect(role.name).toBe("hr-chatbot-db-bootstrap-role");
    expect(role.description).toBe("Execution role of the database bootstrap function");
    expect(role.tags).toEqual({ Project: "hr-chatbot", Name: "hr-chatbot-db-bootstrap-role" });
    expect(policyDoc({ policy: role.assume_role_policy }).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual({});

    const policies = resourcesOf(json, "aws_iam_role_policy");
    const roleRef = expect.stringMatching(/^\$\{aws_iam_role\.db-bootstrap_role_[0-9A-F]+\.name\}$/);
    expect(Object.values(policies).map((p) => p.role)).toEqual([roleRef, roleRef, roleRef, roleRef, roleRef]);
    expect([master.made, secret.made, appSecret.made]).toEqual([
      ["master-read-0"],
      ["database-write-0"],
      ["app-write-0"],
    ]);
    expect(boot.role.name).toMatch(/^\$\{TfToken/);

    const own = (prefix: string) =>
      policyDoc(Object.entries(policies).find(([id]) => id.startsWith(prefix))![1]).Statement;
    expect(own("db-bootstrap_logs-policy_")).toEqual([
      {
        Sid: "WriteOwnLogGroup",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [
          expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.db-bootstrap_log-group_[0-9A-F]+\.arn\}:\*$/),
        ],
      },
    ]);
    // the network interface permissions of every VpcFunction
    expect(own("db-bootstrap_vpc-policy_")).toEqual([
      {
        Sid: "ManageVpcNetworkInterfaces",
        Effect: "Allow",
        Action: [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
          "ec2:DescribeSubnets",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeVpcs",
        ],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "ap-northeast-1" } },
      },
    ]);
    expect(policyDoc(policies["master-read-0"]).Statement).toEqual([
      { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: MASTER_ARN },
    ]);
    expect(policyDoc(policies["database-write-0"]).Statement[0].Resource).toBe(SECRET_ARN);
    expect(policyDoc(policies["app-write-0"]).Statement[0].Resource).toBe(APP_SECRET_ARN);
    // nothing else in the role's own policies reaches secrets, KMS or other services
    const actions = [...own("db-bootstrap_logs-policy_"), ...own("db-bootstrap_vpc-policy_")].flatMap(
      (s) => s.Action as string[],
    );
    expect(actions.every((a) => a.startsWith("logs:") || a.startsWith("ec2:"))).toBe(true);
  });

  it("bundles a small, deterministic handler outside the repository", () => {
    const first = setup();
    const second = setup();
    const fn1 = onlyResource(first.json, "aws_lambda_function");
    const fn2 = onlyResource(second.json, "aws_lambda_function");
    expect(fn2.filename).toBe(fn1.filename);
    expect(fn2.source_code_hash).toBe(fn1.source_code_hash);
    expect(first.boot.bundleSizeBytes).toBeGreaterThan(10_000);
    expect(first.boot.bundleSizeBytes).toBeLessThan(1024 * 1024);

    const dir = bundleDir(first.json);
    expect(readdirSync(dir)).toEqual(["index.js", "migrations.json"]);
    expect(relative(resolve(__dirname, "..", ".."), dir).startsWith("..")).toBe(true);

    // the full synth writes the archive into the output folder
    first.app.synth();
    const zip = join(first.app.outdir, "stacks", "test", String(fn1.filename));
    expect(existsSync(zip)).toBe(true);
    expect(statSync(zip).size).toBeLessThan(1024 * 1024);
  });

  it("ships the migrations beside the handler, leaves the AWS SDK to the runtime, and hashes the bundle", () => {
    const { json } = setup();
    const fn = onlyResource(json, "aws_lambda_function");
    // source_code_hash is the SHA-256 of the deterministic archive of that bundle (Lambda's CodeSha256)
    expect(zipDirectory(bundleDir(json)).sha256Base64).toBe(fn.source_code_hash);
    const migrations = JSON.parse(readFileSync(join(bundleDir(json), "migrations.json"), "utf8"));
    expect(migrations).toEqual(loadMigrations(DEFAULT_MIGRATIONS_DIR).migrations);
    expect(migrations[0].sql).toContain("CREATE EXTENSION IF NOT EXISTS vector;");
    const text = readFileSync(join(bundleDir(json), "index.js")).toString();
    expect(text).toContain('"@aws-sdk/client-secrets-manager"');
    expect(text).not.toContain("SecretsManagerServiceException");
    expect(text).not.toContain(resolve(__dirname, "..", ".."));
  });

  it("uses one handler for every migration list: only migrations.json differs", () => {
    const a = bundleHandler([makeMigration("0001_a", "SELECT 1;")]);
    const b = bundleHandler([makeMigration("0001_a", "SELECT 2;")]);
    expect(b.directory).not.toBe(a.directory);
    expect(readFileSync(join(b.directory, "index.js"))).toEqual(readFileSync(join(a.directory, "index.js")));
    expect(readFileSync(join(b.directory, "migrations.json"), "utf8")).toContain("SELECT 2;");
  });

  it("re-runs when a migration is added or edited, not otherwise", () => {
    const files = {
      "0001_a.sql": "CREATE EXTENSION IF NOT EXISTS vector;\n",
      "README.md": "notes are ignored",
    };
    const base = setup({ migrationsDir: migrationsDir(files) });
    const same = setup({ migrationsDir: migrationsDir(files) });
    const added = setup({ migrationsDir: migrationsDir({ ...files, "0002_b.sql": "SELECT 1;\n" }) });
    const edited = setup({
      migrationsDir: migrationsDir({ "0001_a.sql": "CREATE EXTENSION IF NOT EXISTS vector; \n" }),
    });
    const crlf = setup({
      migrationsDir: migrationsDir({ "0001_a.sql": "CREATE EXTENSION IF NOT EXISTS vector;\r\n" }),
    });

    const triggers = (j: typeof base.json) => onlyResource(j, "aws_lambda_invocation").triggers;
    expect(base.boot.migrationNames).toEqual(["0001_a"]);
    expect(base.boot.migrationsChecksum).toBe(
      migrationsChecksum([makeMigration("0001_a", "CREATE EXTENSION IF NOT EXISTS vector;\n")]),
    );
    expect(triggers(same.json)).toEqual(triggers(base.json));
    expect(triggers(crlf.json)).toEqual(triggers(base.json));
    expect(added.boot.migrationNames).toEqual(["0001_a", "0002_b"]);
    expect(triggers(added.json)).not.toEqual(triggers(base.json));
    expect(triggers(edited.json)).not.toEqual(triggers(base.json));
  });

  it("accepts its optional settings", () => {
    const { json } = setup({
      functionName: "custom_boot-1",
      timeoutSeconds: 300,
      logRetentionDays: 90,
      runtime: "nodejs22.x",
      sslMode: "require",
    });
    const fn = onlyResource(json, "aws_lambda_function");
    expect(fn).toMatchObject({ function_name: "custom_boot-1", timeout: 300, runtime: "nodejs22.x" });
    expect((fn.environment as { variables: Record<string, string> }).variables).toEqual({
      ...ENV,
      DB_SSL_MODE: "require",
    });
    expect(onlyResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/lambda/custom_boot-1",
      retention_in_days: 90,
    });
  });

  it("names the application role <database>_app by default and validates a given name", () => {
    expect(setup().boot.appRoleName).toBe("hr_chatbot_app");
    expect(setup({ appRoleName: "chatbot_rw" }).boot.appRoleName).toBe("chatbot_rw");
    expect(defaultAppRoleName(`Long${"x".repeat(70)}`)).toBe(`long${"x".repeat(55)}_app`);
    expect(appRoleNameProblem("hr_chatbot_app")).toBeUndefined();
    expect(appRoleNameProblem("HrApp")).toBe(
      "must be 1-63 lower-case letters, digits or underscores, starting with a letter",
    );
    expect(appRoleNameProblem("user")).toBe("is a reserved PostgreSQL keyword");
    expect(appRoleNameProblem("pg_app")).toBe("is reserved by RDS or PostgreSQL (rdsadmin, rds_*, pg_*)");
    expect(appRoleNameProblem("public")).toBe("is a reserved PostgreSQL role name");
    expect(() => setup({ appRoleName: "app-user" })).toThrow(
      'appRoleName "app-user" must be 1-63 lower-case letters, digits or underscores, starting with a letter',
    );
    expect(() => setup({ appRoleName: "postgres" })).toThrow(
      'appRoleName "postgres" must differ from the master user name',
    );
  });

  it("warns when nothing tells it to wait for the database", () => {
    const { stack } = setup({ dependsOn: [] });
    expect(warnings(stack).join("\n")).toContain("db-bootstrap: dependsOn is empty");
    const ok = setup();
    expect(warnings(ok.stack)).toEqual([]);
  });

  it.each<[string, Partial<DbBootstrapProps>, string]>([
    ["name", { name: "HR" }, 'name "HR" must be 2-40 lower-case'],
    ["region", { region: "tokyo" }, 'region "tokyo" must be an AWS region code'],
    ["timeoutSeconds", { timeoutSeconds: 10 }, "timeoutSeconds 10 must be an integer from 30 to 900"],
    [
      "logRetentionDays",
      { logRetentionDays: 8 },
      "logRetentionDays 8 must be one of the CloudWatch Logs retention periods",
    ],
    [
      "functionName",
      { functionName: "has space" },
      'functionName "has space" must be 1-64 letters, digits, hyphens or underscores',
    ],
    ["runtime", { runtime: "nodejs20.x" as "nodejs22.x" }, 'runtime "nodejs20.x" must be one of nodejs22.x'],
    [
      "runtime the pinned provider refuses",
      { runtime: "nodejs24.x" as "nodejs22.x" },
      'runtime "nodejs24.x" must be one of nodejs22.x',
    ],
    ["sslMode", { sslMode: "disable" as "require" }, 'sslMode "disable" must be one of verify-full, require'],
    [
      "subnets",
      { vpc: { subnetIds: [], securityGroupIds: ["sg-1"] } },
      "vpc.subnetIds [] must list 1 to 16 subnets",
    ],
    [
      "subnet id",
      { vpc: { subnetIds: ["subnet-a", ""], securityGroupIds: ["sg-1"] } },
      'vpc.subnetIds[1] "" must be a non-empty subnet id',
    ],
    [
      "security groups",
      { vpc: { subnetIds: ["subnet-a"], securityGroupIds: ["a", "b", "c", "d", "e", "f"] } },
      'vpc.securityGroupIds ["a","b","c","d","e","f"] must list 1 to 5 security groups',
    ],
    [
      "missing folder",
      { migrationsDir: "/nonexistent/migrations" },
      'migrationsDir "/nonexistent/migrations" must be a folder',
    ],
  ])("rejects a bad %s", (_label, overrides, message) => {
    expect(() => setup(overrides)).toThrow(message);
  });

  it("rejects bad migration folders, naming the file", () => {
    expect(() => setup({ migrationsDir: migrationsDir({ "README.md": "x" }) })).toThrow(
      "contains no .sql migrations",
    );
    expect(() => setup({ migrationsDir: migrationsDir({ "1_init.sql": "SELECT 1;" }) })).toThrow(
      'migrationsDir/1_init.sql "1_init.sql" must be named NNNN_lower_case_words.sql',
    );
    expect(() => setup({ migrationsDir: migrationsDir({ "0001_Init.sql": "SELECT 1;" }) })).toThrow(
      "must be named NNNN_lower_case_words.sql",
    );
    expect(() =>
      setup({ migrationsDir: migrationsDir({ "0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;" }) }),
    ).toThrow('migrationsDir/0001_b.sql "0001_b.sql" uses number 0001 like 0001_a.sql');
    expect(() => setup({ migrationsDir: migrationsDir({ "0001_a.sql": " \n" }) })).toThrow(
      'migrationsDir/0001_a.sql "0001_a.sql" is empty',
    );
    expect(() => setup({ migrationsDir: migrationsDir({ "0001_a.SQL": "SELECT 1;" }) })).toThrow(
      "must be named NNNN_lower_case_words.sql",
    );
  });
});
