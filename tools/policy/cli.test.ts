import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./cli";
import { reviewPlanFile } from "./index";

const samplePlan = join(__dirname, "fixtures", "sample-plan.json");

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("policy CLI", () => {
  let dir: string;
  let openDbPlan: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
    const plan = JSON.parse(readFileSync(samplePlan, "utf8")) as {
      resource_changes: { address: string; change: { after: Record<string, unknown> } }[];
    };
    plan.resource_changes.find(
      (c) => c.address === "aws_vpc_security_group_ingress_rule.db-vpc",
    )!.change.after.cidr_ipv4 = "0.0.0.0/0";
    openDbPlan = join(dir, "open-db.json");
    writeFileSync(openDbPlan, JSON.stringify(plan));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a plan of one environment reviewed against another's file (exit 2)", async () => {
    const plan = JSON.parse(readFileSync(samplePlan, "utf8")) as {
      resource_changes: { change: { after: Record<string, unknown> } }[];
    };
    for (const c of plan.resource_changes) {
      if (c.change.after && "tags" in c.change.after) c.change.after.tags = { Environment: "prod" };
    }
    (plan as unknown as { configuration: unknown }).configuration = {};
    const prodPlan = join(dir, "prod-plan.json");
    writeFileSync(prodPlan, JSON.stringify(plan));
    const devEnv = join(dir, "dev-env.json");
    writeFileSync(devEnv, JSON.stringify({ name: "dev", tags: { Environment: "dev" } }));
    const r = await cli(prodPlan, "--env-file", devEnv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      `${prodPlan}: the plan is of environment prod, but the environment file is of "dev"; review each plan with its own environment file`,
    );
    const prodEnv = join(dir, "prod-env.json");
    writeFileSync(prodEnv, JSON.stringify({ name: "prod", tags: { Environment: "prod" } }));
    expect((await cli(prodPlan, "--env-file", prodEnv)).code).not.toBe(2);
  });

  it("passes the sample plan (exit 0)", async () => {
    const r = await cli(samplePlan);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Policy review of ${samplePlan}: environment unknown, 27 resource changes`);
    expect(r.out).toMatch(/Result: PASS/);
  });

  it("fails a plan with the database port open to the world (exit 1)", async () => {
    const r = await cli(openDbPlan);
    expect(r.code).toBe(1);
    expect(r.out).toContain("CRITICAL HRC-NET-001  aws_vpc_security_group_ingress_rule.db-vpc");
  });

  it("reads the environment file: intended ingress allowed, exceptions reported as excepted", async () => {
    const env = join(dir, "dev.json");
    writeFileSync(
      env,
      JSON.stringify({
        name: "dev",
        production: false,
        tags: { Project: "x" },
        policy: { allowedIngress: [{ port: 5432, cidr: "0.0.0.0/0", reason: "a public demo database" }] },
      }),
    );
    const allowed = await cli(openDbPlan, "--env-file", env);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain("port 5432/tcp from 0.0.0.0/0 is in the allowed ingress");

    const prod = join(dir, "prod.json");
    writeFileSync(
      prod,
      JSON.stringify({
        name: "staging",
        policy: {
          exceptions: [
            {
              rule: "HRC-NET-001",
              address: "aws_vpc_security_group_ingress_rule.db-vpc",
              reason: "temporary, for a migration",
            },
          ],
        },
      }),
    );
    const excepted = await cli(openDbPlan, "--env-file", prod);
    expect(excepted.code).toBe(0);
    expect(excepted.out).toContain("excepted (temporary, for a migration)");
  });

  it("loads a TypeScript environment module", async () => {
    const env = join(dir, "staging.ts");
    writeFileSync(
      env,
      'export const staging = { name: "staging", production: false, tags: { Project: "hr-chatbot", Owner: "x" } };\n',
    );
    const r = await cli(samplePlan, "--env-file", env, "--fail-on", "medium");
    expect(r.code).toBe(1);
    expect(r.out).toContain("environment staging");
    expect(r.out).toContain("missing required tag Owner");
  });

  it("prints JSON with --json", async () => {
    const r = await cli(openDbPlan, "--json");
    const parsed = JSON.parse(r.out) as { ok: boolean; result: { failed: { rule: string }[] } }[];
    expect(parsed[0].ok).toBe(false);
    expect(parsed[0].result.failed.map((f) => f.rule)).toEqual(["HRC-NET-001"]);
  });

  it("exits 2 on bad usage or input", async () => {
    expect((await cli()).code).toBe(2);
    expect((await cli(samplePlan, "--fail-on", "severe")).err).toBe(
      "--fail-on severe is not one of critical, high, medium, low",
    );
    expect((await cli("--nope", samplePlan)).code).toBe(2);
    const bad = join(dir, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ name: "dev", policy: { exceptions: [{ rule: "HRC-NET-001", reason: "tbd" }] } }),
    );
    const r = await cli(samplePlan, "--env-file", bad);
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: policy.exceptions[0].reason "tbd" must say why (at least 10 characters)');
    const state = join(dir, "state.json");
    writeFileSync(state, JSON.stringify({ format_version: "1.0", values: {} }));
    expect((await cli(state)).err).toMatch(/this is a state/);
    expect((await cli("--help")).code).toBe(0);
  });

  it("runs checkov with the environment's skips; enforcing makes its failures fail", async () => {
    const bin = join(dir, "checkov");
    writeFileSync(
      bin,
      `#!/bin/sh\nexec "${process.execPath}" "${join(__dirname, "fixtures", "fake-checkov.mjs")}" "$@"\n`,
    );
    chmodSync(bin, 0o755);
    const env = join(dir, "checkov-env.json");
    writeFileSync(
      env,
      JSON.stringify({
        name: "dev",
        policy: {
          checkovSkips: [
            {
              id: "CKV_AWS_158",
              resource: "aws_cloudwatch_log_group.api-logs",
              reason: "AWS owned key is enough here",
            },
          ],
        },
      }),
    );
    process.env.CHECKOV_BIN = bin;
    try {
      const reported = await cli(samplePlan, "--env-file", env, "--checkov");
      expect(reported.code).toBe(0);
      expect(reported.out).toContain("checkov 3.3.30: 27 resources, 69 passed, 5 failed, 1 skipped");
      expect(reported.out).toContain(
        "skipped CKV_AWS_158 aws_cloudwatch_log_group.api-logs: AWS owned key is enough here",
      );
      const enforced = await cli(samplePlan, "--env-file", env, "--checkov-enforce");
      expect(enforced.code).toBe(1);
    } finally {
      delete process.env.CHECKOV_BIN;
    }
  });
});

describe("reviewPlanFile", () => {
  it("is what the offline plan tooling calls per stack", () => {
    const review = reviewPlanFile(samplePlan, {
      environment: { name: "dev", tags: { Project: "hr-chatbot" } },
    });
    expect(review.ok).toBe(true);
    expect(review.result.environment).toBe("dev");
    expect(review.report).toContain("Result: PASS");
  });

  it("skips checkov in auto mode when it is not installed", () => {
    process.env.CHECKOV_BIN = join(tmpdir(), "no-such-checkov");
    try {
      const review = reviewPlanFile(samplePlan, { checkov: "auto" });
      expect(review.checkov).toBeUndefined();
      expect(review.report).toContain("checkov: skipped, checkov not installed at");
    } finally {
      delete process.env.CHECKOV_BIN;
    }
  });
});
