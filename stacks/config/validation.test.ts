/**
 * Environment validation: the guide's seven failures reproduced as bad
 * environment files, a table of bad inputs with the message each must give,
 * and the guarantee that a rejected environment leaves no Terraform output.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { synthesizeApp } from "../app";
import { DEFAULT_ENVIRONMENTS_DIR, validateEnvironment } from "./load";

type Json = Record<string, unknown>;
const dev = (): Json => JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, "dev.json"), "utf8")) as Json;
const prod = (): Json =>
  JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, "prod.json"), "utf8")) as Json;

/** Deep-set `path` (dotted, with [i]) on a copy of `doc`. */
function withValue(doc: Json, path: string, value: unknown): Json {
  const copy = structuredClone(doc);
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
  let node: Record<string, unknown> = copy;
  keys.slice(0, -1).forEach((k) => {
    node[k] ??= {};
    node = node[k] as Record<string, unknown>;
  });
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** A folder holding the given environment files (documents, or raw text). */
function envDir(files: Record<string, Json | string>): string {
  const dir = tmp("envs-");
  for (const [name, doc] of Object.entries(files))
    writeFileSync(join(dir, name), typeof doc === "string" ? doc : JSON.stringify(doc, null, 2));
  return dir;
}

function errorsOf(doc: Json, file = "dev.json"): string[] {
  return validateEnvironment(file, doc).errors;
}

describe("the shipped environments", () => {
  it.each([
    ["dev.json", dev],
    ["prod.json", prod],
  ])("%s is valid", (file, load) => {
    const r = validateEnvironment(file, load());
    expect(r.errors).toEqual([]);
    expect(r.config).toBeDefined();
  });

  it("dev warns once about the 60 s timeout behind a 30 s HTTP API (the api module's warning), without failing", () => {
    const r = synthesizeApp({ environmentsDir: envDir({ "dev.json": dev() }), outdir: tmp("out-") });
    expect(r.errors).toEqual([]);
    const all = [...r.warnings, ...r.annotations];
    expect(all.filter((w) => w.includes("an HTTP API waits at most 30 s"))).toHaveLength(1);
  });
});

describe("the guide's seven failures are caught at synth", () => {
  it("failure 1: a subnet that takes the whole /24 leaves no room for the /25s", () => {
    const doc = withValue(dev(), "network.publicSubnets", [
      { az: "ap-northeast-1a", cidr: "10.0.0.0/24" },
      { az: "ap-northeast-1c", cidr: "10.0.0.128/25" },
    ]);
    expect(errorsOf(doc)).toEqual(
      expect.arrayContaining([
        'dev.json: network.publicSubnets[1].cidr "10.0.0.128/25" overlaps network.publicSubnets[0].cidr 10.0.0.0/24 (subnets of one VPC must not overlap)',
        'dev.json: network.publicSubnets[0].cidr "10.0.0.0/24" takes the whole VPC range, leaving no room for the other subnets',
      ]),
    );
  });

  it("failure 2: a publicly accessible database outside subnets routed to an internet gateway", () => {
    let doc = withValue(dev(), "network.isolatedSubnets", [
      { az: "ap-northeast-1a", cidr: "10.0.0.0/26" },
      { az: "ap-northeast-1c", cidr: "10.0.0.64/26" },
    ]);
    doc = withValue(doc, "network.publicSubnets", [
      { az: "ap-northeast-1a", cidr: "10.0.0.128/26" },
      { az: "ap-northeast-1c", cidr: "10.0.0.192/26" },
    ]);
    doc = withValue(doc, "database.subnetTier", "isolated");
    expect(errorsOf(doc)).toContain(
      'dev.json: database.publiclyAccessible true requires database.subnetTier "public" (subnets routed to an internet gateway); it is "isolated"',
    );
  });

  it("failure 3: DNS support or DNS hostnames turned off", () => {
    const doc = withValue(
      withValue(dev(), "network.enableDnsSupport", false),
      "network.enableDnsHostnames",
      false,
    );
    expect(errorsOf(doc)).toEqual([
      "dev.json: network.enableDnsSupport false must be true: private DNS for interface endpoints and a reachable database need DNS support",
      "dev.json: network.enableDnsHostnames false must be true: a publicly accessible database and private DNS endpoints need DNS hostnames",
    ]);
  });

  it("failure 4: the function calls Secrets Manager and Bedrock but has no endpoints for them", () => {
    const doc = withValue(dev(), "endpoints.services", []);
    const errors = errorsOf(doc);
    expect(errors).toContain(
      'dev.json: endpoints.services [] must include "secretsmanager": the function calls it and a Lambda in a VPC without NAT reaches AWS services only through interface endpoints',
    );
    expect(errors.some((e) => e.includes('must include "bedrock-runtime"'))).toBe(true);
  });

  it("failure 4: X-Ray tracing needs its endpoint too", () => {
    const doc = withValue(dev(), "compute.tracing", "Active");
    expect(errorsOf(doc).some((e) => e.includes('must include "xray"'))).toBe(true);
  });

  it("failure 5: there is no setting that can close 443 between the function and the endpoints", () => {
    // the endpoint group's only ingress is 443 from the app group, built by the security module;
    // an environment file cannot change it (stack tests prove the rule exists)
    const doc = withValue(dev(), "security.endpointIngressPorts", [80]);
    expect(errorsOf(doc)).toEqual([
      "dev.json: security.endpointIngressPorts is not a known field (see environment.schema.json)",
    ]);
  });

  it("failure 6: IAM permissions cannot be configured away from the secrets", () => {
    // grants are made by the secrets themselves (grantRead); a file cannot name policies
    const doc = withValue(dev(), "compute.managedPolicyArns", [
      "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
    ]);
    expect(errorsOf(doc)).toEqual([
      "dev.json: compute.managedPolicyArns is not a known field (see environment.schema.json)",
    ]);
  });

  it("failure 7: the function cannot be handed an empty or foreign secret name", () => {
    const doc = withValue(
      withValue(dev(), "compute.environment", { DB_SECRET_NAME: "", DATABASE_URL: "" }),
      "x",
      undefined,
    );
    const errors = errorsOf(doc);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^dev\.json: compute\.environment\.DATABASE_URL "" must be a non-empty string/),
        expect.stringContaining(
          'dev.json: compute.environment.DB_SECRET_NAME "" is set by the stack from its own secrets',
        ),
      ]),
    );
  });
});

