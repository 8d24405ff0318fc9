/**
 * checkov reads the synthesized configuration (cdk.tf.json) as well as the
 * plan JSON: a plan holds computed defaults that some checks read as set
 * (`reserved_concurrent_executions = -1` passes CKV_AWS_115), so only the
 * configuration shows what the code really sets. Runs the pinned checkov,
 * limited to the checks below.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { synthesizeApp } from "../../stacks/app";
import { loadEnvironments } from "../../stacks/config/load";
import { defaultCheckovBin, runCheckov, type CheckovResult } from "../../tools/policy/checkov";

/** Reserved concurrency, customer key for the environment, minor version upgrades. */
const CHECKS = ["CKV_AWS_115", "CKV_AWS_173", "CKV_AWS_226"];

describe("checkov on the synthesized configuration (terraform_json)", () => {
  const root = mkdtempSync(join(tmpdir(), "checkov-config-"));
  let outdir = "";
  const environments = loadEnvironments().environments;
  const skipsOf = (name: string) =>
    environments.find((e) => e.config.name === name)!.config.policy.checkovSkips;
  const run = (stack: string, skips = skipsOf(stack)): CheckovResult =>
    runCheckov({
      planPath: join(outdir, "stacks", stack, "cdk.tf.json"),
      framework: "terraform_json",
      skips,
      checks: CHECKS,
    });

  beforeAll(() => {
    if (!existsSync(defaultCheckovBin())) throw new Error(`checkov not installed at ${defaultCheckovBin()}`);
    const synth = synthesizeApp({ outdir: join(root, "cdktf.out"), environmentsDir: undefined });
    if (!synth.ok) throw new Error(synth.errors.join("\n"));
    outdir = synth.outdir;
  }, 120_000);

  it("production: every function has reserved concurrency and a customer key for its environment", () => {
    const r = run("prod");
    const functions = Object.keys(
      (
        JSON.parse(readFileSync(join(outdir, "stacks", "prod", "cdk.tf.json"), "utf8")) as {
          resource: Record<string, Record<string, unknown>>;
        }
      ).resource.aws_lambda_function,
    );
    expect(functions.length).toBeGreaterThanOrEqual(2);
    expect(r.failed).toEqual([]);
    expect(r.skipped).toEqual([]);
    // each function passes both Lambda checks; each instance passes CKV_AWS_226
    expect(r.passed).toBeGreaterThanOrEqual(functions.length * 2 + 2);
  }, 120_000);

  it("dev: the configuration shows what the plan hides, and each finding is skipped with its reason", () => {
    const unskipped = run("dev", []);
    const found = unskipped.failed.map((f) => `${f.id} ${f.resource}`).sort();
    expect(found).toEqual([
      "CKV_AWS_115 aws_lambda_function.db-bootstrap_function_61EF51B6",
      "CKV_AWS_115 aws_lambda_function.function_679B3B5A",
      "CKV_AWS_173 aws_lambda_function.db-bootstrap_function_61EF51B6",
      "CKV_AWS_173 aws_lambda_function.function_679B3B5A",
    ]);
    const withSkips = run("dev");
    expect(withSkips.failed).toEqual([]);
    expect(withSkips.skipped.map((s) => s.id).sort()).toEqual([
      "CKV_AWS_115",
      "CKV_AWS_115",
      "CKV_AWS_173",
      "CKV_AWS_173",
    ]);
  }, 120_000);
});
