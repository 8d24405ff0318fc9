/**
 * Environments side by side: which account each stack may touch, physical
 * names of their own per environment (and a refused synth when two files
 * would create one name in one account and region), each environment's own
 * state key in the state bucket's access policy, and a destroy that can be
 * followed by a deploy (and another destroy).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeApp, type SynthResult } from "./app";
import { DEFAULT_ENVIRONMENTS_DIR, validateEnvironment } from "./config/load";
import { accountScopedNames } from "./config/physical-names";

type Json = Record<string, unknown>;
const shipped = (file: string): Json =>
  JSON.parse(readFileSync(join(DEFAULT_ENVIRONMENTS_DIR, file), "utf8")) as Json;

/** dev.json copied as `staging.json`, with a new name and its own CIDRs (nothing else changed). */
function stagingFromDev(): Json {
  const doc = shipped("dev.json");
  const network = doc.network as Json;
  return {
    ...doc,
    name: "staging",
    tags: { ...(doc.tags as Json), Environment: "staging" },
    network: {
      ...network,
      vpcCidr: "10.2.0.0/24",
      publicSubnets: [
        { az: "ap-northeast-1a", cidr: "10.2.0.0/25" },
        { az: "ap-northeast-1c", cidr: "10.2.0.128/25" },
      ],
    },
  };
}