/**
 * The table of bad inputs. Each row edits a shipped file (dev.json or
 * prod.json) the way a user might, synthesizes the folder, and asserts that
 * synth fails (main.ts exits 1 on it), that no stack directory is written, and
 * that a message names the file and the field and states the rule.
 */
interface Row {
  /** The file edited: the shipped dev.json or prod.json. */
  readonly base: "dev" | "prod";
  /** Edits: [dotted path, value] (undefined deletes the field). */
  readonly set: ReadonlyArray<readonly [string, unknown]>;
  /** The field the message must name (the message starts `<file>: <field>`). */
  readonly field: string;
  /** The rule the message must state. */
  readonly rule: RegExp;
  /** Save the document under another file name. */
  readonly file?: string;
  /** Value of DEVELOPER_CIDRS for this row. */
  readonly developerCidrs?: string;
  /** Raw file text instead of an edited document. */
  readonly text?: string;
}

const row = (
  base: "dev" | "prod",
  field: string,
  rule: RegExp,
  set: Row["set"] = [],
  extra: Partial<Row> = {},
): Row => ({ base, field, rule, set, ...extra });
const devRow = (field: string, value: unknown, rule: RegExp, extra: Partial<Row> = {}) =>
  row("dev", field, rule, [[field, value]], extra);
const prodRow = (field: string, value: unknown, rule: RegExp, extra: Partial<Row> = {}) =>
  row("prod", field, rule, [[field, value]], extra);
const envVar = (name: string, value: string, rule: RegExp, field = "compute.environment") =>
  row("dev", field, rule, [["compute.environment", { [name]: value }]]);
const smallSubnets = [
  [
    "network.publicSubnets",
    [
      { az: "ap-northeast-1a", cidr: "10.0.0.0/28" },
      { az: "ap-northeast-1c", cidr: "10.0.0.16/28" },
    ],
  ],
] as const;
const manyServices = [
  "secretsmanager",
  "bedrock-runtime",
  "logs",
  "monitoring",
  "sts",
  "kms",
  "ssm",
  "sqs",
  "sns",
  "events",
  "lambda",
  "xray",
];

