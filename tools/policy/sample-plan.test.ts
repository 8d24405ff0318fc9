/**
 * The rules against a real offline plan (fixtures/sample-plan.json, written by
 * terraform 1.11.4 from fixtures/sample-stack.ts), where ARNs and ids are
 * unknown and policies exist only as configuration expressions.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Testing } from "cdktf";
import { evaluatePlan } from "./evaluate";
import { SAMPLE_TAGS, SampleStack } from "./fixtures/sample-stack";
import { PlanView } from "./plan";
import { defaultContext } from "./schema";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const original: Json = JSON.parse(readFileSync(join(__dirname, "fixtures", "sample-plan.json"), "utf8"));
const ctx = defaultContext({
  environment: "sample",
  production: true,
  requiredTags: Object.keys(SAMPLE_TAGS),
});

function mutated(edit: (p: Json) => void): Json {
  const p = structuredClone(original);
  edit(p);
  return p;
}
const changeOf = (p: Json, address: string): Json =>
  p.resource_changes.find((c: Json) => c.address === address);
const configOf = (p: Json, address: string): Json =>
  p.configuration.root_module.resources.find((r: Json) => r.address === address);

describe("sample offline plan", () => {
  it("is the plan of the current SampleStack (regenerate it when the stack changes)", () => {
    const synth = JSON.parse(Testing.synth(new SampleStack(Testing.app(), "sample"))) as Json;
    const synthAddresses = Object.entries(synth.resource as Record<string, Json>)
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
      .sort();
    expect(original.resource_changes.map((c: Json) => c.address).sort()).toEqual(synthAddresses);
  });

  it("passes every rule with nothing left unverified", () => {
    const r = evaluatePlan(original, ctx, { failOn: "low" });
    expect(r.findings).toEqual([]);
    expect(r.notes.filter((n) => n.kind === "unverified")).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("reads the Lambda policy from the configuration although its planned value is unknown", () => {
    expect(changeOf(original, "aws_iam_role_policy.read-secret").change.after_unknown.policy).toBe(true);
    const p = mutated((plan) => {
      const expr = configOf(plan, "aws_iam_role_policy.read-secret").expressions.policy;
      const replaced = expr.constant_value.replace('["${aws_secretsmanager_secret.db-secret.arn}"]', '"*"');
      expect(replaced).not.toBe(expr.constant_value);
      expr.constant_value = replaced;
    });
    const r = evaluatePlan(p, ctx);
    expect(r.failed.map((f) => `${f.rule} ${f.address}: ${f.message}`)).toEqual([
      "HRC-IAM-001 aws_iam_role_policy.read-secret: policy Statement[0] allows secretsmanager:GetSecretValue, " +
        'secretsmanager:DescribeSecret on Resource "*"; scope it to the ARNs of the secrets, keys or models actually used',
    ]);
  });

  it("matches the state bucket's companions through their configuration references", () => {
    const view = PlanView.parse(original);
    const versioning = view.resources("aws_s3_bucket_versioning")[0];
    expect(versioning.get("bucket")).toMatchObject({ references: ["aws_s3_bucket.state.id"] });
    const p = mutated((plan) => {
      plan.resource_changes = plan.resource_changes.filter(
        (c: Json) => c.type !== "aws_s3_bucket_versioning",
      );
    });
    expect(evaluatePlan(p, ctx).failed.map((f) => `${f.rule} ${f.address}: ${f.message}`)).toEqual([
      "HRC-S3-001 aws_s3_bucket.state: has no aws_s3_bucket_versioning",
    ]);
  });

  it("finds each rule's violation when the plan is edited to break it", () => {
    const cases: [string, (p: Json) => void, string][] = [
      [
        "HRC-NET-001",
        (p) =>
          (changeOf(p, "aws_vpc_security_group_ingress_rule.db-vpc").change.after.cidr_ipv4 = "0.0.0.0/0"),
        "aws_vpc_security_group_ingress_rule.db-vpc",
      ],
      [
        "HRC-NET-003",
        (p) =>
          (changeOf(p, "aws_vpc_endpoint.endpoint-secretsmanager").change.after.private_dns_enabled = false),
        "aws_vpc_endpoint.endpoint-secretsmanager",
      ],
      [
        "HRC-LOG-001",
        (p) =>
          (p.resource_changes = p.resource_changes.filter(
            (c: Json) => c.address !== "aws_cloudwatch_log_group.fn-logs",
          )),
        "aws_lambda_function.fn",
      ],
      [
        "HRC-LOG-002",
        (p) => (changeOf(p, "aws_cloudwatch_log_group.api-logs").change.after.retention_in_days = 0),
        "aws_apigatewayv2_stage.stage",
      ],
      [
        "HRC-S3-003",
        (p) =>
          (changeOf(
            p,
            "aws_s3_bucket_public_access_block.state-public-access",
          ).change.after.ignore_public_acls = false),
        "aws_s3_bucket.state",
      ],
      [
        "HRC-CHG-001",
        (p) => (changeOf(p, "aws_rds_cluster.cluster").change.actions = ["delete", "create"]),
        "aws_rds_cluster.cluster",
      ],
    ];
    for (const [rule, edit, address] of cases) {
      const r = evaluatePlan(mutated(edit), ctx, { failOn: "low" });
      expect([rule, r.findings.map((f) => `${f.rule} ${f.address}`)]).toEqual([rule, [`${rule} ${address}`]]);
    }
  });

  it("checks tags on every taggable resource, merged with the provider default tags", () => {
    const r = evaluatePlan(original, { ...ctx, requiredTags: ["Project", "Owner"] }, { failOn: "low" });
    const taggable = original.resource_changes.filter((c: Json) => "tags_all" in c.change.after).length;
    expect(r.failed).toHaveLength(taggable);
    expect(new Set(r.failed.map((f) => f.rule))).toEqual(new Set(["HRC-TAG-001"]));
  });
});