function synthOf(
  files: Record<string, Json>,
  githubDeliveryFile?: string,
): SynthResult & { stack: (name: string) => Json } {
  const dir = mkdtempSync(join(tmpdir(), "envs-"));
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(doc));
  const outdir = mkdtempSync(join(tmpdir(), "out-"));
  const r = synthesizeApp({
    environmentsDir: dir,
    outdir,
    githubDeliveryFile: githubDeliveryFile ?? join(dir, "none.json"),
  });
  return {
    ...r,
    stack: (name) => JSON.parse(readFileSync(join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as Json,
  };
}

/** Account-scoped literal names of a synthesized stack, as `<type>.<attribute> <name>`. */
const namesOf = (stack: Json): string[] => accountScopedNames(stack).map((n) => `${n.key} ${n.name}`);

describe("environments side by side", () => {
  const r = synthOf({
    "dev.json": shipped("dev.json"),
    "prod.json": shipped("prod.json"),
    "staging.json": stagingFromDev(),
  });

  it("a staging.json copied from dev.json with a new name and CIDRs gets physical names of its own", () => {
    expect(r.errors).toEqual([]);
    const dev = namesOf(r.stack("dev"));
    const staging = namesOf(r.stack("staging"));
    expect(staging.length).toBeGreaterThan(20);
    expect(staging.filter((n) => dev.includes(n))).toEqual([]);
    // the shipped dev keeps the deployment guide's names; staging gets <project>-<env>
    expect(dev).toEqual(
      expect.arrayContaining([
        "aws_rds_cluster.cluster_identifier hr-chatbot-cluster",
        "aws_secretsmanager_secret.name hr-chatbot/database",
        "aws_secretsmanager_secret.name hr-chatbot/app-secrets",
        "aws_lambda_function.function_name hr-chatbot-backend",
      ]),
    );
    expect(staging).toEqual(
      expect.arrayContaining([
        "aws_rds_cluster.cluster_identifier hr-chatbot-staging-cluster",
        "aws_secretsmanager_secret.name hr-chatbot-staging/database",
        "aws_lambda_function.function_name hr-chatbot-staging-backend",
      ]),
    );
  });

  it("the shipped dev and prod share no physical name (one account, one region)", () => {
    const dev = namesOf(r.stack("dev"));
    expect(namesOf(r.stack("prod")).filter((n) => dev.includes(n))).toEqual([]);
  });

  it("every stack says which AWS accounts it may touch (provider allowed_account_ids)", () => {
    for (const name of ["dev", "prod", "staging", "state-bootstrap"]) {
      const aws = (r.stack(name).provider as { aws: Json[] }).aws[0];
      expect([name, aws.allowed_account_ids]).toEqual([name, ["123456789012"]]);
    }
  });

  it("refuses two files that would create one name in one account and region, naming both and the names", () => {
    const copy = { ...stagingFromDev(), namePrefix: "hr-chatbot" };
    const bad = synthOf({ "dev.json": shipped("dev.json"), "staging.json": copy });
    expect(bad.ok).toBe(false);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatch(
      /staging\.json: namePrefix "hr-chatbot" gives names that .*dev\.json also gives in account 123456789012, region ap-northeast-1: /,
    );
    expect(bad.errors[0]).toContain('aws_rds_cluster "hr-chatbot-cluster"');
    expect(bad.errors[0]).toContain('aws_secretsmanager_secret "hr-chatbot/database"');
    expect(bad.errors[0]).toContain('aws_lambda_function "hr-chatbot-backend"');
  });

  it("the same names in accounts the other file does not allow are no collision", () => {
    const other = { ...stagingFromDev(), namePrefix: "hr-chatbot", allowedAccountIds: ["210987654321"] };
    expect(synthOf({ "dev.json": shipped("dev.json"), "staging.json": other }).errors).toEqual([]);
  });
});

describe("the GitHub deploy roles' account", () => {
  it("an environment that may not deploy to the delivery file's account is refused", () => {
    const other = { ...stagingFromDev(), allowedAccountIds: ["210987654321"] };
    const r = synthOf({ "staging.json": other }, join(__dirname, "github.json"));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(
      /staging\.json: allowedAccountIds \["210987654321"\] does not include "123456789012", the account of the GitHub deploy roles/,
    );
  });
});

describe("state per environment", () => {
  interface Statement {
    Sid?: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string[]>>;
  }
  const statementsOf = (stack: Json): Statement[] => {
    const policies = (stack.resource as Record<string, Record<string, Json>>).aws_iam_policy;
    const deploy = Object.values(policies).find((p) => String(p.name).endsWith("-terraform-state-access"))!;
    return (JSON.parse(deploy.policy as string) as { Statement: Statement[] }).Statement;
  };

  it("two project names in one folder: the state access policy grants each environment its own key prefix", () => {
    const other = {
      ...stagingFromDev(),
      name: "qa",
      project: "people-search",
      tags: { Project: "people-search", Environment: "qa" },
    };
    const r = synthOf({ "dev.json": shipped("dev.json"), "qa.json": other });
    expect(r.errors).toEqual([]);
    const statements = statementsOf(r.stack("state-bootstrap"));
    const objects = statements.find((s) => s.Sid === "ReadWriteStateAndLockObjects")!;
    const resources = ([] as string[]).concat(objects.Resource);
    for (const prefix of ["hr-chatbot/dev", "people-search/qa", "hr-chatbot/bootstrap"]) {
      expect(resources).toContain(`\${aws_s3_bucket.state_bucket_803B4E61.arn}/${prefix}/*.tfstate`);
    }
    // no environment's grant covers another's state
    expect(resources.filter((x) => /\/(hr-chatbot|people-search)\/\*/.test(x))).toEqual([]);
    const list = statements.find((s) => s.Sid === "ListStateKeys")!;
    expect(list.Condition!.StringLike["s3:prefix"].sort()).toEqual([
      "hr-chatbot/bootstrap/*",
      "hr-chatbot/dev/*",
      "people-search/qa/*",
    ]);
  });
});

describe("destroy, then deploy again", () => {
  const r = synthOf({ "dev.json": shipped("dev.json"), "prod.json": shipped("prod.json") });
  const secrets = (name: string) =>
    Object.values(
      (r.stack(name).resource as Record<string, Record<string, Json>>).aws_secretsmanager_secret,
    ).map((s) => s.recovery_window_in_days);

  it("non-production secrets are deleted at once (recovery window 0), production keeps a window", () => {
    expect(secrets("dev")).toEqual([0, 0]);
    expect(secrets("prod").every((d) => typeof d === "number" && d >= 7)).toBe(true);
  });

  it("the final snapshot identifier is not a constant: a second destroy after a redeploy does not collide", () => {
    const cluster = Object.values(
      (r.stack("prod").resource as Record<string, Record<string, Json>>).aws_rds_cluster,
    )[0];
    expect(cluster.final_snapshot_identifier).toBe(
      'hr-chatbot-prod-final-${formatdate("YYYYMMDDhhmmss", timestamp())}',
    );
    expect(cluster.lifecycle).toMatchObject({ ignore_changes: ["final_snapshot_identifier"] });
  });
});

describe("what a new environment file must say", () => {
  const staging = (change: Json): Json => ({ ...stagingFromDev(), ...change });
  it.each<[string, Json, string]>([
    ["no accounts", { allowedAccountIds: undefined }, "allowedAccountIds (missing) is required (a list)"],
    ["an empty list", { allowedAccountIds: [] }, "allowedAccountIds [] must list at least one account"],
    [
      "not an account id",
      { allowedAccountIds: ["12345"] },
      'allowedAccountIds[0] "12345" must be a 12-digit AWS account id',
    ],
    [
      "an account twice",
      { allowedAccountIds: ["123456789012", "123456789012"] },
      'allowedAccountIds ["123456789012","123456789012"] lists an account twice',
    ],
    [
      "a prefix outside the project",
      { namePrefix: "hr" },
      'namePrefix "hr" must be the project name "hr-chatbot" or start with "hr-chatbot-"',
    ],
  ])("%s is refused", (_, change, message) => {
    expect(validateEnvironment("staging.json", staging(change)).errors).toEqual([`staging.json: ${message}`]);
  });

  it("a non-production secret recovery window is a warning: a redeploy after destroy would fail", () => {
    const doc = staging({ secrets: { ...(stagingFromDev().secrets as Json), recoveryWindowDays: 7 } });
    expect(validateEnvironment("staging.json", doc).warnings).toEqual([
      "staging.json: secrets.recoveryWindowDays 7 keeps the secret names taken for that many days after a destroy: deploying this environment again fails until then (0 deletes at once)",
    ]);
  });

  it("defaults: <project>-<env> names, secrets deleted at once; production keeps a 30-day window", () => {
    const { secrets, compute, ...rest } = stagingFromDev() as Json & { secrets: Json; compute: Json };
    delete secrets.recoveryWindowDays;
    const config = validateEnvironment("staging.json", { ...rest, secrets, compute }).config!;
    expect([config.namePrefix, config.compute.functionName, config.secrets]).toEqual([
      "hr-chatbot-staging",
      "hr-chatbot-staging-backend",
      {
        databaseSecretName: "hr-chatbot-staging/database",
        appSecretName: "hr-chatbot-staging/app-secrets",
        recoveryWindowDays: 0,
        customerManagedKey: false,
      },
    ]);
    const prod = shipped("prod.json") as Json & { secrets: Json };
    delete prod.secrets.recoveryWindowDays;
    expect(validateEnvironment("prod.json", prod).config!.secrets.recoveryWindowDays).toBe(30);
  });
});
