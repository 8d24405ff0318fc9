/**
 * Environment validation: the guide's seven failures reproduced as bad
 * environment files, a table of bad inputs with the message each must give,
 * and the guarantee that a rejected environment leaves no Terraform output.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
    node = node[k] as Record<string, unknown>;
  });
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
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

  it("dev warns about the 60 s timeout behind a 30 s HTTP API, without failing", () => {
    const r = validateEnvironment("dev.json", dev());
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining("dev.json: compute.timeoutSeconds 60 is longer than the HTTP API's 30 s"),
      ]),
    );
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
      "dev.json: security.endpointIngressPorts is not a known field (check the spelling; see environment.schema.json)",
    ]);
  });

  it("failure 6: IAM permissions cannot be configured away from the secrets", () => {
    // grants are made by the secrets themselves (grantRead); a file cannot name policies
    const doc = withValue(dev(), "compute.managedPolicyArns", [
      "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
    ]);
    expect(errorsOf(doc)).toEqual([
      "dev.json: compute.managedPolicyArns is not a known field (check the spelling; see environment.schema.json)",
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

describe("bad inputs: one clear message per mistake", () => {
  const cases: Array<[string, string, unknown, RegExp]> = [
    [
      "vpc CIDR syntax",
      "network.vpcCidr",
      "10.0.0/24",
      /network\.vpcCidr "10\.0\.0\/24" is not an IPv4 CIDR block/,
    ],
    [
      "vpc CIDR host bits",
      "network.vpcCidr",
      "10.0.0.1/24",
      /has host bits set \(the network address is 10\.0\.0\.0\/24\)/,
    ],
    [
      "subnet CIDR syntax",
      "network.publicSubnets[0].cidr",
      "10.0.0.0/33",
      /publicSubnets\[0\]\.cidr "10\.0\.0\.0\/33" is not an IPv4/,
    ],
    [
      "subnet outside VPC",
      "network.publicSubnets[1].cidr",
      "10.0.1.0/25",
      /publicSubnets\[1\]\.cidr "10\.0\.1\.0\/25" is outside network\.vpcCidr 10\.0\.0\.0\/24/,
    ],
    [
      "overlapping subnets",
      "network.publicSubnets[1].cidr",
      "10.0.0.0/26",
      /publicSubnets\[1\]\.cidr "10\.0\.0\.0\/26" overlaps network\.publicSubnets\[0\]\.cidr/,
    ],
    [
      "AZ of another region",
      "network.publicSubnets[1].az",
      "us-east-1a",
      /publicSubnets\[1\]\.az "us-east-1a" is not an availability zone of region ap-northeast-1/,
    ],
    [
      "AZ syntax",
      "network.publicSubnets[0].az",
      "tokyo",
      /publicSubnets\[0\]\.az "tokyo" is not an availability zone name/,
    ],
    [
      "same AZ twice",
      "network.publicSubnets[1].az",
      "ap-northeast-1a",
      /publicSubnets\[1\]\.az "ap-northeast-1a" is used twice in the public tier/,
    ],
    ["region syntax", "region", "tokyo", /region "tokyo" is not an AWS region name/],
    [
      "min above max ACU",
      "database.minCapacity",
      4,
      /database\.minCapacity 4 must not exceed database\.maxCapacity 2/,
    ],
    ["ACU step", "database.maxCapacity", 2.3, /database\.maxCapacity 2\.3 must be a multiple of 0\.5 ACU/],
    ["ACU above 256", "database.maxCapacity", 300, /database\.maxCapacity 300 must be at most 256 ACU/],
    ["negative ACU", "database.minCapacity", -1, /database\.minCapacity -1 must be at least 0 ACU/],
    ["max below 1 ACU", "database.maxCapacity", 0.5, /database\.maxCapacity 0\.5 must be at least 1 ACU/],
    [
      "auto-pause without min 0",
      "database.secondsUntilAutoPause",
      600,
      /secondsUntilAutoPause 600 is only allowed with database\.minCapacity 0/,
    ],
    [
      "auto-pause too short",
      "database.secondsUntilAutoPause",
      60,
      /secondsUntilAutoPause 60 must be at least 300/,
    ],
    [
      "auto-pause too long",
      "database.secondsUntilAutoPause",
      100000,
      /secondsUntilAutoPause 100000 must be at most 86400/,
    ],
    ["memory too small", "compute.memoryMb", 64, /compute\.memoryMb 64 must be at least 128/],
    ["memory too large", "compute.memoryMb", 20000, /compute\.memoryMb 20000 must be at most 10240/],
    ["timeout zero", "compute.timeoutSeconds", 0, /compute\.timeoutSeconds 0 must be at least 1/],
    ["timeout too long", "compute.timeoutSeconds", 901, /compute\.timeoutSeconds 901 must be at most 900/],
    [
      "reserved AWS_REGION",
      "compute.environment",
      { AWS_REGION: "ap-northeast-1" },
      /compute\.environment name "AWS_REGION" is reserved by AWS Lambda/,
    ],
    [
      "reserved _HANDLER",
      "compute.environment",
      { _HANDLER: "x" },
      /compute\.environment name "_HANDLER" is reserved by AWS Lambda/,
    ],
    [
      "empty env value",
      "compute.environment",
      { FEATURE: "" },
      /compute\.environment\.FEATURE "" must be a non-empty string/,
    ],
    [
      "stack-owned env var",
      "compute.environment",
      { LLM_MODEL_ID: "x" },
      /compute\.environment\.LLM_MODEL_ID "x" is set by the stack/,
    ],
    ["Aurora identifier", "project", "hr_chatbot", /project "hr_chatbot" must be 2-40 lower-case letters/],
    [
      "secret name charset",
      "secrets.databaseSecretName",
      "hr chatbot/db",
      /secrets\.databaseSecretName "hr chatbot\/db" must be 1-512 characters/,
    ],
    [
      "secret name suffix",
      "secrets.appSecretName",
      "hr-chatbot/app-abcdef",
      /appSecretName "hr-chatbot\/app-abcdef" must not end with a hyphen and six characters/,
    ],
    [
      "same secret twice",
      "secrets.appSecretName",
      "hr-chatbot/database",
      /secrets\.appSecretName "hr-chatbot\/database" must differ/,
    ],
    [
      "recovery window",
      "secrets.recoveryWindowDays",
      3,
      /secrets\.recoveryWindowDays 3 must be 0 \(delete at once\) or 7-30 days/,
    ],
    [
      "world-open database",
      "security.developerCidrs",
      ["0.0.0.0/0"],
      /security\.developerCidrs\[0\] "0\.0\.0\.0\/0" opens the database port to the whole internet/,
    ],
    [
      "developer CIDR syntax",
      "security.developerCidrs",
      ["1.2.3.4"],
      /security\.developerCidrs\[0\] "1\.2\.3\.4" is not an IPv4 CIDR block/,
    ],
    [
      "database tier without subnets",
      "database.subnetTier",
      "isolated",
      /database\.subnetTier "isolated" names the isolated tier, but network\.isolatedSubnets is empty/,
    ],
    [
      "DB subnet group in one AZ",
      "network.publicSubnets",
      [{ az: "ap-northeast-1a", cidr: "10.0.0.0/25" }],
      /database\.subnetTier "public" must span at least two availability zones/,
    ],
    ["unknown field", "database.multiAz", true, /database\.multiAz is not a known field/],
    [
      "wrong type",
      "database.instanceCount",
      "2",
      /database\.instanceCount "2" Invalid input: expected number/,
    ],
    ["too many instances", "database.instanceCount", 16, /database\.instanceCount 16 must be at most 15/],
    [
      "backup retention",
      "database.backupRetentionDays",
      0,
      /database\.backupRetentionDays 0 must be at least 1/,
    ],
    [
      "log retention",
      "compute.logRetentionDays",
      10,
      /compute\.logRetentionDays 10 must be a CloudWatch Logs retention period/,
    ],
    [
      "image URI",
      "compute.code",
      { type: "image", imageUri: "nginx:latest" },
      /compute\.code\.imageUri "nginx:latest" must be an ECR image URI/,
    ],
    [
      "provisioned above reserved",
      "compute.provisionedConcurrency",
      20,
      /compute\.provisionedConcurrency 20 must not exceed compute\.reservedConcurrency 10/,
    ],
    ["name differs from file", "name", "staging", /name "staging" must match the file name "dev"/],
    ["missing network", "network", undefined, /network \(missing\) Invalid input: expected object/],
    [
      "endpoint listed twice",
      "endpoints.services",
      ["secretsmanager", "bedrock-runtime", "secretsmanager"],
      /endpoints\.services .* lists secretsmanager twice/,
    ],
    [
      "function name",
      "compute.functionName",
      "hr chatbot",
      /compute\.functionName "hr chatbot" must be 1-64 letters/,
    ],
    [
      "database name keyword",
      "database.databaseName",
      "select",
      /database\.databaseName "select" is a reserved PostgreSQL keyword/,
    ],
    [
      "master user reserved",
      "database.masterUsername",
      "rdsadmin",
      /database\.masterUsername "rdsadmin" is reserved by RDS or PostgreSQL/,
    ],
  ];

  it("has at least 30 cases", () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases)("%s", (_label, path, value, message) => {
    let doc = withValue(dev(), path, value);
    if (path === "compute.provisionedConcurrency") doc = withValue(doc, "compute.reservedConcurrency", 10);
    const errors = errorsOf(doc);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join("\n")).toMatch(message);
    for (const e of errors) expect(e.startsWith("dev.json: ")).toBe(true);
  });

  it("reports every mistake at once, not only the first", () => {
    let doc = withValue(dev(), "network.vpcCidr", "10.0.0.0/33");
    doc = withValue(doc, "compute.memoryMb", 64);
    doc = withValue(doc, "database.maxCapacity", 2.3);
    doc = withValue(doc, "region", "tokyo");
    const errors = errorsOf(doc);
    expect(errors).toHaveLength(4);
  });
});

describe("production guardrails", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [
      "database.publiclyAccessible",
      true,
      /database\.publiclyAccessible true must be false in a production environment/,
    ],
    [
      "security.developerCidrs",
      ["198.51.100.7/32"],
      /security\.developerCidrs \["198\.51\.100\.7\/32"\] must be empty in a production environment/,
    ],
    [
      "database.deletionProtection",
      false,
      /database\.deletionProtection false must be true in a production environment/,
    ],
    [
      "database.backupRetentionDays",
      3,
      /database\.backupRetentionDays 3 must be at least 7 days in a production environment/,
    ],
    [
      "database.skipFinalSnapshot",
      true,
      /database\.skipFinalSnapshot true must be false in a production environment/,
    ],
    [
      "secrets.recoveryWindowDays",
      0,
      /secrets\.recoveryWindowDays 0 must be 7-30 days in a production environment/,
    ],
  ];
  it.each(cases)("%s = %j is rejected", (path, value, message) => {
    const errors = errorsOf(withValue(prod(), path, value), "prod.json");
    expect(errors.join("\n")).toMatch(message);
  });

  it("the same settings are allowed outside production", () => {
    const doc = withValue(dev(), "database.backupRetentionDays", 1);
    expect(errorsOf(doc)).toEqual([]);
  });
});