const TABLE: Record<string, Row> = {
  // --- regions and zones: one dated list, not a shape
  "region that does not exist": devRow(
    "region",
    "ap-northeast-9",
    /must be an AWS region code such as ap-northeast-1 that exists/,
  ),
  "region and zones that do not exist": row("dev", "region", /must be an AWS region code/, [
    ["region", "ap-northeast-9"],
    ["network.publicSubnets[0].az", "ap-northeast-9a"],
    ["network.publicSubnets[1].az", "ap-northeast-9c"],
  ]),
  "region name in words": devRow("region", "tokyo", /must be an AWS region code/),
  "region number out of range": devRow("region", "us-east-10", /must be an AWS region code/),
  "region in upper case": devRow("region", "AP-NORTHEAST-1", /must be an AWS region code/),
  "zone letter the region lacks": devRow(
    "network.publicSubnets[1].az",
    "ap-northeast-1z",
    /is not an availability zone of region ap-northeast-1 \(its zones: ap-northeast-1a, ap-northeast-1c, ap-northeast-1d\)/,
  ),
  "zone AWS no longer offers": devRow(
    "network.publicSubnets[1].az",
    "ap-northeast-1b",
    /is not an availability zone of region ap-northeast-1/,
  ),
  "zone of a region that does not exist": devRow(
    "network.publicSubnets[0].az",
    "ap-northeast-9a",
    /is not an availability zone name of a known AWS region/,
  ),
  "zone of another region": devRow(
    "network.publicSubnets[1].az",
    "us-east-1a",
    /is not an availability zone of region ap-northeast-1/,
  ),
  "zone name in words": devRow("network.publicSubnets[0].az", "tokyo", /is not an availability zone name/),
  "same zone twice": devRow(
    "network.publicSubnets[1].az",
    "ap-northeast-1a",
    /is used twice in the public tier/,
  ),
  "state bucket region that does not exist": devRow(
    "backend.region",
    "ap-northeast-9",
    /must be an AWS region code/,
  ),
  // --- developer access
  "developer access as two halves of the internet": devRow(
    "security.developerCidrs",
    ["0.0.0.0/1", "128.0.0.0/1"],
    /"0\.0\.0\.0\/1" is wider than a \/24/,
    { field: "security.developerCidrs[0]" },
  ),
  "developer access to the whole internet": devRow(
    "security.developerCidrs",
    ["0.0.0.0/0"],
    /opens the database port to the whole internet/,
    { field: "security.developerCidrs[0]" },
  ),
  "developer access to a /16": devRow(
    "security.developerCidrs",
    ["198.51.0.0/16"],
    /is wider than a \/24 \(65536 addresses\)/,
    { field: "security.developerCidrs[0]" },
  ),
  "developer access without a prefix": devRow(
    "security.developerCidrs",
    ["198.51.100.7"],
    /is not an IPv4 CIDR block/,
    { field: "security.developerCidrs[0]" },
  ),
  "developer access adding up to a wide range": devRow(
    "security.developerCidrs",
    ["198.51.100.0/24", "203.0.113.0/24"],
    /cover 512 addresses together/,
  ),
  "DEVELOPER_CIDRS wider than one office": row(
    "dev",
    "DEVELOPER_CIDRS (environment variable)",
    /\[0\] "0\.0\.0\.0\/1" is wider than a \/24/,
    [],
    { developerCidrs: "0.0.0.0/1,128.0.0.0/1" },
  ),
  "DEVELOPER_CIDRS not a CIDR": row(
    "dev",
    "DEVELOPER_CIDRS (environment variable)",
    /\[0\] "my-laptop" is not an IPv4 CIDR block/,
    [],
    { developerCidrs: "my-laptop" },
  ),
  // --- function environment
  "plaintext database password": envVar(
    "DB_PASSWORD",
    "hunter2hunter2",
    /name "DB_PASSWORD" looks like a secret: .* put it in Secrets Manager/,
  ),
  "plaintext API key": envVar("OPENAI_API_KEY", "sk-123", /name "OPENAI_API_KEY" looks like a secret/),
  "plaintext JWT secret": envVar("JWT_SECRET", "abc", /name "JWT_SECRET" looks like a secret/),
  "plaintext token": envVar("SLACK_TOKEN", "xoxb", /name "SLACK_TOKEN" looks like a secret/),
  "database URL with a password": envVar(
    "DATABASE_URL",
    "postgres://app:pw@db:5432/x",
    /DATABASE_URL "\(not shown\)" holds a URL with a password/,
    "compute.environment.DATABASE_URL",
  ),
  "TLS checks off": envVar(
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "0",
    /name "NODE_TLS_REJECT_UNAUTHORIZED" must not be set: it turns off TLS certificate checks/,
  ),
  "preloaded library": envVar(
    "LD_PRELOAD",
    "/tmp/x.so",
    /name "LD_PRELOAD" must not be set: it injects a shared library/,
  ),
  "library path": envVar("LD_LIBRARY_PATH", "/tmp", /name "LD_LIBRARY_PATH" must not be set/),
  "SDK endpoint for one service": envVar(
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "https://evil.example",
    /must not be set: it sends every AWS SDK call to another endpoint/,
  ),
  "SDK endpoint for every service": envVar(
    "AWS_ENDPOINT_URL",
    "https://evil.example",
    /name "AWS_ENDPOINT_URL" must not be set/,
  ),
  "runtime wrapper": envVar(
    "AWS_LAMBDA_EXEC_WRAPPER",
    "/opt/wrap",
    /name "AWS_LAMBDA_EXEC_WRAPPER" must not be set: it runs a wrapper script/,
  ),
  "Node.js options": envVar("NODE_OPTIONS", "--require /tmp/x.js", /name "NODE_OPTIONS" must not be set/),
  proxy: envVar(
    "HTTPS_PROXY",
    "http://proxy:3128",
    /name "HTTPS_PROXY" must not be set: it sends outbound requests through a proxy/,
  ),
  "reserved AWS_REGION": envVar(
    "AWS_REGION",
    "ap-northeast-1",
    /name "AWS_REGION" is reserved by AWS Lambda/,
  ),
  "reserved _HANDLER": envVar("_HANDLER", "x", /name "_HANDLER" is reserved by AWS Lambda/),
  "reserved credentials": envVar(
    "AWS_SECRET_ACCESS_KEY",
    "x",
    /name "AWS_SECRET_ACCESS_KEY" is reserved by AWS Lambda/,
  ),
  "empty value": envVar(
    "FEATURE",
    "",
    /compute\.environment\.FEATURE "" must be a non-empty string/,
    "compute.environment.FEATURE",
  ),
  "variable the stack sets": row("dev", "compute.environment.LLM_MODEL_ID", /is set by the stack/, [
    ["compute.environment", { LLM_MODEL_ID: "x" }],
  ]),
  "empty secret name variable": row(
    "dev",
    "compute.environment.DB_SECRET_NAME",
    /is set by the stack from its own secrets/,
    [["compute.environment", { DB_SECRET_NAME: "" }]],
  ),
  "variable name with a digit first": envVar(
    "1FEATURE",
    "x",
    /name "1FEATURE" must be at least 2 characters, start with a letter/,
  ),
  "variables over 4 KB": envVar("BIG", "x".repeat(5000), /exceeds Lambda's 4096-byte limit/),
  // --- names that reach AWS
  "function name of the bootstrap function": devRow(
    "compute.functionName",
    "hr-chatbot-db-bootstrap",
    /gives aws_lambda_function\.\S+ the name "hr-chatbot-db-bootstrap", which aws_lambda_function\.\S+ of the same stack already has/,
  ),
  "function name with a space": devRow(
    "compute.functionName",
    "hr chatbot",
    /must contain only letters, digits, hyphens and underscores \(Lambda function name\)/,
  ),
  "function name too long": devRow(
    "compute.functionName",
    "f".repeat(65),
    /must be 1-64 characters for a Lambda function name/,
  ),
  "secret name with a space": devRow(
    "secrets.databaseSecretName",
    "hr chatbot/db",
    /must contain only letters, digits and \/_\+=\.@- \(Secrets Manager secret name\)/,
  ),
  "secret name with an ARN-like suffix": devRow(
    "secrets.appSecretName",
    "hr-chatbot/app-abcdef",
    /must not end with a hyphen and six characters/,
  ),
  "secret name too long": devRow(
    "secrets.appSecretName",
    "s".repeat(513),
    /must be 1-512 characters for a Secrets Manager secret name/,
  ),
  "two secrets with one name": devRow(
    "secrets.appSecretName",
    "hr-chatbot/database",
    /must differ from secrets\.databaseSecretName/,
  ),
  "project with a double hyphen": devRow(
    "project",
    "hr--chatbot",
    /must be 2-40 lower-case letters, digits or single hyphens, starting with a letter/,
  ),
  "project with an underscore": devRow("project", "hr_chatbot", /must be 2-40 lower-case letters/),
  "project too long": devRow("project", "p".repeat(41), /must be 2-40 lower-case letters/),
  "tag key reserved by AWS": devRow(
    "tags",
    { "aws:owner": "me" },
    /must not start with "aws:" \(reserved for AWS\)/,
    { field: "tags.aws:owner" },
  ),
  "tag key with a bad character": devRow(
    "tags",
    { "cost!center": "x" },
    /must contain only letters, digits, spaces and _\.:\/=\+-@/,
    { field: "tags.cost!center" },
  ),
  "tag key too long": devRow("tags", { ["k".repeat(129)]: "x" }, /must be 1-128 characters/, {
    field: `tags.${"k".repeat(129)}`,
  }),
  "tag value too long": devRow("tags", { Owner: "v".repeat(257) }, /must be at most 256 characters/, {
    field: "tags.Owner",
  }),
  "too many tags": devRow(
    "tags",
    Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, "x"])),
    /must have at most 49 tags/,
  ),
  "environment name differs from the file": devRow("name", "staging", /must match the file name "dev"/),
  "environment name in upper case": devRow("name", "Dev", /must be 1-20 lower-case letters/),
  // --- endpoint services
  "endpoint service with a typo": devRow(
    "endpoints.services",
    ["secretsmanager", "bedrock-runtime", "bedrock-agent-runtme"],
    /"bedrock-agent-runtme" is not an AWS service with interface VPC endpoints \(did you mean "bedrock-agent-runtime"\?\)/,
    { field: "endpoints.services[2]" },
  ),
  "endpoint service misspelled": devRow(
    "endpoints.services",
    ["secretsmanagr", "bedrock-runtime"],
    /did you mean "secretsmanager"/,
    { field: "endpoints.services[0]" },
  ),
  "endpoint full service name": devRow(
    "endpoints.services",
    ["com.amazonaws.ap-northeast-1.secretsmanager", "bedrock-runtime"],
    /is a full service name/,
    { field: "endpoints.services[0]" },
  ),
  "endpoint service in words": devRow(
    "endpoints.services",
    ["Secrets Manager", "bedrock-runtime"],
    /must be a service short name/,
    { field: "endpoints.services[0]" },
  ),
  "no endpoint for Secrets Manager": devRow(
    "endpoints.services",
    ["bedrock-runtime"],
    /must include "secretsmanager"/,
  ),
  "endpoint listed twice": devRow(
    "endpoints.services",
    ["secretsmanager", "bedrock-runtime", "secretsmanager"],
    /lists secretsmanager twice/,
  ),
  "tracing without an X-Ray endpoint": devRow("compute.tracing", "Active", /must include "xray"/, {
    field: "endpoints.services",
  }),
  // --- runtimes
  "runtime the pinned provider rejects": devRow(
    "compute.code",
    { type: "asset", path: ".", runtime: "nodejs24.x" },
    /is not accepted by the pinned aws provider 5\.100\.0/,
    { field: "compute.code.runtime" },
  ),
  "runtime Lambda no longer creates": devRow(
    "compute.code",
    { type: "asset", path: ".", runtime: "nodejs20.x" },
    /Lambda no longer creates functions on it since 2026-06-01/,
    { field: "compute.code.runtime" },
  ),
  "runtime long gone": devRow(
    "compute.code",
    { type: "s3", bucket: "my-artifacts", key: "app.zip", runtime: "python3.9" },
    /is not a Lambda runtime the aws provider 5\.100\.0 accepts/,
    { field: "compute.code.runtime" },
  ),
  "runtime misspelled": devRow(
    "compute.code",
    { type: "asset", path: ".", runtime: "node22" },
    /is not a Lambda runtime/,
    { field: "compute.code.runtime" },
  ),
  "unknown code type": devRow("compute.code", { type: "zip", path: "." }, /"zip" has an unknown type/, {
    field: "compute.code.type",
  }),
  "image URI not in ECR": devRow(
    "compute.code",
    { type: "image", imageUri: "nginx:latest" },
    /must be an ECR image URI/,
    { field: "compute.code.imageUri" },
  ),
  // --- limits the provider schema does not hold
  "reserved concurrency above the account's unreserved minimum": devRow(
    "compute.reservedConcurrency",
    950,
    /must be at most 900: Lambda keeps 100 of the account's 1000 concurrent executions unreserved/,
  ),
  "reserved concurrency equal to the quota": row(
    "dev",
    "compute.reservedConcurrency",
    /must be at most 1900/,
    [
      ["compute.accountConcurrency", 2000],
      ["compute.reservedConcurrency", 1950],
    ],
  ),
  "provisioned concurrency above the account": devRow(
    "compute.provisionedConcurrency",
    5000,
    /must be at most 900/,
  ),
  "provisioned above reserved": row(
    "dev",
    "compute.provisionedConcurrency",
    /must not exceed compute\.reservedConcurrency 10/,
    [
      ["compute.reservedConcurrency", 10],
      ["compute.provisionedConcurrency", 20],
    ],
  ),
  "account quota below the default": devRow("compute.accountConcurrency", 500, /must be at least 1000/),
  // prod: the backend's 897 plus 2 for each of db-bootstrap and the rotation function is 901
  "support functions' reservations counted once per function": row(
    "prod",
    "compute.supportFunctionReservedConcurrency",
    /with compute\.reservedConcurrency reserves 901 concurrent executions, which must be at most 900/,
    [
      ["compute.reservedConcurrency", 897],
      ["compute.supportFunctionReservedConcurrency", 2],
    ],
  ),
  "256 ACU on an engine that stops at 128": row(
    "dev",
    "database.maxCapacity",
    /must be at most 128 ACU on engine version 15\.4/,
    [
      ["database.engineVersion", "15.4"],
      ["database.maxCapacity", 200],
    ],
  ),
  "0 ACU on an engine without auto-pause": row(
    "dev",
    "database.minCapacity",
    /needs auto-pause support .* engineVersion is 16\.2/,
    [
      ["database.engineVersion", "16.2"],
      ["database.minCapacity", 0],
    ],
  ),
  "engine without Serverless v2": devRow(
    "database.engineVersion",
    "12.9",
    /is not an aurora-postgresql version RDS offers for Serverless v2 .*nearest offered: 13\.23, 14\.20/,
  ),
  "engine version RDS does not offer": devRow(
    "database.engineVersion",
    "17.9",
    /"17\.9" is not an aurora-postgresql version RDS offers .*engine-versions\.ts\); nearest offered: 17\.6, 17\.7/,
  ),
  "engine version without a minor": devRow(
    "database.engineVersion",
    "17",
    /must be an Aurora PostgreSQL version major\.minor/,
  ),
  "ACU above 256": devRow("database.maxCapacity", 300, /must be at most 256 ACU/),
  "ACU step": devRow("database.maxCapacity", 2.3, /must be a multiple of 0\.5 ACU/),
  "negative ACU": devRow("database.minCapacity", -1, /must be at least 0 ACU/),
  "minimum above maximum ACU": devRow("database.minCapacity", 4, /must not exceed database\.maxCapacity 2/),
  "maximum below 1 ACU": devRow("database.maxCapacity", 0.5, /must be at least 1 ACU/),
  "auto-pause without minimum 0": devRow(
    "database.secondsUntilAutoPause",
    600,
    /is only allowed with database\.minCapacity 0/,
  ),
  "auto-pause too short": devRow("database.secondsUntilAutoPause", 60, /must be at least 300/),
  "subnets too small for their network interfaces": row(
    "dev",
    "network.publicSubnets[0].cidr",
    /has 11 usable addresses but may need 14/,
    [...smallSubnets, ["endpoints.services", manyServices]],
  ),
  "subnet smaller than /28": row("dev", "network.publicSubnets[0].cidr", /is smaller than \/28/, [
    ["network.publicSubnets[0].cidr", "10.0.0.0/29"],
  ]),
  "memory too small": devRow("compute.memoryMb", 64, /must be at least 128/),
  "memory too large": devRow("compute.memoryMb", 20000, /must be at most 10240/),
  "timeout zero": devRow("compute.timeoutSeconds", 0, /must be at least 1/),
  "timeout beyond 15 minutes": devRow("compute.timeoutSeconds", 901, /must be at most 900/),
  "too many instances": devRow("database.instanceCount", 16, /must be at most 15/),
  "no backups": devRow("database.backupRetentionDays", 0, /must be at least 1/),
  "log retention CloudWatch does not offer": devRow(
    "compute.logRetentionDays",
    10,
    /must be a CloudWatch Logs retention period/,
  ),
  "flow log retention CloudWatch does not offer": devRow(
    "observability.flowLogRetentionDays",
    10,
    /must be a CloudWatch Logs retention period/,
  ),
  "secret recovery window": devRow(
    "secrets.recoveryWindowDays",
    3,
    /must be 0 \(delete at once\) or 7-30 days/,
  ),
  "rotation interval of 0 days": devRow(
    "secretRotation.automaticallyAfterDays",
    0,
    /must be a whole number of days from 1 to 1000/,
  ),
  "rotation interval beyond Secrets Manager's limit": devRow(
    "secretRotation.automaticallyAfterDays",
    1001,
    /must be a whole number of days from 1 to 1000/,
  ),
  "CORS origin with a path": devRow(
    "api.corsAllowOrigins",
    ["https://app.example.com/login"],
    /must be "\*" or an origin such as https:\/\/app\.example\.com/,
    { field: "api.corsAllowOrigins[0]" },
  ),
  // --- network (the guide's failures as a user would write them)
  "VPC CIDR syntax": devRow("network.vpcCidr", "10.0.0/24", /is not an IPv4 CIDR block/),
  "VPC CIDR host bits": devRow(
    "network.vpcCidr",
    "10.0.0.1/24",
    /has host bits set \(the network address is 10\.0\.0\.0\/24\)/,
  ),
  "subnet outside the VPC": devRow(
    "network.publicSubnets[1].cidr",
    "10.0.1.0/25",
    /is outside network\.vpcCidr 10\.0\.0\.0\/24/,
  ),
  "overlapping subnets": devRow(
    "network.publicSubnets[1].cidr",
    "10.0.0.0/26",
    /overlaps network\.publicSubnets\[0\]\.cidr/,
  ),
  "subnet taking the whole VPC": row("dev", "network.publicSubnets[0].cidr", /takes the whole VPC range/, [
    ["network.publicSubnets[0].cidr", "10.0.0.0/24"],
  ]),
  "DNS support off": devRow(
    "network.enableDnsSupport",
    false,
    /must be true: private DNS for interface endpoints/,
  ),
  "DNS hostnames off": devRow(
    "network.enableDnsHostnames",
    false,
    /must be true: a publicly accessible database/,
  ),
  "database tier without subnets": devRow(
    "database.subnetTier",
    "isolated",
    /names the isolated tier, but network\.isolatedSubnets is empty/,
  ),
  "database in one zone": row("dev", "database.subnetTier", /must span at least two availability zones/, [
    ["network.publicSubnets", [{ az: "ap-northeast-1a", cidr: "10.0.0.0/25" }]],
  ]),
  "no subnets at all": row("dev", "network", /needs at least one public or isolated subnet/, [
    ["network.publicSubnets", []],
  ]),
  // --- production: decided by more than the file's own flag, minimums it cannot lower or waive
  "prod file that says it is not production": prodRow(
    "production",
    false,
    /must be true: environment "prod" is production by its name/,
  ),
  "production-named file that says it is not production": row(
    "prod",
    "production",
    /must be true: environment "prod-eu" is production by its name/,
    [
      ["name", "prod-eu"],
      ["production", false],
    ],
    { file: "prod-eu.json" },
  ),
  "public database in production": row(
    "prod",
    "database.publiclyAccessible",
    /must be false in a production environment/,
    [["database.publiclyAccessible", true]],
  ),
  "developer access in production": prodRow(
    "security.developerCidrs",
    ["198.51.100.7/32"],
    /must be empty in a production environment/,
  ),
  "no deletion protection in production": prodRow(
    "database.deletionProtection",
    false,
    /must be true in a production environment/,
  ),
  "short backups in production": prodRow(
    "database.backupRetentionDays",
    3,
    /must be at least 7 days in a production environment/,
  ),
  "no final snapshot in production": prodRow(
    "database.skipFinalSnapshot",
    true,
    /must be false in a production environment/,
  ),
  "secrets deleted at once in production": prodRow(
    "secrets.recoveryWindowDays",
    0,
    /must be 7-30 days in a production environment/,
  ),
  "no secret rotation in production": prodRow(
    "secretRotation.enabled",
    false,
    /must be true in a production environment \(the database password is rotated on a schedule\)/,
  ),
  "secret rotated less often than every 90 days in production": prodRow(
    "secretRotation.automaticallyAfterDays",
    180,
    /must be at most 90 days in a production environment/,
  ),
  "one database instance in production": prodRow(
    "database.instanceCount",
    1,
    /must be at least 2 in a production environment/,
  ),
  "no Performance Insights in production": prodRow(
    "database.performanceInsights",
    false,
    /must be true in a production environment/,
  ),
  "AWS managed keys in production": prodRow(
    "secrets.customerManagedKey",
    false,
    /must be true in a production environment/,
  ),
  "no reserved concurrency for the backend in production": prodRow(
    "compute.reservedConcurrency",
    undefined,
    /must be set to at least 1 in a production environment/,
  ),
  "no reserved concurrency for the project's own functions in production": prodRow(
    "compute.supportFunctionReservedConcurrency",
    undefined,
    /must be set in a production environment \(every function has reserved concurrency\)/,
  ),
  "no flow logs in production": prodRow(
    "network.flowLogs",
    false,
    /must be true in a production environment/,
  ),
  "nobody told of alarms in production": prodRow(
    "observability.alarmEmail",
    undefined,
    /must be set in a production environment/,
  ),
  "local state in production": prodRow(
    "backend",
    { type: "local" },
    /must be "s3" or "cloud" in a production environment/,
    { field: "backend.type" },
  ),
  "CORS for every origin in production": prodRow(
    "api.corsAllowOrigins",
    ["*"],
    /must list https origins, not "\*" or http:\/\/ in a production environment/,
  ),
  "CORS over plain http in production": prodRow(
    "api.corsAllowOrigins",
    ["http://app.example.com"],
    /must list https origins/,
  ),
  "production function in one zone": row(
    "prod",
    "compute.subnetTier",
    /must span at least two availability zones in a production environment/,
    [
      [
        "network.isolatedSubnets",
        [
          { az: "ap-northeast-1a", cidr: "10.1.0.0/26" },
          { az: "ap-northeast-1c", cidr: "10.1.0.64/26" },
        ],
      ],
      ["network.publicSubnets", [{ az: "ap-northeast-1a", cidr: "10.1.0.128/26" }]],
      ["compute.subnetTier", "public"],
    ],
  ),
  "production waiving a critical rule": prodRow(
    "policy.exceptions",
    [{ rule: "HRC-NET-001", reason: "we need port 22 open for now" }],
    /is a critical rule; a production environment cannot accept an exception for it/,
    { field: "policy.exceptions[0].rule" },
  ),
  "production failing only on critical": prodRow(
    "policy.failOn",
    "critical",
    /must be "high", "medium" or "low" in a production environment/,
  ),
  "production skipping the public database check": prodRow(
    "policy.checkovSkips",
    [{ id: "CKV_AWS_17", reason: "public for a demo this week" }],
    /checks a production minimum \(database instances are not publicly accessible\)/,
    { field: "policy.checkovSkips[0].id" },
  ),
  "production skipping the flow log check": prodRow(
    "policy.checkovSkips",
    [{ id: "CKV2_AWS_11", reason: "flow logs cost too much money" }],
    /cannot skip it/,
    { field: "policy.checkovSkips[0].id" },
  ),
  // --- messages as a user meets them
  "JSON syntax error": row("dev", "", /dev\.json:4:1: is not valid JSON/, [], {
    text: '{\n  "name": "dev",\n  "region": "ap-northeast-1",\n}\n',
  }),
  "misspelled top-level key": devRow(
    "databse",
    {},
    /databse is not a known field \(did you mean "database"\?\)/,
    { field: "databse" },
  ),
  "misspelled nested key": devRow(
    "database.maxCapacty",
    4,
    /database\.maxCapacty is not a known field \(did you mean "maxCapacity"\?\)/,
    { field: "database.maxCapacty" },
  ),
  "misspelled key inside code": devRow(
    "compute.code",
    { type: "asset", path: ".", runtim: "nodejs22.x" },
    /compute\.code\.runtim is not a known field \(did you mean "runtime"\?\)/,
    { field: "compute.code.runtim" },
  ),
  "backend setting that does not exist, with the reason": devRow(
    "backend.dynamodbTable",
    "locks",
    /is not a setting of the s3 backend: locking always uses the S3 lock file/,
  ),
  "misspelled backend setting": devRow(
    "backend.bukcet",
    "x",
    /is not a setting of the s3 backend \(did you mean "bucket"\?\)/,
  ),
  "unknown key with no near match": devRow(
    "security.endpointIngressPorts",
    [80],
    /is not a known field \(see environment\.schema\.json\)/,
  ),
  "number written as a string": devRow(
    "database.instanceCount",
    "2",
    /"2" must be a number \(it is a string\)/,
  ),
  "boolean written as a string": devRow(
    "database.deletionProtection",
    "false",
    /must be true or false \(it is a string\)/,
  ),
  "missing section": devRow("network", undefined, /\(missing\) is required \(an object/),
  "missing region": devRow("region", undefined, /\(missing\) is required: it must be an AWS region code/),
  "value outside a choice": devRow("compute.tracing", "On", /must be one of "Active", "PassThrough"/),
};

