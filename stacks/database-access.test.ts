/**
 * database.access: "vpc" (the functions in the VPC, interface endpoints) or
 * "data-api" (the functions outside the VPC through the RDS Data API), and
 * endpoints.placement "single-az": the synthesized plans and the combinations
 * synth refuses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { DEFAULT_ENVIRONMENTS_DIR, validateEnvironment } from "./config/load";
import type { EnvConfig } from "./config/schema";
import { HrChatbotStack } from "./hr-chatbot-stack";

type Json = Record<string, unknown>;
type Resources = Record<string, Record<string, Record<string, unknown>>>;

const read = (file: string): Json =>
  JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, file), "utf8")) as Json;

function withValues(doc: Json, values: Record<string, unknown>): Json {
  const copy = structuredClone(doc);
  for (const [path, value] of Object.entries(values)) {
    const keys = path.split(".");
    let node = copy as Record<string, unknown>;
    keys.slice(0, -1).forEach((k) => (node = (node[k] ??= {}) as Record<string, unknown>));
    node[keys.at(-1)!] = value;
  }
  return copy;
}

function config(file: string, doc: Json): EnvConfig {
  const r = validateEnvironment(file, doc);
  if (!r.config) throw new Error(r.errors.join("\n"));
  return r.config;
}

function synth(env: EnvConfig): Resources {
  const stack = new HrChatbotStack(Testing.app(), env.name, {
    environment: env,
    baseDir: DEFAULT_ENVIRONMENTS_DIR,
  });
  return (JSON.parse(Testing.synth(stack)) as { resource: Resources }).resource;
}

const policies = (r: Resources) =>
  Object.entries(r.aws_iam_role_policy).map(([id, p]) => ({
    id,
    role: String(p.role),
    doc: JSON.parse(String(p.policy)) as { Statement: { Action: string[]; Resource: unknown }[] },
  }));

describe('database.access "data-api" (stacks/environments/dev-lowcost.json)', () => {
  const env = config("dev-lowcost.json", read("dev-lowcost.json"));
  const r = synth(env);
  const cluster = Object.keys(r.aws_rds_cluster)[0];
  const clusterArn = `\${aws_rds_cluster.${cluster}.arn}`;
  const secret = Object.entries(r.aws_secretsmanager_secret).find(
    ([, s]) => s.name === "hr-chatbot-dev-lowcost/database",
  )![0];
  // the backend signs in with the application's secret, db-bootstrap with the master user secret RDS manages
  const appSecretArn = `\${aws_secretsmanager_secret.${secret}.arn}`;
  const masterSecretArn = `\${aws_rds_cluster.${cluster}.master_user_secret[0].secret_arn}`;
  const signsInWith: Record<string, string> = {
    function_679B3B5A: appSecretArn,
    "db-bootstrap_function_61EF51B6": masterSecretArn,
  };
  const functions = Object.entries(r.aws_lambda_function);

  it("is the file's mode", () => {
    expect(env.database.access).toBe("data-api");
  });

  it("creates no interface endpoint and runs no function in the VPC", () => {
    expect(r.aws_vpc_endpoint).toBeUndefined();
    expect(functions.map(([id]) => id).sort()).toEqual([
      "db-bootstrap_function_61EF51B6",
      "function_679B3B5A",
    ]);
    for (const [, fn] of functions) expect(fn).not.toHaveProperty("vpc_config");
    // no network interface permissions either
    expect(policies(r).flatMap((p) => p.doc.Statement.flatMap((s) => s.Action))).not.toContain(
      "ec2:CreateNetworkInterface",
    );
  });

  it("turns the cluster's Data API on", () => {
    expect(r.aws_rds_cluster[cluster].enable_http_endpoint).toBe(true);
  });

  it("gives both functions the Data API actions on exactly the cluster ARN, and read on exactly their own secret", () => {
    for (const [id, fn] of functions) {
      const role = String(fn.role).replace(".arn}", ".name}");
      const own = policies(r).filter((p) => p.role === role);
      const dataApi = own
        .flatMap((p) => p.doc.Statement)
        .filter((s) => s.Action.some((a) => a.startsWith("rds-data:")));
      expect({ id, dataApi }).toEqual({
        id,
        dataApi: [
          {
            Sid: "DataApiOnCluster",
            Effect: "Allow",
            Action: [
              "rds-data:ExecuteStatement",
              "rds-data:BatchExecuteStatement",
              "rds-data:BeginTransaction",
              "rds-data:CommitTransaction",
              "rds-data:RollbackTransaction",
            ],
            Resource: clusterArn,
          },
        ],
      });
      const reads = own
        .flatMap((p) => p.doc.Statement)
        .filter((s) => s.Action.includes("secretsmanager:GetSecretValue"));
      expect(reads.map((s) => s.Resource)).toContain(signsInWith[id]);
      for (const s of reads) expect(s.Resource).not.toBe("*");
      // the backend never reads the master user secret
      if (id === "function_679B3B5A") expect(reads.map((s) => s.Resource)).not.toContain(masterSecretArn);
    }
  });

  it("hands both functions the cluster ARN, the ARN of the secret they sign in with and the database name", () => {
    for (const [id, fn] of functions) {
      expect((fn.environment as { variables: Record<string, string> }).variables).toMatchObject({
        DB_CLUSTER_ARN: clusterArn,
        DB_SECRET_ARN: signsInWith[id],
        DB_NAME: "hr_chatbot",
      });
    }
  });

  it("scales to 0 ACU with auto-pause, keeps the alarms and has no dashboard", () => {
    expect(r.aws_rds_cluster[cluster].serverlessv2_scaling_configuration).toEqual({
      min_capacity: 0,
      max_capacity: 2,
      seconds_until_auto_pause: 300,
    });
    expect(Object.keys(r.aws_cloudwatch_metric_alarm)).toHaveLength(7);
    expect(r.aws_cloudwatch_dashboard).toBeUndefined();
  });
});

describe('database.access "vpc" (the default) is unchanged', () => {
  const r = synth(config("dev.json", read("dev.json")));

  it("keeps the endpoints in both AZs and the functions in the VPC, without the Data API", () => {
    expect(Object.values(r.aws_vpc_endpoint).map((e) => (e.subnet_ids as string[]).length)).toEqual([2, 2]);
    for (const fn of Object.values(r.aws_lambda_function)) expect(fn).toHaveProperty("vpc_config");
    expect(Object.values(r.aws_rds_cluster)[0]).not.toHaveProperty("enable_http_endpoint");
    expect(JSON.stringify(r.aws_iam_role_policy)).not.toContain("rds-data:");
  });
});

describe('endpoints.placement "single-az"', () => {
  it("places every endpoint in the tier's first subnet only", () => {
    const r = synth(config("dev.json", withValues(read("dev.json"), { "endpoints.placement": "single-az" })));
    const subnets = Object.values(r.aws_vpc_endpoint).map((e) => e.subnet_ids);
    expect(subnets).toEqual([
      ["${aws_subnet.network_public-subnet-ap-northeast-1a_3475AAC1.id}"],
      ["${aws_subnet.network_public-subnet-ap-northeast-1a_3475AAC1.id}"],
    ]);
  });
});

describe("combinations synth refuses", () => {
  const lowcost = () => read("dev-lowcost.json");
  const errors = (file: string, doc: Json) => validateEnvironment(file, doc).errors;

  // Every version the catalog offers for Serverless v2 has the Data API, so an older one is refused
  // by the catalog first, pointing at offered versions (which have it).
  it.each([
    ["16.0", "16.1, 16.2"],
    ["17.2", "17.4, 17.5"],
    ["15.2", "15.4, 15.5"],
  ])("data-api on engine version %s (refused, nearest offered: %s)", (version, nearest) => {
    expect(errors("dev-lowcost.json", withValues(lowcost(), { "database.engineVersion": version }))).toEqual([
      `dev-lowcost.json: database.engineVersion "${version}" is not an aurora-postgresql version RDS offers for Serverless v2 (table of 2026-11-30, modules/database/engine-versions.ts); nearest offered: ${nearest}`,
    ]);
  });

  it("data-api with interface endpoints, a placement, a public database or developer addresses", () => {
    const doc = withValues(lowcost(), {
      "endpoints.services": ["secretsmanager"],
      "endpoints.placement": "single-az",
      "security.developerCidrs": ["198.51.100.7/32"],
    });
    expect(errors("dev-lowcost.json", doc)).toEqual(
      expect.arrayContaining([
        'dev-lowcost.json: endpoints.services ["secretsmanager"] must be empty with database.access "data-api": no function runs in the VPC, so interface endpoints would be billed for nothing (the functions reach Secrets Manager, Bedrock and the Data API at their public endpoints)',
        'dev-lowcost.json: endpoints.placement "single-az" has no effect with database.access "data-api" (there are no interface endpoints); remove it',
        'dev-lowcost.json: security.developerCidrs ["198.51.100.7/32"] must be empty with database.access "data-api": the database port is not reachable from outside the VPC (database.publiclyAccessible is false); developers use the Data API',
      ]),
    );
    expect(
      errors(
        "dev.json",
        withValues(read("dev.json"), { "database.access": "data-api", "endpoints.services": [] }),
      ),
    ).toContain(
      'dev.json: database.publiclyAccessible true must be false with database.access "data-api": developers reach the database through the Data API as well (aws rds-data execute-statement, the RDS query editor), signed with IAM, so no public address is needed',
    );
  });

  it("data-api in a region without the Data API", () => {
    const doc = withValues(lowcost(), {
      region: "ap-southeast-4",
      "network.isolatedSubnets": [
        { az: "ap-southeast-4a", cidr: "10.2.0.0/25" },
        { az: "ap-southeast-4b", cidr: "10.2.0.128/25" },
      ],
    });
    expect(errors("dev-lowcost.json", doc)).toContain(
      'dev-lowcost.json: region "ap-southeast-4" has no RDS Data API for Aurora PostgreSQL (not available in ap-south-2, ap-southeast-4, ap-southeast-6) (database.access "data-api")',
    );
  });

  it("data-api with scheduled secret rotation (the rotation function needs the VPC)", () => {
    expect(errors("dev-lowcost.json", withValues(lowcost(), { "secretRotation.enabled": true }))).toEqual([
      'dev-lowcost.json: secretRotation.enabled true must be false with database.access "data-api": the rotation function changes the password over a PostgreSQL connection from inside the VPC, and this mode has no function in the VPC and no Secrets Manager endpoint there',
    ]);
  });

  it("single-az endpoints in production", () => {
    expect(
      errors("prod.json", withValues(read("prod.json"), { "endpoints.placement": "single-az" })),
    ).toEqual([
      'prod.json: endpoints.placement "single-az" must be "all-azs" in a production environment: with "single-az" an outage of that one availability zone cuts every function in the VPC off from Secrets Manager and Bedrock',
    ]);
  });

  it("an unknown access mode or placement, naming the values there are", () => {
    const e = errors(
      "dev.json",
      withValues(read("dev.json"), { "database.access": "http", "endpoints.placement": "one" }),
    );
    expect(e.join("\n")).toMatch(/database\.access .*"vpc".*"data-api"/);
    expect(e.join("\n")).toMatch(/endpoints\.placement .*"all-azs".*"single-az"/);
  });
});
