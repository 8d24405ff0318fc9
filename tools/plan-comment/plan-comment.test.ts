/**
 * The plan comment, rendered from the committed fixtures: the offline plans of
 * the shipped stacks (trimmed) and one crafted from the dev plan with
 * replacements and deletions. test/terraform/offline-plan.test.ts checks that
 * the fixtures still match fresh offline plans.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadEnvironments } from "../../stacks/config/load";
import { summarizePlan } from "../offline-plan/summary";
import { REPLACEMENT_FIXTURE, fixtureFile } from "./fixtures";
import { commentCost, commentReview, type ReviewLike } from "./inputs";
import { commentMarker, formatUsd, renderPlanComment, statefulChanges, type PlanJson } from "./render";
import { main } from "./cli";

const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as PlanJson;
const STACKS = ["dev", "prod", "state-bootstrap"];
const envs = loadEnvironments().environments;
const env = (name: string) => envs.find((e) => e.config.name === name)!.config;

describe.each(STACKS)("comment for the offline plan of %s", (stack) => {
  const plan = read(fixtureFile(stack));
  const md = renderPlanComment({ stack, plan });

  it("starts with the stack's marker and says what the plan creates", () => {
    const s = summarizePlan(plan);
    expect(md.split("\n")[0]).toBe(`<!-- plan-comment:${stack} -->`);
    expect(s.totals.create).toBeGreaterThan(0);
    expect(md).toContain(`**${s.totals.create} to create, 0 to update, 0 to replace, 0 to delete.**`);
  });

  it("has one table row per resource type with its create count", () => {
    const s = summarizePlan(plan);
    const rows = md.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows).toHaveLength(Object.keys(s.byType).length);
    for (const [type, c] of Object.entries(s.byType))
      expect(rows).toContain(`| \`${type}\` | **${c.create}** | 0 | 0 | 0 |`);
  });

  it("calls out no stateful replacement in a plan that only creates", () => {
    expect(statefulChanges(plan)).toEqual([]);
    expect(md).not.toContain("[!CAUTION]");
  });
});

describe("comment for a plan with replacements and deletions (crafted from the dev plan)", () => {
  const plan = read(REPLACEMENT_FIXTURE);
  const md = renderPlanComment({ stack: "dev", plan });
  const lines = md.split("\n");

  it("lists the stateful replacements first, then the deletions, with Terraform's reason", () => {
    const stateful = statefulChanges(plan);
    expect(stateful.map((s) => `${s.kind} ${s.type}`)).toEqual([
      "replace aws_rds_cluster",
      "replace aws_rds_cluster_instance",
      "delete aws_secretsmanager_secret",
      "delete aws_subnet",
    ]);
    const caution = lines.findIndex((l) => l === "> [!CAUTION]");
    const table = lines.findIndex((l) => l.startsWith("| resource type"));
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(table);
    expect(md).toMatch(
      /> - \*\*replace\*\* `aws_rds_cluster\.database_cluster_[0-9A-F]+` \(replace_because_cannot_update; forced by master_username\)/,
    );
  });

  it("counts the changes and leaves the function update out of the stateful list", () => {
    expect(md).toContain("**0 to create, 1 to update, 2 to replace, 2 to delete.**");
    expect(md).toContain("| `aws_lambda_function` | 0 | **1** | 0 | 0 |");
    expect(md).not.toMatch(/> - .*aws_lambda_function/);
  });

  it("sorts stateful types to the top of the table", () => {
    const rows = lines.filter((l) => l.startsWith("| `")).map((l) => l.split("`")[1]);
    expect(rows).toEqual([
      "aws_rds_cluster",
      "aws_rds_cluster_instance",
      "aws_secretsmanager_secret",
      "aws_subnet",
      "aws_lambda_function",
    ]);
  });
});

describe("policy findings and cost delta", () => {
  const review: ReviewLike = {
    ok: false,
    result: {
      failed: [
        {
          rule: "HRC-DB-001",
          severity: "critical",
          title: "t",
          address: "aws_rds_cluster_instance.x",
          message: "publicly | accessible",
          status: "failed",
        },
      ],
      findings: [
        {
          rule: "HRC-DB-001",
          severity: "critical",
          title: "t",
          address: "a",
          message: "m",
          status: "failed",
        },
        { rule: "HRC-TAG-001", severity: "low", title: "t", address: "b", message: "m", status: "excepted" },
      ],
    },
    checkov: {
      version: "3.3.30",
      passed: 10,
      failed: [
        { id: "CKV_AWS_18", name: "Ensure access logging", resource: "aws_s3_bucket.b", guideline: null },
      ],
      skipped: [{ id: "CKV_AWS_1", name: "n", resource: "r", guideline: null, reason: "why" }],
    },
  };

  it("renders every failing finding, escapes table cells and counts accepted ones", () => {
    const md = renderPlanComment({
      stack: "dev",
      plan: read(fixtureFile("dev")),
      review: commentReview(review),
    });
    expect(md).toContain("### Plan for `dev` (policy review FAILED)");
    expect(md).toContain(
      "**Policy review:** FAIL, 2 failing finding(s), 2 accepted by an exception or skip.",
    );
    expect(md).toContain(
      "| `HRC-DB-001` | critical | `aws_rds_cluster_instance.x` | publicly \\| accessible |",
    );
    expect(md).toContain("| `CKV_AWS_18` | checkov | `aws_s3_bucket.b` | Ensure access logging |");
    expect(md).toContain("checkov 3.3.30: 10 passed, 1 failed, 1 skipped with a reason.");
  });

  it("shows base and head monthly cost from tools/cost and the items that changed", () => {
    const dev = env("dev");
    const bigger = { ...dev, database: { ...dev.database, instanceCount: 2 } };
    const cost = commentCost(bigger, dev);
    expect(cost.headCents - cost.baseCents!).toBe(7300); // one more 0.5 ACU instance: 365 ACU-h x $0.20
    const md = renderPlanComment({ stack: "dev", plan: read(fixtureFile("dev")), cost });
    expect(md).toContain(
      `**Estimated monthly cost:** ${formatUsd(cost.baseCents!)} -> ${formatUsd(cost.headCents)}, +$73.00 (`,
    );
    expect(md).toContain("- Aurora Serverless v2 capacity: $73.00 -> $146.00");
  });

  it("says when there is no base estimate, and no change when equal", () => {
    const dev = env("dev");
    expect(renderPlanComment({ stack: "dev", plan: {}, cost: commentCost(dev) })).toMatch(
      /\*\*Estimated monthly cost:\*\* \$\d+\.\d\d \(no estimate for the base branch\)\./,
    );
    expect(renderPlanComment({ stack: "dev", plan: {}, cost: commentCost(dev, dev) })).toContain(
      ", no change.",
    );
    expect(renderPlanComment({ stack: "dev", plan: {} })).toContain("No changes.");
  });

  it("formats cents as dollars", () => {
    expect([formatUsd(0), formatUsd(12514), formatUsd(-7300), formatUsd(123456789)]).toEqual([
      "$0.00",
      "$125.14",
      "-$73.00",
      "$1,234,567.89",
    ]);
  });
});

describe("cli", () => {
  it("renders a fixture with the cost of its environment file", () => {
    let out = "";
    const code = main(
      [
        "--stack",
        "prod",
        "--plan",
        fixtureFile("prod"),
        "--env-dir",
        join(__dirname, "../../stacks/environments"),
      ],
      (s) => (out += s),
    );
    expect(code).toBe(0);
    expect(out.startsWith(commentMarker("prod"))).toBe(true);
    expect(out).toContain("**Estimated monthly cost:** $220.95 (no estimate for the base branch).");
  });
});