/** A folder holding the row's one edited file. */
function rowFolder(r: Row): { file: string; dir: string } {
  const file = r.file ?? `${r.base}.json`;
  let doc = r.base === "dev" ? dev() : prod();
  for (const [path, value] of r.set) doc = withValue(doc, path, value);
  return { file, dir: envDir({ [file]: r.text ?? doc }) };
}

describe("bad inputs: synth refuses each kind, naming the file and the field", () => {
  const rows = Object.entries(TABLE);

  it("has at least 100 rows", () => expect(rows.length).toBeGreaterThanOrEqual(100));

  it.each(rows)("%s", (_label, r) => {
    const { file, dir } = rowFolder(r);
    const out = tmp("out-");
    const result = synthesizeApp({
      environmentsDir: dir,
      outdir: out,
      developerCidrs: r.developerCidrs ?? "",
    });
    expect(result.ok).toBe(false); // main.ts exits 1
    expect(existsSync(join(out, "stacks"))).toBe(false);
    const where = r.developerCidrs
      ? `${r.field}: `
      : r.text
        ? join(dir, file)
        : `${join(dir, file)}: ${r.field} `;
    const hit = result.errors.find((e) => e.startsWith(where) && r.rule.test(e));
    if (!hit)
      throw new Error(`no message starting "${where}" matching ${r.rule}; got:\n${result.errors.join("\n")}`);
  });
});

describe("the real CLI on bad inputs", () => {
  const ROOT = resolve(__dirname, "..", "..");
  const cli = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), join(ROOT, "main.ts")],
      {
        env: { ...process.env, ...env },
        encoding: "utf8",
      },
    );

  it.each([
    "region and zones that do not exist",
    "plaintext database password",
    "production waiving a critical rule",
    "JSON syntax error",
  ])("%s: exit 1, the message on stderr, no stack written", (label) => {
    const r = TABLE[label];
    const { file, dir } = rowFolder(r);
    const out = tmp("out-");
    const p = cli({ ENVIRONMENTS_DIR: dir, CDKTF_OUTDIR: out, DEVELOPER_CIDRS: "" });
    expect(p.status).toBe(1);
    expect(p.stderr).toMatch(r.rule);
    expect(p.stderr).toContain(join(dir, file));
    expect(existsSync(join(out, "stacks"))).toBe(false);
  });

  /** Run the CLI on the shipped dev.json with DEVELOPER_CIDRS set to `cidrs`. */
  const cliOnDev = (cidrs: string) => {
    const out = tmp("out-");
    return {
      out,
      p: cli({ ENVIRONMENTS_DIR: envDir({ "dev.json": dev() }), CDKTF_OUTDIR: out, DEVELOPER_CIDRS: cidrs }),
    };
  };

  it("DEVELOPER_CIDRS problems are blamed on the variable, not on a file", () => {
    const { out, p } = cliOnDev("0.0.0.0/1");
    expect(p.status).toBe(1);
    expect(p.stderr).toContain(
      'error: DEVELOPER_CIDRS (environment variable): [0] "0.0.0.0/1" is wider than a /24',
    );
    expect(p.stderr).not.toMatch(/dev\.json: security/);
    expect(existsSync(join(out, "stacks"))).toBe(false);
  });

  it("warnings go to stdout once; stderr stays empty on success", () => {
    const { p } = cliOnDev("");
    expect(p.status).toBe(0);
    expect(p.stderr).toBe("");
    expect(p.stdout.match(/an HTTP API waits at most 30 s/g)).toHaveLength(1);
  });
});

describe("valid inputs synth used to refuse or mishandle", () => {
  it("a customer managed key with Performance Insights off", () => {
    const doc = withValue(dev(), "secrets.customerManagedKey", true);
    const r = synthesizeApp({
      environmentsDir: envDir({ "dev.json": doc }),
      outdir: tmp("out-"),
      developerCidrs: "",
    });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("TZ, which Lambda does not reserve", () => {
    const doc = withValue(dev(), "compute.environment", { TZ: "Asia/Tokyo" });
    expect(errorsOf(doc)).toEqual([]);
  });

  it("a variable that names a secret rather than holding it", () => {
    const doc = withValue(dev(), "compute.environment", {
      SIGNING_KEY_SECRET_ARN: "arn:aws:secretsmanager:x",
    });
    expect(errorsOf(doc)).toEqual([]);
  });
});
